// A real Redis for end-to-end tests, as crates/server/tests/common/redis.rs
// starts it: Debian's `redis-server` on a free loopback port, in memory only
// (no RDB, no AOF), in a temp dir of its own. `redisServerPath()` is null where
// it is not installed: tests skip then. Its log goes to
// artifacts/e2e/<name>.redis.log.

import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { ARTIFACTS, freePort, onPath, waitUntil } from './harness.mjs'

/** The `redis-server` binary on PATH, or null. */
export function redisServerPath() {
  return onPath('redis-server')
}

/** Whether Redis on `port` answers PING with +PONG within 1 s. */
async function answersPing(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    const done = (ok) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), 1_000)
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      answer += chunk
      if (answer.length >= 7) done(answer.startsWith('+PONG\r\n'))
    })
  })
}

/** Starts redis-server; resolves once it answers PING. */
export async function startRedis({ name = 'redis' } = {}) {
  await mkdir(ARTIFACTS, { recursive: true })
  const dir = await mkdtemp(join(tmpdir(), 'inkmesh-redis-'))
  const port = await freePort()
  const log = createWriteStream(join(ARTIFACTS, `${name}.redis.log`), { flags: 'a' })
  const child = spawn(
    redisServerPath(),
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  child.stdout.pipe(log)
  child.stderr.pipe(log)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  await waitUntil(`redis-server to answer PING on 127.0.0.1:${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}; see ${log.path}`)
    return answersPing(port)
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL')
      await exited
      await rm(dir, { recursive: true, force: true })
    },
  }
}
