// The early picture (web/src/render/early-picture.ts). A returning visitor's
// page paints the picture this browser kept of the board from its HTML,
// before the app's bundle runs (held back here, so the app cannot be what
// drew it), from the first view kept beside the picture, before the whole
// picture is decoded: from the first view's image, painted ahead by the page
// that kept it, where that fits the page, else from its stream. A first
// visit's page paints the server's render stream if it is decoded before the
// app runs, from the first view of its window the server sends first.
// Every picture is exactly what the renderer paints of the same
// board with every stroke as a polyline, it reaches the screen (the page's
// first-contentful-paint comes before the picture is removed), and it is
// gone once the app's view has drawn, or after a while if no app takes it
// over. A board mounted in a page already loaded has a worker paint the
// server's first view (web/src/render/off-thread-stand-in.ts): on screen
// while the snapshot is held back, the same pixels, and gone once the board
// has drawn; where the page's CSP forbids that worker, the renderer draws it.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import { launchChromium, openBoard, roomName, startServer, waitForStatus, waitUntil } from './harness.mjs'
import { decodePng } from './png.mjs'

/** Strokes on the board, most of them in the first view. */
const STROKES = 400
const VIEWPORT = { width: 900, height: 640 }

/** Adds `n` random 40-point strokes over 1200 × 900 board px, and a filled rectangle and a text over them. */
async function addElements(page, n) {
  await page.evaluate((n) => {
    const { board } = window.__inkmesh.handle
    let seed = 7
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    const colours = ['#1e1e1e', '#e03131', '#1971c2', '#2f9e44']
    for (let i = 0; i < n; i++) {
      let x = rnd() * 1200
      let y = rnd() * 900
      const pts = []
      for (let k = 0; k < 40; k++) {
        pts.push({ x, y })
        x += (rnd() - 0.5) * 20
        y += (rnd() - 0.5) * 20
      }
      const id = board.beginStroke(pts[0], { sc: colours[i % colours.length], sw: 1 + (i % 5) })
      board.appendPoints(id, pts)
      board.endStroke(id)
    }
    board.add({ t: 'rect', x: 300, y: 200, w: 240, h: 160, sc: '#1e1e1e', fc: '#ffec99', sw: 2 })
    board.add({ t: 'text', x: 320, y: 420, w: 300, h: 40, sc: '#1971c2', text: 'kept picture', fs: 28 })
  }, n)
}

/** An init script: keeps the early picture's pixels as it is added to the page (it is removed once the view has drawn). */
function keepEarlyPixels() {
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.id === 'inkmesh-early-picture') window.__earlyPixels = node.getContext('2d').getImageData(0, 0, node.width, node.height)
      }
    }
  }).observe(document, { childList: true, subtree: true })
}

/** The early picture's mark and what the page knew when it was made. */
function earlyMark(page) {
  return page.evaluate(() => {
    const mark = performance.getEntriesByName('inkmesh:picture-painted', 'mark')[0]
    if (mark === undefined || window.__earlyPixels === undefined) return false
    const decoded = performance.getEntriesByName('inkmesh:stand-in-decoded', 'mark')[0]
    return {
      elements: mark.detail,
      beforeWholeDecoded: decoded === undefined || mark.startTime < decoded.startTime,
      width: window.__earlyPixels.width,
      height: window.__earlyPixels.height,
      appRan: window.__inkmesh !== undefined,
    }
  })
}

/** Asserts the early picture reached a painted frame: the page's first-contentful-paint came after it was painted and before it was removed. */
async function assertShown(page) {
  const times = await waitUntil("the page's first-contentful-paint and the picture's removal", () =>
    page.evaluate(() => {
      const painted = performance.getEntriesByName('inkmesh:picture-painted', 'mark')[0]
      const dropped = performance.getEntriesByName('inkmesh:picture-dropped', 'mark')[0]
      const fcp = performance.getEntriesByName('first-contentful-paint', 'paint')[0]
      if (painted === undefined || dropped === undefined || fcp === undefined) return false
      return { painted: painted.startTime, dropped: dropped.startTime, fcp: fcp.startTime }
    }),
  )
  assert.ok(times.fcp >= times.painted && times.fcp < times.dropped, `the picture was on screen: painted ${times.painted}, first-contentful-paint ${times.fcp}, removed ${times.dropped}`)
}

