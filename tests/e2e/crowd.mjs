// Native members in bulk: drives examples/crowd (one process, many members
// of one room) over its stdin and reads its JSON lines, for rooms larger than
// a test can fill with browsers.

import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

import { ARTIFACTS, ROOT, waitUntil } from './harness.mjs'

export const CROWD = process.env.INKMESH_CROWD_BIN ?? join(ROOT, 'target/debug/crowd')

/**
 * Starts `members` native members in `room` of the server at `url` (open
 * mode). Their log goes to artifacts/e2e/<name>.crowd.log.
 */
export function startCrowd({ url, room, members, name }) {
  const log = createWriteStream(join(ARTIFACTS, `${name}.crowd.log`), { flags: 'a' })
  const child = spawn(CROWD, ['--server', url, '--room', room, '--members', String(members), '--name', name, '--loopback'], {
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  child.stderr.pipe(log)
  const events = []
  createInterface({ input: child.stdout }).on('line', (line) => {
    log.write(`${line}\n`)
    try {
      events.push(JSON.parse(line))
    } catch {
      events.push({ event: 'unparsed', line })
    }
  })
  let failed = null
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
    child.once('error', (e) => {
      failed = `cannot run ${CROWD}: ${e.message} (build it: cargo build -p inkmesh-crowd --bin crowd)`
      resolve({ code: null, signal: null })
    })
  })
  const count = (event) => events.filter((e) => e.event === event).length
  return {
    events,
    count,
    /** Waits until `event` has been printed `n` times in all. */
    async waitForCount(event, n, ms = 60_000) {
      await waitUntil(`${n} "${event}" from crowd ${name} (have ${count(event)})`, () => {
        if (failed) throw new Error(failed)
        if (child.exitCode !== null) throw new Error(`crowd ${name} exited with ${child.exitCode}; see ${log.path}`)
        return count(event) >= n
      }, ms)
    },
    send(command) {
      child.stdin.write(`${command}\n`)
    },
    /** Asks for a report and returns its members. */
    async report() {
      const before = count('report')
      this.send('report')
      await this.waitForCount('report', before + 1, 10_000)
      return events.filter((e) => e.event === 'report').at(-1).members
    },
    async stop() {
      if (child.exitCode === null && !failed) {
        child.stdin.end('quit\n')
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(timer)
      }
    },
  }
}
