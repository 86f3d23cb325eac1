// The y-webrtc baseline of tests/e2e/bench.mjs: bundles bench/baseline-page.mjs
// (yjs + y-webrtc from tests/node_modules, one yjs copy), serves it from a tiny
// HTTP server on loopback, runs y-webrtc's own signaling server, and opens two
// pages on one random room.

import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const TESTS = join(HERE, '../..')
const ROOT = join(TESTS, '..')

/** Bundles a baseline page (y-webrtc's by default); throws if more than one copy of yjs got in. */
export async function bundleBaseline(page = 'baseline-page.mjs') {
  const require = createRequire(join(ROOT, 'web/package.json'))
  const esbuild = require('esbuild')
  const result = await esbuild.build({
    entryPoints: [join(HERE, page)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    write: false,
    metafile: true,
    minify: false,
    nodePaths: [join(TESTS, 'node_modules')],
    logLevel: 'silent',
  })
  const yjsFiles = Object.keys(result.metafile.inputs).filter((f) => /(^|\/)node_modules\/yjs\//.test(f))
  const yjsRoots = new Set(yjsFiles.map((f) => f.replace(/node_modules\/yjs\/.*$/, 'node_modules/yjs')))
  if (yjsRoots.size !== 1) throw new Error(`expected one yjs copy in the baseline bundle, found ${[...yjsRoots].join(', ') || 'none'}`)
  const js = result.outputFiles[0].text
  return { js, bytes: js.length, yjs: [...yjsRoots].map((r) => relative(ROOT, join(process.cwd(), r))) }
}

const HTML = `<!doctype html><html><head><meta charset="utf-8"><title>y-webrtc baseline</title>
<style>html,body{margin:0;height:100%}#surface{position:fixed;inset:0;background:#fff}</style></head>
<body><div id="surface"></div><script type="module" src="/baseline.js"></script></body></html>`

/** Serves the page and the bundle on 127.0.0.1:port. */
export async function serveBaseline(js, port) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname
    if (path === '/baseline.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' })
      res.end(js)
    } else if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' })
      res.end(HTML)
    } else {
      res.writeHead(404)
      res.end()
    }
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) }
}

/**
 * Runs y-websocket's server (bench/ywebsocket-server.cjs) on `port` with `room`
 * holding the board in `boardFile`; resolves once it answers HTTP with the
 * board loaded.
 */
export async function startYWebsocket(port, room, boardFile, waitUntil) {
  return startChild(join(HERE, 'ywebsocket-server.cjs'), { PORT: String(port), ROOM: room, BOARD_FILE: boardFile }, port, waitUntil, 'y-websocket')
}

/** Runs y-webrtc's signaling server (bin/server.js) on `port`; resolves once it answers HTTP. */
export async function startSignaling(port, waitUntil) {
  const script = join(TESTS, 'node_modules/y-webrtc/bin/server.js')
  return startChild(script, { PORT: String(port), HOST: '127.0.0.1' }, port, waitUntil, 'y-webrtc signaling')
}

/** Runs a baseline server script in node, held to loopback; resolves once it answers HTTP on `port`. */
async function startChild(script, env, port, waitUntil, what) {
  let output = ''
  const child = spawn(process.execPath, ['--import', pathToFileURL(join(HERE, 'loopback-only.mjs')).href, script], {
    cwd: TESTS,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise((r) => child.once('exit', r))
  await waitUntil(`${what} on port ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`${what} exited ${child.exitCode}: ${output.slice(-300)}`)
    const r = await fetch(`http://127.0.0.1:${port}/`)
    return r.ok
  }, 30_000)
  return {
    url: `ws://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))])
      if (child.exitCode === null) child.kill('SIGKILL')
    },
  }
}
