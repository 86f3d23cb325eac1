// Room-size benchmark, run by hand (not a *.test.mjs):
//
//   cd web && npm run build && cd .. && cargo build --release -p inkmesh-server -p inkmesh-crowd --bin inkmesh --bin crowd
//   node tests/e2e/bench-rooms.mjs
//
// For rooms of 2, 8, 20 and 50 members, in mesh mode (a server started with
// a mesh limit above the room size: every member links to every other) and in
// star mode (`--mesh-limit 0`: every member links to the keeper only, which
// forwards), side by side in one run: native members from examples/crowd fill
// the room, then two Chromium pages A and B join and measure
//
// - join: B's page load to B's status "live", as the last member in;
// - stroke p99: A appends a point batch every 16 ms; B's observer sees it;
// - cursor p99: A's pointer moves at 60 Hz; B's collab 'cursor' event;
// - upload per batch: bytes A's page hands its board channels per batch;
// - cursor msgs/s in B: cursor-channel messages B's page receives per second
//   while every native member also moves its cursor at 60 Hz;
// - keeper CPU per drawing member: the server's CPU time while A draws less
//   its CPU time while nobody draws (as long), as a share of one core; the
//   idle figure is printed too.
//
// Env: INKMESH_BENCH_SIZES (default "2,8,20,50"), INKMESH_BENCH_MODES
// (default "mesh,star"), INKMESH_BIN, INKMESH_CROWD_BIN, CHROMIUM.

import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'

import { describeSummary, ratio, summary, table } from './bench/stats.mjs'

const ROOT_GUESS = new URL('../..', import.meta.url).pathname
process.env.INKMESH_BIN ??= join(ROOT_GUESS, 'target/release/inkmesh')
process.env.INKMESH_CROWD_BIN ??= join(ROOT_GUESS, 'target/release/crowd')
const { launchChromium, openBoard, roomName, startServer, waitForStatus, waitUntil } = await import('./harness.mjs')
const { startCrowd } = await import('./crowd.mjs')

const SIZES = (process.env.INKMESH_BENCH_SIZES ?? '2,8,20,50').split(',').map(Number)
const MODES = (process.env.INKMESH_BENCH_MODES ?? 'mesh,star').split(',').map((s) => s.trim())
const MESH_LIMIT = { mesh: 64, star: 0 }
const PAGES = 2
const PER_CROWD = 16
const BATCHES = 200
const BATCH_EVERY_MS = 16
const CURSOR_MOVES = 180
const CURSOR_EVERY_MS = 1000 / 60
const WIGGLE_MS = 3000
/** How long a room may take to fill before its row is reported as not converged. */
const FILL_MS = 120_000
const CLOCK_TICKS_PER_SECOND = 100

