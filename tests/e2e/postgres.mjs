// A real PostgreSQL for end-to-end tests, as crates/server/tests/common/postgres.rs
// starts it: Debian's `postgresql` binaries (/usr/lib/postgresql/VERSION/bin),
// a throwaway cluster in a temp dir on a free loopback port with password
// (SCRAM) authentication. PostgreSQL refuses to run as root: run as root, the
// cluster belongs to the `postgres` user the package creates and the server
// runs as that user. `postgresBinDir()` is null where PostgreSQL is not
// installed: tests skip then. Its log goes to artifacts/e2e/<name>.postgres.log.

import { spawn } from 'node:child_process'
import { createWriteStream, existsSync } from 'node:fs'
import { chmod, chown, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { ARTIFACTS, freePort, waitUntil } from './harness.mjs'

/** The superuser's password: the nodes connect the way a deployment does. */
const PASSWORD = 'inkmesh-e2e-password'

/** How long the cluster has to accept connections once started. */
const START_MS = 30_000

/** The newest installed PostgreSQL's binaries directory, or null. */
export async function postgresBinDir() {
  let versions
  try {
    versions = await readdir('/usr/lib/postgresql')
  } catch {
    return null
  }
  const installed = versions
    .filter((v) => /^\d+$/.test(v) && existsSync(join('/usr/lib/postgresql', v, 'bin/postgres')))
    .sort((a, b) => Number(a) - Number(b))
  return installed.length === 0 ? null : join('/usr/lib/postgresql', installed.at(-1), 'bin')
}

/** Who runs the cluster: this process's user, or `postgres` ({ uid, gid }) when this process is root. */
async function clusterOwner() {
  if (process.getuid() !== 0) return {}
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith('postgres:'))
  if (line === undefined) throw new Error('running as root, PostgreSQL needs the `postgres` user its package creates')
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

/** Runs `program` to completion as `owner`; throws with its stderr when it fails. */
async function run(program, args, { owner = {}, env = process.env } = {}) {
  const child = spawn(program, args, { ...owner, cwd: '/', env, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const code = await new Promise((resolve) => child.once('exit', resolve))
  if (code !== 0) throw new Error(`${program} ${args.join(' ')} exited with ${code}: ${stderr}`)
}

/**
 * Starts a cluster with one empty database, `inkmesh`; resolves once it
 * accepts connections. `url` is that database's postgres:// URL.
 */
export async function startPostgres({ name = 'postgres' } = {}) {
  const bin = await postgresBinDir()
  await mkdir(ARTIFACTS, { recursive: true })
  const owner = await clusterOwner()
  const dir = await mkdtemp(join(tmpdir(), 'inkmesh-postgres-'))
  const passwordFile = join(dir, 'password')
  await writeFile(passwordFile, PASSWORD)
  if (owner.uid !== undefined) {
    await chown(dir, owner.uid, owner.gid)
    await chown(passwordFile, owner.uid, owner.gid)
  }
  await chmod(dir, 0o700)
  const data = join(dir, 'data')
  await run(
    join(bin, 'initdb'),
    ['-U', 'postgres', '--auth=scram-sha-256', '--no-sync', '--locale=C', '--encoding=UTF8', `--pwfile=${passwordFile}`, '-D', data],
    { owner },
  )
  const port = await freePort()
  const log = createWriteStream(join(ARTIFACTS, `${name}.postgres.log`), { flags: 'a' })
  const child = spawn(
    join(bin, 'postgres'),
    ['-D', data, '-k', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'],
    { ...owner, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] },
  )
  child.stdout.pipe(log)
  child.stderr.pipe(log)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const client = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres']
  await waitUntil(
    `PostgreSQL to accept connections on 127.0.0.1:${port}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}; see ${log.path}`)
      await run(join(bin, 'pg_isready'), ['-q', ...client])
      return true
    },
    START_MS,
    100,
  )
  await run(join(bin, 'createdb'), [...client, 'inkmesh'], { env: { ...process.env, PGPASSWORD: PASSWORD } })
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/inkmesh`,
    /** Fast shutdown (SIGINT), then removes the cluster's files. */
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT')
      await exited
      await rm(dir, { recursive: true, force: true })
    },
  }
}
