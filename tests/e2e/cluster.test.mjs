// Two `inkmesh` nodes on one real PostgreSQL (the store) and one real Redis
// (the bus), behind a real nginx, driven by Chromium pages: members on
// different nodes draw together live, and when the node running the room's
// keeper is SIGKILLed the other node takes the room and nothing drawn is
// lost. nginx has two entries so that which node a page lands on is decided
// by the test: entry 1 prefers node 1, entry 2 prefers node 2, each failing
// over to the other. Skipped, saying so, where nginx, PostgreSQL or
// redis-server is not installed.

import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'

import * as Y from 'yjs'

import {
  ARTIFACTS,
  canonical,
  drawPath,
  elementsOf,
  launchChromium,
  openBoard,
  roomName,
  selectTool,
  startServer,
  waitForStatus,
  waitUntil,
} from './harness.mjs'
import { nginxPath, startNginx } from './nginx.mjs'
import { postgresBinDir, startPostgres } from './postgres.mjs'
import { redisServerPath, startRedis } from './redis.mjs'

const SECRET = 'cluster-e2e-secret-0123456789'

/**
 * How long after the SIGKILL both pages must be live again with the new
 * keeper: the keeper's lease (KEEPER_LEASE_TTL, 8 s, crates/server/src/limits.rs),
 * which the bus's node lifetime (6 s) plus one reconciliation (2 s) matches,
 * plus a margin for the pages' reconnect backoff and the new WebRTC links.
 */
const TAKEOVER_DEADLINE_MS = 8_000 + 12_000

/** Why the suite skips, or false when everything it needs is installed. */
async function missing() {
  const absent = []
  if (nginxPath() === null) absent.push('nginx')
  if ((await postgresBinDir()) === null) absent.push('postgresql')
  if (redisServerPath() === null) absent.push('redis-server')
  return absent.length > 0 && `${absent.join(', ')} not installed (Debian: apt-get install ${absent.join(' ')}; ./tests/run installs them when run as root)`
}

/** An HS256 token for `room`, as a product's backend mints it (README, "Tokens for your product"). */
function mint(room, name, role = 'editor') {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ room, sub: name.toLowerCase(), name, role, exp: Math.floor(Date.now() / 1000) + 600 })}`
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`
}

/** The lines of a node's log (artifacts/e2e/<name>.server.log) about `room`. */
async function logOf(nodeName, room) {
  const log = await readFile(join(ARTIFACTS, `${nodeName}.server.log`), 'utf8')
  return log.split('\n').filter((l) => l.includes(`room=${room} `) || l.includes(`room="${room}"`))
}

/** The lease epochs at which a node's keepers woke for `room`. */
async function keeperEpochs(nodeName, room) {
  return (await logOf(nodeName, room)).filter((l) => l.includes('keeper woke and loaded the board')).map((l) => Number(/epoch=(\d+)/.exec(l)?.[1]))
}

/** How many times `name` joined `room`'s signaling on a node. */
async function joinsOn(nodeName, room, name) {
  return (await logOf(nodeName, room)).filter((l) => l.includes('member joined') && l.includes(` name=${name} `)).length
}

/** The ids of the stroke elements a page holds, once every stroke there is finished. */
async function finishedIds(page) {
  const elements = await elementsOf(page)
  return Object.values(elements).every((e) => e.t !== 'stroke' || e.d) ? Object.keys(elements).sort() : null
}

/**
 * The id of the keeper the page is synced with over a live link, or
 * undefined: a keeper merely announced (waiting for its lease) does not count.
 */
function keeperOf(page) {
  return page.evaluate(() => window.__inkmesh.handle.collab.debug().peers.find((p) => p.keeper && p.session === 'live')?.id)
}

/** The board's element ids in a node's stored snapshot (HTTP snapshot API). */
async function storedIds(node, room) {
  const response = await fetch(`${node.url}/api/rooms/${room}/snapshot`, { headers: { authorization: `Bearer ${mint(room, 'Reader', 'viewer')}` } })
  assert.equal(response.status, 200)
  const doc = new Y.Doc()
  Y.applyUpdate(doc, new Uint8Array(await response.arrayBuffer()))
  return [...doc.getMap('elements').keys()].sort()
}

