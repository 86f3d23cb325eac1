// The overlay erases only where its last redraw drew (overlay-ink.ts). Here
// Ann's stroke, pressed cursor and selection come and go on Bob's view, and
// after every frame Bob's overlay canvas must equal the overlay drawn afresh
// on a blank canvas: an ink box that missed a pixel leaves a ghost, and
// fails this. Ann's cursor itself is a sprite of its own (cursor-sprites.ts):
// it follows her pointer without drawing on the overlay at all.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import {
  boardToPage,
  drawPath,
  elementsOf,
  launchChromium,
  openLiveBoards,
  pageToBoard,
  roomName,
  selectTool,
  startServer,
  waitUntil,
} from './harness.mjs'

/** Pointer moves of Ann's zigzag across the view. */
const MOVES = 40

describe('overlay', () => {
  let server
  let browser
  let ann
  let bob

  before(async () => {
    server = await startServer({ name: 'overlay' })
    browser = await launchChromium()
    const room = roomName('overlay')
    ;[ann, bob] = await openLiveBoards(browser, `${server.url}/b/${room}`, ['Ann', 'Bob'])
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
  })

  it("moves Ann's cursor sprite with her pointer, and leaves no trace of her selection once it goes", async () => {
    await bob.evaluate(() => {
      const r = window.__inkmesh.handle.view.renderer
      const check = { frames: 0, shown: 0, mismatched: [] }
      window.__overlayCheck = check
      r.onFrame(() => {
        // Private fields, read by this test only: the overlay canvas, its draw function and the pixel ratio.
        const canvas = r.overlayCanvas
        const fresh = document.createElement('canvas')
        fresh.width = canvas.width
        fresh.height = canvas.height
        const ctx = fresh.getContext('2d')
        ctx.setTransform(r.dpr, 0, 0, r.dpr, 0, 0)
        r.overlay(ctx, r.camera)
        const shown = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
        const expected = ctx.getImageData(0, 0, canvas.width, canvas.height).data
        let differing = 0
        for (let i = 0; i < shown.length; i++) if (shown[i] !== expected[i]) differing++
        check.frames++
        if (canvas.style.visibility !== 'hidden') check.shown++
        if (differing > 0) check.mismatched.push({ frame: check.frames, differing })
      })
    })

    // Ann's cursor zigzags across the view; on Bob's, its sprite's tip ends where she points.
    let last
    for (let i = 0; i < MOVES; i++) {
      last = { x: 100 + (i % 2 === 0 ? i * 20 : 800 - i * 15), y: 120 + ((i * 37) % 460) }
      await ann.mouse.move(last.x, last.y)
    }
    const onBob = await boardToPage(bob, await pageToBoard(ann, last))
    await waitUntil("Ann's cursor sprite at her pointer on Bob's view", () =>
      bob.evaluate(({ x, y }) => {
        const sprites = window.__inkmesh.handle.view.renderer.canvas.parentElement.querySelectorAll('[data-testid="remote-cursor"]')
        if (sprites.length !== 1) return false
        // The tip is 8 px in from the sprite's top left (cursorBounds).
        const r = sprites[0].getBoundingClientRect()
        return Math.abs(r.left + 8 - x) <= 1 && Math.abs(r.top + 8 - y) <= 1
      }, onBob),
    )
    const cursorOnly = await bob.evaluate(() => ({ ...window.__overlayCheck }))
    assert.ok(cursorOnly.frames >= 10, `Bob drew ${cursorOnly.frames} frames for Ann's cursor`)
    assert.equal(cursorOnly.shown, 0, "Ann's moving cursor drew nothing on Bob's overlay")

    // Ann draws a stroke, selects it (Bob draws her selection), then selects nothing.
    await selectTool(ann, 'pen')
    await drawPath(ann, [
      { x: 300, y: 300 },
      { x: 380, y: 340 },
      { x: 460, y: 320 },
    ])
    const id = await waitUntil('the stroke on Bob', async () => {
      const ids = Object.keys(await elementsOf(bob))
      return ids.length === 1 ? ids[0] : false
    })
    await selectTool(ann, 'select')
    const bounds = await ann.evaluate((elementId) => window.__inkmesh.handle.board.elementBounds(elementId), id)
    const onStroke = await boardToPage(ann, { x: (bounds.minX + bounds.maxX) / 2, y: bounds.maxY - 1 })
    await waitUntil("Ann's selection on Bob's overlay", async () => {
      await ann.mouse.click(onStroke.x, onStroke.y)
      return bob.evaluate(() => window.__inkmesh.handle.collab.presence().size > 0 && [...window.__inkmesh.handle.collab.presence().values()].some((p) => (p.selection ?? []).length > 0))
    })
    await ann.mouse.click(900, 650)
    await waitUntil("Ann's selection gone on Bob", () =>
      bob.evaluate(() => [...window.__inkmesh.handle.collab.presence().values()].every((p) => (p.selection ?? []).length === 0)),
    )
    // The cursor crosses the view once more; Bob's overlay follows it and settles.
    const framesSoFar = await bob.evaluate(() => window.__overlayCheck.frames)
    for (let i = 0; i < 10; i++) await ann.mouse.move(600 - i * 50, 500 - i * 40)
    await waitUntil('Bob to draw more frames', () => bob.evaluate((n) => window.__overlayCheck.frames >= n + 5, framesSoFar))

    const check = await bob.evaluate(() => window.__overlayCheck)
    assert.ok(check.frames >= 30, `checked ${check.frames} frames`)
    assert.deepEqual(check.mismatched, [], `frames whose overlay differs from a fresh one, of ${check.frames}`)
  })
})
