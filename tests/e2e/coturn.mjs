// A real TURN server for end-to-end tests: Debian's coturn (`turnserver`) on a
// free loopback port with the TURN REST API's shared secret (`use-auth-secret`),
// no config file, no TLS, no CLI. Its log goes to artifacts/e2e/<name>.coturn.log.
// `turnserverPath()` is null where coturn is not installed: tests skip then.

import { spawn } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { ARTIFACTS, onPath, waitUntil } from './harness.mjs'

/** The `turnserver` binary on PATH, or null. */
export function turnserverPath() {
  return onPath('turnserver')
}

/** A UDP port free on loopback right now (coturn binds it right after). */
async function freeUdpPort() {
  // Below Linux's default ephemeral range (32768-60999), so no socket the
  // kernel numbers (ICE, HTTP, busy in parallel) can take the port between
  // this check and coturn's bind; coturn listens on TCP too.
  const [first, span] = [20000, 12000]
  const seed = (process.pid * 7919 + Math.floor(Math.random() * span)) % span
  for (let step = 0; step < span; step++) {
    const port = first + ((seed + step * 31) % span)
    if ((await canBindUdp(port)) && (await canBindTcp(port))) return port
  }
  throw new Error('no port in 20000-31999 is free for coturn')
}

async function canBindUdp(port) {
  const socket = createSocket('udp4')
  const ok = await new Promise((resolve) => {
    socket.once('error', () => resolve(false))
    socket.bind(port, '127.0.0.1', () => resolve(true))
  })
  if (ok) await new Promise((resolve) => socket.close(() => resolve()))
  return ok
}

async function canBindTcp(port) {
  const server = createServer()
  const ok = await new Promise((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => resolve(true))
  })
  if (ok) await new Promise((resolve) => server.close(() => resolve()))
  return ok
}

/** Whether coturn answers a STUN binding request on `port` within 200 ms. */
async function answersStun(port) {
  const socket = createSocket('udp4')
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 200)
      // Binding request: type 0x0001, length 0, the magic cookie, a 12-byte transaction id.
      const request = Buffer.concat([Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42]), Buffer.from('inkmesh-e2e!')])
      socket.on('message', (answer) => {
        clearTimeout(timer)
        resolve(answer.length >= 20 && answer[0] === 0x01 && answer[1] === 0x01)
      })
      socket.send(request, port, '127.0.0.1')
    })
  } finally {
    socket.close()
  }
}

/** Starts coturn sharing `secret`; resolves once it answers STUN. */
export async function startCoturn({ name = 'turn', secret }) {
  await mkdir(ARTIFACTS, { recursive: true })
  const dir = await mkdtemp(join(tmpdir(), 'inkmesh-coturn-'))
  const port = await freeUdpPort()
  const log = createWriteStream(join(ARTIFACTS, `${name}.coturn.log`), { flags: 'a' })
  const child = spawn(
    turnserverPath(),
    [
      '-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
      '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=inkmesh.test',
      '--no-tls', '--no-dtls', '--no-cli', '--fingerprint', '--simple-log', '--log-file=stdout',
      `--pidfile=${join(dir, 'turnserver.pid')}`, `--userdb=${join(dir, 'turndb')}`,
      // The keeper and the pages are on loopback: coturn relays there only when told to.
      '--allow-loopback-peers',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  child.stdout.pipe(log)
  child.stderr.pipe(log)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  await waitUntil(`coturn to answer STUN on 127.0.0.1:${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`turnserver exited with ${child.exitCode}; see ${log.path}`)
    return answersStun(port)
  })
  return {
    url: `turn:127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL')
      await exited
      await rm(dir, { recursive: true, force: true })
    },
  }
}