describe('two nodes behind nginx, one board', { skip: await missing() }, () => {
  let postgres
  let redis
  let node1
  let node2
  let nginx
  let browser
  /** Each test's pages, closed after it. */
  const pages = []

  before(async () => {
    postgres = await startPostgres({ name: 'cluster' })
    redis = await startRedis({ name: 'cluster' })
    const shared = ['--store', postgres.url, '--bus', redis.url, '--auth-secret', SECRET]
    node1 = await startServer({ name: 'cluster-node1', extraArgs: shared })
    node2 = await startServer({ name: 'cluster-node2', extraArgs: shared })
    nginx = await startNginx({ name: 'cluster', prefer: [`127.0.0.1:${node1.port}`, `127.0.0.1:${node2.port}`] })
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await nginx?.stop()
    await node1?.cleanup()
    await node2?.cleanup()
    await redis?.stop()
    await postgres?.stop()
  })

  /** Opens `room` as `name` through nginx entry `entry` (1 or 2), with a token. */
  async function open(entry, room, name) {
    const page = await openBoard(browser, `${nginx.entries[entry - 1]}/b/${room}#token=${mint(room, name)}`)
    await page.evaluate(() => {
      window.__statuses = []
      window.__inkmesh.handle.collab.on('status', (s) => window.__statuses.push(s))
    })
    pages.push(page)
    return page
  }

  async function closePages() {
    for (const page of pages.splice(0)) await page.context().close()
  }

  /**
   * Draws a pen stroke on `page` (the `n`th of the test, so strokes do not
   * overlap) and answers its id: the one element the page holds that no
   * earlier stroke in `drawn` is. Strokes are drawn one at a time, so no
   * other page's stroke can be new then.
   */
  async function stroke(page, n, drawn) {
    await selectTool(page, 'pen')
    const x = 250 + (n % 6) * 100
    const y = 220 + Math.floor(n / 6) * 90
    await drawPath(page, [0, 1, 2, 3, 4, 5].map((i) => ({ x: x + i * 12, y: y + (i % 2) * 20 })))
    const id = await waitUntil(`the page to hold stroke ${n}, finished`, async () => {
      const fresh = ((await finishedIds(page)) ?? []).filter((k) => !drawn.has(k))
      if (fresh.length > 1) throw new Error(`more than one new element: ${fresh}`)
      return fresh[0]
    })
    drawn.add(id)
    return id
  }

  /** Waits until every page holds exactly `drawn`, id by id, and they agree field by field. */
  async function allHold(what, list, drawn) {
    const expected = JSON.stringify([...drawn].sort())
    for (const page of list) {
      await waitUntil(`${what}: a page to hold exactly the ${drawn.size} strokes drawn`, async () => JSON.stringify(await finishedIds(page)) === expected)
    }
    const boards = await Promise.all(list.map(async (page) => canonical(await elementsOf(page))))
    for (const board of boards) assert.equal(board, boards[0], 'every page holds the same board, field by field')
  }

  it('pages on two nodes draw together, see each other, and a late joiner on either node gets everything', async () => {
    const room = roomName('cluster')
    const ann = await open(1, room, 'Ann')
    await waitForStatus(ann)
    const bob = await open(2, room, 'Bob')
    await waitForStatus(bob)
    // Each entry sent its page to the node it prefers, and the room has one
    // keeper in the cluster, Ann's node's.
    assert.deepEqual([await joinsOn('cluster-node1', room, 'Ann'), await joinsOn('cluster-node2', room, 'Ann')], [1, 0], "Ann's signaling is on node 1")
    assert.deepEqual([await joinsOn('cluster-node1', room, 'Bob'), await joinsOn('cluster-node2', room, 'Bob')], [0, 1], "Bob's signaling is on node 2")
    assert.deepEqual(await keeperEpochs('cluster-node1', room), [1], 'node 1 runs the keeper')
    assert.deepEqual(await keeperEpochs('cluster-node2', room), [], 'node 2 runs none')
    assert.equal(await waitUntil("Bob's live link to a keeper", () => keeperOf(bob)), await waitUntil("Ann's live link to a keeper", () => keeperOf(ann)), 'both pages are linked to the one keeper')

    for (const page of [ann, bob]) {
      await waitUntil('the presence list to show Ann and Bob', async () => {
        const names = await page.locator('[data-testid="presence"] .person').allTextContents()
        return names.some((n) => n.includes('Ann')) && names.some((n) => n.includes('Bob'))
      })
    }

    const drawn = new Set()
    for (let n = 0; n < 6; n++) await stroke(n % 2 === 0 ? ann : bob, n, drawn)
    await allHold('drawing together', [ann, bob], drawn)

    for (const [entry, name] of [[2, 'Cy'], [1, 'Dee']]) {
      const late = await open(entry, room, name)
      await waitForStatus(late)
      await allHold(`the late joiner through entry ${entry}`, [late, ann, bob], drawn)
    }
    await waitUntil('the stored board to hold every stroke', async () => JSON.stringify(await storedIds(node2, room)) === JSON.stringify([...drawn].sort()))
    for (const page of pages) assert.deepEqual(page.problems, [], 'no page errors')
    await closePages()
  })

  it("the keeper's node dies: the other node takes the room within the lease time, nothing is lost", async () => {
    const room = roomName('cluster-dies')
    const ann = await open(1, room, 'Ann')
    await waitForStatus(ann)
    const bob = await open(2, room, 'Bob')
    await waitForStatus(bob)
    // Ann came first, through node 1: its keeper is the room's.
    assert.deepEqual(await keeperEpochs('cluster-node1', room), [1], 'node 1 runs the keeper')
    const oldKeeper = await waitUntil("Ann's live link to a keeper", () => keeperOf(ann))
    assert.equal(await waitUntil("Bob's live link to a keeper", () => keeperOf(bob)), oldKeeper, 'both pages are linked to the one keeper')

    const drawn = new Set()
    let n = 0
    for (; n < 4; n++) await stroke(n % 2 === 0 ? ann : bob, n, drawn)
    await allHold('before the kill', [ann, bob], drawn)
    for (const page of [ann, bob]) await page.evaluate(() => window.__statuses.splice(0))

    process.kill(node1.pid, 'SIGKILL')
    const killedAt = Date.now()
    // Both keep drawing while the room has no keeper.
    for (; n < 8; n++) await stroke(n % 2 === 0 ? ann : bob, n, drawn)

    // Ann's socket went with node 1: her page reconnects through entry 1,
    // which now sends it to node 2, where the new keeper runs.
    for (const [page, who] of [[ann, 'Ann'], [bob, 'Bob']]) {
      await waitUntil(
        `${who}'s page to be live with a new keeper`,
        async () => {
          const keeper = await keeperOf(page)
          const status = await page.evaluate(() => window.__inkmesh.handle.collab.status())
          return status === 'live' && keeper !== undefined && keeper !== oldKeeper
        },
        TAKEOVER_DEADLINE_MS - (Date.now() - killedAt),
      )
    }
    const liveAfter = Date.now() - killedAt
    assert.ok((await ann.evaluate(() => window.__statuses)).some((s) => s !== 'live'), "Ann's page was not live while it reconnected")
    assert.deepEqual(await keeperEpochs('cluster-node2', room), [2], "node 2's keeper took the room at the next epoch")
    assert.equal(await keeperOf(bob), await keeperOf(ann), 'both pages are linked to the one new keeper')
    assert.equal(await joinsOn('cluster-node2', room, 'Ann'), 1, 'Ann came back through node 2')

    for (; n < 10; n++) await stroke(n % 2 === 0 ? ann : bob, n, drawn)
    await allHold('after the takeover', [ann, bob], drawn)
    const late = await open(1, room, 'Cy')
    await waitForStatus(late)
    await allHold('a late joiner through entry 1', [late, ann, bob], drawn)
    const expected = JSON.stringify([...drawn].sort())
    await waitUntil(`node 2's stored board to hold exactly the ${drawn.size} strokes drawn`, async () => JSON.stringify(await storedIds(node2, room)) === expected)
    console.log(`cluster: both pages live with the new keeper ${liveAfter} ms after the SIGKILL; ${drawn.size} strokes, all stored`)
    await closePages()
  })
})