const log = (...a) => console.log(...a)
const t0 = performance.now()
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`

/** In every page: counts what the page sends on board channels and receives on cursor channels. */
function instrumentChannels() {
  const counts = { boardBytesSent: 0, cursorMessages: 0 }
  window.__channelCounts = counts
  const Native = window.RTCPeerConnection
  window.RTCPeerConnection = class extends Native {
    createDataChannel(label, init) {
      const channel = super.createDataChannel(label, init)
      if (label === 'board') {
        const send = channel.send.bind(channel)
        channel.send = (data) => {
          counts.boardBytesSent += data.byteLength ?? data.length ?? 0
          send(data)
        }
      }
      if (label === 'cursor') channel.addEventListener('message', () => counts.cursorMessages++)
      return channel
    }
  }
}

/** The server's user + system CPU time in seconds (Linux /proc). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND
}

async function measureRoom(browser, server, mode, size) {
  const natives = Math.max(0, size - PAGES)
  const room = roomName(`rooms-${mode}-${size}`)
  const crowds = []
  const pages = []
  const row = { mode, size }
  try {
    for (let left = natives, i = 0; left > 0; left -= PER_CROWD, i++) {
      crowds.push(startCrowd({ url: server.url, room, members: Math.min(PER_CROWD, left), name: `rooms-${mode}-${size}-${i}` }))
    }
    const filled = performance.now()
    for (const [i, crowd] of crowds.entries()) {
      const members = Math.min(PER_CROWD, natives - i * PER_CROWD)
      await crowd.waitForCount('live', members, Math.max(1000, FILL_MS - (performance.now() - filled)))
    }
    row.fillMs = performance.now() - filled
    const open = async (name) => {
      const context = await browser.newContext({ viewport: { width: 1000, height: 700 } })
      await context.grantPermissions(['camera', 'microphone'])
      await context.addInitScript(instrumentChannels)
      const page = await openBoard(browser, `${server.url}/b/${room}?name=${name}`, { context })
      pages.push(page)
      return page
    }
    const a = await open('A')
    await waitForStatus(a, 'live', 30_000)
    const joinStart = performance.now()
    const b = await open('B')
    await waitForStatus(b, 'live', 30_000)
    row.joinMs = performance.now() - joinStart
    const aId = await a.evaluate(() => window.__inkmesh.handle.collab.me.id)

    // Stroke: A appends BATCHES point batches, one every 16 ms; B's observer timestamps each.
    const id = await a.evaluate(() => {
      const { board } = window.__inkmesh.handle
      board.beginAction()
      return board.beginStroke({ x: 600, y: 400 }, { sc: '#1e1e1e', sw: 2 })
    })
    await waitUntil('the stroke on B', () => b.evaluate((sid) => window.__inkmesh.handle.doc.getMap('elements').get(sid)?.get('p') !== undefined, id))
    await b.evaluate((sid) => {
      const p = window.__inkmesh.handle.doc.getMap('elements').get(sid).get('p')
      const arrived = []
      let last = p.length
      p.observe(() => {
        const t = performance.timeOrigin + performance.now()
        for (let k = last + 1; k <= p.length; k++) arrived[k] = t
        last = p.length
      })
      window.__benchArrived = arrived
    }, id)
    // The server's CPU while nobody draws, over as long as the drawing takes:
    // what the drawing member costs is the difference.
    const idleCpuBefore = cpuSeconds(server.pid)
    const idleWallBefore = performance.now()
    await new Promise((r) => setTimeout(r, BATCHES * BATCH_EVERY_MS))
    row.idleCpu = (cpuSeconds(server.pid) - idleCpuBefore) / ((performance.now() - idleWallBefore) / 1000)
    const cpuBefore = cpuSeconds(server.pid)
    const wallBefore = performance.now()
    const run = await a.evaluate(
      async ([sid, batches, every]) => {
        const { board, doc } = window.__inkmesh.handle
        const p = doc.getMap('elements').get(sid).get('p')
        const bytesBefore = window.__channelCounts.boardBytesSent
        const sent = []
        const start = performance.now()
        let x = 600
        let y = 400
        for (let i = 1; i <= batches; i++) {
          const wait = start + i * every - performance.now()
          if (wait > 0) await new Promise((r) => setTimeout(r, wait))
          const pts = []
          for (let k = 0; k < 4; k++) pts.push({ x: (x += 1.5), y: (y += (k % 2) - 0.5) })
          board.appendPoints(sid, pts)
          sent[p.length] = performance.timeOrigin + performance.now()
        }
        board.endStroke(sid)
        return { sent, bytes: window.__channelCounts.boardBytesSent - bytesBefore }
      },
      [id, BATCHES, BATCH_EVERY_MS],
    )
    const arrived = await waitUntil('B to hold every batch', async () => {
      const got = await b.evaluate(() => window.__benchArrived)
      return got.length > BATCHES ? got : false
    }, 20_000)
    row.keeperCpu = (cpuSeconds(server.pid) - cpuBefore) / ((performance.now() - wallBefore) / 1000)
    const strokeLatencies = []
    for (let k = 0; k < run.sent.length; k++) if (run.sent[k] !== undefined && arrived[k] !== undefined) strokeLatencies.push(arrived[k] - run.sent[k])
    row.stroke = summary(strokeLatencies)
    row.uploadPerBatch = run.bytes / BATCHES

    // Cursor: A's pointer at 60 Hz; B's collab 'cursor' events for A, matched by x.
    await a.evaluate(() => {
      const { view } = window.__inkmesh.handle
      const canvas = view.renderer.canvas
      window.__benchMoves = []
      canvas.addEventListener('pointermove', (e) => {
        const rect = canvas.getBoundingClientRect()
        const p = view.camera.toBoard({ x: e.clientX - rect.left, y: e.clientY - rect.top })
        window.__benchMoves.push({ t: e.timeStamp + performance.timeOrigin, x: p.x })
      }, { capture: true })
    })
    await b.evaluate((from) => {
      window.__benchCursors = []
      window.__inkmesh.handle.collab.on('cursor', (c) => {
        if (c.peerId === from) window.__benchCursors.push({ t: performance.timeOrigin + performance.now(), x: c.x })
      })
    }, aId)
    const start = performance.now()
    for (let i = 0; i < CURSOR_MOVES; i++) {
      const wait = start + i * CURSOR_EVERY_MS - performance.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      await a.mouse.move(300 + i, 450)
    }
    await new Promise((r) => setTimeout(r, 300))
    const moves = await a.evaluate(() => window.__benchMoves)
    const seen = await b.evaluate(() => window.__benchCursors)
    const sentAt = new Map(moves.map((m) => [m.x.toFixed(2), m.t]))
    row.cursor = summary(seen.filter((c) => sentAt.has(c.x.toFixed(2))).map((c) => c.t - sentAt.get(c.x.toFixed(2))))

    // Cursor messages B's page handles while everyone moves at 60 Hz.
    if (crowds.length > 0) {
      const before = await b.evaluate(() => window.__channelCounts.cursorMessages)
      const wiggleStart = performance.now()
      for (const crowd of crowds) crowd.send(`wiggle ${WIGGLE_MS}`)
      for (const crowd of crowds) await crowd.waitForCount('wiggled', 1, WIGGLE_MS + 10_000)
      const after = await b.evaluate(() => window.__channelCounts.cursorMessages)
      row.cursorMsgsPerSecond = (after - before) / ((performance.now() - wiggleStart) / 1000)
    }
  } catch (e) {
    row.error = e.message.split('\n')[0]
  } finally {
    for (const page of pages) await page.context().close().catch(() => {})
    for (const crowd of crowds) await crowd.stop()
  }
  return row
}

const f = (v, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '—')

async function main() {
  const browser = await launchChromium()
  log(`Inkmesh room-size bench: server ${process.env.INKMESH_BIN}; sizes ${SIZES.join(',')}; modes ${MODES.join(',')}`)
  log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores shared: figures are noisy under load)`)
  const rows = []
  try {
    for (const mode of MODES) {
      const server = await startServer({ name: `bench-rooms-${mode}`, extraArgs: ['--mesh-limit', String(MESH_LIMIT[mode])] })
      try {
        for (const size of SIZES) {
          log(`\n=== ${mode}, room of ${size} (${elapsed()}) ===`)
          const row = await measureRoom(browser, server, mode, size)
          rows.push(row)
          if (row.error) log(`  did not finish: ${row.error}`)
          if (row.fillMs !== undefined) log(`  ${size - PAGES} native members live in ${f(row.fillMs, 0)} ms`)
          if (row.joinMs !== undefined) log(`  B live after ${f(row.joinMs, 0)} ms`)
          if (row.stroke) log(`  stroke: ${describeSummary(row.stroke)}; upload ${f(row.uploadPerBatch, 0)} bytes per batch; keeper ${f((row.keeperCpu - row.idleCpu) * 100, 2)}% of a core for the drawing member (${f(row.idleCpu * 100, 2)}% idle)`)
          if (row.cursor) log(`  cursor: ${describeSummary(row.cursor)}`)
          if (row.cursorMsgsPerSecond !== undefined) log(`  cursor messages into B: ${f(row.cursorMsgsPerSecond)} per second`)
        }
      } finally {
        await server.cleanup()
      }
    }
  } finally {
    await browser.close()
  }

  const bySize = (mode, size) => rows.find((r) => r.mode === mode && r.size === size) ?? {}
  const header = ['room', 'figure', ...MODES, ...(MODES.length === 2 ? [`${MODES[1]}/${MODES[0]}`] : [])]
  const figures = [
    ['B live (ms)', (r) => r.joinMs, 0],
    ['stroke p99 (ms)', (r) => r.stroke?.p99, 1],
    ['cursor p99 (ms)', (r) => r.cursor?.p99, 1],
    ['upload / batch (B)', (r) => r.uploadPerBatch, 0],
    ['cursor msgs/s into B', (r) => r.cursorMsgsPerSecond, 0],
    ['keeper CPU idle (% core)', (r) => (r.idleCpu === undefined ? undefined : r.idleCpu * 100), 2],
    ['keeper CPU / drawer (% core)', (r) => (r.keeperCpu === undefined ? undefined : (r.keeperCpu - r.idleCpu) * 100), 2],
  ]
  const out = []
  for (const size of SIZES) {
    for (const [name, read, digits] of figures) {
      const values = MODES.map((mode) => read(bySize(mode, size)))
      out.push([String(size), name, ...values.map((v) => f(v, digits)), ...(MODES.length === 2 ? [ratio(values[1], values[0])] : [])])
    }
  }
  log(`\n${table(header, out)}`)
  const star2 = bySize('star', 2).joinMs
  const star50 = bySize('star', 50).joinMs
  if (Number.isFinite(star2) && Number.isFinite(star50)) log(`\njoin, star: room of 50 vs room of 2: ${ratio(star50, star2)} (goal: within 1.20x)`)
  for (const size of SIZES) {
    const mesh = bySize('mesh', size).stroke?.p99
    const star = bySize('star', size).stroke?.p99
    if (Number.isFinite(mesh) && Number.isFinite(star)) log(`stroke p99, relayed vs direct, room of ${size}: ${ratio(star, mesh)} (goal: at most 2x)`)
  }
  const failed = rows.filter((r) => r.error)
  for (const r of failed) log(`NOT MEASURED: ${r.mode}, room of ${r.size}: ${r.error}`)
}

await main()
