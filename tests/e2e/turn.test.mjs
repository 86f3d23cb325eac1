// Relay-only through a real TURN server: coturn on loopback with the REST
// API's shared secret, the server minting each member's credential
// (`--turn-secret`), and a page opened with `?relay=1` drawing with an ordinary
// page. Both see each other's strokes, the keeper stores them, and every link
// of the relay-only page runs over a relay candidate (getStats' selected
// candidate pair). Skipped where coturn is not installed.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import * as Y from 'yjs'

import { turnserverPath, startCoturn } from './coturn.mjs'
import { drawPath, elementsOf, launchChromium, openBoard, roomName, selectTool, startServer, waitForStatus, waitUntil } from './harness.mjs'

const TURN_SECRET = 'e2e-turn-secret-0123456789'

/** Keeps every RTCPeerConnection the page makes on `window.__peerConnections`, for getStats. */
function recordPeerConnections() {
  const Native = window.RTCPeerConnection
  const made = []
  window.__peerConnections = made
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args)
      made.push(this)
    }
  }
}

/** For each connected RTCPeerConnection of `page`: its ICE policy and the selected pair's candidate types. */
async function connectedLinks(page) {
  return page.evaluate(async () => {
    const links = []
    for (const pc of window.__peerConnections) {
      if (pc.connectionState !== 'connected') continue
      const stats = await pc.getStats()
      let pair
      stats.forEach((s) => {
        if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId)
      })
      links.push({
        policy: pc.getConfiguration().iceTransportPolicy,
        local: pair && stats.get(pair.localCandidateId)?.candidateType,
        remote: pair && stats.get(pair.remoteCandidateId)?.candidateType,
      })
    }
    return links
  })
}

/** Draws one pen stroke at row `n` and returns its id once it has ended. */
async function stroke(page, n) {
  const before = new Set(Object.keys(await elementsOf(page)))
  await selectTool(page, 'pen')
  const y = 300 + n * 60
  await drawPath(page, [0, 1, 2, 3, 4, 5].map((i) => ({ x: 300 + i * 20, y: y + (i % 2) * 10 })))
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

describe('relay-only through TURN', { skip: turnserverPath() === null && 'coturn is not installed (Debian: apt-get install coturn)' }, () => {
  let coturn
  let server
  let browser

  before(async () => {
    coturn = await startCoturn({ name: 'turn', secret: TURN_SECRET })
    server = await startServer({ name: 'turn', extraArgs: ['--ice-server', coturn.url, '--turn-secret', TURN_SECRET] })
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
    await coturn?.stop()
  })

  it('a ?relay=1 page draws with another page and the keeper over relay candidates only', async () => {
    const room = roomName('turn')
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } })
    await context.addInitScript(recordPeerConnections)
    const ann = await openBoard(browser, `${server.url}/b/${room}?name=Ann&relay=1`, { context })
    const bob = await openBoard(browser, `${server.url}/b/${room}?name=Bob`)
    await waitForStatus(ann)
    await waitForStatus(bob)

    const annStroke = await stroke(ann, 0)
    const bobStroke = await stroke(bob, 1)
    const both = [annStroke, bobStroke].sort()
    await waitUntil("each page to hold the other's stroke", async () => {
      const [a, b] = [await elementsOf(ann), await elementsOf(bob)]
      return both.every((id) => a[id]?.d === true && b[id]?.d === true)
    })
    await waitUntil('the keeper to store both strokes', async () => JSON.stringify(await storedIds(server, room)) === JSON.stringify(both))

    // Ann's links (the keeper and Bob) each run over her relay candidate.
    const links = await waitUntil("Ann's links to the keeper and Bob to be connected", async () => {
      const connected = await connectedLinks(ann)
      return connected.length === 2 && connected.every((l) => l.local !== undefined) ? connected : false
    })
    for (const link of links) {
      assert.equal(link.policy, 'relay')
      assert.equal(link.local, 'relay', JSON.stringify(links))
    }
    assert.deepEqual([...ann.problems, ...bob.problems], [])
    await context.close()
    await bob.context().close()
  })
})
