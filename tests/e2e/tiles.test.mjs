// The renderer's tile cache (web/src/render/tiles.ts) in a real Chromium: what
// the board canvas shows, composited from cached tiles, equals the board
// painted directly without tiles (Renderer.paintUncached) after a pan, zoom
// steps, far out and on a return to an earlier zoom; an edit inside cached
// tiles shows up, and one off screen without a frame; a live stroke drawn in
// the tiles (a browser without OffscreenCanvas, so without live ink: see
// live-ink.test.mjs), of which each chunk redraws only the tail, equals a
// direct paint after every chunk; and a stroke lands on the device pixel the
// camera puts it at.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import { launchChromium, openBoard, roomName, startServer, waitForStatus, waitUntil } from './harness.mjs'
import { insidePatches } from './png.mjs'

/** Strokes on the board: enough that tiles hold many, few enough to build fast. */
const STROKES = 1500
/** A channel differing by more than this counts the pixel as different (antialiasing of batched paths). */
const CHANNEL_TOLERANCE = 48
/**
 * A live stroke alone, premultiplied channels: antialiased edges differ by up
 * to ~70 levels between a tile and a direct paint (seen along diagonal edges,
 * even with every chunk redrawing the whole stroke); a stale tail or end cap
 * differs by its full ink.
 */
const LIVE_TOLERANCE = 128
/** Share of the canvas's pixels allowed to differ that much. */
const PIXEL_SHARE = 0.002

/** Adds `n` random 40-point strokes over 3000 × 2000 board px. */
async function addStrokes(page, n) {
  await page.evaluate((n) => {
    const { board } = window.__inkmesh.handle
    let seed = 99
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    const colours = ['#1e1e1e', '#e03131', '#1971c2', '#2f9e44']
    for (let i = 0; i < n; i++) {
      let x = rnd() * 3000
      let y = rnd() * 2000
      const pts = []
      for (let k = 0; k < 40; k++) {
        pts.push({ x, y })
        x += (rnd() - 0.5) * 14
        y += (rnd() - 0.5) * 14
      }
      const id = board.beginStroke(pts[0], { sc: colours[i % colours.length], sw: 1 + (i % 5) })
      board.appendPoints(id, pts)
      board.endStroke(id)
    }
  }, n)
}

/**
 * Compares the board canvas with a direct paint of the same view: how many
 * pixels differ by more than the tolerance, out of how many, and how many
 * pixels have ink at all (a blank board would match trivially). With
 * `premultiplied`, colour channels are compared times their alpha: a nearly
 * transparent antialiased pixel's colour reads back as anything.
 */
function compareWithUncached(page, premultiplied = false) {
  return page.evaluate(([tolerance, premultiplied, insidePatchesSource]) => {
    const { renderer } = window.__inkmesh.handle.view
    const canvas = renderer.canvas
    const { width: w, height: h } = canvas
    const shown = canvas.getContext('2d').getImageData(0, 0, w, h).data
    const reference = new OffscreenCanvas(w, h)
    const rctx = reference.getContext('2d')
    renderer.paintUncached(rctx)
    const fresh = rctx.getImageData(0, 0, w, h).data
    let differing = 0
    let ink = 0
    const differs = new Uint8Array(w * h)
    for (let i = 0; i < shown.length; i += 4) {
      if (fresh[i + 3] > 0) ink++
      const weight = (data, c) => (premultiplied && c < 3 ? (data[i + c] * data[i + 3]) / 255 : data[i + c])
      for (let c = 0; c < 4; c++) {
        if (Math.abs(weight(shown, c) - weight(fresh, c)) > tolerance) {
          differing++
          differs[i / 4] = 1
          break
        }
      }
    }
    // Differing pixels whose eight neighbours differ too: the inside of a patch, not a stray pixel.
    const insidePatches = new Function(`return (${insidePatchesSource})`)()
    return { differing, solid: insidePatches(differs, w, h), total: w * h, ink }
  }, [premultiplied ? LIVE_TOLERANCE : CHANNEL_TOLERANCE, premultiplied, insidePatches.toString()])
}

/** Waits until the canvas matches the uncached paint (tiles still being painted catch up within frames). */
async function waitForMatch(page, what) {
  let last
  try {
    return await waitUntil(
      `${what}: the tiled canvas to match the uncached paint`,
      async () => {
        last = await compareWithUncached(page)
        return last.differing <= PIXEL_SHARE * last.total ? last : false
      },
      15_000,
      100,
    )
  } catch (e) {
    throw new Error(`${e.message}; last comparison ${JSON.stringify(last)}`)
  }
}

