// Offline first: two people draw, the server goes away, both keep drawing, one
// reloads while offline and keeps everything (IndexedDB + the service worker's
// app shell), and when the server is back every replica, the keeper's stored
// snapshot included, holds exactly the union of what was drawn; a reload
// without the server draws the picture the browser kept of the board first.

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'

import * as Y from 'yjs'

import { drawPath, elementsOf, launchChromium, openBoard, openLiveBoards, roomName, screenshot, selectTool, startServer, waitForStatus, waitUntil } from './harness.mjs'

/** Draws one pen stroke at row `n` and returns its id once it has ended. */
async function drawStroke(page, n) {
  const before = new Set(Object.keys(await elementsOf(page)))
  await selectTool(page, 'pen')
  // Clear of the toolbars: rows from y 280, columns from x 280.
  const y = 280 + (n % 6) * 50
  const x = 280 + Math.floor(n / 6) * 200
  await drawPath(page, [0, 1, 2, 3, 4, 5].map((i) => ({ x: x + i * 20, y: y + (i % 2) * 10 })))
  return waitUntil(`stroke ${n} to end`, async () => {
    const elements = await elementsOf(page)
    const fresh = Object.keys(elements).filter((id) => !before.has(id))
    return fresh.length === 1 && elements[fresh[0]].d === true ? fresh[0] : false
  })
}

async function storedIds(server, room) {
  const { token } = await (await fetch(`${server.url}/api/rooms/${room}/token`, { method: 'POST' })).json()
  const response = await fetch(`${server.url}/api/rooms/${room}/snapshot`, { headers: { authorization: `Bearer ${token}` } })
  if (!response.ok) return []
  const doc = new Y.Doc()
  Y.applyUpdate(doc, new Uint8Array(await response.arrayBuffer()))
  return [...doc.getMap('elements').keys()].sort()
}

describe('offline editing', () => {
  let dataDir
  let server
  let browser

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'inkmesh-e2e-offline-'))
    server = await startServer({ name: 'offline', dataDir })
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('merges both ways after the server comes back, with nothing lost or doubled', async () => {
    const room = roomName('offline')
    const url = `${server.url}/b/${room}`
    const [ann, bob] = await openLiveBoards(browser, url, ['Ann', 'Bob'])
    // The service worker must hold the app shell before the server goes away.
    await ann.waitForFunction(() => navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready.then(() => true), null, { timeout: 10_000 })

    const drawnByAnn = [await drawStroke(ann, 0)]
    const drawnByBob = [await drawStroke(bob, 1)]
    await waitUntil('both strokes everywhere', async () => (await storedIds(server, room)).length === 2)

    await server.stop()
    await waitUntil('A to notice the server is gone', () => ann.evaluate(() => window.__inkmesh.handle.collab.status() !== 'live'))
    drawnByAnn.push(await drawStroke(ann, 2), await drawStroke(ann, 3))
    drawnByBob.push(await drawStroke(bob, 4), await drawStroke(bob, 5))

    await ann.evaluate(() => window.__inkmesh.handle.whenSaved())
    await ann.reload()
    await ann.waitForFunction(() => window.__inkmesh !== undefined, null, { timeout: 15_000 })
    await ann.evaluate(() => window.__inkmesh.handle.localCopyLoaded)
    const afterReload = Object.keys(await elementsOf(ann))
    for (const id of drawnByAnn) assert.ok(afterReload.includes(id), `A kept its stroke ${id} across the offline reload`)
    const status = await waitUntil('the page to say it is offline', async () => {
      const text = await ann.locator('[data-testid="status"]').textContent()
      return /offline/i.test(text ?? '') ? text : false
    })
    assert.match(status, /kept on this device/)
    await screenshot(ann, 'offline-after-reload')
    drawnByAnn.push(await drawStroke(ann, 6))

    server = await startServer({ name: 'offline-restarted', dataDir, port: server.port })
    const union = [...drawnByAnn, ...drawnByBob].sort()
    for (const [who, page] of [['A', ann], ['B', bob]]) {
      await waitUntil(`${who} to hold exactly the union ${union}`, async () => {
        const ids = Object.keys(await elementsOf(page)).sort()
        if (JSON.stringify(ids) === JSON.stringify(union)) return true
        throw new Error(`${who} holds ${ids} (${await page.evaluate(() => JSON.stringify(window.__inkmesh.handle.collab.debug()))})`)
      }, 40_000)
    }
    await waitForStatus(ann, 'live', 30_000)
    await waitUntil("the server's snapshot to hold exactly the union", async () => JSON.stringify(await storedIds(server, room)) === JSON.stringify(union), 20_000)
    await screenshot(ann, 'offline-merged')
    for (const page of [ann, bob]) await page.context().close()

    // A newcomer gets the board from the server's snapshot; its local copy
    // keeps it through an offline reload too.
    const cy = await openBoard(browser, `${url}?name=Cy`)
    await cy.waitForFunction(() => navigator.serviceWorker.ready.then(() => true), null, { timeout: 10_000 })
    await waitUntil('the newcomer to hold the union', async () => JSON.stringify(Object.keys(await elementsOf(cy)).sort()) === JSON.stringify(union))
    await cy.evaluate(() => window.__inkmesh.handle.whenSaved())
    await server.stop()
    await cy.reload()
    await cy.waitForFunction(() => window.__inkmesh !== undefined, null, { timeout: 15_000 })
    await cy.evaluate(() => window.__inkmesh.handle.localCopyLoaded)
    assert.deepEqual(Object.keys(await elementsOf(cy)).sort(), union, 'the local copy kept the snapshot')
    // With the server gone, what was drawn before the local copy loaded can
    // only be the picture this browser kept (decoded by the page's HTML).
    const marks = await cy.evaluate(() => ['picture-bytes', 'stand-in-shown', 'render-bytes'].map((m) => performance.getEntriesByName(`inkmesh:${m}`).length))
    assert.deepEqual(marks, [1, 1, 0], 'the kept picture was read and drawn, and no render stream came')
    await cy.context().close()
  })
})
