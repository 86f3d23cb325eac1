// Presenting: B follows A through the people list; A pans and zooms with real
// input and B's camera keeps A's whole viewport in view; B's own pan stops
// following. "Follow me" pulls B in until B stops. A's laser trail shows on B's
// canvas, fades, and leaves nothing in the board. All of it twice: with A and B
// linked directly, and with everything going through the keeper
// (`--mesh-limit 0`, star mode), which relays presence and coalesces cursors.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import {
  boardToPage,
  drawPath,
  elementsOf,
  launchChromium,
  openBoard,
  pageToBoard,
  roomName,
  screenshot,
  selectTool,
  startServer,
  waitForStatus,
  waitUntil,
} from './harness.mjs'
import { countColour, decodePng, hexColour } from './png.mjs'

/** web/src/render/laser-trail.ts's LASER_COLOUR. */
const LASER = hexColour('#ff1f4b')
/** Mouse moves per sweep of the laser across its path. */
const SWEEP_STEPS = 8

/** The page's camera and the board area it shows. */
async function viewOf(page) {
  return page.evaluate(() => {
    const { camera, renderer } = window.__inkmesh.handle.view
    const { width, height } = renderer.viewportSize()
    return { x: camera.x, y: camera.y, zoom: camera.zoom, width, height, box: camera.visibleBox(width, height) }
  })
}

/**
 * Whether `follower`'s view shows all of `leader`'s viewport, centred, as large
 * as it fits: the leader's box inside, touching on the constraining side.
 */
function fits(follower, leader) {
  const a = leader.box
  const b = follower.box
  const w = a.maxX - a.minX
  const h = a.maxY - a.minY
  const zoom = Math.min(follower.width / w, follower.height / h)
  const slack = 1 / follower.zoom
  const centred =
    Math.abs((a.minX + a.maxX) / 2 - (b.minX + b.maxX) / 2) < slack && Math.abs((a.minY + a.maxY) / 2 - (b.minY + b.maxY) / 2) < slack
  const inside = b.minX <= a.minX + slack && b.minY <= a.minY + slack && b.maxX >= a.maxX - slack && b.maxY >= a.maxY - slack
  return centred && inside && Math.abs(follower.zoom / zoom - 1) < 0.01
}

/** The chip of the person named `name` on `page`. */
function chipOf(page, name) {
  return page.locator('[data-testid="presence"] .person:not([data-you])', { hasText: name })
}

/** A's presence viewport as B holds it equals A's view now: B has heard A's latest move. */
async function heardView(follower, leaderClientId, leader) {
  const seen = await follower.evaluate((id) => window.__inkmesh.handle.collab.presence().get(id)?.viewport ?? null, leaderClientId)
  if (!seen) return false
  const b = leader.box
  return Math.abs(seen.x - b.minX) < 0.01 && Math.abs(seen.y - b.minY) < 0.01 && Math.abs(seen.w - (b.maxX - b.minX)) < 0.01
}

/**
 * The leader pans along `drag` (page px, hand tool held); once the follower has
 * heard the leader's new view, the follower's camera is where it was.
 */
async function staysPut(follower, leader, leaderClientId, drag) {
  const own = await viewOf(follower)
  await drawPath(leader, drag)
  const moved = await viewOf(leader)
  await waitUntil("the follower to hear the leader's latest view", () => heardView(follower, leaderClientId, moved))
  const now = await viewOf(follower)
  assert.deepEqual({ x: now.x, y: now.y, zoom: now.zoom }, { x: own.x, y: own.y, zoom: own.zoom })
}

/** Four boxes along the horizontal path from `a` to `b` (page px): a cursor alone cannot light them all. */
function stretches(a, b) {
  const length = (b.x - a.x) / 4
  return [0, 1, 2, 3].map((i) => ({ x: a.x + i * length, y: a.y - 8, w: length, h: 16 }))
}

/** Laser-coloured pixels in each box. */
function laserPixels(image, boxes) {
  return boxes.map((box) => countColour(image, box, LASER, 30))
}

