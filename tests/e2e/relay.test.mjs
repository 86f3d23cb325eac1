// Two people whose direct path is really blocked while both reach the server:
// each browser runs in its own network namespace, and nftables in the hub
// between them drops UDP from one to the other. Their pages must still show
// each other's strokes and cursors, through the keeper, and say "live"; once
// the block is lifted, nothing arrives twice.
//
// The file re-runs itself inside the namespaces (netns.mjs). Where they cannot
// be made (not root, no iproute2 or nftables), it says so and skips; the web
// and Rust core tests cover the relay decisions regardless.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

import { canonical, connectedLinks, drawPath, elementsOf, openBoard, recordPeerConnections, roomName, selectTool, startServer, waitForStatus, waitUntil } from './harness.mjs'
import { blockUdpBetween, createNetwork, insideNetwork, launchChromiumOn, runInHub, unblockAll, whyNoNamespaces } from './netns.mjs'

const network = insideNetwork()

if (network === null) {
  describe('a blocked direct path, in network namespaces', () => {
    it('passes inside the namespaces', async (t) => {
      const why = await whyNoNamespaces()
      if (why) {
        t.skip(`cannot create network namespaces here (${why}); run as root with iproute2 and nftables`)
        return
      }
      const { network: made, destroy } = await createNetwork(['ann', 'bob'])
      try {
        const { code, output } = await runInHub(fileURLToPath(import.meta.url), made)
        assert.equal(code, 0, 'the run inside the namespaces failed (its output is above)')
        assert.match(output, /^# pass [1-9]/m, 'the run inside the namespaces ran its tests')
        assert.match(output, /^# fail 0$/m)
      } finally {
        await destroy()
      }
    })
  })
} else {
  describeInside(network)
}

function describeInside({ machines }) {
  const [annHost, bobHost] = machines

  describe('members whose direct path is blocked', () => {
    let server
    const browsers = []
    let ann
    let bob
    let bobId

    before(async () => {
      await blockUdpBetween(annHost, bobHost)
      // Pages reach the server at the hub's address on their own link, so it
      // listens on every interface, and open mode must allow that.
      server = await startServer({ name: 'relay', host: '0.0.0.0', extraArgs: ['--allow-open-mode-on-network'] })
      const room = roomName('relay')
      const open = async (machine, name) => {
        const browser = await launchChromiumOn(machine)
        browsers.push(browser)
        const context = await browser.newContext({ viewport: { width: 1000, height: 700 } })
        await context.grantPermissions(['camera', 'microphone'])
        await context.addInitScript(recordPeerConnections)
        return openBoard(browser, `http://${machine.hubAddress}:${server.port}/b/${room}?name=${name}`, { context })
      }
      ann = await open(annHost, 'Ann')
      bob = await open(bobHost, 'Bob')
      // The page is up before the server's welcome says who Bob is.
      bobId = await waitUntil('Bob to be welcomed', () => bob.evaluate(() => window.__inkmesh.handle.collab.me?.id ?? false), 15_000)
    })

    after(async () => {
      for (const browser of browsers) await browser.close()
      await server?.cleanup()
    })

    it("shows each one's strokes and cursor to the other through the keeper, and says live", async () => {
      await waitForStatus(ann)
      await waitForStatus(bob)
      const stroke = []
      for (let i = 0; i <= 20; i++) stroke.push({ x: 200 + i * 10, y: 300 + (i % 5) * 6 })
      await selectTool(ann, 'pen')
      await drawPath(ann, stroke)
      const annElements = await waitUntil('a finished stroke on Ann', async () => {
        const e = await elementsOf(ann)
        return Object.values(e).length === 1 && Object.values(e)[0].d ? e : false
      })
      await waitUntil("Bob to hold Ann's stroke", async () => canonical(await elementsOf(bob)) === canonical(annElements), 10_000)

      await bob.mouse.move(420, 260)
      await bob.mouse.move(430, 270)
      await waitUntil("Ann to see Bob's cursor", () => ann.evaluate((id) => window.__inkmesh.cursors.has(id), bobId), 10_000)

      // What they saw went through the keeper: each page's only connected
      // link is the keeper's.
      assert.equal(await connectedLinks(ann), 1, "Ann's connected links")
      assert.equal(await connectedLinks(bob), 1, "Bob's connected links")
      assert.equal(await ann.evaluate(() => window.__inkmesh.handle.collab.status()), 'live')
      assert.equal(await bob.evaluate(() => window.__inkmesh.handle.collab.status()), 'live')
    })

    it('once the block is lifted, keeps both boards the same with nothing doubled', async () => {
      await unblockAll()
      const stroke = []
      for (let i = 0; i <= 20; i++) stroke.push({ x: 250 + i * 10, y: 450 - (i % 4) * 7 })
      await selectTool(bob, 'pen')
      await drawPath(bob, stroke)
      const bobElements = await waitUntil('two finished strokes on Bob', async () => {
        const e = await elementsOf(bob)
        return Object.values(e).length === 2 && Object.values(e).every((el) => el.d) ? e : false
      })
      await waitUntil("Ann to hold exactly Bob's board", async () => canonical(await elementsOf(ann)) === canonical(bobElements), 10_000)
      const ids = await ann.evaluate(() => window.__inkmesh.ids())
      assert.equal(ids.length, 2, `Ann's elements: ${ids.join(', ')}`)
      assert.equal(new Set(ids).size, 2)
    })
  })
}