/**
 * Board px around the test board's text (addElements) where an image
 * painted by another page may differ at a pixel ratio of 2: there Chromium
 * rasterizes the same fillText one of two ways, from page to page of the
 * app (seen here: one or the other at random in pages loading the same
 * board; always the same at a ratio of 1, and within one page). Its glyphs
 * are the same; their antialiasing is not.
 */
const TEXT_BOX = { x0: 316, y0: 416, x1: 624, y1: 464 }

/**
 * Waits for the app to remove the early picture once its view has drawn,
 * then compares the picture with the renderer's paint of the board (`dpr`
 * device px a CSS px): pixel for pixel, but for TEXT_BOX where the picture
 * is an image painted by another page at a ratio of 2 (`otherPage`).
 */
async function compareWithRenderer(page, painted, dpr = 1, otherPage = false) {
  await page.waitForFunction(() => window.__inkmesh !== undefined, null, { timeout: 15_000 })
  await waitUntil('the app to remove the early picture once its view has drawn', () =>
    page.evaluate(() => document.getElementById('inkmesh-early-picture') === null && window.__inkmesh.handle.view.drawnIds().length > 0),
  )
  const skip = otherPage && dpr !== 1 ? Object.fromEntries(Object.entries(TEXT_BOX).map(([k, v]) => [k, v * dpr])) : null
  const compared = await page.evaluate((skip) => {
    const early = window.__earlyPixels
    const { renderer } = window.__inkmesh.handle.view
    const reference = new OffscreenCanvas(early.width, early.height)
    const rctx = reference.getContext('2d')
    renderer.paintUncached(rctx, () => false)
    const fresh = rctx.getImageData(0, 0, early.width, early.height).data
    let differing = 0
    let ink = 0
    let largest = 0
    const box = [Infinity, Infinity, -Infinity, -Infinity]
    for (let i = 0; i < fresh.length; i += 4) {
      if (fresh[i + 3] > 0) ink++
      let d = 0
      for (let c = 0; c < 4; c++) d = Math.max(d, Math.abs(early.data[i + c] - fresh[i + c]))
      if (d === 0) continue
      const x = (i / 4) % early.width
      const y = Math.floor(i / 4 / early.width)
      if (skip !== null && x >= skip.x0 && x < skip.x1 && y >= skip.y0 && y < skip.y1) continue
      differing++
      largest = Math.max(largest, d)
      box[0] = Math.min(box[0], x)
      box[1] = Math.min(box[1], y)
      box[2] = Math.max(box[2], x)
      box[3] = Math.max(box[3], y)
    }
    return { differing, largest, box, ink, size: [renderer.canvas.width, renderer.canvas.height] }
  }, skip)
  assert.deepEqual([painted.width, painted.height], [VIEWPORT.width * dpr, VIEWPORT.height * dpr], 'the picture fills the page, as the board view does')
  assert.deepEqual(compared.size, [painted.width, painted.height], "the renderer's canvas is the early picture's size")
  assert.ok(compared.ink > 0.05 * painted.width * painted.height, `the board has ink in view (${compared.ink} px)`)
  assert.equal(
    compared.differing,
    0,
    `the early picture is pixel for pixel the renderer's paint of the board (${compared.differing} px differ, by up to ${compared.largest}, within ${compared.box})`,
  )
  await assertShown(page)
}

/**
 * Draws `strokes` strokes (addElements) as `who` on a new board whose room is
 * named from `prefix`, waits until the server's render stream holds all of
 * it, and closes the drawing page; answers the board's URL, room and
 * element count.
 */
