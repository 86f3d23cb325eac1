// A real load balancer for end-to-end tests: Debian's `nginx` in the
// foreground on free loopback ports, with its config, pid file, logs and
// temp paths in a temp dir of its own (nothing under /etc/nginx or /var).
// Each entry is a listener with its own upstream: it prefers one node and
// fails over to the others (`backup`), so which node a page lands on is
// decided by the entry it opens, not by chance. `nginxPath()` is null where
// nginx is not installed: tests skip then. The error and access logs go to
// artifacts/e2e/<name>.nginx.{error,access}.log.

import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { ARTIFACTS, freePort, onPath, waitUntil } from './harness.mjs'

/** The `nginx` binary (Debian puts it in /usr/sbin, not on every PATH), or null. */
export function nginxPath() {
  return onPath('nginx', ['/usr/sbin'])
}

/**
 * One entry's upstream: `preferred` first; after one failed connection it is
 * left alone for 5 s and the request goes to the `others` (backups) instead.
 */
function upstream(name, preferred, others) {
  return [
    `  upstream ${name} {`,
    `    server ${preferred} max_fails=1 fail_timeout=5s;`,
    ...others.map((o) => `    server ${o} backup;`),
    '  }',
  ].join('\n')
}

/** A listener proxying HTTP and WebSocket upgrades to upstream `name`. */
function listener(port, name) {
  return `  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://${name};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      # With the port: the node sees the address the page opened.
      proxy_set_header Host $http_host;
      # A signaling socket may be quiet for longer than the default minute.
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
      # Image uploads are up to 10 MiB; nginx's default 1m would refuse them
      # (as docs/DEPLOY.md's example says).
      client_max_body_size 11m;
    }
  }`
}

/** The whole config: everything nginx writes lives in `dir`. */
function config(dir, entries) {
  return `# Written by tests/e2e/nginx.mjs.
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} info;
events { worker_connections 512; }
http {
  access_log ${join(dir, 'access.log')};
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  # "upgrade" for WebSocket handshakes; other requests keep plain HTTP/1.1.
  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' close;
  }
${entries.map((e) => upstream(e.name, e.preferred, e.others)).join('\n')}
${entries.map((e) => listener(e.port, e.name)).join('\n')}
}
`
}

/**
 * Starts nginx with one entry per element of `prefer`: entry i sends to the
 * node at `prefer[i]` (host:port) and fails over to the others. Resolves once
 * every entry answers /healthz through its node; `entries[i]` is entry i's URL.
 */
export async function startNginx({ name = 'nginx', prefer }) {
  await mkdir(ARTIFACTS, { recursive: true })
  const dir = await mkdtemp(join(tmpdir(), 'inkmesh-nginx-'))
  // Run as root, nginx's workers drop to an unprivileged user: they must be
  // able to enter the directory for the temp paths the master creates there.
  await chmod(dir, 0o755)
  const entries = []
  for (const [i, preferred] of prefer.entries()) {
    entries.push({ name: `entry${i + 1}`, port: await freePort(), preferred, others: prefer.filter((o) => o !== preferred) })
  }
  const conf = join(dir, 'nginx.conf')
  await writeFile(conf, config(dir, entries))
  const log = createWriteStream(join(ARTIFACTS, `${name}.nginx.log`), { flags: 'a' })
  // -e: the error log before the config is read (the default is under /var/log).
  const child = spawn(nginxPath(), ['-p', dir, '-c', conf, '-e', join(dir, 'error.log'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.pipe(log)
  child.stderr.pipe(log)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const urls = entries.map((e) => `http://127.0.0.1:${e.port}`)
  for (const url of urls) {
    await waitUntil(`nginx to answer /healthz on ${url}`, async () => {
      if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}; see ${log.path} and ${dir}/error.log`)
      return (await fetch(`${url}/healthz`)).ok
    })
  }
  return {
    entries: urls,
    /** Stops nginx (fast shutdown), keeps its logs in artifacts, removes its dir. */
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
      for (const file of ['error', 'access']) {
        // Absent when nginx stopped before reading its config.
        await copyFile(join(dir, `${file}.log`), join(ARTIFACTS, `${name}.nginx.${file}.log`)).catch(() => {})
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}
