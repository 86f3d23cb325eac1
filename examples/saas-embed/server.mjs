#!/usr/bin/env node
// A minimal SaaS host app that embeds Inkmesh boards. It runs on its own origin,
// knows the secret it shares with the Inkmesh server, and mints a room token for
// each visitor, as your backend would after checking its own session. No
// dependencies: node's crypto signs the HS256 JWT.
//
// How to run it beside an Inkmesh server: README.md, "Embedding a board in
// your product" (tests/e2e/embed.test.mjs runs those very commands).

import { createHmac, randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    host: { type: 'string', default: '127.0.0.1' },
    inkmesh: { type: 'string', default: process.env.INKMESH_URL ?? 'http://127.0.0.1:8080' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (args.help) {
  console.log(`usage: INKMESH_AUTH_SECRET=... node server.mjs [--port 3000] [--host 127.0.0.1] [--inkmesh http://127.0.0.1:8080]

Serves a host page on its own origin that embeds an Inkmesh board, and
GET /api/board-token?room=R&role=editor|viewer&name=N, which mints the room
token with the secret shared with the Inkmesh server.`)
  process.exit(0)
}
/** The Inkmesh server refuses a shorter `--auth-secret` (its bytes, as here); so does this app, with the same words. */
const MIN_SECRET_BYTES = 16
const secret = process.env.INKMESH_AUTH_SECRET
if (!secret) {
  console.error('Set INKMESH_AUTH_SECRET to the secret the Inkmesh server was started with (--auth-secret).')
  process.exit(2)
}
if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
  console.error(`INKMESH_AUTH_SECRET must be at least ${MIN_SECRET_BYTES} characters, as the Inkmesh server's --auth-secret must be.`)
  process.exit(2)
}

const base64url = (data) => Buffer.from(data).toString('base64url')

/** An HS256 JWT with the claims Inkmesh reads (docs/PROTOCOL.md, `join`). */
export function mintToken({ room, sub, name, role, ttlSeconds = 3600 }) {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const exp = Math.floor(Date.now() / 1000) + ttlSeconds
  const claims = base64url(JSON.stringify({ room, sub, name, role, exp }))
  const signature = createHmac('sha256', secret).update(`${header}.${claims}`).digest('base64url')
  return `${header}.${claims}.${signature}`
}

const page = await readFile(join(dirname(fileURLToPath(import.meta.url)), 'index.html'), 'utf8')
const ROOM = /^[A-Za-z0-9._-]{1,128}$/

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', `http://${request.headers.host}`)
  if (url.pathname === '/') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end(page.replaceAll('%INKMESH%', args.inkmesh))
    return
  }
  if (url.pathname === '/api/board-token') {
    // A real app decides here, from its own session, who the user is and
    // whether they may edit this board.
    const room = url.searchParams.get('room') ?? ''
    const role = url.searchParams.get('role') === 'viewer' ? 'viewer' : 'editor'
    if (!ROOM.test(room)) {
      response.writeHead(400, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ message: 'room: 1-128 characters of A-Z a-z 0-9 - _ .' }))
      return
    }
    const name = (url.searchParams.get('name') ?? 'Host user').slice(0, 64)
    const token = mintToken({ room, sub: `host-${randomUUID()}`, name, role })
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    response.end(JSON.stringify({ token }))
    return
  }
  response.writeHead(404, { 'content-type': 'text/plain' })
  response.end('not found')
})
server.listen(Number(args.port), args.host, () => {
  console.log(`saas-embed host app on http://${args.host}:${args.port}/ embedding boards from ${args.inkmesh}`)
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)))
