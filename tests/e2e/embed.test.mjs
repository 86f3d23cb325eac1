// Embedding: a SaaS host app on its own origin (examples/saas-embed) mints
// tokens with the secret it shares with the Inkmesh server and mounts boards
// in its page. A drawing in one embed shows in another; a read-only embed
// changes nothing, even when it sends updates past its own UI. Both ends run
// with the commands README.md gives ("Embedding a board in your product"), so
// this test fails when the README drifts; and when the board cannot load, the
// host page says why.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'

import * as Y from 'yjs'

import { BINARY, ROOT, canonical, drawPath, freePort, launchChromium, openPage, roomName, startServer, waitUntil } from './harness.mjs'

const README_COMMANDS = readmeEmbedCommands()
const SECRET = README_COMMANDS.secret

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

  /** An allowed origin for a host app with the wrong secret. */
  let wrongSecretHostPort
  const extraHosts = []

  before(async () => {
    const port = await freePort()
    const hostPort = await freePort()
    wrongSecretHostPort = await freePort()
    // The README's ports, moved to free ones. The host apps' origins must be
    // allowed before the hosts exist: their ports are reserved first.
    const ports = { [README_COMMANDS.hostPort]: hostPort, [README_COMMANDS.inkmeshPort]: port }
    const extraArgs = [...rebind(README_COMMANDS.inkmesh.args, ports), '--allow-origin', `http://127.0.0.1:${wrongSecretHostPort}`]
    server = await startServer({ name: 'embed', port, extraArgs })
    host = await startHost(rebind(README_COMMANDS.host.args, ports), README_COMMANDS.host.env, hostPort)
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    for (const h of [host, ...extraHosts]) h?.stop()
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
    // Its stand-in until the board loaded: the first view of its own size, not the whole render stream.
    const renders = await second.evaluate(() => performance.getEntriesByType('resource').map((r) => new URL(r.name)).filter((u) => u.pathname.endsWith('/render')).map((u) => u.search))
    assert.equal(renders.length, 1, `one render request: ${renders}`)
    assert.match(renders[0], /^\?first=[1-9]\d*x[1-9]\d*$/)
    // The element's `people` event names whom it shares media with: Ann, over their direct link.
    await second.evaluate(() => {
      window.__people = []
      document.querySelector('inkmesh-board').addEventListener('people', (e) => (window.__people = e.detail.map((p) => p.name)))
    })
    // Ann's presence moves until the event names her: it fires on a change,
    // and the one sent before their direct link was up names nobody.
    let x = 0
    await waitUntil(
      "Ann in the element's people event",
      async () => {
        x += 1
        await editor.evaluate((x) => window.inkmeshBoard().collab.setPresence({ viewport: { x, y: 2, w: 300, h: 200 } }), x)
        return second.evaluate(() => window.__people.includes('Host Ann'))
      },
      30_000,
      250,
    )

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
    // The viewer may show the drawing from the server's snapshot or an
    // editor's link before its keeper link is up; only a live link carries
    // the forgery to the keeper.
    await waitUntil("the viewer's link to the keeper to be live", () =>
      viewer.evaluate(() => window.inkmeshBoard().collab.debug().peers.some((p) => p.keeper && p.session === 'live' && p.board === 'open')),
    )
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

  it('says on the host page that the board server is down, or does not allow the host', async () => {
    const downPort = await freePort()
    const cases = [
      { label: 'down', inkmesh: `http://127.0.0.1:${downPort}` },
      // Up, but not started with --allow-origin for this host.
      { label: 'not-allowed', inkmesh: server.url },
    ]
    for (const { label, inkmesh } of cases) {
      const hostPort = await freePort()
      const unlucky = await startHost(['--port', String(hostPort), '--inkmesh', inkmesh], { INKMESH_AUTH_SECRET: SECRET }, hostPort)
      extraHosts.push(unlucky)
      const page = await openPage(browser, `${unlucky.url}/?room=${roomName(label)}`)
      const message = await hostError(page)
      assert.match(message, /^The board could not load: /, label)
      assert.ok(message.includes(`${inkmesh}/inkmesh.js did not load`), `${label}: ${message}`)
      assert.ok(message.includes(`Is the board server running, and started with --allow-origin ${unlucky.url}?`), `${label}: ${message}`)
      assert.equal(await page.locator('#board').innerHTML(), '', `${label}: no half-mounted board`)
      await page.context().close()
    }
  })

  it('says on the host page that the board server refuses its tokens', async () => {
    // Another app whose secret is long enough but not the server's.
    const wrong = await startHost(['--port', String(wrongSecretHostPort), '--inkmesh', server.url], { INKMESH_AUTH_SECRET: `${SECRET}-but-not-the-same` }, wrongSecretHostPort)
    extraHosts.push(wrong)
    const page = await openPage(browser, `${wrong.url}/?room=${roomName('refused')}`)
    assert.match(await hostError(page), /The board server refused this app's token \(is INKMESH_AUTH_SECRET the secret http:\/\/127\.0\.0\.1:\d+ was started with\?\)/)
    assert.notEqual(await page.evaluate(() => window.inkmeshBoard().collab.status()), 'live')
  })
})

describe('the secret both ends share', () => {
  it('is refused under 16 characters by the server and by the host app, in the same words', async () => {
    const short = 'change-me'
    const dataDir = await mkdtemp(join(tmpdir(), 'inkmesh-e2e-'))
    const inkmesh = await run(BINARY, ['--auth-secret', short, '--bind', '127.0.0.1:0', '--data-dir', dataDir], {})
    await rm(dataDir, { recursive: true, force: true })
    assert.equal(inkmesh.code, 2)
    assert.match(inkmesh.stderr, /--auth-secret must be at least 16 characters/)
    const hostApp = await run(process.execPath, [join(ROOT, 'examples/saas-embed/server.mjs'), '--port', '0'], { INKMESH_AUTH_SECRET: short })
    assert.equal(hostApp.code, 2)
    assert.match(hostApp.stderr, /INKMESH_AUTH_SECRET must be at least 16 characters/)
    assert.ok(Buffer.byteLength(SECRET) >= 16, `the README's secret ${JSON.stringify(SECRET)} is long enough`)
  })
})

/**
 * The commands of README.md's "Embedding a board in your product" block:
 * `cargo run ... --bin inkmesh -- ARGS` and `NAME=VALUE node
 * examples/saas-embed/server.mjs ARGS`, with the secret they share and the
 * ports they use. Throws, saying what it expected, when the README's shape
 * changes.
 */
function readmeEmbedCommands() {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const section = readme.split(/^### /m).find((s) => s.startsWith('Embedding a board in your product'))
  assert.ok(section, 'README.md has a section "### Embedding a board in your product"')
  const block = [...section.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1]).find((b) => b.includes('examples/saas-embed/server.mjs'))
  assert.ok(block, 'the embedding section has a ```sh block that starts examples/saas-embed/server.mjs')
  const commands = block.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#')).map((line) => {
    const words = line.trim().split(/\s+/)
    const env = {}
    while (/^[A-Z_]+=/.test(words[0])) {
      const [name, ...value] = words.shift().split('=')
      env[name] = value.join('=')
    }
    return { words, env }
  })
  const inkmesh = commands.find((c) => c.words[0] === 'cargo' && c.words.includes('inkmesh'))
  assert.ok(inkmesh, `a \`cargo run ... --bin inkmesh -- ...\` line in:\n${block}`)
  const host = commands.find((c) => c.words[0] === 'node' && c.words[1] === 'examples/saas-embed/server.mjs')
  assert.ok(host, `a \`node examples/saas-embed/server.mjs ...\` line in:\n${block}`)
  const inkmeshArgs = inkmesh.words.slice(inkmesh.words.indexOf('--') + 1)
  const secret = inkmeshArgs[inkmeshArgs.indexOf('--auth-secret') + 1]
  assert.ok(inkmesh.words.includes('--') && inkmeshArgs.includes('--auth-secret'), `the server is started with --auth-secret: ${inkmesh.words.join(' ')}`)
  assert.equal(host.env.INKMESH_AUTH_SECRET, secret, 'the host app is given the secret the server is started with')
  const hostArgs = host.words.slice(2)
  const portOf = (url) => new URL(url).port
  return {
    secret,
    inkmesh: { args: inkmeshArgs },
    host: { args: hostArgs, env: host.env },
    hostPort: hostArgs[hostArgs.indexOf('--port') + 1],
    inkmeshPort: portOf(hostArgs[hostArgs.indexOf('--inkmesh') + 1]),
  }
}

