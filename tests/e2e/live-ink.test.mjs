// Live ink (web/src/render/live-ink.ts) in a real Chromium: a stroke being
// drawn is painted by the page's render worker on tiles of its own over the
// board canvas, pixel for pixel as the renderer would paint it, and goes to
// the board canvas when it ends or stops growing; a peer's stroke streaming
// in costs the receiving page no board frame. The tiles' drawing of live
// strokes, where there is no live ink, is tiles.test.mjs's.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import { launchChromium, openBoard, openLiveBoards, roomName, startServer, waitForStatus, waitUntil } from './harness.mjs'
import { decodePng, insidePatches } from './png.mjs'

const VIEWPORT = { width: 900, height: 640 }
/** A pixel counts as differing when a channel differs by more than this. */
const CHANNEL_TOLERANCE = 64
/**
 * Where a stroke doubles back, a worker's canvas and the page's fill a
 * sliver of its outline differently, a pixel or two per turn (as
 * tiles.test.mjs found between the board canvas and an OffscreenCanvas); a
 * missing or stale piece of a stroke is a patch of pixels. So a paint
 * matches when no differing pixel has all eight neighbours differing too
 * (`solid`), and differing pixels are at most this share of the inked ones.
 */
const SLIVER_SHARE = 0.01

/** Waits until the page's live ink is up: strokes begun before go to the tiles. */
async function inkReady(page) {
  await waitUntil('the live ink to be ready', () => page.evaluate(() => window.__inkmesh.handle.view.renderer.ink?.isReady === true), 15_000)
}

/** Appends chunk `chunk` (4 points) of a stroke that runs right, doubling back now and then. */
function appendChunk(page, id, chunk) {
  return page.evaluate(
    ([sid, chunk]) => {
      const pts = []
      for (let k = 0; k < 4; k++) {
        const i = chunk * 4 + k
        const back = i % 60 >= 50
        pts.push({ x: 160 + (back ? 2 * (i % 60) - 100 : i % 60) * 5 + (i >> 5) * 3, y: 300 + Math.sin(i / 9) * 120 + ((i * 7) % 5) })
      }
      window.__inkmesh.handle.board.appendPoints(sid, pts)
    },
    [id, chunk],
  )
}

/** Resolves in the page once the worker has painted `id` (a 'live' frame naming it), or rejects after 5 s. */
function livePaintOf(page, id) {
  return page.evaluate(
    (sid) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => (off(), reject(new Error(`no live ink paint of ${sid} within 5 s`))), 5000)
        const off = window.__inkmesh.handle.view.renderer.onFrame((info) => {
          if (info.kind === 'live' && info.changed.includes(sid)) {
            clearTimeout(timer)
            off()
            resolve()
          }
        })
      }),
    id,
  )
}

/** The live ink tiles shown now. */
function shownInkTiles(page) {
  return page.evaluate(
    () =>
      [...document.querySelector('.inkmesh-board-host').shadowRoot.querySelectorAll('[data-testid="live-ink"] canvas')].filter(
        (c) => c.style.visibility !== 'hidden',
      ).length,
  )
}

/** Pixels of the board canvas with any ink. */
function boardCanvasInk(page) {
  return page.evaluate(() => {
    const canvas = window.__inkmesh.handle.view.renderer.canvas
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
    let ink = 0
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++
    return ink
  })
}

/**
 * A screenshot of the board's canvases as shown (the panels hidden), and one
 * of the renderer's own paint of the board, live strokes included, on a
 * canvas laid over everything: how many pixels differ, and how many have ink.
 */
async function compareWithRendererPaint(page) {
  await page.evaluate(() => {
    const root = document.querySelector('.inkmesh-board-host').shadowRoot
    if (root.querySelector('#canvases-only') !== null) return
    const style = document.createElement('style')
    style.id = 'canvases-only'
    // The panels, and the focus ring drawn over the board's edge.
    style.textContent = '.board *:not(canvas):not([data-testid="live-ink"]) { visibility: hidden !important } .board::after { display: none !important }'
    root.append(style)
  })
  const shown = decodePng(await page.screenshot())
  await page.evaluate(() => {
    const { renderer } = window.__inkmesh.handle.view
    const canvas = document.createElement('canvas')
    canvas.id = 'reference'
    canvas.width = renderer.canvas.width
    canvas.height = renderer.canvas.height
    canvas.style.cssText = 'position:fixed;inset:0;width:100%;height:100%;z-index:10;background:#ffffff'
    renderer.paintUncached(canvas.getContext('2d'), undefined, true)
    document.body.append(canvas)
  })
  const reference = decodePng(await page.screenshot())
  await page.evaluate(() => document.querySelector('#reference').remove())
  assert.deepEqual([shown.width, shown.height], [reference.width, reference.height])
  const { width: w, height: h } = reference
  const differs = new Uint8Array(w * h)
  let differing = 0
  let ink = 0
  for (let i = 0; i < reference.pixels.length; i += 4) {
    if (reference.pixels[i] !== 255 || reference.pixels[i + 1] !== 255 || reference.pixels[i + 2] !== 255) ink++
    for (let c = 0; c < 3; c++) {
      if (Math.abs(reference.pixels[i + c] - shown.pixels[i + c]) > CHANNEL_TOLERANCE) {
        differing++
        differs[i / 4] = 1
        break
      }
    }
  }
  return { differing, solid: insidePatches(differs, w, h), ink }
}

/** Asserts that the board's canvases show what the renderer paints (compareWithRendererPaint), `when`. */
async function assertShowsRendererPaint(page, when) {
  const c = await compareWithRendererPaint(page)
  const what = `${when}: ${c.differing} pixels differ from the renderer's paint, ${c.solid} inside patches (${c.ink} inked)`
  assert.ok(c.solid === 0 && c.differing <= SLIVER_SHARE * c.ink, what)
  return c
}