async function boardOnServer(browser, server, prefix, who, strokes) {
  const url = `${server.url}/b/${roomName(prefix)}?name=${who}`
  const builder = await openBoard(browser, url)
  await waitForStatus(builder)
  await addElements(builder, strokes)
  const elements = await builder.evaluate(() => window.__inkmesh.handle.board.size())
  const room = new URL(url).pathname.split('/').pop()
  await renderStreamHolds(server, room, elements)
  await builder.context().close()
  return { url, room, elements }
}

/** Waits until the server's render stream of `room` holds `elements` elements. */
async function renderStreamHolds(server, room, elements) {
  const { token } = await (await fetch(`${server.url}/api/rooms/${room}/token`, { method: 'POST' })).json()
  await waitUntil("the server's render stream to hold the whole board", async () => {
    const r = await fetch(`${server.url}/api/rooms/${room}/render`, { headers: { authorization: `Bearer ${token}` } })
    if (!r.ok) return false
    // docs/PROTOCOL.md, "The render stream": magic, version, then the element count (u32, little-endian).
    return new DataView(await r.arrayBuffer()).getUint32(5, true) === elements
  })
}

/** Holds `page`'s app.js until the returned function is called: the app cannot be what painted a picture seen meanwhile. */
async function holdApp(page) {
  let releaseApp
  const appHeld = new Promise((resolve) => (releaseApp = resolve))
  await page.route('**/app.js', async (route) => {
    await appHeld
    await route.continue()
  })
  return releaseApp
}

/** Draws the test board at `url` in a page of `ctx` and closes it once this browser has kept its copy and picture; answers its element count. */
async function keepBoard(browser, ctx, url) {
  const first = await openBoard(browser, url, { context: ctx })
  await waitForStatus(first)
  await addElements(first, STROKES)
  const elements = await first.evaluate(() => window.__inkmesh.handle.board.size())
  await first.evaluate(() => window.__inkmesh.handle.whenSaved())
  await first.close()
  return elements
}

/**
 * Changes the first view this browser kept of `url`'s board, from a page of
 * `ctx` on the server's origin that is not the app: `'no-stream'` leaves it
 * only its image to paint from, `'no-image'` only its stream. Answers
 * whether it had an image, and of what size.
 */
async function editFirstView(ctx, url, edit) {
  const page = await ctx.newPage()
  await page.goto(new URL('/healthz', url).href)
  const room = new URL(url).pathname.split('/').pop()
  // web/src/local-picture.ts: the store, and the key of a board's first view.
  const had = await page.evaluate(
    ([key, edit]) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('inkmesh-pictures', 1)
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const txn = open.result.transaction(['streams'], 'readwrite')
          const store = txn.objectStore('streams')
          const read = store.get(key)
          let had
          read.onsuccess = () => {
            const firstView = read.result
            if (firstView === undefined) return reject(new Error(`no first view kept under ${key}`))
            had = firstView.image === undefined ? null : { dpr: firstView.image.dpr, size: [firstView.image.pixelWidth, firstView.image.pixelHeight] }
            if (edit === 'no-stream') firstView.stream = Uint8Array.of(0xff)
            else delete firstView.image
            store.put(firstView, key)
          }
          txn.oncomplete = () => {
            open.result.close()
            resolve(had)
          }
          txn.onerror = () => reject(txn.error)
        }
      }),
    [`inkmesh:${new URL(url).origin}:${room}#first-view`, edit],
  )
  await page.close()
  return had
}

