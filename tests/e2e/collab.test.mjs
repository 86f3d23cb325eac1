// Two people on one board, in two browser contexts against the real server:
// drawing shows up for the other (document and pixels), cursors carry names,
// undo is per user, a late joiner and a fresh page after a server restart see
// everything.

import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'

import {
  boardToPage as toPage,
  canonical,
  drawPath,
  elementsOf,
  launchChromium,
  openBoard,
  openLiveBoards,
  roomName,
  screenshot,
  selectTool,
  startServer,
  waitForStatus,
  waitUntil,
} from './harness.mjs'
import { countColour, countInk, decodePng, hexColour } from './png.mjs'

async function boundsOnPage(page, id) {
  const box = await page.evaluate((elementId) => window.__inkmesh.handle.board.elementBounds(elementId), id)
  const a = await toPage(page, { x: box.minX, y: box.minY })
  const b = await toPage(page, { x: box.maxX, y: box.maxY })
  return { x: a.x - 2, y: a.y - 2, w: b.x - a.x + 4, h: b.y - a.y + 4 }
}

const kinds = (elements) => Object.values(elements).map((e) => e.t).sort()

describe('drawing together', () => {
  let dataDir
  let server
  let browser
  let room
  let ann
  let bob
  const idsBy = {}

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'inkmesh-e2e-collab-'))
    server = await startServer({ name: 'collab', dataDir })
    browser = await launchChromium()
    room = roomName('collab')
    ;[ann, bob] = await openLiveBoards(browser, `${server.url}/b/${room}`, ['Ann', 'Bob'])
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('/ makes a new board and goes to its link', async () => {
    const page = await openBoard(browser, `${server.url}/`)
    assert.match(new URL(page.url()).pathname, /^\/b\/[a-z0-9]{10}$/)
    await waitForStatus(page)
    assert.equal(await page.locator('[data-testid="status"]').getAttribute('data-status'), 'live')
    await page.context().close()
  })

  it('shows what A draws on B, in the document and in pixels', async () => {
    const before = await screenshot(bob, 'collab-b-before')
    await selectTool(ann, 'rect')
    await drawPath(ann, [
      { x: 560, y: 200 },
      { x: 640, y: 260 },
      { x: 700, y: 320 },
    ])
    await selectTool(ann, 'pen')
    const stroke = []
    for (let i = 0; i <= 30; i++) stroke.push({ x: 200 + i * 8, y: 300 + Math.sin(i / 4) * 40 })
    await drawPath(ann, stroke)

    const annElements = await waitUntil('two elements on A', async () => {
      const e = await elementsOf(ann)
      return Object.keys(e).length === 2 && Object.values(e).every((el) => el.t !== 'stroke' || el.d) ? e : false
    })
    assert.deepEqual(kinds(annElements), ['rect', 'stroke'])
    await waitUntil('B to hold exactly A\'s board', async () => {
      const e = await elementsOf(bob)
      return canonical(e) === canonical(annElements)
    })
    for (const [id, e] of Object.entries(annElements)) idsBy[e.t] = id

    // Pixels: where the stroke and the rectangle are on B's screen, B's
    // canvas turned from blank to ink.
    const beforeImage = decodePng(await readFile(before))
    await waitUntil('B to render the stroke and the rectangle', async () => {
      const image = decodePng(await bob.screenshot())
      for (const id of [idsBy.stroke, idsBy.rect]) {
        const box = await boundsOnPage(bob, id)
        if (countInk(image, box) < 40) return false
        if (countInk(beforeImage, box) > 0) throw new Error(`B's canvas had ink at ${JSON.stringify(box)} before`)
      }
      return true
    })
    await screenshot(bob, 'collab-b-after')
  })

  it("shows B's cursor on A's canvas with B's name", async () => {
    const bobMe = await bob.evaluate(() => window.__inkmesh.handle.collab.me)
    const target = await toPage(bob, { x: 450, y: 520 })
    await selectTool(bob, 'select')
    for (let i = 0; i <= 10; i++) await bob.mouse.move(target.x - 100 + i * 10, target.y)
    const seen = await waitUntil("A to receive B's cursor", () =>
      ann.evaluate(() => [...window.__inkmesh.cursors.values()].map((c) => c.cursor)),
    )
    const cursor = seen.find((c) => c.name === 'Bob')
    assert.ok(cursor, `a cursor named Bob among ${JSON.stringify(seen)}`)
    assert.equal(cursor.peerId, bobMe.id)
    await waitUntil("B's cursor to settle at B's pointer on A's side", () =>
      ann.evaluate(() => {
        const c = [...window.__inkmesh.cursors.values()].find((e) => e.cursor.name === 'Bob').cursor
        return Math.abs(c.x - 450) < 1 && Math.abs(c.y - 520) < 1
      }),
    )
    // The arrow is drawn in B's colour at B's position on A's screen.
    const onAnn = await toPage(ann, { x: 450, y: 520 })
    const colour = hexColour(bobMe.colour)
    await waitUntil("B's cursor drawn on A's canvas", async () => {
      const image = decodePng(await ann.screenshot())
      return countColour(image, { x: onAnn.x - 4, y: onAnn.y - 4, w: 60, h: 40 }, colour, 30) > 20
    })
    await screenshot(ann, 'collab-a-cursor')
    // Loopback is a secure context: B sends its cursor from pointerrawupdate,
    // which fires as input arrives. One alone, with no pointermove, moves it.
    const raw = await toPage(bob, { x: 470, y: 540 })
    await bob.evaluate(({ x, y }) => {
      const canvas = window.__inkmesh.handle.view.renderer.canvas
      canvas.dispatchEvent(new PointerEvent('pointerrawupdate', { clientX: x, clientY: y, bubbles: true }))
    }, raw)
    await waitUntil("B's cursor to follow a lone pointerrawupdate on A's side", () =>
      ann.evaluate(() => {
        const c = [...window.__inkmesh.cursors.values()].find((e) => e.cursor.name === 'Bob').cursor
        return Math.abs(c.x - 470) < 1 && Math.abs(c.y - 540) < 1
      }),
    )
  })

  it("undo in A removes only A's stroke", async () => {
    await selectTool(bob, 'pen')
    const start = await toPage(bob, { x: 300, y: 450 })
    await drawPath(bob, [0, 1, 2, 3, 4, 5, 6].map((i) => ({ x: start.x + i * 15, y: start.y + i * 5 })))
    const three = await waitUntil('A to hold B\'s stroke', async () => {
      const e = await elementsOf(ann)
      return Object.keys(e).length === 3 && Object.values(e).every((el) => el.t !== 'stroke' || el.d) ? e : false
    })
    const bobStroke = Object.keys(three).find((id) => id !== idsBy.stroke && id !== idsBy.rect)

    await ann.locator('[data-tool="pen"]').focus()
    await ann.keyboard.press('Control+z')
    for (const page of [ann, bob]) {
      await waitUntil("A's stroke to be gone", async () => {
        const ids = Object.keys(await elementsOf(page)).sort()
        return JSON.stringify(ids) === JSON.stringify([idsBy.rect, bobStroke].sort())
      })
    }
  })

  it('shows a stroke to the others while it is being drawn', async () => {
    const known = new Set(Object.keys(await elementsOf(ann)))
    await selectTool(ann, 'pen')
    const start = await toPage(ann, { x: 650, y: 520 })
    await ann.mouse.move(start.x, start.y)
    await ann.mouse.down()
    for (let i = 1; i <= 10; i++) await ann.mouse.move(start.x + i * 8, start.y - i * 3)
    // The pen is still down: B already has the stroke, unfinished, with points.
    const live = await waitUntil("B to show A's unfinished stroke", async () => {
      const e = await elementsOf(bob)
      const id = Object.keys(e).find((k) => !known.has(k))
      return id !== undefined && e[id].t === 'stroke' && e[id].d === undefined && e[id].p.length > 0 ? id : false
    })
    await ann.mouse.up()
    await waitUntil('B to see the stroke end', async () => (await elementsOf(bob))[live]?.d === true)
  })

  it('B changes its name from its presence chip, and A sees the new name', async () => {
    const renamed = new Promise((resolve) => bob.once('dialog', (d) => d.accept('Robert').then(resolve)))
    await bob.locator('[data-testid="presence"] [data-you="true"]').click()
    await renamed
    await bob.waitForURL((u) => !u.searchParams.has('name'))
    await bob.waitForFunction(() => window.__inkmesh !== undefined, null, { timeout: 15_000 })
    await waitForStatus(bob)
    assert.equal(await bob.evaluate(() => window.__inkmesh.handle.collab.me.name), 'Robert')
    await waitUntil("A's presence list to show Robert and no longer Bob", async () => {
      const names = await ann.locator('[data-testid="presence"] .person').allTextContents()
      // A timeout reports the names A shows, not just `false`.
      if (names.includes('Robert') && !names.includes('Bob')) return true
      throw new Error(`A shows ${JSON.stringify(names)}`)
    })
  })

  it('a late joiner shows everything', async () => {
    const expected = await elementsOf(ann)
    const cy = await openBoard(browser, `${server.url}/b/${room}?name=Cy`)
    await waitForStatus(cy)
    await waitUntil('the late joiner to hold the board', async () => canonical(await elementsOf(cy)) === canonical(expected))
    await screenshot(cy, 'collab-late-joiner')
    assert.deepEqual(cy.problems, [])
    await cy.context().close()
  })

  it('a fresh page after a server restart shows the board the keeper stored', async () => {
    const expected = await elementsOf(ann)
    // Close every page first, so the board can only come from storage.
    for (const page of [ann, bob]) {
      assert.deepEqual(page.problems, [], 'no page errors')
      await page.context().close()
    }
    ann = bob = undefined
    await server.stop()
    server = await startServer({ name: 'collab-restarted', dataDir: server.dataDir, port: server.port })
    const fresh = await openBoard(browser, `${server.url}/b/${room}?name=Dee`)
    await waitUntil('the fresh page to hold the stored board', async () => canonical(await elementsOf(fresh)) === canonical(expected), 20_000)
    await screenshot(fresh, 'collab-after-restart')
    await fresh.context().close()
  })
})
