// Separate networks for end-to-end tests whose subject is the network itself
// (a direct path between two members blocked while both reach the server).
//
// The layout: a hub namespace holds the test process, the server and its
// keeper; each "machine" is a namespace of its own, joined to the hub by a
// veth pair on its own /24, with a default route through the hub. The hub
// routes between machines, and an nftables table in it decides what passes, so
// blocking a path is one rule in one place. Nothing touches the host's own
// network: everything lives in namespaces this module creates and deletes.
//
// A test file re-runs itself inside the hub (`runInHub`): node's test runner
// runs each file in its own process, so the whole file, server included, sees
// only the hub's network.

import { execFile, spawn } from 'node:child_process'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { chromium } from 'playwright-core'

import { CHROMIUM, CHROMIUM_ARGS } from './harness.mjs'

const exec = promisify(execFile)

/** Set in the re-run: the JSON description of the network (see `createNetwork`). */
const INSIDE = 'INKMESH_E2E_NETWORK'

/** The network this process runs in, when it is the re-run inside the hub; else null. */
export function insideNetwork() {
  const raw = process.env[INSIDE]
  return raw ? JSON.parse(raw) : null
}

/** Why namespaces cannot be made here, or null when they can. */
export async function whyNoNamespaces() {
  if (process.getuid?.() !== 0) return 'not root'
  for (const tool of ['ip', 'nft']) {
    try {
      await exec('sh', ['-c', `command -v ${tool}`])
    } catch {
      return `${tool} is not installed (Debian: apt-get install ${tool === 'ip' ? 'iproute2' : 'nftables'})`
    }
  }
  return null
}

async function ip(...args) {
  try {
    await exec('ip', args)
  } catch (e) {
    throw new Error(`ip ${args.join(' ')}: ${e.stderr?.trim() || e.message}`)
  }
}

async function inNs(ns, ...command) {
  await ip('netns', 'exec', ns, ...command)
}

/**
 * Creates the hub and one namespace per machine name. Machine i gets
 * 10.77.(i+1).2, the hub 10.77.(i+1).1 on that link. Returns the network's
 * description (plain JSON, handed to the re-run) and `destroy()`.
 */
export async function createNetwork(machineNames) {
  const tag = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`
  const hub = `inkm-hub-${tag}`
  const created = []
  const destroy = async () => {
    for (const ns of created.reverse()) await ip('netns', 'del', ns).catch(() => {})
  }
  try {
    await ip('netns', 'add', hub)
    created.push(hub)
    await inNs(hub, 'ip', 'link', 'set', 'lo', 'up')
    await inNs(hub, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1')
    const machines = []
    for (const [i, name] of machineNames.entries()) {
      const ns = `inkm-${name}-${tag}`
      await ip('netns', 'add', ns)
      created.push(ns)
      const subnet = `10.77.${i + 1}`
      const hubSide = `to-${name}`
      await ip('-n', hub, 'link', 'add', hubSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns)
      await ip('-n', hub, 'addr', 'add', `${subnet}.1/24`, 'dev', hubSide)
      await ip('-n', hub, 'link', 'set', hubSide, 'up')
      await ip('-n', ns, 'link', 'set', 'lo', 'up')
      await ip('-n', ns, 'addr', 'add', `${subnet}.2/24`, 'dev', 'eth0')
      await ip('-n', ns, 'link', 'set', 'eth0', 'up')
      await ip('-n', ns, 'route', 'add', 'default', 'via', `${subnet}.1`)
      machines.push({ name, ns, address: `${subnet}.2`, hubAddress: `${subnet}.1`, subnet: `${subnet}.0/24` })
    }
    await inNs(hub, 'nft', 'add', 'table', 'inet', 'inkmesh_paths')
    await inNs(hub, 'nft', 'add', 'chain', 'inet', 'inkmesh_paths', 'forward', '{ type filter hook forward priority 0 ; policy accept ; }')
    return { network: { hub, machines }, destroy }
  } catch (e) {
    await destroy()
    throw e
  }
}

/** Drops UDP forwarded between two machines' subnets, both ways (run inside the hub). */
export async function blockUdpBetween(a, b) {
  for (const [from, to] of [
    [a, b],
    [b, a],
  ]) {
    await exec('nft', ['add', 'rule', 'inet', 'inkmesh_paths', 'forward', 'ip', 'saddr', from.subnet, 'ip', 'daddr', to.subnet, 'meta', 'l4proto', 'udp', 'drop'])
  }
}

/** Lets everything through again (run inside the hub). */
export async function unblockAll() {
  await exec('nft', ['flush', 'chain', 'inet', 'inkmesh_paths', 'forward'])
}

/**
 * Runs `file` again with node's test runner inside the hub and resolves with
 * its exit code and output (printed as it comes).
 */
export async function runInHub(file, network) {
  // Run as a plain script (its tests run and report as TAP): the test runner
  // refuses to nest one run in another, which it detects by this variable.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env
  const child = spawn('ip', ['netns', 'exec', network.hub, process.execPath, '--test-reporter=tap', file], {
    env: { ...env, [INSIDE]: JSON.stringify(network) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      output += chunk
      process.stdout.write(chunk)
    })
  }
  const code = await new Promise((resolve) => child.once('exit', (c, signal) => resolve(c ?? signal)))
  return { code, output }
}

/**
 * Chromium running in `machine`'s namespace: playwright launches a wrapper
 * that enters the namespace and execs Chromium (the pipes it talks over are
 * inherited, so the browser is driven from the hub as usual).
 */
export async function launchChromiumOn(machine) {
  const dir = await mkdtemp(join(tmpdir(), `inkmesh-${machine.name}-`))
  const wrapper = join(dir, 'chromium')
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${machine.ns} ${CHROMIUM} "$@"\n`)
  await chmod(wrapper, 0o755)
  const browser = await chromium.launch({ executablePath: wrapper, headless: true, args: CHROMIUM_ARGS })
  browser.once('disconnected', () => void rm(dir, { recursive: true, force: true }))
  return browser
}