describe('early picture', () => {
  let server
  let browser

  before(async () => {
    server = await startServer({ name: 'early-picture' })
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
  })

  it("paints a returning visitor's kept picture from its image before the app runs, as the renderer paints the board, and the app's first frame removes it", async () => {
    // No service worker: app.js must come through the network, where the test holds it back.
    const ctx = await browser.newContext({ viewport: VIEWPORT, serviceWorkers: 'block' })
    await ctx.addInitScript(keepEarlyPixels)
    const url = `${server.url}/b/${roomName('early')}?name=Eve`
    const elements = await keepBoard(browser, ctx, url)
    // Painted from the first view's image: its stream is gone.
    const image = await editFirstView(ctx, url, 'no-stream')
    assert.deepEqual(image, { dpr: 1, size: [VIEWPORT.width, VIEWPORT.height] }, 'the page that kept the picture painted its first view ahead, for its window')

    // The app's bundle waits until the early picture has been looked at.
    const page = await ctx.newPage()
    const releaseApp = await holdApp(page)
    const renderRequests = []
    page.on('request', (request) => {
      if (request.url().includes('/render')) renderRequests.push(new URL(request.url()).search)
    })
    await page.goto(url, { waitUntil: 'commit' })
    const painted = await waitUntil('the early picture to be painted', () => earlyMark(page))
    assert.equal(painted.appRan, false, 'the app had not run when the picture was painted')
    assert.equal(painted.elements, elements, 'the picture drew every element of the board')
    assert.ok(painted.beforeWholeDecoded, 'the picture was painted from its first view, before the whole picture was decoded')
    assert.ok(
      renderRequests.every((search) => !search.includes('first=')),
      `a browser keeping a picture of the board asks the server for no first view (${renderRequests.join(', ')})`,
    )
    const pointerEvents = await page.evaluate(() => getComputedStyle(document.getElementById('inkmesh-early-picture')).pointerEvents)
    assert.equal(pointerEvents, 'none', 'the picture never takes a pointer')

    releaseApp()
    await compareWithRenderer(page, painted, 1, true)
    await ctx.close()
  })

  it("decodes a returning visitor's whole picture once the app's view has started, not ahead of the app, when its first view shows", async (t) => {
    const ctx = await browser.newContext({ viewport: VIEWPORT })
    const url = `${server.url}/b/${roomName('order')}?name=Ord`
    await keepBoard(browser, ctx, url)
    const page = await ctx.newPage()
    await page.goto(url)
    await waitForStatus(page)
    const marks = await page.evaluate(() => {
      const at = (name) => performance.getEntriesByName(`inkmesh:${name}`, 'mark')[0]?.startTime
      return { painted: at('picture-painted'), mount: at('mount'), decoded: at('stand-in-decoded') }
    })
    await ctx.close()
    assert.ok(Object.values(marks).every((v) => v !== undefined), `the first view was painted, the app mounted and the whole picture decoded (${JSON.stringify(marks)})`)
    // boot.ts's WHOLE_PICTURE_WAIT_MS: past it, the picture is decoded whether the app started or not.
    if (marks.mount - marks.painted >= 500) return t.skip(`the app mounted ${Math.round(marks.mount - marks.painted)} ms after the first view was painted: too late to tell`)
    assert.ok(marks.decoded > marks.mount, `the whole picture was decoded (${marks.decoded} ms) after the app's view started (${marks.mount} ms)`)
  })

  it("paints a first visit's first view from the server before the app runs, as the renderer paints the board, and the view's first frame removes it", async () => {
    const { url, elements } = await boardOnServer(browser, server, 'early-first', 'Fay', STROKES)

    // A new visitor, whose app's bundle and whole render stream wait until
    // the picture is painted: only the first view can be what it shows.
    const ctx = await browser.newContext({ viewport: VIEWPORT, serviceWorkers: 'block' })
    await ctx.addInitScript(keepEarlyPixels)
    const page = await ctx.newPage()
    const releaseApp = await holdApp(page)
    let releaseStream
    const streamHeld = new Promise((resolve) => (releaseStream = resolve))
    const firstViews = []
    await page.route('**/api/rooms/*/render*', async (route) => {
      const first = new URL(route.request().url()).searchParams.get('first')
      if (first === null) await streamHeld
      else firstViews.push(first)
      await route.continue()
    })
    // A first visit has no guest token yet: it reads without one (open mode, PROTOCOL.md).
    const reads = []
    page.on('request', (request) => {
      if (/\/api\/rooms\/[^/]+\/(render|snapshot)/.test(request.url())) reads.push({ url: request.url(), authorization: request.headers().authorization })
    })
    let synced = false
    page.on('console', (m) => (synced ||= m.text().includes('synced from the snapshot')))
    await page.goto(url, { waitUntil: 'commit' })
    const painted = await waitUntil('the early picture to be painted', () => earlyMark(page))
    assert.deepEqual(firstViews, [`${VIEWPORT.width}x${VIEWPORT.height}`], "the page asked for its window's first view")
    assert.equal(painted.appRan, false, 'the app had not run when the picture was painted')
    assert.equal(painted.elements, elements, 'the picture stands for every element of the board')
    releaseStream()
    releaseApp()
    await compareWithRenderer(page, painted)
    await waitUntil('the board to sync from the snapshot', () => synced, 15_000)
    assert.deepEqual(reads.map((r) => new URL(r.url).pathname.split('/').pop()).sort(), ['render', 'render', 'snapshot'])
    assert.deepEqual(reads.filter((r) => r.authorization !== undefined), [], 'no read carried a token')
    assert.equal(await page.evaluate(() => window.__inkmesh.handle.board.size()), elements)
    await ctx.close()
  })

  it("paints a returning visitor's picture from its image at a pixel ratio of 2, on screen before the app's view removes it", async () => {
    const dpr = 2
    const ctx = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: dpr, serviceWorkers: 'block' })
    await ctx.addInitScript(keepEarlyPixels)
    const url = `${server.url}/b/${roomName('early-dpr')}?name=Gus`
    const elements = await keepBoard(browser, ctx, url)
    const image = await editFirstView(ctx, url, 'no-stream')
    assert.deepEqual(image, { dpr, size: [VIEWPORT.width * dpr, VIEWPORT.height * dpr] }, 'the first view was painted ahead at the pixel ratio of 2')

    // Held until the picture is painted: on a loaded machine the app may
    // otherwise start first, and then shows the kept picture as its stand-in
    // instead (by design), leaving no early picture to check.
    const page = await ctx.newPage()
    const releaseApp = await holdApp(page)
    await page.goto(url, { waitUntil: 'commit' })
    const painted = await waitUntil('the early picture to be painted', () => earlyMark(page))
    assert.equal(painted.elements, elements, 'the picture drew every element of the board')
    releaseApp()
    await compareWithRenderer(page, painted, dpr, true)
    await ctx.close()
  })

  it("paints a returning visitor's first view from its stream when it has no image (the page that kept it closed first)", async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORT, serviceWorkers: 'block' })
    await ctx.addInitScript(keepEarlyPixels)
    const url = `${server.url}/b/${roomName('early-stream')}?name=Ida`
    const elements = await keepBoard(browser, ctx, url)
    assert.notEqual(await editFirstView(ctx, url, 'no-image'), null, 'the first view had an image, now gone')

    const page = await ctx.newPage()
    const releaseApp = await holdApp(page)
    await page.goto(url, { waitUntil: 'commit' })
    const painted = await waitUntil('the early picture to be painted', () => earlyMark(page))
    assert.equal(painted.appRan, false, 'the app had not run when the picture was painted')
    assert.equal(painted.elements, elements, 'the picture drew every element of the board')
    assert.ok(painted.beforeWholeDecoded, 'the picture was painted from its first view, before the whole picture was decoded')
    releaseApp()
    await compareWithRenderer(page, painted)
    await ctx.close()
  })

  /**
   * Draws `strokes` strokes on a new board, then mounts it with the
   * embeddable module in a new page of the server's origin that is not the
   * app (`hostPage`, if given, sets that page up first), its snapshot held
   * back until releaseSnapshot().
   */
  async function mountHeld(name, strokes, hostPage) {
    const { url, room, elements } = await boardOnServer(browser, server, `early-${name.toLowerCase()}`, name, strokes)

    const ctx = await browser.newContext({ viewport: VIEWPORT, serviceWorkers: 'block' })
    const page = await ctx.newPage()
    let releaseSnapshot
    const snapshotHeld = new Promise((resolve) => (releaseSnapshot = resolve))
    await page.route('**/api/rooms/*/snapshot*', async (route) => {
      await snapshotHeld
      await route.continue()
    })
    await page.goto(hostPage === undefined ? new URL('/healthz', url).href : await hostPage(page, url))
    await page.evaluate(
      async ([room, name]) => {
        const { mount } = await import('/inkmesh.js')
        const element = document.createElement('div')
        element.style.cssText = 'position:fixed;inset:0'
        document.body.append(element)
        window.__board = mount(element, { room, name, offline: false })
      },
      [room, name],
    )
    return { ctx, page, elements, releaseSnapshot }
  }

  /** Waits until a worker has painted its picture of the board in `page`. */
  const workerPainted = (page) => waitUntil('the worker to paint the picture', () => page.evaluate(() => performance.getEntriesByName('inkmesh:stand-in-shown', 'mark').length > 0))

  it("paints the server's first view in a worker for a board mounted in a loaded page, on screen while the snapshot is held, until the board draws", async () => {
    const { ctx, page, elements, releaseSnapshot } = await mountHeld('Ivy', STROKES)
    await workerPainted(page)
    assert.equal(await page.locator('[data-testid="stand-in-canvas"]').count(), 1, 'the picture lies over the board')
    assert.equal(await page.evaluate(() => window.__board.board.size()), 0, 'the board itself is still empty: the snapshot is held')
    assert.equal(await page.evaluate(() => window.__board.view.standInShowing()), false, 'the renderer draws no stand-in of its own')
    await waitUntil('editing to wait for the board, as the picture is one', () => page.evaluate(() => window.__board.view.editor.readOnly))
    // Only the board's canvases show, on the board's background: the panels are hidden for both screenshots.
    await page.evaluate(() => {
      const style = document.createElement('style')
      style.textContent = '.board *:not(canvas) { visibility: hidden !important } .board canvas { visibility: visible !important }'
      document.querySelector('.inkmesh-board-host').shadowRoot.append(style)
    })
    const shown = decodePng(await page.screenshot())

    // The reference: the renderer's paint of the same first view with every stroke as a polyline (as the
    // early picture paints it), on a canvas of the page's, laid over everything.
    releaseSnapshot()
    await waitUntil('the board to load and the picture to go', () =>
      page.evaluate((n) => window.__board.board.size() === n && document.querySelector('.inkmesh-board-host').shadowRoot.querySelector('[data-testid="stand-in-canvas"]') === null, elements),
    )
    assert.equal(await page.evaluate(() => window.__board.view.editor.readOnly), false, 'the board is editable once it shows')
    await page.evaluate(() => {
      const { renderer } = window.__board.view
      const canvas = document.createElement('canvas')
      canvas.width = renderer.canvas.width
      canvas.height = renderer.canvas.height
      canvas.style.cssText = 'position:fixed;inset:0;width:100%;height:100%;z-index:10;background:#ffffff'
      renderer.paintUncached(canvas.getContext('2d'), () => false)
      document.body.append(canvas)
    })
    const reference = decodePng(await page.screenshot())
    assert.deepEqual([shown.width, shown.height], [reference.width, reference.height])
    let differing = 0
    let ink = 0
    for (let i = 0; i < reference.pixels.length; i += 4) {
      if (reference.pixels[i] !== 255 || reference.pixels[i + 1] !== 255 || reference.pixels[i + 2] !== 255) ink++
      if (reference.pixels[i] !== shown.pixels[i] || reference.pixels[i + 1] !== shown.pixels[i + 1] || reference.pixels[i + 2] !== shown.pixels[i + 2]) differing++
    }
    assert.ok(ink > 0.05 * reference.width * reference.height, `the board has ink in view (${ink} px)`)
    assert.equal(differing, 0, `the worker's picture is pixel for pixel the renderer's paint of the board (${differing} px differ)`)
    await ctx.close()
  })

  it("takes the worker's picture away when the view moves before the board has loaded", async () => {
    const { ctx, page, elements, releaseSnapshot } = await mountHeld('Kit', 20)
    await workerPainted(page)
    // The picture shows the view at the origin, 100%: any other view would misplace it.
    await page.evaluate(() => window.__board.view.camera.panBy(40, 0))
    assert.equal(await page.locator('[data-testid="stand-in-canvas"]').count(), 0, 'the picture is gone once the view moved')
    assert.equal(await page.evaluate(() => window.__board.view.editor.readOnly), false, 'and the (still empty) board is editable')
    releaseSnapshot()
    await waitUntil('the board to load', () => page.evaluate((n) => window.__board.board.size() === n, elements))
    await ctx.close()
  })

  it("draws the server's first view with the renderer in a loaded page whose CSP forbids blob workers", async () => {
    const violations = []
    // A host page of the server's origin whose policy allows its scripts but workers only from its own URLs.
    const cspHost = async (page, url) => {
      const hostUrl = new URL('/csp-host', url).href
      await page.route(hostUrl, (route) =>
        route.fulfill({
          contentType: 'text/html',
          headers: { 'content-security-policy': "script-src 'self'; worker-src 'self'" },
          body: '<!doctype html><title>host</title>',
        }),
      )
      page.on('console', (m) => {
        if (/worker-src|Content Security Policy/i.test(m.text())) violations.push(m.text())
      })
      return hostUrl
    }
    const { ctx, page, elements, releaseSnapshot } = await mountHeld('Jo', 20, cspHost)
    await waitUntil('the renderer to draw the picture', () => page.evaluate(() => window.__board.view.standInShowing()))
    assert.equal(await page.locator('[data-testid="stand-in-canvas"]').count(), 0, 'no picture canvas is left over the board')
    assert.equal(await page.evaluate(() => window.__board.board.size()), 0, 'the board itself is still empty: the snapshot is held')
    assert.ok(violations.length > 0, 'the policy refused the blob worker')
    releaseSnapshot()
    await waitUntil('the board to load', () => page.evaluate((n) => window.__board.board.size() === n && !window.__board.view.standInShowing(), elements))
    await ctx.close()
  })

  it('removes a picture no app takes over (an older cached app.js), after a while', async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORT, serviceWorkers: 'block' })
    const url = `${server.url}/b/${roomName('early-orphan')}?name=Hal`
    await keepBoard(browser, ctx, url)

    // An app that knows nothing of the early picture.
    const page = await ctx.newPage()
    await page.route('**/app.js', (route) => route.fulfill({ contentType: 'text/javascript', body: 'window.__olderApp = true\n' }))
    await page.goto(url, { waitUntil: 'commit' })
    await waitUntil('the early picture to be painted', () => page.evaluate(() => document.getElementById('inkmesh-early-picture') !== null))
    const gone = await waitUntil(
      'the picture no app took over to be removed',
      () =>
        page.evaluate(() => {
          const painted = performance.getEntriesByName('inkmesh:picture-painted', 'mark')[0]
          const dropped = performance.getEntriesByName('inkmesh:picture-dropped', 'mark')[0]
          if (document.getElementById('inkmesh-early-picture') !== null || dropped === undefined) return false
          return { after: dropped.startTime - painted.startTime, olderApp: window.__olderApp === true }
        }),
      30_000,
    )
    assert.ok(gone.olderApp, 'the older app ran')
    // EARLY_PICTURE_TAKEOVER_MS (web/src/render/early-picture.ts).
    assert.ok(gone.after >= 10_000, `kept for the app to take it over first (${gone.after} ms)`)
    await ctx.close()
  })
})
