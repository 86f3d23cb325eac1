// Touch and pen, in Chromium against the real server, with real input from
// the browser's own input pipeline: a context with `hasTouch`, touches through
// CDP `Input.dispatchTouchEvent` (Chromium turns them into pointer events of
// pointerType "touch"), and a pen through CDP `Input.dispatchMouseEvent` with
// `pointerType: "pen"` and `force` (pointerType "pen", `pressure` = force).
//
// One finger draws a stroke (or pans, with the hand tool); two fingers pinch
// the zoom and draw nothing, not even the dot the first finger began, nor
// touch the undo history; a finger left after a pinch draws nothing; a real
// stroke a second finger interrupts is kept. A pen's varying force is stored
// as each point's pressure; touches while the pen draws (a palm) draw nothing
// and do not close a text edit; palms and pinching fingers send no cursor
// frames; a pen released over a panel leaves touch working; and a fast pen stroke whose moves Chromium coalesced into one event
// keeps every sample. The time rules come from the page (ui/gestures.ts).

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import { launchChromium, openBoard, roomName, startServer, waitForStatus, waitUntil } from './harness.mjs'

/** Time between two input events, by their own clock: a 60 Hz device. */
const EVENT_MS = 16
/** Pressure is stored as an integer 0..255 (SCHEMA.md, Quantization). */
const PRESSURE_STEP = 1 / 255