for (const [topology, extraArgs] of [
  ['linked directly', []],
  ['through the keeper', ['--mesh-limit', '0']],
]) {
  describe(`follow and laser, ${topology}`, () => {
    let server
    let browser
    let ada
    let bob
    let adaClient

    before(async () => {
      server = await startServer({ name: `follow-${extraArgs.length > 0 ? 'star' : 'mesh'}`, extraArgs })
      browser = await launchChromium()
      const room = roomName('follow')
      ada = await openBoard(browser, `${server.url}/b/${room}?name=Ada`, { viewport: { width: 1000, height: 700 } })
      // Another aspect ratio: B's view must fit A's, not copy it.
      bob = await openBoard(browser, `${server.url}/b/${room}?name=Bob`, { viewport: { width: 700, height: 760 } })
      await waitForStatus(ada)
      await waitForStatus(bob)
      adaClient = await ada.evaluate(() => window.__inkmesh.handle.board.doc.clientID)
      await waitUntil("Ada's chip on Bob's page", () => chipOf(bob, 'Ada').count())
      const mode = await bob.evaluate(() => window.__inkmesh.handle.collab.debug().mode)
      assert.equal(mode, extraArgs.length > 0 ? 'star' : 'mesh')
    })

    after(async () => {
      const problems = [ada, bob].flatMap((page) => page?.problems ?? [])
      await browser?.close()
      await server?.cleanup()
      assert.deepEqual(problems, [])
    })

    it("B follows A's pans and zooms, and stops at its own pan", async () => {
      await chipOf(bob, 'Ada').click()
      await waitUntil('the follow bar on Bob', async () => {
        const bar = bob.locator('[data-testid="follow-bar"]')
        return (await bar.isVisible()) && (await bar.textContent()).includes('Following Ada')
      })
      assert.equal(await chipOf(bob, 'Ada').getAttribute('aria-pressed'), 'true')
      await waitUntil("Bob's camera to fit Ada's view", async () => fits(await viewOf(bob), await viewOf(ada)))

      // A pans with the hand tool and zooms with Ctrl+wheel: real input.
      const start = await viewOf(ada)
      await selectTool(ada, 'pan')
      await drawPath(ada, [
        { x: 500, y: 400 },
        { x: 450, y: 380 },
        { x: 380, y: 350 },
        { x: 300, y: 330 },
      ])
      await ada.mouse.move(600, 300)
      await ada.keyboard.down('Control')
      await ada.mouse.wheel(0, -120)
      await ada.keyboard.up('Control')
      const moved = await viewOf(ada)
      assert.ok(moved.zoom > start.zoom * 1.1, `Ada zoomed in (zoom ${start.zoom} → ${moved.zoom})`)
      assert.ok(moved.box.minY > start.box.minY, `Ada panned (top ${start.box.minY} → ${moved.box.minY})`)
      await waitUntil("Bob's camera to fit Ada's new view", async () => fits(await viewOf(bob), await viewOf(ada)))

      // B pans by itself: following stops, and A's further pans leave B where it is.
      await bob.mouse.move(350, 400)
      await bob.mouse.wheel(0, 150)
      await waitUntil('following to stop on Bob', async () => !(await bob.locator('[data-testid="follow-bar"]').isVisible()))
      assert.equal(await chipOf(bob, 'Ada').getAttribute('aria-pressed'), 'false')
      await staysPut(bob, ada, adaClient, [
        { x: 300, y: 300 },
        { x: 420, y: 360 },
        { x: 560, y: 420 },
      ])
    })

    it('"Follow me" pulls B in; B can stop, and is not pulled back', async () => {
      await ada.locator('[data-action="follow-me"]').click()
      assert.equal(await ada.locator('[data-action="follow-me"]').getAttribute('aria-pressed'), 'true')
      await waitUntil('Bob to follow the presenter', async () => {
        const bar = bob.locator('[data-testid="follow-bar"]')
        return (await bar.isVisible()) && (await bar.textContent()).includes('Following Ada (presenting)')
      })
      assert.match(await chipOf(bob, 'Ada').textContent(), /presenting/)
      await waitUntil("Bob's camera to fit the presenter's view", async () => fits(await viewOf(bob), await viewOf(ada)))

      await bob.locator('[data-action="stop-following"]').click()
      await waitUntil('following to stop on Bob', async () => !(await bob.locator('[data-testid="follow-bar"]').isVisible()))
      await staysPut(bob, ada, adaClient, [
        { x: 560, y: 420 },
        { x: 500, y: 380 },
        { x: 420, y: 330 },
      ])
      assert.equal(await bob.locator('[data-testid="follow-bar"]').isVisible(), false)

      await ada.locator('[data-action="follow-me"]').click()
      await waitUntil("Ada's chip on Bob to lose its mark", async () => !/presenting/.test(await chipOf(bob, 'Ada').textContent()))
    })

    it("shows A's laser trail on B, fading, and stores nothing", async () => {
      const elementsBefore = { ada: await elementsOf(ada), bob: await elementsOf(bob) }
      // B follows again, so A's trail is in B's view.
      await chipOf(bob, 'Ada').click()
      await waitUntil("Bob's camera to fit Ada's view", async () => fits(await viewOf(bob), await viewOf(ada)))
      await selectTool(ada, 'laser')

      // A sweeps the laser to and fro until B has seen it. The trail only lasts
      // about a second, and each move is a round trip to the browser, so the
      // sweep is short enough to stay lit along its whole length.
      const path = [{ x: 380, y: 420 }, { x: 540, y: 420 }]
      const boardPath = [await pageToBoard(ada, path[0]), await pageToBoard(ada, path[1])]
      let sweeping = true
      await ada.mouse.move(path[0].x, path[0].y)
      await ada.mouse.down()
      const sweep = (async () => {
        for (let round = 0; sweeping && round < 200; round++) {
          for (let i = 0; i <= SWEEP_STEPS; i++) {
            const t = round % 2 === 0 ? i / SWEEP_STEPS : 1 - i / SWEEP_STEPS
            await ada.mouse.move(path[0].x + (path[1].x - path[0].x) * t, path[0].y)
          }
        }
      })()
      const a = await boardToPage(bob, boardPath[0])
      const b = await boardToPage(bob, boardPath[1])
      const onBob = stretches(a, b)
      const onAda = stretches(path[0], path[1])
      try {
        await waitUntil("Ada's laser trail on Bob's canvas", async () => {
          const counts = laserPixels(decodePng(await bob.screenshot()), onBob)
          return counts.every((n) => n > 10) ? counts : false
        })
        await screenshot(bob, `follow-laser-on-bob-${extraArgs.length > 0 ? 'star' : 'mesh'}`)
        const own = laserPixels(decodePng(await ada.screenshot()), onAda)
        assert.ok(
          own.filter((n) => n > 10).length >= 2,
          `Ada sees her own trail: ${JSON.stringify(own)}`,
        )
      } finally {
        sweeping = false
        await sweep
        await ada.mouse.up()
      }
      await waitUntil("Ada's laser trail to fade on Bob's canvas", async () =>
        laserPixels(decodePng(await bob.screenshot()), onBob).every((n) => n === 0),
      )
      assert.deepEqual({ ada: await elementsOf(ada), bob: await elementsOf(bob) }, elementsBefore)
      const stored = await ada.evaluate(() => window.__inkmesh.handle.board.ordered().length)
      assert.equal(stored, 0)
    })
  })
}
