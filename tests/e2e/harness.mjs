// End-to-end harness: the real `inkmesh` binary on a temporary SQLite file,
// the real web bundle (web/dist), and Debian's Chromium driven by
// playwright-core. Every wait has a deadline and says what it waited for.

import { spawn } from 'node:child_process'
import { accessSync, constants, createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { chromium } from 'playwright-core'

import { httpsGet } from './tls.mjs'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const ARTIFACTS = resolve(process.env.INKMESH_ARTIFACTS ?? join(ROOT, 'artifacts'), 'e2e')
export const BINARY = process.env.INKMESH_BIN ?? join(ROOT, 'target/debug/inkmesh')
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'

/** The executable `name` in a directory of PATH (or of `extraDirs`), or null. */
export function onPath(name, extraDirs = []) {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...extraDirs]) {
    const path = join(dir, name)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // not in this directory
    }
  }
  return null
}

/** A free TCP port on loopback (the server binds it right after). */
export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolvePort(port))
    })
  })
}

/** Polls `check` until it returns a truthy value; throws `what` after `ms`. */
export async function waitUntil(what, check, ms = 15_000, everyMs = 25) {
  const deadline = Date.now() + ms
  let last
  for (;;) {
    try {
      last = await check()
      if (last) return last
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${describe(last)})`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

function describe(value) {
  if (value instanceof Error) return value.message
  try {
    return JSON.stringify(value)?.slice(0, 300)
  } catch {
    return String(value)
  }
}

/**
 * Starts the server. `dataDir` may be given to restart on the same storage;
 * `host` is the address it listens on (all interfaces: `0.0.0.0`);
 * `extraArgs` are more flags; `tls` (from makeTestCertificate) serves HTTPS.
 * The log goes to artifacts/e2e/<name>.server.log.
 */
export async function startServer({ name = 'server', dataDir, port, host = '127.0.0.1', extraArgs = [], tls } = {}) {
  await mkdir(ARTIFACTS, { recursive: true })
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'inkmesh-e2e-')))
  const bind = port ?? (await freePort())
  const log = createWriteStream(join(ARTIFACTS, `${name}.server.log`), { flags: 'a' })
  const child = spawn(
    BINARY,
    [
      '--bind', `${host}:${bind}`, '--data-dir', dir, '--web-dir', join(ROOT, 'web/dist'),
      // The keeper's candidates: the host's interfaces, and loopback too, so the
      // tests also run where the only network is loopback (where mDNS cannot
      // work; Chromium runs with raw host candidates, see launchChromium).
      '--keeper-bind', '0.0.0.0:0', '--keeper-bind', '127.0.0.1:0', '--keeper-mdns', 'false',
      ...(tls ? ['--tls-cert', tls.cert, '--tls-key', tls.key] : []),
      ...extraArgs,
    ],
    { env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  child.stdout.pipe(log)
  child.stderr.pipe(log)
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })))
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${bind}`
  await waitUntil(`${BINARY} to answer /healthz on ${url}`, async () => {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}; see ${log.path}`)
    if (tls) return (await httpsGet(`${url}/healthz`, tls.pem)).status === 200
    const r = await fetch(`${url}/healthz`)
    return r.ok
  })
  return {
    url,
    port: bind,
    pid: child.pid,
    dataDir: dir,
    /** SIGTERM (graceful: flushes) and wait for the exit. */
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
    async cleanup() {
      if (child.exitCode === null) child.kill('SIGKILL')
      await exited
      if (dataDir === undefined) await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Chromium's flags for headless tests on a machine that may have only loopback. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
]

/** Launches Chromium with CHROMIUM_ARGS and `extraArgs`. */
export async function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] })
}

/**
 * Opens `url` in a fresh browser context (its own storage, like another person
 * on another machine). Page errors and console errors are collected on
 * `page.problems`.
 */
export async function openPage(browser, url, { viewport = { width: 1000, height: 700 }, context } = {}) {
  const ctx = context ?? (await browser.newContext({ viewport }))
  // Where loopback is the only network, Chromium gathers no candidate without it.
  await ctx.grantPermissions(['camera', 'microphone'])
  const page = await ctx.newPage()
  page.problems = []
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(`console: ${m.text()}`)
    if (process.env.INKMESH_E2E_CONSOLE) console.log(`[page] ${m.text()}`)
  })
  await page.goto(url)
  return page
}

/** Opens a board page (openPage) and waits until its test hook is there. */
export async function openBoard(browser, url, options) {
  const page = await openPage(browser, url, options)
  await page.waitForFunction(() => window.__inkmesh !== undefined, null, { timeout: 15_000 })
  return page
}

/**
 * An init script (`context.addInitScript(recordPeerConnections)`): records
 * every RTCPeerConnection the page makes, so a test can count its links.
 */
export function recordPeerConnections() {
  const made = []
  const Native = window.RTCPeerConnection
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args)
      made.push(this)
    }
  }
  window.__peerConnections = made
}

/** Opens one board page per name on `boardUrl` (each its own person), in order, then waits until all are live. */
export async function openLiveBoards(browser, boardUrl, names) {
  const pages = []
  for (const name of names) pages.push(await openBoard(browser, `${boardUrl}?name=${encodeURIComponent(name)}`))
  for (const page of pages) await waitForStatus(page)
  return pages
}

/** How many of the page's recorded peer connections are connected now. */
export async function connectedLinks(page) {
  return page.evaluate(() => window.__peerConnections.filter((pc) => pc.connectionState === 'connected').length)
}

/** Waits until the page's connection status is `status` (default: live). */
export async function waitForStatus(page, status = 'live', ms = 20_000) {
  await waitUntil(`status ${status}`, () => page.evaluate((s) => window.__inkmesh.handle.collab.status() === s, status), ms)
}

/** The page's board as `{ id: fields }`. */
export async function elementsOf(page) {
  return page.evaluate(() => window.__inkmesh.state().elements)
}

export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true })
  const path = join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path })
  return path
}

/** Draws with the mouse along `points` (page CSS px), with one move per step. */
export async function drawPath(page, points) {
  const [first, ...rest] = points
  await page.mouse.move(first.x, first.y)
  await page.mouse.down()
  for (const p of rest) await page.mouse.move(p.x, p.y)
  await page.mouse.up()
}

/** Board px to page px on `page`, through its camera and canvas position. */
export async function boardToPage(page, point) {
  return page.evaluate(({ x, y }) => {
    const { view } = window.__inkmesh.handle
    const rect = view.renderer.canvas.getBoundingClientRect()
    const s = view.camera.toScreen({ x, y })
    return { x: rect.left + s.x, y: rect.top + s.y }
  }, point)
}

/** Page px to board px on `page`. */
export async function pageToBoard(page, point) {
  return page.evaluate(({ x, y }) => {
    const { view } = window.__inkmesh.handle
    const rect = view.renderer.canvas.getBoundingClientRect()
    return view.camera.toBoard({ x: x - rect.left, y: y - rect.top })
  }, point)
}

export async function selectTool(page, tool) {
  await page.locator(`[data-tool="${tool}"]`).click()
}

/** A fresh room name per test, so tests never share a board. */
export function roomName(label) {
  return `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`
}

/** JSON with object keys sorted at every level, to compare boards from two replicas. */
export function canonical(value) {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  )
}
