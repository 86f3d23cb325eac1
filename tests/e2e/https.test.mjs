// HTTPS on one node: the server started with a test certificate serves the
// board over https://, the page is a secure context because of it, its
// service worker registers and controls the page, and signaling runs over
// wss:// until the page is live with the keeper.
//
// http://127.0.0.1 and http://localhost are secure contexts too, so the page
// is opened under a name that is not: `inkmesh.test`, which Chromium resolves
// to 127.0.0.1 (--host-resolver-rules); it trusts the self-signed certificate
// by its key's hash (see tls.mjs). Open mode answers that name because it is
// an --allow-origin.

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'

import { connectedLinks, freePort, launchChromium, openBoard, recordPeerConnections, roomName, screenshot, startServer, waitForStatus, waitUntil } from './harness.mjs'
import { makeTestCertificate } from './tls.mjs'

const HOST = 'inkmesh.test'

/** An init script: records every WebSocket the page opens. */
function recordWebSockets() {
  const opened = []
  const Native = window.WebSocket
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args)
      opened.push(this)
    }
  }
  window.__webSockets = opened
}

describe('HTTPS on one node', () => {
  let certDir
  let server
  let browser
  let origin

  before(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'inkmesh-e2e-tls-'))
    const tls = await makeTestCertificate(certDir, HOST)
    const port = await freePort()
    origin = `https://${HOST}:${port}`
    server = await startServer({ name: 'https', port, tls, extraArgs: ['--allow-origin', origin] })
    browser = await launchChromium([
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      `--ignore-certificate-errors-spki-list=${tls.spki}`,
    ])
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
    await rm(certDir, { recursive: true, force: true })
  })

  it('serves a secure page whose service worker registers and whose signaling is wss', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } })
    await context.addInitScript(recordWebSockets)
    await context.addInitScript(recordPeerConnections)
    const page = await openBoard(browser, `${origin}/b/${roomName('https')}?name=Ann`, { context })

    const where = await page.evaluate(() => ({ protocol: location.protocol, host: location.hostname, secure: window.isSecureContext }))
    assert.deepEqual(where, { protocol: 'https:', host: HOST, secure: true }, 'an https page under a non-loopback name is a secure context')

    await waitForStatus(page)
    assert.ok((await connectedLinks(page)) >= 1, 'a WebRTC link to the keeper is up')
    const sockets = await page.evaluate(() => window.__webSockets.map((ws) => ({ url: ws.url, open: ws.readyState === WebSocket.OPEN })))
    assert.ok(sockets.length >= 1, 'the page opened its signaling socket')
    for (const socket of sockets) assert.equal(new URL(socket.url).protocol, 'wss:', `signaling over wss: ${socket.url}`)
    assert.ok(sockets.some((s) => s.open && s.url === `wss://${HOST}:${new URL(origin).port}/api/signal`), JSON.stringify(sockets))

    const worker = await waitUntil('the service worker to control the page', () =>
      page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? false),
    )
    assert.equal(worker, `${origin}/sw.js`)
    const cached = await page.evaluate(async () => (await caches.keys()).length)
    assert.ok(cached >= 1, 'the service worker keeps the app shell')
    assert.deepEqual(page.problems, [], 'no page or console errors')
    await screenshot(page, 'https-live')
    await context.close()
  })
})