describe('live ink', () => {
  let server
  let browser

  before(async () => {
    server = await startServer({ name: 'live-ink' })
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
  })

  it('paints a stroke being drawn as the renderer would, off the board canvas, and hands it over when it ends', async () => {
    const page = await openBoard(browser, `${server.url}/b/${roomName('ink')}?name=Ida`, { viewport: VIEWPORT })
    await waitForStatus(page)
    await inkReady(page)
    // Away from the origin, at a zoom that is not 1: the worker must place the ink as the board canvas does.
    await page.evaluate(() => window.__inkmesh.handle.view.camera.set(40.3, 20.6, 1.25))
    const id = await page.evaluate(() => window.__inkmesh.handle.board.beginStroke({ x: 160, y: 300 }, { sc: '#2f9e44', sw: 14 }))
    assert.deepEqual(await page.evaluate(() => window.__inkmesh.handle.view.renderer.liveInk()), [id], 'a new stroke goes to the live ink')
    let ink = 0
    for (let chunk = 0; chunk < 90; chunk++) {
      const painted = livePaintOf(page, id)
      await appendChunk(page, id, chunk)
      await painted
      if (chunk === 0 || chunk === 29 || chunk === 89) ink = (await assertShowsRendererPaint(page, `after chunk ${chunk + 1}`)).ink
    }
    assert.ok(ink > 10_000, `the stroke is on screen (${ink} inked pixels)`)
    assert.equal(await boardCanvasInk(page), 0, 'the board canvas holds none of it')
    assert.ok((await shownInkTiles(page)) > 0, 'ink tiles show')

    await page.evaluate((sid) => window.__inkmesh.handle.board.endStroke(sid), id)
    await waitUntil('the ended stroke to leave the live ink, and its tiles to hide', async () =>
      (await page.evaluate(() => window.__inkmesh.handle.view.renderer.liveInk().length)) === 0 && (await shownInkTiles(page)) === 0,
    )
    assert.ok((await boardCanvasInk(page)) > 10_000, 'the board canvas draws the ended stroke')
    await assertShowsRendererPaint(page, 'once ended')
    await page.context().close()
  })

  it("draws a peer's stroke streaming in without a board frame, and the stroke once ended on the board canvas", async () => {
    const [a, b] = await openLiveBoards(browser, `${server.url}/b/${roomName('ink-peer')}`, ['Ann', 'Ben'])
    await inkReady(a)
    await inkReady(b)
    await b.evaluate(() => {
      const frames = []
      window.__frames = frames
      window.__inkmesh.handle.view.renderer.onFrame((info) => frames.push({ kind: info.kind, changed: info.changed }))
    })
    const id = await a.evaluate(() => window.__inkmesh.handle.board.beginStroke({ x: 160, y: 300 }, { sc: '#1971c2', sw: 6 }))
    for (let chunk = 0; chunk < 40; chunk++) {
      await appendChunk(a, id, chunk)
      await a.evaluate(() => new Promise((r) => setTimeout(r, 16)))
    }
    await waitUntil("B to hold A's 160 points", () =>
      b.evaluate((sid) => window.__inkmesh.handle.board.get(sid)?.points.length === 160, id),
    )
    await waitUntil("B's live ink to paint them", () =>
      b.evaluate((sid) => window.__frames.some((f) => f.kind === 'live' && f.changed.includes(sid)), id),
    )
    const frames = await b.evaluate(() => window.__frames)
    const boardFrames = frames.filter((f) => f.kind !== 'live' && f.changed.includes(id))
    assert.equal(boardFrames.length, 0, `no board frame drew the stroke while it streamed in: ${JSON.stringify(boardFrames)}`)
    assert.deepEqual(await b.evaluate(() => window.__inkmesh.handle.view.renderer.liveInk()), [id])

    await a.evaluate((sid) => window.__inkmesh.handle.board.endStroke(sid), id)
    await waitUntil("the ended stroke to leave B's live ink", async () =>
      (await b.evaluate(() => window.__inkmesh.handle.view.renderer.liveInk().length)) === 0 && (await shownInkTiles(b)) === 0,
    )
    assert.ok((await boardCanvasInk(b)) > 1000, "B's board canvas draws the ended stroke")
    await a.context().close()
    await b.context().close()
  })

  it('hands a stroke that stops growing to the board canvas', async () => {
    const page = await openBoard(browser, `${server.url}/b/${roomName('ink-idle')}?name=Isa`, { viewport: VIEWPORT })
    await waitForStatus(page)
    await inkReady(page)
    const id = await page.evaluate(() => window.__inkmesh.handle.board.beginStroke({ x: 160, y: 300 }, { sc: '#e03131', sw: 8 }))
    for (let chunk = 0; chunk < 10; chunk++) await appendChunk(page, id, chunk)
    assert.deepEqual(await page.evaluate(() => window.__inkmesh.handle.view.renderer.liveInk()), [id])
    // Its author paused, or left mid-stroke: after a few seconds without a point, the board canvas draws it.
    await waitUntil('the unfinished stroke to leave the live ink', async () =>
      (await page.evaluate(() => window.__inkmesh.handle.view.renderer.liveInk().length)) === 0 && (await shownInkTiles(page)) === 0,
    10_000)
    assert.equal(await page.evaluate((sid) => window.__inkmesh.handle.board.get(sid).done, id), false, 'the stroke is still unfinished')
    assert.ok((await boardCanvasInk(page)) > 1000, 'the board canvas draws it')
    await assertShowsRendererPaint(page, 'on the board canvas')
    await page.context().close()
  })
})
