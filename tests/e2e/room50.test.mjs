// A room of 50: 45 native members (three crowd processes) and two browsers.
// Above the mesh limit every member links to the keeper only, which forwards
// strokes and cursors: every member ends with the same board, id by id; each
// browser holds exactly one link; a browser's stroke reaches the other
// browser and every native member; cursors arrive both ways.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import { connectedLinks, drawPath, elementsOf, launchChromium, openBoard, recordPeerConnections, roomName, selectTool, startServer, waitForStatus, waitUntil } from './harness.mjs'
import { startCrowd } from './crowd.mjs'

const CROWDS = 3
const PER_CROWD = 15
const NATIVES = CROWDS * PER_CROWD

const sortedIds = async (page) => Object.keys(await elementsOf(page)).sort()

describe('a room of 50 in star mode', () => {
  let server
  let browser
  const crowds = []
  let ann
  let bob

  before(async () => {
    server = await startServer({ name: 'room50' })
    const room = roomName('room50')
    for (let i = 0; i < CROWDS; i++) crowds.push(startCrowd({ url: server.url, room, members: PER_CROWD, name: `room50-${i}` }))
    for (const crowd of crowds) await crowd.waitForCount('live', PER_CROWD, 90_000)
    browser = await launchChromium()
    const open = async (name) => {
      const context = await browser.newContext({ viewport: { width: 1000, height: 700 } })
      await context.grantPermissions(['camera', 'microphone'])
      await context.addInitScript(recordPeerConnections)
      return openBoard(browser, `${server.url}/b/${room}?name=${name}`, { context })
    }
    ann = await open('Ann')
    bob = await open('Bob')
    await waitForStatus(ann, 'live', 30_000)
    await waitForStatus(bob, 'live', 30_000)
  })

  after(async () => {
    for (const crowd of crowds) await crowd.stop()
    await browser?.close()
    await server?.cleanup()
  })

  it('converges: every member holds the same board, id by id', async () => {
    for (const crowd of crowds) crowd.send('draw')
    await selectTool(ann, 'pen')
    await drawPath(ann, [
      { x: 300, y: 300 },
      { x: 340, y: 320 },
      { x: 380, y: 310 },
      { x: 420, y: 350 },
    ])
    for (const crowd of crowds) await crowd.waitForCount('drew', PER_CROWD, 30_000)
    const expected = await waitUntil(`Ann to hold ${NATIVES + 1} elements`, async () => {
      const ids = await sortedIds(ann)
      return ids.length === NATIVES + 1 ? ids : false
    }, 30_000)
    await waitUntil("Bob to hold Ann's board", async () => JSON.stringify(await sortedIds(bob)) === JSON.stringify(expected), 30_000)
    await waitUntil('every native member to hold the same board', async () => {
      for (const crowd of crowds) {
        for (const member of await crowd.report()) {
          if (JSON.stringify(member.elements) !== JSON.stringify(expected)) return false
        }
      }
      return true
    }, 30_000)
  })

  it('gives each browser exactly one link, the keeper', async () => {
    assert.equal(await connectedLinks(ann), 1, "Ann's connected links")
    assert.equal(await connectedLinks(bob), 1, "Bob's connected links")
    for (const crowd of crowds) {
      for (const member of await crowd.report()) assert.equal(member.links, 1, `native member ${member.id}'s links`)
    }
  })

  it('carries cursors both ways through the keeper', async () => {
    const bobId = await bob.evaluate(() => window.__inkmesh.handle.collab.me.id)
    for (const crowd of crowds) crowd.send('cursor')
    await waitUntil("Ann to see native members' cursors", () => ann.evaluate(() => window.__inkmesh.cursors.size > 0), 10_000)
    await waitUntil('every native member to see Bob\'s cursor', async () => {
      await bob.mouse.move(200 + Math.random() * 50, 200)
      for (const crowd of crowds) {
        for (const member of await crowd.report()) if (!member.cursorsFrom.includes(bobId)) return false
      }
      return true
    }, 15_000)
  })
})