describe('touch and pen', () => {
  let server
  let browser

  before(async () => {
    server = await startServer({ name: 'touch' })
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
  })

  /** A fresh board in a touch-capable context, with the pen tool, and a CDP session for input. */
  async function freshBoard() {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 }, hasTouch: true })
    const page = await openBoard(browser, `${server.url}/b/${roomName('touch')}?name=Tess`, { context })
    await waitForStatus(page, 'live', 30_000)
    await page.locator('[data-tool="pen"]').click()
    /** STRAY_STROKE_MS, STRAY_STROKE_PX, PALM_REJECTION_MS, as the page has them. */
    const rules = await page.evaluate(() => window.__inkmesh.gestures)
    const cdp = await context.newCDPSession(page)
    // The events' own clock (CDP `timestamp`, which becomes the pointer
    // events' timeStamp): each event comes `afterMs` after the previous one
    // however loaded the machine is, so the time rules (stray strokes, palm
    // rejection) are tested exactly.
    let clock = Date.now() / 1000
    const at = (afterMs) => (clock += afterMs / 1000)
    /**
     * Touch input ([id, x, y] each). Chromium's CDP: touchStart and touchMove
     * press the points it has not seen and move the others; touchEnd lifts
     * the points listed, or every point when the list is empty.
     */
    const touches = (type, points, afterMs = EVENT_MS) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map(([id, x, y]) => ({ id, x, y })), timestamp: at(afterMs) })
    const pen = (type, x, y, force, afterMs = EVENT_MS) =>
      cdp.send('Input.dispatchMouseEvent', {
        type,
        x,
        y,
        button: type === 'mouseMoved' ? 'none' : 'left',
        buttons: type === 'mouseReleased' ? 0 : 1,
        clickCount: 1,
        pointerType: 'pen',
        force,
        timestamp: at(afterMs),
      })
    return { context, page, touches, pen, rules }
  }

  /** The board's elements with absolute points (x, y, pressure). */
  const drawn = (page) =>
    page.evaluate(() =>
      window.__inkmesh.handle.board.ordered().map((v) => ({
        t: v.t,
        done: v.done,
        points: (v.points ?? []).map((p) => ({ x: v.x + p.x * v.sx, y: v.y + p.y * v.sy, p: p.p })),
      })),
    )
  /**
   * Pointer moves are dispatched with the next animation frame, after CDP has
   * answered: wait until `count` elements are drawn and every stroke has ended.
   */
  const settled = (page, count) =>
    waitUntil(`${count} element(s) drawn and ended`, async () => {
      const elements = await drawn(page)
      return elements.length === count && elements.every((e) => e.done) ? elements : false
    })
  const camera = (page) =>
    page.evaluate(() => {
      const { x, y, zoom } = window.__inkmesh.handle.view.camera
      return { x, y, zoom }
    })
  const rounded = (points) => points.map(({ x, y }) => [Math.round(x), Math.round(y)])

  it('one finger draws a stroke, on a board that leaves touches to the page', async () => {
    const { context, page, touches } = await freshBoard()
    const canvas = page.locator('[data-testid="board-canvas"]')
    // The whole board, panels included: a finger on a panel must not zoom the host page.
    assert.equal(await canvas.evaluate((c) => getComputedStyle(c.closest('.board')).touchAction), 'none')
    await touches('touchStart', [[1, 300, 300]])
    for (let i = 1; i <= 10; i++) await touches('touchMove', [[1, 300 + i * 20, 300 + (i % 2) * 10]])
    await touches('touchEnd', [])
    const [stroke] = await settled(page, 1)
    assert.equal(stroke.t, 'stroke')
    assert.deepEqual(
      rounded(stroke.points),
      Array.from({ length: 11 }, (_, i) => [300 + i * 20, 300 + (i % 2) * 10]),
      'every move is a point',
    )
    assert.ok(
      stroke.points.every((p) => p.p === undefined),
      'a touch stores no pressure',
    )
    assert.deepEqual(page.problems, [])
    await context.close()
  })

  it('one finger pans with the hand tool and draws nothing', async () => {
    const { context, page, touches } = await freshBoard()
    await page.locator('[data-tool="pan"]').click()
    const start = await camera(page)
    await touches('touchStart', [[1, 400, 400]])
    for (let i = 1; i <= 5; i++) await touches('touchMove', [[1, 400 + i * 20, 400 + i * 10]])
    await touches('touchEnd', [])
    await waitUntil('the view to move with the finger', async () => {
      const now = await camera(page)
      return Math.abs(now.x - (start.x - 100)) < 0.01 && Math.abs(now.y - (start.y - 50)) < 0.01 && now.zoom === start.zoom
    })
    // Back to the pen: the next drag draws, and is the only element.
    await page.locator('[data-tool="pen"]').click()
    await touches('touchStart', [[2, 300, 200]])
    await touches('touchMove', [[2, 340, 200]])
    await touches('touchEnd', [])
    assert.equal((await settled(page, 1)).length, 1)
    await context.close()
  })

  it('a two-finger pinch zooms about the midpoint and draws nothing, not even the first finger’s dot', async () => {
    const { context, page, touches } = await freshBoard()
    assert.equal((await camera(page)).zoom, 1)
    // The first finger lands and moves a little before the second: a stroke had begun.
    await touches('touchStart', [[1, 450, 350]])
    await touches('touchMove', [[1, 452, 351]])
    await touches('touchStart', [
      [1, 452, 351],
      [2, 552, 351],
    ])
    // Spread from 100 px apart to 300, about the same midpoint.
    for (let i = 1; i <= 10; i++)
      await touches('touchMove', [
        [1, 452 - i * 10, 351],
        [2, 552 + i * 10, 351],
      ])
    const pinched = await waitUntil('a 3× zoom', async () => {
      const now = await camera(page)
      return Math.abs(now.zoom - 3) < 1e-6 ? now : false
    })
    // The board point under the midpoint stayed under it.
    const mid = await page.evaluate(() => window.__inkmesh.handle.view.camera.toBoard({ x: 502, y: 351 }))
    assert.ok(Math.abs(mid.x - 502) < 0.5 && Math.abs(mid.y - 351) < 0.5, `midpoint kept: ${JSON.stringify(mid)}`)
    // Back to one finger: it neither draws nor pans until every finger has lifted.
    await touches('touchEnd', [[2, 652, 351]])
    for (let i = 1; i <= 5; i++) await touches('touchMove', [[1, 352 + i * 30, 351 + i * 20]])
    await touches('touchEnd', [])
    // A fresh finger draws again; by its stroke's end the leftover finger's moves were handled.
    await touches('touchStart', [[3, 300, 500]])
    await touches('touchMove', [[3, 350, 520]])
    await touches('touchEnd', [])
    const [stroke] = await settled(page, 1)
    const board = (x, y) => [Math.round(pinched.x + x / 3), Math.round(pinched.y + y / 3)]
    assert.deepEqual(rounded(stroke.points), [board(300, 500), board(350, 520)], 'the only stroke is the fresh finger’s')
    assert.deepEqual(await camera(page), pinched, 'the leftover finger moved nothing')
    assert.deepEqual(page.problems, [])
    await context.close()
  })

  it('a pinch’s first finger never reaches the board nor the undo history: redo still brings back what was undone', async () => {
    const { context, page, touches } = await freshBoard()
    await touches('touchStart', [[1, 300, 300]])
    for (let i = 1; i <= 5; i++) await touches('touchMove', [[1, 300 + i * 20, 300]])
    await touches('touchEnd', [])
    await settled(page, 1)
    await page.keyboard.press('Control+z')
    await settled(page, 0)
    await page.evaluate(() => {
      window.__changes = 0
      window.__inkmesh.handle.board.onChange(() => window.__changes++)
    })
    await touches('touchStart', [[1, 450, 350]])
    await touches('touchMove', [[1, 456, 352]])
    await touches('touchStart', [
      [1, 456, 352],
      [2, 556, 352],
    ])
    for (let i = 1; i <= 5; i++)
      await touches('touchMove', [
        [1, 456 - i * 10, 352],
        [2, 556 + i * 10, 352],
      ])
    await touches('touchEnd', [])
    await waitUntil('a 2× zoom', async () => Math.abs((await camera(page)).zoom - 2) < 1e-6)
    assert.equal(await page.evaluate(() => window.__changes), 0, 'the board (and so every peer) never saw the first finger')
    await page.keyboard.press('Control+y')
    const [stroke] = await settled(page, 1)
    assert.deepEqual(rounded(stroke.points), Array.from({ length: 6 }, (_, i) => [300 + i * 20, 300]), 'redo brought the undone stroke back')
    assert.deepEqual(page.problems, [])
    await context.close()
  })

  it('a real stroke a second finger interrupts is kept, and the fingers then pinch', async () => {
    const { context, page, touches, rules } = await freshBoard()
    await touches('touchStart', [[1, 300, 300]])
    for (let i = 1; i <= 5; i++) await touches('touchMove', [[1, 300 + i * 20, 300]])
    // The stroke is past the stray-stroke window when the second finger lands.
    await touches(
      'touchStart',
      [
        [1, 400, 300],
        [2, 400, 400],
      ],
      rules.STRAY_STROKE_MS,
    )
    for (let i = 1; i <= 5; i++)
      await touches('touchMove', [
        [1, 400, 300 - i * 10],
        [2, 400, 400 + i * 10],
      ])
    await touches('touchEnd', [])
    await waitUntil('a 2× zoom', async () => Math.abs((await camera(page)).zoom - 2) < 1e-6)
    const [stroke] = await settled(page, 1)
    assert.deepEqual(
      rounded(stroke.points),
      Array.from({ length: 6 }, (_, i) => [300 + i * 20, 300]),
      'the stroke stays as drawn',
    )
    await context.close()
  })

  it('a pen stroke stores the pressure of each point', async () => {
    const { context, page, pen } = await freshBoard()
    const forces = [0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1, 0.6, 0.3]
    await pen('mouseMoved', 200, 400, 0)
    await pen('mousePressed', 200, 400, forces[0])
    for (let i = 1; i < forces.length; i++) await pen('mouseMoved', 200 + i * 30, 400, forces[i])
    await pen('mouseReleased', 200 + (forces.length - 1) * 30, 400, 0)
    const [stroke] = await settled(page, 1)
    assert.deepEqual(
      rounded(stroke.points),
      forces.map((_, i) => [200 + i * 30, 400]),
    )
    for (const [i, point] of stroke.points.entries())
      assert.ok(Math.abs(point.p - forces[i]) <= PRESSURE_STEP / 2 + 1e-6, `point ${i}: pressure ${point.p}, force ${forces[i]}`)
    await context.close()
  })

  it('touches while a pen draws, and just after it lifts, draw nothing (palm rejection)', async () => {
    const { context, page, touches, pen, rules } = await freshBoard()
    const { PALM_REJECTION_MS } = rules
    await pen('mousePressed', 200, 500, 0.5)
    await pen('mouseMoved', 250, 500, 0.5)
    // The palm lands while the pen is down, and drags.
    await touches('touchStart', [[1, 600, 400]])
    for (let i = 1; i <= 5; i++) await touches('touchMove', [[1, 600 + i * 20, 400 + i * 5]])
    await pen('mouseMoved', 300, 500, 0.6)
    await touches('touchEnd', [])
    await pen('mouseMoved', 350, 500, 0.7)
    await pen('mouseReleased', 350, 500, 0)
    // Just inside the window after the lift: the hand is still taken for a palm.
    await touches('touchStart', [[2, 600, 300]], PALM_REJECTION_MS - 50)
    for (let i = 1; i <= 5; i++) await touches('touchMove', [[2, 600 + i * 20, 300]])
    await touches('touchEnd', [])
    // Once the window has passed, a finger draws again.
    await touches('touchStart', [[3, 600, 200]], PALM_REJECTION_MS)
    await touches('touchMove', [[3, 650, 200]])
    await touches('touchEnd', [])
    const [penStroke, fingerStroke] = await settled(page, 2)
    assert.deepEqual(rounded(penStroke.points), [
      [200, 500],
      [250, 500],
      [300, 500],
      [350, 500],
    ])
    assert.deepEqual(rounded(fingerStroke.points), [
      [600, 200],
      [650, 200],
    ])
    assert.equal((await camera(page)).zoom, 1)
    await context.close()
  })

  it('a palm’s touch does not close a text edit', async () => {
    const { context, page, touches, pen } = await freshBoard()
    await page.locator('[data-tool="text"]').click()
    await page.mouse.click(400, 300)
    const editor = page.locator('[data-testid="text-editor"]')
    await editor.waitFor()
    await page.keyboard.type('hi')
    // The pen hovers, and the palm lands beside it.
    await pen('mouseMoved', 600, 500, 0)
    await touches('touchStart', [[1, 700, 500]])
    await touches('touchMove', [[1, 720, 510]])
    await touches('touchEnd', [])
    // A later event the page handles after the palm's: by then the edit must still be open.
    await pen('mouseMoved', 610, 500, 0)
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))))
    assert.equal(await page.evaluate(() => window.__inkmesh.handle.view.editor.textEditing !== undefined), true, 'the text edit is still open')
    assert.equal(await editor.inputValue(), 'hi')
    await context.close()
  })

  it('palms and pinching fingers send no cursor frames to the others', async () => {
    const { context, page, touches, pen, rules } = await freshBoard()
    const peer = await openBoard(browser, page.url().replace('name=Tess', 'name=Pia'))
    await waitForStatus(peer, 'live', 30_000)
    const me = await page.evaluate(() => window.__inkmesh.handle.collab.me.id)
    /** Moves the mouse to (x, y) and waits for the peer to see our cursor there: how many frames it has seen by then. */
    const marker = async (x, y) => {
      const at = await page.evaluate((p) => window.__inkmesh.handle.view.camera.toBoard(p), { x, y })
      await page.mouse.move(x, y)
      return waitUntil(`the peer to see our cursor at ${x},${y}`, () =>
        peer.evaluate(
          ({ id, at }) => {
            const seen = window.__inkmesh.cursors.get(id)
            return seen && Math.abs(seen.cursor.x - at.x) < 0.5 && Math.abs(seen.cursor.y - at.y) < 0.5 ? seen.count : false
          },
          { id: me, at },
        ),
      )
    }
    // Until the peers are linked, frames are lost: wiggle until one arrives.
    let wiggle = 0
    await waitUntil('the peer to see our cursor at all', async () => {
      await page.mouse.move(250 + (wiggle++ % 2), 450)
      return peer.evaluate((id) => window.__inkmesh.cursors.has(id), me)
    })
    await pen('mouseMoved', 600, 500, 0)
    const before = await marker(260, 460)
    // A palm beside the hovering pen, then two fingers landing together and pinching (a 2× zoom).
    await touches('touchStart', [[1, 700, 500]])
    for (let i = 1; i <= 5; i++) await touches('touchMove', [[1, 700 + i * 20, 500]])
    await touches('touchEnd', [])
    // Past the palm window: these fingers are no palm.
    await touches(
      'touchStart',
      [
        [2, 400, 300],
        [3, 500, 300],
      ],
      rules.PALM_REJECTION_MS,
    )
    for (let i = 1; i <= 5; i++)
      await touches('touchMove', [
        [2, 400 - i * 10, 300],
        [3, 500 + i * 10, 300],
      ])
    await touches('touchEnd', [])
    await waitUntil('a 2× zoom', async () => Math.abs((await camera(page)).zoom - 2) < 1e-6)
    assert.equal(await marker(280, 480), before + 1, 'only the marker’s frame came after the first marker')
    await peer.context().close()
    await context.close()
  })

  // CDP's pen goes through Chromium's mouse path, where the lift returns to
  // the pressed element anyway; a lift that never comes (a real pen's) is
  // covered by the router's and the gesture machine's unit tests.
  it('a pen stroke released over a panel ends, and touch draws after it', async () => {
    const { context, page, touches, pen, rules } = await freshBoard()
    const toolbar = await page.locator('[data-tool="pen"]').evaluate((b) => {
      const r = b.closest('.panel').getBoundingClientRect()
      return { x: r.x + 2, y: r.y + 2 }
    })
    await pen('mousePressed', 300, 400, 0.5)
    await pen('mouseMoved', 350, 400, 0.5)
    await pen('mouseMoved', toolbar.x, toolbar.y, 0.5)
    await pen('mouseReleased', toolbar.x, toolbar.y, 0)
    // Long past the palm window, a finger draws.
    await touches('touchStart', [[1, 300, 600]], rules.PALM_REJECTION_MS * 2)
    await touches('touchMove', [[1, 360, 600]], rules.STRAY_STROKE_MS)
    await touches('touchEnd', [])
    const [, finger] = await settled(page, 2)
    assert.deepEqual(rounded(finger.points), [
      [300, 600],
      [360, 600],
    ])
    await context.close()
  })

  it('a fast pen stroke keeps every sample Chromium coalesced into one event', async () => {
    const { context, page } = await freshBoard()
    const cdp = await context.newCDPSession(page)
    // Stamped as they arrive (no timestamp): what arrives during one busy frame is coalesced.
    const pen = (type, x, y, force) =>
      cdp.send('Input.dispatchMouseEvent', { type, x, y, button: type === 'mouseMoved' ? 'none' : 'left', buttons: type === 'mouseReleased' ? 0 : 1, clickCount: 1, pointerType: 'pen', force })
    await page.evaluate(() => {
      window.__moves = []
      const canvas = document.querySelector('.inkmesh-board-host').shadowRoot.querySelector('[data-testid="board-canvas"]')
      canvas.addEventListener('pointermove', (e) => window.__moves.push(e.getCoalescedEvents().length), { capture: true })
    })
    const moves = 40
    await pen('mousePressed', 100, 450, 0.5)
    // The page's main thread is busy while the moves arrive, so Chromium
    // delivers them as few pointermove events, each with its coalesced
    // samples. The busy loop starts (a task of its own) before any move is sent.
    await page.evaluate(() => {
      window.__busy = new Promise((done) =>
        setTimeout(() => {
          const end = performance.now() + 300
          while (performance.now() < end);
          done()
        }, 0),
      )
    })
    const sent = Array.from({ length: moves }, (_, i) => pen('mouseMoved', 100 + (i + 1) * 5, 450 + (i % 3), 0.5))
    await Promise.all(sent)
    await page.evaluate(() => window.__busy)
    await pen('mouseReleased', 100 + moves * 5, 450 + ((moves - 1) % 3), 0)
    const [stroke] = await settled(page, 1)
    const events = await page.evaluate(() => window.__moves)
    assert.equal(
      events.reduce((a, b) => a + b, 0),
      moves,
      `every move was a coalesced sample: ${JSON.stringify(events)}`,
    )
    assert.ok(events.length < moves, `Chromium coalesced the moves: ${events.length} events`)
    assert.deepEqual(
      rounded(stroke.points),
      Array.from({ length: moves + 1 }, (_, i) => [100 + i * 5, i === 0 ? 450 : 450 + ((i - 1) % 3)]),
    )
    await context.close()
  })
})
