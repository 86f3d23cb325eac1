// Presenting: B follows A through the people list; A pans and zooms with real
// input and B's camera keeps A's whole viewport in view; B's own pan stops
// following, and so does Escape. "Follow me" pulls B in until B stops. A's
// laser trail shows on B's canvas, fades, and leaves nothing in the board.
// All of it twice: with A and B linked directly, and with everything going
// through the keeper (`--mesh-limit 0`, star mode), which relays presence and
// coalesces cursors.

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
import { decodePng } from './png.mjs'

/** Mouse moves per sweep of the laser across its path. */
const SWEEP_STEPS = 8
/** Page px above and below the laser's path searched for its trail. */
const TRAIL_BAND_PX = 8
/** Columns of trail that show a trail rather than a dot (the dot at a fresh press is 5 px). */
const TRAIL_MIN_PX = 30

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

/**
 * Whether a pixel is laser red at any opacity over the white board: red stays
 * full while green and blue fade in together, blue ahead of green (laser red
 * has more blue than green). A person's colour over white keeps green and blue
 * equal, so A's cursor (red, like the laser) never counts.
 */
function laserTinted(r, g, b) {
  return r >= 245 && g <= 235 && b - g >= 6
}

/**
 * How many columns of the band around the horizontal path from `a` to `b`
 * (page px) hold laser-tinted pixels: the length of trail showing there.
 */
function trailLength(image, a, b) {
  let columns = 0
  for (let x = Math.round(Math.min(a.x, b.x)); x <= Math.round(Math.max(a.x, b.x)); x++) {
    for (let y = Math.round(a.y) - TRAIL_BAND_PX; y <= Math.round(a.y) + TRAIL_BAND_PX; y++) {
      const o = (y * image.width + x) * 4
      if (laserTinted(image.pixels[o], image.pixels[o + 1], image.pixels[o + 2])) {
        columns++
        break
      }
    }
  }
  return columns
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
      // A version previewed while following: its bar (shown here by hand) sits above the follow bar, not over it.
      const bars = await bob.evaluate(() => {
        const root = document.querySelector('.inkmesh-board-host')?.shadowRoot ?? document
        const preview = root.querySelector('[data-testid="preview-bar"]')
        preview.hidden = false
        const previewBottom = preview.getBoundingClientRect().bottom
        const followTop = root.querySelector('[data-testid="follow-bar"]').getBoundingClientRect().top
        preview.hidden = true
        return { previewBottom, followTop }
      })
      assert.ok(bars.previewBottom <= bars.followTop, `the preview bar (bottom ${bars.previewBottom}) covers the follow bar (top ${bars.followTop})`)

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

      // A sweeps the laser to and fro until B has seen a trail along the path
      // (each point lasts about a second; under load the sweep is slower and
      // less of it shows, so the check asks for a length, not the whole path).
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
      try {
        await waitUntil("Ada's laser trail on Bob's canvas", async () => {
          const length = trailLength(decodePng(await bob.screenshot()), a, b)
          if (length < TRAIL_MIN_PX) throw new Error(`${length} px of trail`)
          return length
        })
        await screenshot(bob, `follow-laser-on-bob-${extraArgs.length > 0 ? 'star' : 'mesh'}`)
        await waitUntil("Ada's own laser trail on her canvas", async () => {
          const length = trailLength(decodePng(await ada.screenshot()), path[0], path[1])
          if (length < TRAIL_MIN_PX) throw new Error(`${length} px of trail`)
          return length
        })
      } finally {
        sweeping = false
        await sweep
        await ada.mouse.up()
      }
      await waitUntil("Ada's laser trail to fade on Bob's canvas", async () => {
        const length = trailLength(decodePng(await bob.screenshot()), a, b)
        if (length > 0) throw new Error(`${length} px of trail`)
        return true
      })
      assert.deepEqual({ ada: await elementsOf(ada), bob: await elementsOf(bob) }, elementsBefore)
      const stored = await ada.evaluate(() => window.__inkmesh.handle.board.ordered().length)
      assert.equal(stored, 0)

      // Escape stops following too.
      assert.equal(await bob.locator('[data-testid="follow-bar"]').isVisible(), true)
      await bob.keyboard.press('Escape')
      await waitUntil('Escape to stop following on Bob', async () => !(await bob.locator('[data-testid="follow-bar"]').isVisible()))
    })
  })
}
