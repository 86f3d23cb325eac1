// Embedding: a SaaS host app on its own origin (examples/saas-embed) mints
// tokens with the secret it shares with the Inkmesh server and mounts boards
// in its page. A drawing in one embed shows in another; a read-only embed
// changes nothing, even when it sends updates past its own UI.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'

import * as Y from 'yjs'

import { ROOT, canonical, drawPath, freePort, launchChromium, openPage, roomName, startServer, waitUntil } from './harness.mjs'

const SECRET = 'e2e-shared-secret-0123456789abcdef'

/** Opens the host page and waits until its embedded board is live. */
async function openEmbed(browser, url) {
  const page = await openPage(browser, url)
  await waitUntil(`the embed at ${url} to be live`, () =>
    page.evaluate(() => window.inkmeshBoard?.()?.collab.status() === 'live'),
  20_000)
  return page
}

const elements = (page) => page.evaluate(() => window.inkmeshBoard().board.toJSON().elements)

describe('embedding in a host page on another origin', () => {
  let server
  let host
  let browser

  before(async () => {
    const port = await freePort()
    const hostPort = await freePort()
    // The host app's origin must be allowed before the host exists: reserve its port.
    server = await startServer({ name: 'embed', port, extraArgs: ['--auth-secret', SECRET, '--allow-origin', `http://127.0.0.1:${hostPort}`] })
    host = await startHostOn(hostPort, server.url)
    browser = await launchChromium()
  })

  async function startHostOn(port, inkmeshUrl) {
    const child = spawn(process.execPath, [join(ROOT, 'examples/saas-embed/server.mjs'), '--port', String(port), '--inkmesh', inkmeshUrl], {
      env: { ...process.env, INKMESH_AUTH_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the host app exited with ${code}`)))
      child.stdout.on('data', (d) => /saas-embed host app on/.test(String(d)) && resolve())
    })
    return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') }
  }

  after(async () => {
    await browser?.close()
    host?.stop()
    await server?.cleanup()
  })

  it('draws in one embed, shows it in another, and a read-only embed changes nothing', async () => {
    const room = roomName('embed')
    const editor = await openEmbed(browser, `${host.url}/?room=${room}&name=Host%20Ann`)
    // The host's greedy CSS (6px hotpink borders on every canvas) stays outside the shadow root.
    const border = await editor.evaluate(() => {
      const canvas = window.inkmeshBoard().view.renderer.canvas
      return getComputedStyle(canvas).borderTopWidth
    })
    assert.equal(border, '0px')

    const canvasBox = await editor.evaluate(() => {
      const r = window.inkmeshBoard().view.renderer.canvas.getBoundingClientRect()
      return { x: r.left, y: r.top, w: r.width, h: r.height }
    })
    await editor.locator('[data-tool="pen"]').click()
    await drawPath(editor, [0, 1, 2, 3, 4, 5].map((i) => ({ x: canvasBox.x + 320 + i * 25, y: canvasBox.y + 300 + (i % 2) * 20 })))
    const drawn = await waitUntil('the stroke in the first embed', async () => {
      const e = await elements(editor)
      return Object.values(e).some((el) => el.t === 'stroke' && el.d) ? e : false
    })

    const second = await openEmbed(browser, `${host.url}/?room=${room}&name=Host%20Bob&as=element`)
    await waitUntil('the second embed to show the drawing', async () => canonical(await elements(second)) === canonical(drawn))

    const viewer = await openEmbed(browser, `${host.url}/?room=${room}&name=Host%20Viewer&role=viewer&as=element`)
    await waitUntil('the viewer to show the drawing', async () => canonical(await elements(viewer)) === canonical(drawn))
    assert.equal(await viewer.locator('[data-tool="pen"]').isVisible(), false, 'no pen tool in a read-only embed')
    assert.equal(await viewer.locator('[data-testid="readonly-badge"]').isVisible(), true, 'a "View only" badge')

    // Through the UI: dragging and pressing Delete change nothing.
    const viewerCanvas = await viewer.evaluate(() => {
      const r = window.inkmeshBoard().view.renderer.canvas.getBoundingClientRect()
      return { x: r.left, y: r.top }
    })
    await drawPath(viewer, [0, 1, 2, 3].map((i) => ({ x: viewerCanvas.x + 150 + i * 30, y: viewerCanvas.y + 150 })))
    await viewer.keyboard.press('Delete')
    assert.equal(canonical(await elements(viewer)), canonical(drawn))

    // Past the UI: an update sent straight onto the data channels (adding an
    // element and deleting the stroke) is dropped by the editors and the keeper.
    const replica = await storedDoc(server.url, room)
    const before = Y.encodeStateVector(replica)
    const strokeId = Object.keys(drawn)[0]
    replica.transact(() => {
      replica.getMap('elements').delete(strokeId)
      replica.getMap('elements').set('intruder0001', new Y.Map([['t', 'rect'], ['z', 'zz'], ['x', 0], ['y', 0], ['w', 50], ['h', 50]]))
    })
    const forged = [...Y.encodeStateAsUpdate(replica, before)]
    await viewer.evaluate((bytes) => window.inkmeshBoard().collab.sendRawUpdate(Uint8Array.from(bytes)), forged)
    for (const page of [editor, second]) {
      await waitUntil('each editor to report dropping the viewer\'s update', () =>
        page.evaluate(() => window.inkmeshBoard().collab.debug().droppedFromViewers > 0),
      )
    }
    await waitUntil('the keeper to report dropping it', async () => {
      const metrics = await (await fetch(`${server.url}/metrics`)).text()
      return /^inkmesh_viewer_updates_dropped_total [1-9]/m.test(metrics)
    })
    for (const page of [editor, second, viewer]) assert.equal(canonical(await elements(page)), canonical(drawn))
    const stored = await storedDoc(server.url, room)
    assert.deepEqual([...stored.getMap('elements').keys()], [strokeId])
    for (const page of [editor, second, viewer]) assert.deepEqual(page.problems, [])
  })
})

/** HS256 token minted as the host's backend does (examples/saas-embed/server.mjs). */
function mint(room, role) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ room, sub: 'e2e', name: 'e2e', role, exp: Math.floor(Date.now() / 1000) + 600 })}`
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`
}

async function storedDoc(serverUrl, room) {
  const response = await fetch(`${serverUrl}/api/rooms/${room}/snapshot`, { headers: { authorization: `Bearer ${mint(room, 'viewer')}` } })
  assert.equal(response.status, 200)
  const doc = new Y.Doc()
  Y.applyUpdate(doc, new Uint8Array(await response.arrayBuffer()))
  return doc
}