describe('tile cache', () => {
  let server
  let browser
  let page

  before(async () => {
    server = await startServer({ name: 'tiles' })
    browser = await launchChromium()
    page = await openBoard(browser, `${server.url}/b/${roomName('tiles')}?name=Tess`, { viewport: { width: 900, height: 640 } })
    await waitForStatus(page)
    await addStrokes(page, STROKES)
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
  })

  it('composites tiles that equal a direct paint, at a fractional pan and after zoom steps', async () => {
    await page.evaluate(() => window.__inkmesh.handle.view.camera.set(412.37, 233.81, 0.73))
    const first = await waitForMatch(page, 'fractional view at zoom 0.73')
    assert.ok(first.ink > 0.02 * first.total, `the view shows strokes (${first.ink} inked pixels)`)

    await page.evaluate(() => window.__inkmesh.handle.view.camera.panBy(-131.6, 57.2))
    await waitForMatch(page, 'after a pan')

    await page.evaluate(() => {
      const { camera } = window.__inkmesh.handle.view
      for (let i = 0; i < 3; i++) camera.zoomAt({ x: 450, y: 320 }, 1.1)
    })
    await waitForMatch(page, 'after zooming in three steps')

    // Far out: a tile holds a large share of the board and walks the board's order instead of sorting its own.
    await page.evaluate(() => window.__inkmesh.handle.view.camera.set(-300.4, -200.9, 0.21))
    await waitForMatch(page, 'the whole board in view at zoom 0.21')

    // Back to the first scale: its tiles may still be cached.
    await page.evaluate(() => window.__inkmesh.handle.view.camera.set(412.37, 233.81, 0.73))
    await waitForMatch(page, 'back at zoom 0.73')
  })

  it('shows an edit inside cached tiles, a removal, and an edit off screen', async () => {
    await page.evaluate(() => window.__inkmesh.handle.view.camera.set(100, 100, 1.25))
    await waitForMatch(page, 'zoom 1.25')
    // A thick blue stroke across several tiles of the view. The renderer
    // reports it unpainted until a frame has drawn it (a snapshot's apply
    // waits for that: paint-first.ts), then painted, frames for idle
    // refinement or not.
    const { id, unpaintedAfterEdit } = await page.evaluate(() => {
      const { board, view } = window.__inkmesh.handle
      const pts = []
      for (let i = 0; i <= 30; i++) pts.push({ x: 200 + i * 12, y: 300 + (i % 2) * 4 })
      const id = board.beginStroke(pts[0], { sc: '#1971c2', sw: 16 })
      board.appendPoints(id, pts)
      board.endStroke(id)
      return { id, unpaintedAfterEdit: view.renderer.changesUnpainted() }
    })
    assert.equal(unpaintedAfterEdit, true, 'an edit is unpainted until a frame draws it')
    await waitUntil('the edit to be painted', () => page.evaluate(() => !window.__inkmesh.handle.view.renderer.changesUnpainted()), 5_000)
    await waitForMatch(page, 'after adding a stroke')
    const inkAt = (x, y) =>
      page.evaluate(
        ([x, y]) => {
          const { camera, renderer } = window.__inkmesh.handle.view
          const k = camera.zoom * renderer.dpr
          const px = Math.round(x * k) - Math.round(camera.x * k)
          const py = Math.round(y * k) - Math.round(camera.y * k)
          return Array.from(renderer.canvas.getContext('2d').getImageData(px, py, 1, 1).data)
        },
        [x, y],
      )
    // Its middle, on the pixel the camera maps it to: opaque and blue.
    const [r, g, b, a] = await inkAt(200 + 15 * 12, 302)
    assert.ok(a > 200 && b > 150 && r < 100, `the new stroke is drawn where the camera puts it (rgba ${[r, g, b, a]})`)

    await page.evaluate((id) => window.__inkmesh.handle.board.remove([id]), id)
    await waitForMatch(page, 'after removing it')

    // Off screen, where tiles painted ahead in idle time may already hold the
    // old board. No frame draws it: the tiles holding it are repainted at once.
    // Idle time may be refining strokes meanwhile, and a frame already due
    // draws the edit too: so each try first waits (up to 60 tries, ~4 s) for
    // two animation frames without one of ours, and one of three tries must
    // need no frame.
    const tries = await page.evaluate(async () => {
      const { board, view } = window.__inkmesh.handle
      const twoFrames = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))
      const out = []
      for (let t = 0; t < 3; t++) {
        for (let wait = 0; wait < 60; wait++) {
          let frames = 0
          const off = view.renderer.onFrame(() => frames++)
          await twoFrames()
          off()
          if (frames === 0) break
        }
        const drawnBy = []
        const offFrame = view.renderer.onFrame((info) => drawnBy.push(...info.changed))
        const pts = []
        for (let i = 0; i <= 20; i++) pts.push({ x: 1000 + i * 10, y: 400 + t * 40 + (i % 3) * 5 })
        const id = board.beginStroke(pts[0], { sc: '#e03131', sw: 12 })
        board.appendPoints(id, pts)
        board.endStroke(id)
        const unpainted = view.renderer.changesUnpainted()
        await twoFrames()
        offFrame()
        out.push({ framesDrawingIt: drawnBy.filter((d) => d === id).length, unpainted })
      }
      return out
    })
    assert.ok(
      tries.some((t) => t.framesDrawingIt === 0 && !t.unpainted),
      `an edit off screen needs no frame: ${JSON.stringify(tries)}`,
    )
    await page.evaluate(() => window.__inkmesh.handle.view.camera.panBy(-500, 0))
    await waitForMatch(page, 'after an edit off screen and a pan onto it')
  })

  it('draws a live stroke in the tiles chunk by chunk exactly as a direct paint, after every chunk and once ended', async () => {
    // A page of its own, in a browser without OffscreenCanvas: no live ink, so the tiles draw live strokes.
    const context = await browser.newContext({ viewport: { width: 900, height: 640 } })
    await context.addInitScript(() => delete HTMLCanvasElement.prototype.transferControlToOffscreen)
    const page = await openBoard(browser, `${server.url}/b/${roomName('tiles-live')}?name=Tess`, { context })
    await waitForStatus(page)
    // Away from the origin, at a zoom that is not 1, as on the shared page.
    await page.evaluate(() => window.__inkmesh.handle.view.camera.set(100.3, 2450.6, 1.25))
    await waitForMatch(page, 'an empty part of the board at zoom 1.25')
    const id = await page.evaluate(() => {
      const { board } = window.__inkmesh.handle
      window.__liveSeed = 7
      return board.beginStroke({ x: 160, y: 2700 }, { sc: '#2f9e44', sw: 14 })
    })
    const nextFrame = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
    // Where a live stroke doubles back, the board canvas and an OffscreenCanvas
    // fill a sliver of its outline differently (a pixel or two per turn, seen
    // also when the board canvas is painted from scratch); a stale tail or end
    // cap is a patch of pixels. So this check counts only differing pixels
    // whose eight neighbours differ too (`solid`), which must be none.
    for (let chunk = 0; chunk < 120; chunk++) {
      await page.evaluate(
        ([sid, chunk]) => {
          const rnd = () => ((window.__liveSeed = (window.__liveSeed * 1103515245 + 12345) % 2147483648) / 2147483648)
          const pts = []
          for (let k = 0; k < 4; k++) {
            const i = chunk * 4 + k
            // Forward with sharp turns now and then: corner caps, and a tail that doubles back over the stroke.
            const back = i % 60 >= 50
            pts.push({ x: 160 + (back ? 2 * (i % 60) - 100 : i % 60) * 5 + (i >> 5) * 3, y: 2700 + Math.sin(i / 9) * 120 + rnd() * 6 })
          }
          window.__inkmesh.handle.board.appendPoints(sid, pts)
        },
        [id, chunk],
      )
      await nextFrame()
      const c = await compareWithUncached(page, true)
      assert.equal(c.solid, 0, `after chunk ${chunk + 1}: ${c.solid} pixels inside patches differ from a direct paint (${c.differing} in all; ${c.ink} inked)`)
    }
    const shown = await compareWithUncached(page, true)
    assert.ok(shown.ink > 20_000, `the live stroke is on screen (${shown.ink} inked pixels)`)
    await page.evaluate((sid) => window.__inkmesh.handle.board.endStroke(sid), id)
    await nextFrame()
    const ended = await compareWithUncached(page, true)
    assert.equal(ended.solid, 0, `once ended: ${ended.solid} pixels inside patches differ from a direct paint (${ended.differing} in all)`)
    await context.close()
  })
})