/** `args` with the README's ports (`--port P`, `127.0.0.1:P`) replaced by `ports[P]`. */
function rebind(args, ports) {
  const port = (p) => {
    assert.ok(ports[p] !== undefined, `README port ${p} is one of ${Object.keys(ports)}`)
    return String(ports[p])
  }
  return args.map((arg, i) => (args[i - 1] === '--port' ? port(arg) : arg.replace(/127\.0\.0\.1:(\d+)/g, (_, p) => `127.0.0.1:${port(p)}`)))
}

/** Starts the host app (examples/saas-embed/server.mjs) with `args` and `env`, listening on `port`. */
async function startHost(args, env, port) {
  const child = spawn(process.execPath, [join(ROOT, 'examples/saas-embed/server.mjs'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the host app exited with ${code}`)))
    child.stdout.on('data', (d) => /saas-embed host app on/.test(String(d)) && resolve())
  })
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') }
}

/** Runs a program that should exit at once; its exit code and stderr (killed if it does not exit). */
async function run(program, args, env) {
  const child = spawn(program, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  try {
    await waitUntil(`${program} to exit`, () => child.exitCode !== null || child.signalCode !== null, 10_000)
  } finally {
    child.kill('SIGKILL')
  }
  await exited
  return { code: child.exitCode, stderr }
}

/** The text of the host page's error box, once it shows. */
async function hostError(page) {
  const box = page.locator('#error')
  await waitUntil('the host page to show an error', () => box.isVisible(), 20_000)
  return box.textContent()
}

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
