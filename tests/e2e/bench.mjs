// Inkmesh latency benchmark, run by hand (not a *.test.mjs):
//
//   cd web && npm run build && cd .. && cargo build --release -p inkmesh-server --bin inkmesh
//   node tests/e2e/bench.mjs
//
// Two headless Chromium pages on one board over loopback, against the real
// server (target/release/inkmesh unless INKMESH_BIN says otherwise), and a
// y-webrtc 10.3.0 baseline measured the same way in the same run. Prints each
// figure with its sample count, next to the issue's goal, then a table. Each
// pair's first stroke is printed on its own: V8 is still compiling then.
// Inkmesh's stroke runs once more, drawn (by each page's render worker, as
// live ink), its latency split where B's data channel message handler
// starts, and a last time to time A's paints (watching them costs the page).
// The stroke and cursor goals are judged on rounds of both run alternately
// (runBaseline). The stroke's rounds have four arms: Inkmesh drawn, Inkmesh
// with both pages' renderers paused (live ink included), which sets the wire
// and the document apart from drawing, y-webrtc pages that draw nothing (the
// goal's anchor), and y-webrtc pages drawing a dot per chunk on a canvas,
// which shows what drawing alone costs. Each stroke and cursor run also
// prints the CPU every Chromium process of the bench spent on it, a chunk or
// a move.
//
// Env: INKMESH_BENCH_STROKES (board size for join/pan, default 10000),
//      INKMESH_BENCH_BIG_STROKES (board size for bigpan, default 100000),
//      INKMESH_BENCH_PHASES (default "stroke,pixel,cursor,baseline,join,pan,bigpan"),
//      INKMESH_BENCH_JOINS (default 3), INKMESH_BIN, CHROMIUM.

import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { bundleBaseline, serveBaseline, startSignaling, startYWebsocket } from './bench/baseline.mjs'
import { describeSummary, median, ms, prng, ratio, summary, table } from './bench/stats.mjs'
import { buildBigBoard } from './bench/big-board.mjs'
import { chromiumCpu, cpuPer, describeCpu, meanCpu, processCpu } from './bench/chromium-cpu.mjs'

const ROOT_GUESS = new URL('../..', import.meta.url).pathname
process.env.INKMESH_BIN ??= join(ROOT_GUESS, 'target/release/inkmesh')
const { freePort, launchChromium, openBoard, roomName, selectTool, startServer, waitForStatus, waitUntil } = await import(
  './harness.mjs'
)
const Y = await import('yjs')

const STROKES = Number(process.env.INKMESH_BENCH_STROKES ?? 10_000)
const JOINS = Number(process.env.INKMESH_BENCH_JOINS ?? 3)
const BIG_STROKES = Number(process.env.INKMESH_BENCH_BIG_STROKES ?? 100_000)
const PHASES = new Set((process.env.INKMESH_BENCH_PHASES ?? 'stroke,pixel,cursor,baseline,join,pan,bigpan').split(',').map((s) => s.trim()))
/** The issue's anchor for big boards: Excalidraw manages ~30 fps at 10-14k elements, i.e. ~33 ms frames. */
const EXCALIDRAW_FRAME_MS = 1000 / 30
/**
 * A pan's frame interval goal: no frame missed at p99. The frame-time goal
 * (≤ 16 ms) times only our frame callback; a stall outside it (a long task,
 * a GC pause) shows only in the interval between animation frames, which at
 * 60 Hz is 16.7 ms, and 33.3 ms once a frame is missed.
 */
const FRAME_INTERVAL_GOAL_MS = 25
const VIEWPORT = { width: 1000, height: 700 }
const BATCHES = 500
const BATCH_EVERY_MS = 16
/** Rounds of Inkmesh's and y-webrtc's stroke, alternating, for the stroke goal (runBaseline). */
const ALTERNATE_ROUNDS = 3
const POINTS_PER_BATCH = 4
const PIXEL_STROKES = 200
const CURSOR_MOVES = 300
const CURSOR_EVERY_MS = 1000 / 60

const results = {} // figure key -> value (ms) for the table
const failures = [] // [phase, why]
const notes = []

const log = (...a) => console.log(...a)
const t0 = performance.now()
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`

/** Rejects with `what` when `promise` takes longer than `msLimit`. */
async function deadline(what, promise, msLimit) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${msLimit} ms: ${what}`)), msLimit)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function phase(name, fn) {
  if (!PHASES.has(name)) return
  log(`\n=== ${name} (${elapsed()}) ===`)
  try {
    await fn()
  } catch (e) {
    const why = e?.stack ?? String(e)
    failures.push([name, why.split('\n')[0]])
    log(`PHASE ${name} FAILED: ${why}`)
  }
}

/**
 * Offset of a page's clock (timeOrigin + now) against this process's clock,
 * from the round trip with the smallest RTT; comparing two pages' offsets
 * shows the skew between their timestamps.
 */
async function clockOffset(page) {
  let best = { rtt: Infinity, offset: NaN }
  for (let i = 0; i < 15; i++) {
    const a = performance.timeOrigin + performance.now()
    const p = await page.evaluate(() => performance.timeOrigin + performance.now())
    const b = performance.timeOrigin + performance.now()
    if (b - a < best.rtt) best = { rtt: b - a, offset: p - (a + b) / 2 }
  }
  return best
}

async function reportSkew(label, a, b) {
  const [oa, ob] = [await clockOffset(a), await clockOffset(b)]
  const skew = oa.offset - ob.offset
  log(`clock check (${label}): A−B timestamp skew ${skew.toFixed(3)} ms (± ${((oa.rtt + ob.rtt) / 2).toFixed(3)} ms)`)
  return skew
}

/** Both pages see each other (not only the keeper) on a live board channel. */
async function waitForPeers(a, b) {
  for (const page of [a, b]) {
    await waitUntil('a live board channel to the other page', () =>
      page.evaluate(() =>
        window.__inkmesh.handle.collab.debug().peers.some((p) => !p.keeper && p.session === 'live' && p.board === 'open'),
      ),
    20_000)
  }
}

function goal(value, limit) {
  if (!Number.isFinite(value) || !Number.isFinite(limit)) return 'n/a'
  return value <= limit ? 'met' : 'NOT met'
}

// ---------------------------------------------------------------------------
// In-page code, shared by Inkmesh and the baseline.

/** In B: records when the chunk count of `p` grows, per chunk count reached. */
function observeChunks(p, now) {
  const arrived = []
  let last = p.length
  p.observe(() => {
    const t = now()
    for (let k = last + 1; k <= p.length; k++) arrived[k] = t
    last = p.length
  })
  return arrived
}

/** In A: appends `batches` chunks every `every` ms with `append(i)`; returns per-chunk-count times. */
async function appendLoop(batches, every, append, length, now) {
  const sent = []
  const before = []
  const start = performance.now()
  for (let i = 1; i <= batches; i++) {
    const due = start + i * every
    const wait = due - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const tb = now()
    append(i)
    const t = now()
    sent[length()] = t
    before[length()] = tb
  }
  return { sent, before }
}

/** When each chunk reached `page`'s observer (observeChunks), once it holds all BATCHES; what arrived, if not all do within 20 s. */
async function chunksArrived(page, name) {
  return waitUntil(`${name} to hold all ${BATCHES} chunks`, async () => {
    const arrived = await page.evaluate(() => window.__benchStroke)
    return arrived.length > BATCHES ? arrived : false
  }, 20_000).catch(async (e) => {
    log(`  ${e.message}; using what arrived`)
    return page.evaluate(() => window.__benchStroke)
  })
}

function latencies(sent, arrived) {
  const out = []
  for (let k = 0; k < sent.length; k++) if (sent[k] !== undefined && arrived[k] !== undefined) out.push(arrived[k] - sent[k])
  return out
}

// ---------------------------------------------------------------------------

let server
let browser
let boardA
let boardB
const baseline = {}

async function main() {
  log(`Inkmesh bench: server ${process.env.INKMESH_BIN}; board ${STROKES} strokes; phases ${[...PHASES].join(',')}`)
  server = await startServer({ name: 'bench' })
  browser = await launchChromium()
  log(`server ${server.url}; chromium ${browser.version()}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores shared: figures are noisy under load)`)

  const needPair = ['stroke', 'pixel', 'cursor'].some((p) => PHASES.has(p))
  if (needPair) {
    PHASES.add('pair')
    await phase('pair', async () => {
      const room = roomName('bench')
      const context = async () => {
        const ctx = await browser.newContext({ viewport: VIEWPORT })
        await ctx.addInitScript(stampChannelMessages)
        return ctx
      }
      boardA = await openBoard(browser, `${server.url}/b/${room}?name=A`, { context: await context() })
      boardB = await openBoard(browser, `${server.url}/b/${room}?name=B`, { context: await context() })
      await waitForStatus(boardA)
      await waitForStatus(boardB)
      await waitForPeers(boardA, boardB)
      log(`two pages live on room ${room}, connected to each other and the keeper`)
      await reportSkew('inkmesh pages', boardA, boardB)
    })
  }
  const paired = () => {
    if (!boardA || !boardB) throw new Error('the two pages are not connected (see phase pair)')
  }

  await phase('stroke', async () => {
    paired()
    // The pages' first stroke runs while V8 still compiles the code it takes
    // (Maglev and TurboFan jobs on the page's worker threads, ~0.4 ms of CPU a
    // chunk in a trace): printed, and measured again once warm. y-webrtc's
    // pages get a first stroke as well (runBaseline).
    const first = await inkmeshStroke()
    results.strokeFirst = first.latency
    log(`first stroke after the pages load: ${describeSummary(first.latency)}; Chromium CPU ${describeCpu(first.cpu, 'a chunk')}`)
    const s = await inkmeshStroke()
    results.stroke = s.latency
    results.strokeCpu = s.cpu
    baseline.chunkBytes = s.chunkBytes
    log(`stroke update latency (A after appendPoints → B observer): ${describeSummary(s.latency)}`)
    log(`  of which A → B's channel message handler: ${describeSummary(s.wire)}; that handler → B's observer: ${describeSummary(s.handler)}`)
    log(`  from A's own observer (before the update is sent): ${describeSummary(s.fromObserver)}`)
    log(`  appendPoints call in A: ${describeSummary(s.cost)}; chunk ${s.chunkBytes} bytes (${POINTS_PER_BATCH} points)`)
    log(`    chunks 1-100: ${describeSummary(s.costFirst, ['p50', 'p99'])}; chunks 401-500: ${describeSummary(s.costLast, ['p50', 'p99'])}`)
    log(`  Chromium CPU, both pages: ${describeCpu(s.cpu, 'a chunk')}; the server (its keeper peer takes every chunk): ${ms(s.serverCpu)} a chunk`)
    // Does a paint cost more as the stroke grows? Watched in a run of its own: watching costs the page.
    const watched = await inkmeshStroke({ watchPaints: true })
    log(`A's paints of a stroke (live ink, in its render worker; a run of its own): chunks 1-100 ${describeSummary(watched.framesFirst, ['p50', 'p99'])}; chunks 401-500 ${describeSummary(watched.framesLast, ['p50', 'p99'])}`)
  })

  await phase('pixel', async () => {
    paired()
    await selectTool(boardA, 'pen')
    await boardA.evaluate(() => {
      const { view, board } = window.__inkmesh.handle
      const rec = { downs: [], strokes: [] }
      window.__benchPixel = rec
      view.renderer.canvas.addEventListener(
        'pointerdown',
        (e) => rec.downs.push(e.timeStamp + performance.timeOrigin),
        { capture: true },
      )
      rec.firstPoints = {}
      board.onChange((c) => {
        for (const id of c.added) if (board.get(id)?.t === 'stroke') rec.strokes.push(id)
        for (const id of [...c.added, ...c.changed]) {
          if (rec.firstPoints[id] === undefined && board.get(id)?.points.length > 0) rec.firstPoints[id] = performance.timeOrigin + performance.now()
        }
      })
    })
    await boardB.evaluate(() => {
      const { view, board } = window.__inkmesh.handle
      const rendered = {}
      const arrived = {}
      let count = 0
      window.__benchPixel = { rendered, arrived, count: () => count }
      board.onChange((c) => {
        for (const id of [...c.added, ...c.changed]) {
          if (arrived[id] === undefined && board.get(id)?.points.length > 0) arrived[id] = performance.timeOrigin + performance.now()
        }
      })
      view.renderer.onFrame((info) => {
        for (const id of info.changed) {
          if (rendered[id] !== undefined) continue
          const v = board.get(id)
          if (v?.t !== 'stroke' || v.points.length === 0) continue
          rendered[id] = { at: performance.timeOrigin + info.at, end: performance.timeOrigin + info.at + info.ms, kind: info.kind }
          count++
        }
      })
    })
    // A grid of short strokes clear of the style panel (left 230 px, y 60..240) and the toolbars.
    for (let i = 0; i < PIXEL_STROKES; i++) {
      const x = 300 + (i % 20) * 30
      const y = 280 + Math.floor(i / 20) * 30
      await boardA.mouse.move(x, y)
      await boardA.mouse.down()
      for (let j = 1; j <= 4; j++) await boardA.mouse.move(x + 6 * j, y + 3 * j)
      await boardA.mouse.up()
      await waitUntil(`B to render stroke ${i + 1}`, () => boardB.evaluate((k) => window.__benchPixel.count() >= k, i + 1), 5000)
    }
    const a = await boardA.evaluate(() => window.__benchPixel)
    const { rendered, arrived } = await boardB.evaluate(() => ({ rendered: window.__benchPixel.rendered, arrived: window.__benchPixel.arrived }))
    const flushA = []
    const net = []
    const toFrame = []
    if (a.downs.length !== a.strokes.length) notes.push(`pixel: ${a.downs.length} pointerdowns but ${a.strokes.length} strokes in A`)
    const toStart = []
    const toEnd = []
    a.strokes.forEach((id, k) => {
      const r = rendered[id]
      if (r === undefined || a.downs[k] === undefined) return
      toStart.push(r.at - a.downs[k])
      toEnd.push(r.end - a.downs[k])
      const fa = a.firstPoints[id]
      const ab = arrived[id]
      if (fa !== undefined && ab !== undefined) {
        flushA.push(fa - a.downs[k])
        net.push(ab - fa)
        toFrame.push(r.at - ab)
      }
    })
    const s = summary(toStart)
    results.pixel = s
    results.pixelEnd = summary(toEnd)
    log(`pointer-to-pixel (A pointerdown → B frame start): ${describeSummary(s, ['p50', 'p95', 'p99', 'max'])}`)
    log(`  to the end of that frame's drawing: ${describeSummary(results.pixelEnd, ['p50', 'p95', 'p99', 'max'])}`)
    log(`  breakdown: A pointerdown → A's first points in the doc ${describeSummary(summary(flushA), ['p50', 'p99'])}`)
    log(`             → B's board has them ${describeSummary(summary(net), ['p50', 'p99'])}`)
    log(`             → B's frame starts ${describeSummary(summary(toFrame), ['p50', 'p99'])}`)
    log(`  goal p99 <= 25 ms: ${goal(s.p99, 25)}`)
  })

  await phase('cursor', async () => {
    paired()
    await selectTool(boardA, 'select')
    const sentFrom = await watchInkmeshCursor()
    const c = await cursorRun(boardA, boardB, 'Inkmesh')
    results.cursor = c.latency
    results.cursorDispatch = c.dispatch
    results.cursorWire = c.wire
    results.cursorCpu = c.cpu
    log(`cursor latency (A ${sentFrom} timeStamp → B collab 'cursor'): ${describeSummary(c.latency)}`)
    log(`  of which input dispatch in A (event.timeStamp → ${sentFrom} listener runs): ${describeSummary(c.dispatch)}`)
    log(`  (pointermove in A, for comparison: ${describeSummary(c.pointermove)})`)
    log(`  and A's listener → B: ${describeSummary(c.wire)}`)
    log(`  Chromium CPU, both pages: ${describeCpu(c.cpu, 'a move')}`)
    log(`  ${c.moves} moves sent in ${c.ms.toFixed(0)} ms (${(c.moves / (c.ms / 1000)).toFixed(1)} Hz), ${c.events} ${sentFrom} events in A, ${c.received} cursor frames received by B`)
  })

  await phase('baseline', runBaseline)

  // The pair is done: fewer pages for the join and pan figures.
  for (const page of [boardA, boardB]) await page?.context().close().catch(() => {})
  boardA = boardB = undefined

  let panPage
  await phase('join', async () => {
    panPage = await runJoin()
  })
  await phase('pan', async () => {
    if (!panPage) throw new Error('no page holding the big board (see phase join)')
    await runPan(panPage)
  })
  await panPage?.context().close().catch(() => {})
  await phase('bigpan', runBigPan)
}

/**
 * Has the Inkmesh pair record cursor moves (cursorRun): A the event its
 * page sends cursors from, pointerrawupdate where the browser has it (secure
 * contexts), else pointermove (both carry the same timeStamp), and B each
 * cursor its collab hands on. pointermove's own dispatch delay is kept for
 * comparison: Chromium runs it at the next animation frame, and
 * page.mouse.move returns only after that frame, so the 60 Hz driver tends
 * to lock on a frame and each pointermove waits 12-15 ms, in any page (a
 * bare page, and the y-webrtc page alone, measured the same). Which state a
 * page falls into varies: the y-webrtc anchor's dispatch is ~1 ms in some
 * runs, ~13 ms in others. Returns the event type A records.
 */
async function watchInkmeshCursor() {
  await boardB.evaluate(() => {
    window.__benchCursor = []
    window.__inkmesh.handle.collab.on('cursor', (c) => window.__benchCursor.push({ t: performance.timeOrigin + performance.now(), x: c.x }))
  })
  return boardA.evaluate(() => {
    const { view } = window.__inkmesh.handle
    const canvas = view.renderer.canvas
    window.__benchCursor = []
    window.__benchMoves = []
    const type = 'onpointerrawupdate' in canvas ? 'pointerrawupdate' : 'pointermove'
    canvas.addEventListener(
      type,
      (e) => {
        const rect = canvas.getBoundingClientRect()
        const b = view.camera.toBoard({ x: e.clientX - rect.left, y: e.clientY - rect.top })
        window.__benchCursor.push({ t: e.timeStamp + performance.timeOrigin, h: performance.timeOrigin + performance.now(), x: b.x })
      },
      { capture: true },
    )
    canvas.addEventListener('pointermove', (e) => window.__benchMoves.push(performance.now() - e.timeStamp), { capture: true })
    return type
  })
}

/**
 * One run of CURSOR_MOVES cursor moves from page `a` to page `b`, either
 * pair once its watch is set up (watchInkmeshCursor, watchBaselineCursor):
 * latency summaries (ms) of the moves matched by position, CPU, counts, and
 * A's pointermove dispatch delays where it records them.
 */
async function cursorRun(a, b, what) {
  for (const page of [a, b]) await page.evaluate(() => (window.__benchCursor = [], window.__benchMoves = []))
  const cpuBefore = chromiumCpu()
  const sent = await drive60Hz(a, (i) => ({ x: 320 + i, y: 450 }))
  const cpu = cpuPer(cpuBefore, chromiumCpu(), sent.moves)
  const lastX = await a.evaluate(() => window.__benchCursor.at(-1)?.x)
  await waitUntil(`${what} B to receive A's last cursor position`, () =>
    b.evaluate((x) => window.__benchCursor.some((c) => Math.abs(c.x - x) < 0.01), lastX),
  5000).catch((e) => log(`  ${e.message}`))
  const ra = await a.evaluate(() => window.__benchCursor)
  const rb = await b.evaluate(() => window.__benchCursor)
  const each = matchByX(ra, rb)
  return {
    latency: summary(each),
    each,
    dispatch: summary(ra.map((r) => r.h - r.t)),
    pointermove: summary(await a.evaluate(() => window.__benchMoves)),
    wire: summary(matchByX(ra, rb, 'h')),
    cpu,
    moves: sent.moves,
    ms: sent.ms,
    events: ra.length,
    received: rb.length,
  }
}

/** page.mouse.move at about 60 Hz to `at(i)`; each move is one pointermove. */
async function drive60Hz(page, at, moves = CURSOR_MOVES) {
  const start = performance.now()
  for (let i = 0; i < moves; i++) {
    const due = start + i * CURSOR_EVERY_MS
    const wait = due - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const { x, y } = at(i)
    await page.mouse.move(x, y)
  }
  return { moves, ms: performance.now() - start }
}

/** Latencies from A's pointermove to B's receipt, matched by x. */
function matchByX(a, b, field = 't') {
  const sentAt = new Map()
  for (const r of a) {
    const key = r.x.toFixed(2)
    if (!sentAt.has(key)) sentAt.set(key, r[field])
  }
  const out = []
  const seen = new Set()
  for (const r of b) {
    const key = r.x.toFixed(2)
    if (seen.has(key) || !sentAt.has(key)) continue
    seen.add(key)
    out.push(r.t - sentAt.get(key))
  }
  return out
}

// ---------------------------------------------------------------------------
// Baseline: y-webrtc.

/** Has the y-webrtc pair record cursor moves (cursorRun): A each pointermove it sends as awareness, B each cursor awareness change. */
async function watchBaselineCursor(a, b) {
  await a.evaluate(() => {
    const { surface, provider } = window.__base
    window.__benchCursor = []
    surface.addEventListener(
      'pointermove',
      (e) => {
        const t = e.timeStamp + performance.timeOrigin
        window.__benchCursor.push({ t, h: performance.timeOrigin + performance.now(), x: e.clientX })
        provider.awareness.setLocalStateField('cursor', { x: e.clientX, y: e.clientY, t })
      },
      { capture: true },
    )
  })
  await b.evaluate(() => {
    const { provider, now } = window.__base
    window.__benchCursor = []
    const aw = provider.awareness
    aw.on('change', ({ added, updated }) => {
      const t = now()
      for (const id of [...added, ...updated]) {
        if (id === aw.clientID) continue
        const c = aw.getStates().get(id)?.cursor
        if (c) window.__benchCursor.push({ t, x: c.x })
      }
    })
  })
}


async function runBaseline() {
  let signaling
  let http
  const contexts = []
  try {
    const bundle = await bundleBaseline()
    log(`baseline bundle ${(bundle.bytes / 1024).toFixed(0)} KiB, one yjs copy: ${bundle.yjs.join(', ')}`)
    signaling = await startSignaling(await freePort(), waitUntil)
    http = await serveBaseline(bundle.js, await freePort())
    const room = `bench-${Math.random().toString(36).slice(2, 10)}`
    const url = `${http.url}/?room=${room}&signaling=${encodeURIComponent(signaling.url)}`
    const pages = []
    for (const name of ['A', 'B']) {
      const ctx = await browser.newContext({ viewport: VIEWPORT })
      contexts.push(ctx)
      const page = await ctx.newPage()
      page.problems = []
      page.on('pageerror', (e) => page.problems.push(e.message))
      page.on('console', (m) => m.type() === 'error' && page.problems.push(m.text()))
      await page.goto(url)
      await page.waitForFunction(() => window.__base !== undefined, null, { timeout: 15_000 })
      pages.push(page)
    }
    const [a, b] = pages
    try {
      for (const page of pages) {
        await waitUntil('y-webrtc peers connected and synced', () =>
          page.evaluate(() => {
            const c = window.__base.conns()
            return c.open >= 1 && c.synced >= 1
          }),
        20_000)
      }
    } catch (e) {
      const state = await Promise.all(pages.map((p) => p.evaluate(() => window.__base.conns()).catch((x) => String(x))))
      const why = `${e.message}; connections ${JSON.stringify(state)}; page errors ${JSON.stringify(pages.map((p) => p.problems))}`
      log(`BASELINE UNAVAILABLE: y-webrtc did not connect: ${why}`)
      failures.push(['baseline', `y-webrtc did not connect: ${why.slice(0, 200)}`])
      return
    }
    const conns = await a.evaluate(() => window.__base.conns())
    log(`y-webrtc pages connected over WebRTC (A: ${JSON.stringify(conns)}; BroadcastChannel peers must be 0: separate contexts)`)
    await reportSkew('baseline pages', a, b)

    const stroke = async (key, drawing, what, resultKey) => {
      try {
        const { latency, cpu } = await baselineStroke(a, b, key, drawing)
        results[resultKey] = latency
        results[`${resultKey}Cpu`] = cpu
        log(`${what} (${baseline.chunkBytes ?? 24}-byte chunks): ${describeSummary(latency)}`)
        log(`  Chromium CPU, both pages: ${describeCpu(cpu, 'a chunk')}`)
      } catch (e) {
        failures.push([what, e.message])
        log(`${what} FAILED: ${e.stack}`)
      }
    }

    // (1) stroke update latency, after a first stroke as Inkmesh's pages have
    await stroke('s0', false, 'baseline first stroke after the pages load', 'baseStrokeFirst')
    await stroke('s', false, 'baseline stroke update latency', 'baseStroke')

    // (2) awareness cursor latency
    try {
      await watchBaselineCursor(a, b)
      const c = await cursorRun(a, b, 'baseline')
      results.baseCursor = c.latency
      results.baseCursorDispatch = c.dispatch
      results.baseCursorWire = c.wire
      results.baseCursorCpu = c.cpu
      log(`baseline awareness cursor latency: ${describeSummary(c.latency)}`)
      log(`  of which input dispatch in A (event.timeStamp → pointermove listener runs): ${describeSummary(c.dispatch)}`)
      log(`  and A's listener → B: ${describeSummary(c.wire)}`)
      log(`  Chromium CPU, both pages: ${describeCpu(c.cpu, 'a move')}`)
      log(`  ${c.moves} moves in ${c.ms.toFixed(0)} ms, ${c.events} pointermoves in A, ${c.received} awareness changes in B`)
    } catch (e) {
      failures.push(['baseline cursor', e.message])
      log(`baseline cursor FAILED: ${e.stack}`)
    }

    // (2b) the cursor goal's comparison, as (3) for strokes: alternating
    // rounds of both, the order swapped each round, pooled.
    if (boardA && boardB && results.cursor !== undefined && results.baseCursor !== undefined) {
      try {
        const ours = []
        const theirs = []
        for (let round = 0; round < ALTERNATE_ROUNDS; round++) {
          const sides = [async () => ours.push(...(await cursorRun(boardA, boardB, 'Inkmesh')).each), async () => theirs.push(...(await cursorRun(a, b, 'baseline')).each)]
          if (round % 2 === 1) sides.reverse()
          for (const side of sides) await side()
        }
        results.cursorAlternating = summary(ours)
        results.baseCursorAlternating = summary(theirs)
        log(`cursor latency, ${ALTERNATE_ROUNDS} alternating rounds, pooled: Inkmesh ${describeSummary(results.cursorAlternating)}`)
        log(`  y-webrtc ${describeSummary(results.baseCursorAlternating)}`)
      } catch (e) {
        failures.push(['alternating cursors', e.message])
        log(`alternating cursors FAILED: ${e.stack}`)
      }
    }

    // (3) the goal's comparison: strokes of Inkmesh and y-webrtc in
    // alternating rounds, pooled. The single runs above are tens of seconds
    // apart, and this machine's speed drifts over such spans (the same
    // stroke's CPU a chunk has varied 2x between runs): alternating puts
    // every arm under the same drift. Four arms: Inkmesh drawn (the goal's
    // side), Inkmesh with neither page drawing (the wire, Yjs and the board's
    // model alone), y-webrtc drawing nothing (the goal's anchor), and
    // y-webrtc with both pages drawing a dot per chunk on a canvas, as any
    // canvas whiteboard pays Chromium a frame a chunk. After the cursor runs:
    // once a page has drawn on a canvas, Chromium holds its pointermoves for
    // the next frame (~11 ms, measured), which is the page's drawing, not
    // y-webrtc.
    if (boardA && boardB) {
      try {
        const arms = [
          ['strokeAlternating', 'Inkmesh, drawn', () => inkmeshStroke()],
          ['strokeUndrawnAlternating', 'Inkmesh, neither page drawing', () => inkmeshStroke({ drawing: false })],
          ['baseStrokeAlternating', 'y-webrtc, drawing nothing', (round) => baselineStroke(a, b, `alt${round}`, false)],
          ['baseStrokeDrawnAlternating', 'y-webrtc, both pages drawing each chunk', (round) => baselineStroke(a, b, `altd${round}`, true)],
        ]
        const pooled = new Map(arms.map(([key]) => [key, { each: [], cpu: [], wire: [] }]))
        for (let round = 0; round < ALTERNATE_ROUNDS; round++) {
          for (const [key, , run] of round % 2 === 0 ? arms : [...arms].reverse()) {
            const r = await run(round)
            const into = pooled.get(key)
            into.each.push(...r.each)
            into.cpu.push(r.cpu)
            if (r.wireEach) into.wire.push(...r.wireEach)
          }
        }
        log(`stroke update latency, ${ALTERNATE_ROUNDS} alternating rounds, pooled:`)
        for (const [key, what] of arms) {
          const { each, cpu, wire } = pooled.get(key)
          results[key] = summary(each)
          results[`${key}Cpu`] = meanCpu(cpu)
          log(`  ${what}: ${describeSummary(results[key])}`)
          if (wire.length > 0) log(`    of which A → B's channel message handler: ${describeSummary(summary(wire))}`)
          log(`    Chromium CPU, both pages: ${describeCpu(results[`${key}Cpu`], 'a chunk')}`)
        }
      } catch (e) {
        failures.push(['alternating strokes', e.message])
        log(`alternating strokes FAILED: ${e.stack}`)
      }
    }
  } finally {
    for (const ctx of contexts) await ctx.close().catch(() => {})
    await signaling?.stop()
    await http?.close()
  }
}

// ---------------------------------------------------------------------------
// Join and pan on a big board.

async function guestToken(room) {
  const r = await fetch(`${server.url}/api/rooms/${encodeURIComponent(room)}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  })
  if (!r.ok) throw new Error(`token: HTTP ${r.status} ${await r.text()}`)
  return (await r.json()).token
}

async function snapshotOf(room, token) {
  const started = performance.now()
  const r = await fetch(`${server.url}/api/rooms/${encodeURIComponent(room)}/snapshot`, {
    headers: { authorization: `Bearer ${token}` },
  })
  if (!r.ok) throw new Error(`snapshot: HTTP ${r.status}`)
  const bytes = new Uint8Array(await r.arrayBuffer())
  const fetchMs = performance.now() - started
  const doc = new Y.Doc()
  const decodeStart = performance.now()
  Y.applyUpdate(doc, bytes)
  const decodeMs = performance.now() - decodeStart
  const elements = doc.getMap('elements')
  let ended = 0
  elements.forEach((e) => {
    if (e instanceof Y.Map && e.get('d') === true) ended++
  })
  const out = { bytes: bytes.length, elements: elements.size, ended, fetchMs, decodeMs }
  doc.destroy()
  return out
}

/**
 * One y-webrtc stroke: A pushes BATCHES chunks into a new Y.Array under
 * `key`, B observes them; the latencies, and Chromium's CPU per chunk. With
 * `drawing`, each page also draws every chunk (A its own, B the ones it
 * receives) on a canvas the size of the view at the next animation frame, a
 * dot each: what any canvas whiteboard pays Chromium per chunk (a frame, and
 * a commit of the canvas), with no drawing of its own to speak of.
 */
async function baselineStroke(a, b, key, drawing) {
  await a.evaluate((key) => {
    const { Y, doc } = window.__base
    doc.transact(() => {
      const m = new Y.Map()
      doc.getMap('strokes').set(key, m)
      m.set('p', new Y.Array())
    })
  }, key)
  await waitUntil('the baseline stroke on B', () => b.evaluate((key) => window.__base.doc.getMap('strokes').get(key)?.get('p') !== undefined, key))
  if (drawing) {
    for (const page of [a, b]) {
      await page.evaluate((key) => {
        const { doc, surface } = window.__base
        const canvas = document.createElement('canvas')
        canvas.width = surface.clientWidth
        canvas.height = surface.clientHeight
        canvas.style.cssText = 'position:fixed;inset:0;pointer-events:none'
        document.body.append(canvas)
        const ctx = canvas.getContext('2d')
        const p = doc.getMap('strokes').get(key).get('p')
        let frame = 0
        p.observe(() => {
          if (frame !== 0) return
          frame = requestAnimationFrame(() => {
            frame = 0
            const n = p.length
            ctx.fillRect((n * 7) % canvas.width, (n * 13) % canvas.height, 2, 2)
          })
        })
      }, key)
    }
  }
  await b.evaluate(
    ([key, observeSrc]) => {
      const observe = new Function(`return (${observeSrc})`)()
      const p = window.__base.doc.getMap('strokes').get(key).get('p')
      window.__benchStroke = observe(p, window.__base.now)
    },
    [key, observeChunks.toString()],
  )
  const cpuBefore = chromiumCpu()
  const run = await deadline(
    'baseline A appending',
    a.evaluate(
      async ([key, batches, every, bytes, loopSrc]) => {
        const loop = new Function(`return (${loopSrc})`)()
        const { doc, now } = window.__base
        const p = doc.getMap('strokes').get(key).get('p')
        return loop(
          batches,
          every,
          () => {
            const chunk = new Uint8Array(bytes)
            crypto.getRandomValues(chunk)
            p.push([chunk])
          },
          () => p.length,
          now,
        )
      },
      [key, BATCHES, BATCH_EVERY_MS, baseline.chunkBytes ?? 24, appendLoop.toString()],
    ),
    60_000,
  )
  const arrived = await chunksArrived(b, 'baseline B')
  const each = latencies(run.sent, arrived)
  return { latency: summary(each), each, cpu: cpuPer(cpuBefore, chromiumCpu(), BATCHES) }
}

/**
 * A streams a 500-chunk stroke (appendPoints every BATCH_EVERY_MS) and B
 * observes its points array. `drawing: false` pauses both pages' renderers
 * for the run (drawn afterwards), to set the wire and the document apart from
 * drawing. `watchPaints` has A report its paints of the stroke (`frames`):
 * a page listening for frames gets a message from its render worker at each
 * paint, so a run that watches is not one to time. Returns latency
 * summaries (ms), split at B's board channel message handler (the pair's
 * init script stamps when it starts), and the CPU.
 */
async function inkmeshStroke({ drawing = true, watchPaints = false } = {}) {
  const id = await boardA.evaluate(() => {
    const { board } = window.__inkmesh.handle
    board.beginAction()
    return board.beginStroke({ x: 600, y: 400 }, { sc: '#1e1e1e', sw: 2 })
  })
  await waitUntil('the stroke on B', () =>
    boardB.evaluate((sid) => window.__inkmesh.handle.doc.getMap('elements').get(sid)?.get('p') !== undefined, id),
  )
  await boardB.evaluate(
    ([sid, observeSrc]) => {
      const observe = new Function(`return (${observeSrc})`)()
      const p = window.__inkmesh.handle.doc.getMap('elements').get(sid).get('p')
      window.__benchStroke = observe(p, () => performance.timeOrigin + performance.now())
      // The observer runs inside the message handler that applied the chunk: the latest stamp is that message's.
      const handled = []
      window.__benchStrokeHandled = handled
      let last = p.length
      p.observe(() => {
        for (let k = last + 1; k <= p.length; k++) handled[k] = window.__benchMessageAt
        last = p.length
      })
    },
    [id, observeChunks.toString()],
  )
  // A's paints of its live stroke, with the chunk count each drew: does drawing cost grow with the stroke?
  // Not the frame that draws it ended: its chunks are merged into one then, which would count it among chunks 1-100.
  await boardA.evaluate(([sid, watch]) => {
    const p = window.__inkmesh.handle.doc.getMap('elements').get(sid).get('p')
    const frames = []
    window.__benchStrokeFrames = frames
    // The previous stroke's listener goes: at most one listener, and none in a run that is timed.
    window.__benchStrokeFramesOff?.()
    window.__benchStrokeFramesOff = undefined
    if (!watch) return
    window.__benchStrokeFramesOff = window.__inkmesh.handle.view.renderer.onFrame((info) => {
      if (info.changed.includes(sid) && !window.__inkmesh.handle.board.get(sid)?.done) frames.push({ ms: info.ms, chunks: p.length })
    })
  }, [id, watchPaints])
  if (!drawing) for (const page of [boardA, boardB]) await pauseRendering(page, true)
  // A: the observer time too (before the update is encoded and sent), as a second view.
  const cpuBefore = chromiumCpu()
  const serverBefore = processCpu(server.pid)
  const run = await deadline(
    'A appending 500 batches',
    boardA.evaluate(
      async ([sid, batches, every, per, observeSrc, loopSrc]) => {
        const observe = new Function(`return (${observeSrc})`)()
        const loop = new Function(`return (${loopSrc})`)()
        const { board, doc } = window.__inkmesh.handle
        const now = () => performance.timeOrigin + performance.now()
        const p = doc.getMap('elements').get(sid).get('p')
        const observed = observe(p, now)
        let x = 600
        let y = 400
        // Back and forth across the view (1000 × 700, clear of the style
        // panel), never leaving it: B draws every chunk, as for a stroke
        // someone watches being drawn.
        let dx = 1
        const r = await loop(
          batches,
          every,
          () => {
            const pts = []
            for (let k = 0; k < per; k++) {
              if (x > 900) dx = -1
              if (x < 300) dx = 1
              x += dx * (0.5 + Math.random() * 2)
              y = Math.min(600, Math.max(150, y + Math.random() * 4 - 2))
              pts.push({ x, y })
            }
            board.appendPoints(sid, pts)
          },
          () => p.length,
          now,
        )
        const sizes = p.toArray().map((c) => c.byteLength)
        board.endStroke(sid)
        return { ...r, observed, chunkBytes: sizes.sort((a, b) => a - b)[sizes.length >> 1] }
      },
      [id, BATCHES, BATCH_EVERY_MS, POINTS_PER_BATCH, observeChunks.toString(), appendLoop.toString()],
    ),
    60_000,
  )
  const arrived = await chunksArrived(boardB, 'B')
  const cpu = cpuPer(cpuBefore, chromiumCpu(), BATCHES)
  const serverAfter = processCpu(server.pid)
  const serverCpu = serverBefore === null || serverAfter === null ? null : (serverAfter - serverBefore) / BATCHES
  if (!drawing) for (const page of [boardA, boardB]) await pauseRendering(page, false)
  const handled = await boardB.evaluate(() => window.__benchStrokeHandled)
  const wireEach = latencies(run.sent, handled)
  const frames = await boardA.evaluate(() => window.__benchStrokeFrames)
  const frameMs = (from, to) => summary(frames.filter((f) => f.chunks >= from && f.chunks <= to).map((f) => f.ms))
  const costOf = (from, to) => summary(run.sent.slice(from, to).map((t, k) => t - run.before[from + k]).filter(Number.isFinite))
  return {
    latency: summary(latencies(run.sent, arrived)),
    each: latencies(run.sent, arrived),
    wire: summary(wireEach),
    wireEach,
    handler: summary(latencies(handled, arrived)),
    fromObserver: summary(latencies(run.observed, arrived)),
    cost: costOf(0, run.sent.length),
    costFirst: costOf(1, 101),
    costLast: costOf(401, 501),
    framesFirst: frameMs(1, 100),
    framesLast: frameMs(401, 500),
    chunkBytes: run.chunkBytes,
    cpu,
    serverCpu,
  }
}

/**
 * Pauses or resumes a page's renderer: while paused it asks for no frame
 * (an own `schedule` hides the renderer's) and puts no stroke on the live
 * ink (an own `inkChanged` declines them all, so they go to the tiles, which
 * wait), and on resuming it draws all that changed meanwhile. Fails loudly
 * if the renderer no longer has these, rather than measure a page that
 * still draws.
 */
async function pauseRendering(page, paused) {
  await page.evaluate((paused) => {
    const renderer = window.__inkmesh.handle.view.renderer
    const proto = Object.getPrototypeOf(renderer)
    if (typeof proto.schedule !== 'function' || typeof proto.inkChanged !== 'function') {
      throw new Error('the renderer has no schedule() or inkChanged(): the bench cannot pause its drawing')
    }
    if (paused) {
      renderer.schedule = () => {}
      renderer.inkChanged = () => false
    } else {
      delete renderer.schedule
      delete renderer.inkChanged
      renderer.schedule()
    }
  }, paused)
}

/**
 * The pair's init script: stamps when each data channel message handler
 * starts (`window.__benchMessageAt`), so a stroke's latency splits into the
 * way to B's handler and the handler's own time.
 */
function stampChannelMessages() {
  const onmessage = Object.getOwnPropertyDescriptor(RTCDataChannel.prototype, 'onmessage')
  Object.defineProperty(RTCDataChannel.prototype, 'onmessage', {
    configurable: true,
    get() {
      return onmessage.get.call(this)
    },
    set(handler) {
      onmessage.set.call(this, (e) => {
        window.__benchMessageAt = performance.timeOrigin + performance.now()
        return handler(e)
      })
    },
  })
}

/** Builds a board of STROKES strokes in page A, in batches, printing progress. */
async function buildBoard(page, n) {
  const perCall = 250
  const started = performance.now()
  let lastPrint = started
  for (let from = 0; from < n; from += perCall) {
    const to = Math.min(n, from + perCall)
    await deadline(
      `building strokes ${from}..${to}`,
      page.evaluate(
        async ([from, to, prngSrc]) => {
          const { board } = window.__inkmesh.handle
          const rnd = new Function(`return (${prngSrc})`)()(1234567 + from)
          const colours = ['#1e1e1e', '#e03131', '#1971c2', '#2f9e44', '#f08c00']
          for (let i = from; i < to; i++) {
            let x = rnd() * 4000
            let y = rnd() * 3000
            const pts = []
            for (let k = 0; k < 50; k++) {
              pts.push({ x, y })
              x += (rnd() - 0.5) * 12
              y += (rnd() - 0.5) * 12
            }
            const id = board.beginStroke(pts[0], { sc: colours[i % colours.length], sw: 1 + (i % 4) })
            board.appendPoints(id, pts.slice(0, 17))
            board.appendPoints(id, pts.slice(17, 34))
            board.appendPoints(id, pts.slice(34))
            board.endStroke(id)
          }
          // Let the mesh drain its queue and the renderer draw.
          await new Promise((r) => setTimeout(r, 0))
        },
        [from, to, prng.toString()],
      ),
      120_000,
    )
    if (performance.now() - lastPrint > 5000 || to === n) {
      lastPrint = performance.now()
      const s = (performance.now() - started) / 1000
      log(`  built ${to}/${n} strokes in ${s.toFixed(1)} s (${(to / s).toFixed(0)} strokes/s)`)
    }
  }
  return performance.now() - started
}

/** Installed before the page's scripts: times the join from navigation start. */
function joinProbe(n) {
  const marks = { n, frames: 0 }
  window.__join = marks
  // The early picture's canvas (web/src/render/early-picture.ts) is on
  // screen by the second animation frame after it is added: the first
  // frame's paint holds it, and the second begins after that frame is done.
  new MutationObserver((records, observer) => {
    if (!records.some((r) => [...r.addedNodes].some((node) => node.id === 'inkmesh-early-picture'))) return
    observer.disconnect()
    requestAnimationFrame(() => requestAnimationFrame(() => (marks.earlyFrame = performance.now())))
  }).observe(document, { childList: true, subtree: true })
  let hook
  Object.defineProperty(window, '__inkmesh', {
    configurable: true,
    get: () => hook,
    set(v) {
      hook = v
      marks.hook = performance.now()
      const { board, collab, view } = v.handle
      collab.synced.then(() => {
        marks.synced ??= performance.now()
      })
      const check = (change) => {
        if (change && marks.firstChange === undefined) marks.firstChange = performance.now()
        if (marks.all === undefined && board.size() >= n) marks.all = performance.now()
      }
      check()
      board.onChange(check)
      view.renderer.onFrame((info) => {
        marks.frames++
        // The first full frame drawing all n elements, from the render stream
        // (its n stand-ins arrive as one change) or from the board itself.
        if (marks.pictureEnd === undefined && info.kind === 'full' && (marks.all !== undefined || info.changed.length >= n)) {
          marks.pictureAt = info.at
          marks.pictureEnd = info.at + info.ms
          marks.fromStream = marks.all === undefined
        }
        if (marks.all !== undefined && marks.fullAt === undefined && info.kind === 'full') {
          marks.fullAt = info.at
          marks.fullMs = info.ms
          marks.fullEnd = info.at + info.ms
          requestAnimationFrame(() => {
            marks.nextFrame = performance.now()
          })
        }
      })
    },
  })
}

async function runJoin() {
  const room = roomName('bench-big')
  const token = await guestToken(room)
  log(`building a board of ${STROKES} strokes × 50 points in A (room ${room})`)
  const builder = await openBoard(browser, `${server.url}/b/${room}?name=Builder`, { viewport: VIEWPORT })
  await waitForStatus(builder)
  const buildMs = await buildBoard(builder, STROKES)
  log(`built in ${(buildMs / 1000).toFixed(1)} s; waiting for the keeper to store it`)
  const waitStart = performance.now()
  let lastPrint = 0
  const snap = await waitUntil(
    `the keeper's snapshot to hold ${STROKES} ended strokes`,
    async () => {
      const s = await snapshotOf(room, token)
      if (performance.now() - lastPrint > 10_000) {
        lastPrint = performance.now()
        log(`  keeper snapshot: ${s.elements} elements, ${s.ended} ended, ${s.bytes} bytes`)
      }
      return s.elements === STROKES && s.ended === STROKES ? s : false
    },
    Math.max(60_000, STROKES * 60),
    1000,
  )
  log(`keeper holds it after ${((performance.now() - waitStart) / 1000).toFixed(1)} s; snapshot ${snap.bytes} bytes (${(snap.bytes / 1024 / 1024).toFixed(2)} MiB)`)
  results.snapshotBytes = snap.bytes
  const again = await snapshotOf(room, token)
  log(`  GET snapshot from node: ${ms(again.fetchMs, 0)} (server encode + transfer); Y.applyUpdate in node: ${ms(again.decodeMs, 0)}`)
  await builder.context().close()

  const joins = []
  let keep
  for (let j = 0; j < JOINS; j++) {
    const ctx = await browser.newContext({ viewport: VIEWPORT })
    await ctx.addInitScript(joinProbe, STROKES)
    const page = await ctx.newPage()
    const logs = []
    page.on('console', (m) => {
      if (m.text().includes('synced from')) logs.push(m.text())
    })
    try {
      await page.goto(`${server.url}/b/${room}?name=Joiner${j + 1}`)
      const m = await waitUntil(
        'the joiner to sync and draw the whole board',
        () => page.evaluate(() => (window.__join.nextFrame !== undefined ? window.__join : false)),
        60_000,
      )
      const timing = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0]
        const res = performance
          .getEntriesByType('resource')
          .filter((r) => /\/api\/rooms\/.*\/(token|snapshot|render)|\.js$/.test(r.name))
          .map((r) => ({ name: r.name.replace(/^.*\/(api\/rooms\/[^/]+\/)?/, ''), start: r.startTime, end: r.responseEnd, size: r.transferSize }))
        return { domContentLoaded: nav?.domContentLoadedEventEnd, responseEnd: nav?.responseEnd, res }
      })
      await withEarlyPicture(page, m)
      const steps = await joinSteps(page, m)
      const one = { ...m, timing, steps, via: logs[0]?.replace(/^.*synced from /, '') }
      joins.push(one)
      const res = timing.res.map((r) => `${r.name} ${r.start.toFixed(0)}→${r.end.toFixed(0)}`).join(', ')
      log(`join ${j + 1}: first full render ${ms(one.pictureEnd, 0)} (from ${pictureSource(one)})`)
      log(
        `join ${j + 1}: synced ${ms(one.synced, 0)}, all elements present ${ms(one.all, 0)}, first full render frame at ${ms(one.fullAt, 0)} ` +
          `drawn by ${ms(one.fullEnd, 0)} (${ms(one.fullMs, 0)} drawing), next frame ${ms(one.nextFrame, 0)}; synced via ${one.via ?? '?'}`,
      )
      log(`  page: html ${ms(timing.responseEnd, 0)}, DOMContentLoaded ${ms(timing.domContentLoaded, 0)}, hook ${ms(one.hook, 0)}, first board change ${ms(one.firstChange, 0)}; ${res}`)
      log(`  steps: ${describeSteps(steps)}`)
      if (j === JOINS - 1) keep = page
      else await ctx.close()
    } catch (e) {
      log(`join ${j + 1} FAILED: ${e.message}`)
      failures.push([`join ${j + 1}`, e.message])
      await ctx.close()
    }
  }
  await measureReturning(room)
  await measureStartedInLoadedPage(room)
  await measureYWebsocket(room, token)
  if (joins.length > 0) {
    log(`join steps, median of ${joins.length}: ${describeSteps(medianSteps(joins.map((j) => j.steps)))}`)
    results.joinSynced = median(joins.map((j) => j.synced))
    results.joinAll = median(joins.map((j) => j.all))
    results.joinRender = median(joins.map((j) => j.pictureEnd))
    results.joinBoardRender = median(joins.map((j) => j.fullEnd))
    results.joinN = joins.length
    log(`join median of ${joins.length}: synced ${ms(results.joinSynced, 0)} (issue 5's goal, <= 250 ms: ${goal(results.joinSynced, 250)}), ` +
      `all elements present ${ms(results.joinAll, 0)}, first full render drawn ${ms(results.joinRender, 0)} (goal <= 300 ms: ${goal(results.joinRender, 300)}), ` +
      `the board's own views drawn ${ms(results.joinBoardRender, 0)}`)
    log(`  anchor, y-websocket: navigation → synced ${ms(results.ywsNav, 0)} (render/anchor ${ratio(results.joinRender, results.ywsNav)}); ` +
      `in a loaded page, start → synced ${ms(results.ywsStart, 0)} vs Inkmesh mount → synced ${ms(results.startSynced, 0)} (${ratio(results.startSynced, results.ywsStart)}), → render ${ms(results.startRender, 0)}; ` +
      `synced again in the page that synced it once, ${ms(results.ywsAgain, 0)} vs Inkmesh ${ms(results.againSynced, 0)} (${ratio(results.againSynced, results.ywsAgain)})`)
  }
  if (keep) {
    // Where the join time goes: decoding alone, and building the board's views alone, in the same page.
    const parts = await keep.evaluate(async (room) => {
      const { Y, handle } = window.__inkmesh
      const token = localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith('inkmesh:token:')))
      let t = performance.now()
      const r = await fetch(`/api/rooms/${encodeURIComponent(room)}/snapshot`, { headers: { Authorization: `Bearer ${token}` } })
      const bytes = new Uint8Array(await r.arrayBuffer())
      const fetchMs = performance.now() - t
      const doc = new Y.Doc()
      t = performance.now()
      Y.applyUpdate(doc, bytes)
      const applyMs = performance.now() - t
      t = performance.now()
      const BoardClass = handle.board.constructor
      const b = new BoardClass(doc, 'probe')
      const viewsMs = performance.now() - t
      t = performance.now()
      b.ordered()
      const orderMs = performance.now() - t
      // How the board applies a snapshot (doc/apply-update.ts) beside Y.applyUpdate, alternating, into bare docs.
      const alternating = { yjs: [], ours: [] }
      for (let i = 0; i < 6; i++) {
        for (const which of i % 2 === 0 ? ['yjs', 'ours'] : ['ours', 'yjs']) {
          const d = new Y.Doc()
          t = performance.now()
          if (which === 'ours') window.__inkmesh.applyWholeUpdate(d, bytes)
          else Y.applyUpdate(d, bytes)
          alternating[which].push(performance.now() - t)
          d.destroy()
        }
      }
      const middle = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
      const applyYjsMs = middle(alternating.yjs)
      const applyOursMs = middle(alternating.ours)
      // Yjs v2 encoding of the same board: its size, and applying it.
      const v2 = Y.encodeStateAsUpdateV2(doc)
      const docV2 = new Y.Doc()
      t = performance.now()
      Y.applyUpdateV2(docV2, v2)
      const applyV2Ms = performance.now() - t
      // And v1 once more, so the two decodes are side by side at the same moment of the page.
      const docV1 = new Y.Doc()
      t = performance.now()
      Y.applyUpdate(docV1, bytes)
      const applyAgainMs = performance.now() - t
      for (const d of [doc, docV2, docV1]) d.destroy()
      return { fetchMs, applyMs, viewsMs, orderMs, bytes: bytes.length, v2Bytes: v2.length, applyV2Ms, applyAgainMs, applyYjsMs, applyOursMs }
    }, room).catch((e) => ({ error: e.message }))
    if (parts.error) log(`  breakdown unavailable: ${parts.error}`)
    else {
      log(`  breakdown in the joined page: fetch snapshot ${ms(parts.fetchMs, 0)}, Y.applyUpdate into a bare doc ${ms(parts.applyMs, 0)}, ` +
        `Board views ${ms(parts.viewsMs, 0)}, ordered() ${ms(parts.orderMs, 0)}`)
      log(`  Yjs v2 encoding of the same board: ${parts.v2Bytes} bytes (v1 ${parts.bytes}), Y.applyUpdateV2 ${ms(parts.applyV2Ms, 0)}, ` +
        `Y.applyUpdate (v1) again right after ${ms(parts.applyAgainMs, 0)}`)
      log(`  the board's snapshot apply (applyWholeUpdate) beside Y.applyUpdate, 6 each alternating, median: ${ms(parts.applyOursMs, 0)} vs ${ms(parts.applyYjsMs, 0)} (${ratio(parts.applyOursMs, parts.applyYjsMs)})`)
    }
    results.joinParts = parts
  }
  return keep
}

/**
 * Where a join's first render went, step by step (ms from navigation): the
 * page's own performance marks (web/src/util/join-marks.ts) between the
 * HTML's arrival and the first full frame's end.
 */
async function joinSteps(page, m) {
  const marks = await page.evaluate(() => {
    const out = { html: performance.getEntriesByType('navigation')[0]?.responseEnd }
    for (const e of performance.getEntriesByType('mark')) if (e.name.startsWith('inkmesh:')) out[e.name.slice(8)] ??= e.startTime
    return out
  })
  return { ...marks, 'frame-start': m.pictureAt, 'frame-end': m.rendererEnd ?? m.pictureEnd }
}

/** The steps a join passes, in order; a stand-in comes from the server's stream or from this browser's kept picture. */
const JOIN_STEPS = ['html', 'boot', 'app', 'mount', 'picture-bytes', 'first-view-decoded', 'render-headers', 'render-bytes', 'stand-in-decoded', 'picture-painted', 'stand-in-shown', 'picture-dropped', 'frame-start', 'frame-end', 'snapshot-bytes', 'snapshot-applied']

function describeSteps(steps) {
  return JOIN_STEPS.filter((k) => steps?.[k] !== undefined).map((k) => `${k} ${steps[k].toFixed(0)}`).join(', ')
}

function medianSteps(all) {
  const out = {}
  for (const k of JOIN_STEPS) {
    const values = all.map((s) => s?.[k]).filter((v) => v !== undefined)
    if (values.length > 0) out[k] = median(values)
  }
  return out
}

/** Opens `url` in a new page of `ctx` (which has the join probe) and waits for the first full render of the whole board. */
async function joinOnce(ctx, url) {
  const page = await ctx.newPage()
  await page.goto(url)
  const m = await waitUntil(
    'the page to sync and draw the whole board',
    () => page.evaluate(() => (window.__join.nextFrame !== undefined ? window.__join : false)),
    60_000,
  )
  await withEarlyPicture(page, m)
  return { page, m }
}

/**
 * The page's early picture (web/src/render/early-picture.ts, painted before
 * the app runs) is the first full render only if it drew the whole board
 * (its mark's detail: elements drawn) and reached a painted frame before the
 * renderer's first full frame: appending a canvas paints nothing until the
 * main thread yields, and a long task right after can hold it past the
 * renderer's frame. So it counts at the page's first-contentful-paint if
 * that came after its mark and before the canvas was removed (the
 * picture-dropped mark). When the page painted other content first (the
 * app's tool bar: a first view may be painted after the app's view started),
 * it counts by the second animation frame after the canvas was added (the
 * probe's earlyFrame), again only if that came before its removal: later
 * than the frame that showed it, never sooner. Otherwise the renderer's
 * frame counts. The renderer's own stays in the steps as frame-start/frame-end.
 */
async function withEarlyPicture(page, m) {
  const early = await page.evaluate(() => {
    const painted = performance.getEntriesByName('inkmesh:picture-painted', 'mark')[0]
    const dropped = performance.getEntriesByName('inkmesh:picture-dropped', 'mark')[0]
    const fcp = performance.getEntriesByName('first-contentful-paint', 'paint')[0]
    return painted === undefined
      ? null
      : { at: painted.startTime, elements: painted.detail, dropped: dropped?.startTime, fcp: fcp?.startTime, frame: window.__join.earlyFrame }
  })
  m.rendererEnd = m.pictureEnd
  m.earlyPicture = early
  if (early === null || early.elements < m.n) return
  const before = (t) => t !== undefined && t >= early.at && (early.dropped === undefined || t < early.dropped) && t < m.pictureEnd
  if (before(early.fcp)) {
    m.pictureEnd = early.fcp
    m.early = 'at first-contentful-paint'
  } else if (before(early.frame)) {
    m.pictureEnd = early.frame
    m.early = 'by the second animation frame after it (the page had painted other content first)'
  }
}

/** What a join's first full render drew: the early picture, the renderer's stand-in, or the board. */
function pictureSource(m) {
  const e = m.earlyPicture
  const early =
    e == null
      ? 'no early picture'
      : `early picture marked ${ms(e.at, 0)} (${e.elements} elements), first-contentful-paint ${ms(e.fcp, 0)}, second frame after it ${ms(e.frame, 0)}, removed ${ms(e.dropped, 0)}`
  if (m.early) return `the early picture, shown ${m.early}: ${early}; the renderer's first full frame ${ms(m.rendererEnd, 0)}`
  return `${m.fromStream ? 'the render stream' : 'the board'}, the renderer's frame; ${early}`
}

/**
 * A returning visitor: the board's copy is in this browser's IndexedDB (a
 * first visit in the same context stored it), and a new page opens the board
 * again. Navigation → first full render of the whole board.
 */
async function measureReturning(room) {
  const runs = []
  for (let j = 0; j < JOINS; j++) {
    const ctx = await browser.newContext({ viewport: VIEWPORT })
    try {
      await ctx.addInitScript(joinProbe, STROKES)
      const url = `${server.url}/b/${room}?name=Returning${j + 1}`
      const first = await joinOnce(ctx, url)
      await first.page.evaluate(() => window.__inkmesh.handle.whenSaved())
      await first.page.close()
      const { page, m } = await joinOnce(ctx, url)
      m.steps = await joinSteps(page, m)
      runs.push(m)
      log(`  steps: ${describeSteps(m.steps)}`)
      log(`returning visitor ${j + 1}: first full render drawn by ${ms(m.pictureEnd, 0)} (from ${pictureSource(m)}; the board's own views ${ms(m.fullEnd, 0)}, all elements present ${ms(m.all, 0)}, synced ${ms(m.synced, 0)})`)
    } catch (e) {
      log(`returning visitor ${j + 1} FAILED: ${e.message}`)
      failures.push([`returning ${j + 1}`, e.message])
    } finally {
      await ctx.close()
    }
  }
  if (runs.length > 0) {
    log(`returning visitor steps, median of ${runs.length}: ${describeSteps(medianSteps(runs.map((m) => m.steps)))}`)
    results.returnRender = median(runs.map((m) => m.pictureEnd))
    results.returnN = runs.length
    log(`returning visitor median of ${runs.length}: first full render ${ms(results.returnRender, 0)} (goal <= 150 ms: ${goal(results.returnRender, 150)})`)
  }
}

/**
 * Inkmesh started in a page already loaded, as y-websocket's provider is:
 * the embeddable module (cached) mounts the board without a local copy, in a
 * page that has an empty board open; mount() → synced, and → first full
 * render of the whole board. Then, as information, the same again in that
 * page once the first mount is destroyed: its code has now run on this board.
 */
async function measureStartedInLoadedPage(room) {
  const cold = []
  const warm = []
  for (let j = 0; j < JOINS; j++) {
    const ctx = await browser.newContext({ viewport: VIEWPORT })
    try {
      const page = await ctx.newPage()
      // Any page of the server's origin: an empty board, with the module loaded once.
      await page.goto(`${server.url}/b/${roomName('bench-empty')}?name=Host${j + 1}`)
      await page.waitForFunction(() => window.__inkmesh !== undefined, null, { timeout: 15_000 })
      await page.evaluate(() => import('/inkmesh.js'))
      const mountTimed = (name) =>
        deadline(
          'mounting the big board in a loaded page',
          page.evaluate(
            async ([room, n, name]) => {
              const { mount } = await import('/inkmesh.js')
              const element = document.createElement('div')
              element.style.cssText = 'position:fixed;inset:0'
              document.body.append(element)
              // Earlier mounts made this page's marks: this mount's are wanted.
              performance.clearMarks()
              const startAt = performance.now()
              const handle = mount(element, { room, name, offline: false })
              let syncedAt
              handle.collab.synced.then(() => (syncedAt ??= performance.now()))
              const renderAt = await new Promise((resolve) => {
                handle.view.renderer.onFrame((info) => {
                  if (info.kind === 'full' && handle.board.size() >= n) resolve(info.at + info.ms)
                })
              })
              await handle.collab.synced
              // A picture painted by a worker is marked when its answer is read, often after the
              // frame that drew the board (the main thread was applying the snapshot): up to 500 ms.
              const markDue = performance.now() + 500
              while (performance.getEntriesByName('inkmesh:stand-in-shown', 'mark').length === 0 && performance.now() < markDue) await new Promise((r) => setTimeout(r, 10))
              const steps = {}
              for (const e of performance.getEntriesByType('mark')) if (e.name.startsWith('inkmesh:')) steps[e.name.slice(8)] ??= e.startTime - startAt
              // Each request: start → headers → end, ms from mount.
              const requests = performance
                .getEntriesByType('resource')
                .filter((r) => r.startTime >= startAt && /\/api\/rooms\//.test(r.name))
                .map((r) => `${r.name.replace(/^.*\/api\/rooms\/[^/]*\//, '').replace(/token=[^&]*&?/, '')} ${[r.startTime, r.responseStart, r.responseEnd].map((t) => (t - startAt).toFixed(0)).join('→')}`)
              handle.destroy()
              element.remove()
              return { synced: syncedAt - startAt, render: renderAt - startAt, steps, requests }
            },
            [room, STROKES, name],
          ),
          60_000,
        )
      const m = await mountTimed(`Loaded${j + 1}`)
      cold.push(m)
      log(`inkmesh started in a loaded page ${j + 1}: mount → synced ${ms(m.synced, 0)}, → first full render drawn ${ms(m.render, 0)}; steps (ms from mount): ${describeSteps(m.steps)}; ${m.requests.join(', ')}`)
      const again = await mountTimed(`Again${j + 1}`)
      warm.push(again)
      log(`  mounted again in that page: mount → synced ${ms(again.synced, 0)}, → first full render drawn ${ms(again.render, 0)}`)
    } catch (e) {
      log(`inkmesh started in a loaded page ${j + 1} FAILED: ${e.message}`)
      failures.push([`loaded-page start ${j + 1}`, e.message])
    } finally {
      await ctx.close()
    }
  }
  if (cold.length > 0) {
    results.startSynced = median(cold.map((m) => m.synced))
    results.startRender = median(cold.map((m) => m.render))
  }
  if (warm.length > 0) results.againSynced = median(warm.map((m) => m.synced))
}

/**
 * The 10,000-stroke anchor: y-websocket 2.1.0 (its own server code) syncing
 * the same board (the keeper's snapshot bytes) into a bare Y.Doc. y-webrtc
 * cannot: the board is one message above its max-message-size. Navigation →
 * synced (the provider starts as the page's module runs); provider start →
 * synced in a page loaded with an empty room synced, as Inkmesh's loaded page
 * is; and, as information, syncing the board again in the page that synced it.
 */
async function measureYWebsocket(room, token) {
  const dir = await mkdtemp(join(tmpdir(), 'inkmesh-bench-'))
  let yws
  let http
  try {
    const r = await fetch(`${server.url}/api/rooms/${encodeURIComponent(room)}/snapshot`, { headers: { authorization: `Bearer ${token}` } })
    if (!r.ok) throw new Error(`snapshot: HTTP ${r.status}`)
    const file = join(dir, 'board.bin')
    await writeFile(file, new Uint8Array(await r.arrayBuffer()))
    yws = await startYWebsocket(await freePort(), room, file, waitUntil)
    const bundle = await bundleBaseline('ywebsocket-page.mjs')
    http = await serveBaseline(bundle.js, await freePort())
    log(`y-websocket anchor: page bundle ${(bundle.bytes / 1024).toFixed(0)} KiB, server ${yws.url}`)
    const nav = []
    const started = []
    const again = []
    const pageUrl = (name) => `${http.url}/?room=${encodeURIComponent(name)}&server=${encodeURIComponent(yws.url)}&auto=1`
    const synced = (page) => waitUntil('y-websocket to sync', () => page.evaluate(() => (window.__yws?.marks.syncedAt !== undefined ? window.__yws.marks : false)), 60_000)
    const syncBoard = (page) => deadline('y-websocket provider start → synced', page.evaluate((room) => window.__yws.start(room), room), 60_000)
    for (let j = 0; j < JOINS; j++) {
      const ctx = await browser.newContext({ viewport: VIEWPORT })
      try {
        const page = await ctx.newPage()
        await page.goto(pageUrl(room))
        const a = await synced(page)
        const c = await syncBoard(page)
        await page.close()
        const loaded = await ctx.newPage()
        await loaded.goto(pageUrl(roomName('bench-empty')))
        await synced(loaded)
        const b = await syncBoard(loaded)
        if ([a, b, c].some((m) => m.elements !== STROKES)) throw new Error(`y-websocket synced ${a.elements} / ${b.elements} / ${c.elements} elements, not ${STROKES}`)
        nav.push(a.syncedAt)
        started.push(b.syncedAt - b.startAt)
        again.push(c.syncedAt - c.startAt)
        log(`y-websocket ${j + 1}: navigation → synced ${ms(a.syncedAt, 0)} (provider started at ${ms(a.startAt, 0)}); ` +
          `in a loaded page, provider start → synced ${ms(b.syncedAt - b.startAt, 0)}; again in the page that synced it, ${ms(c.syncedAt - c.startAt, 0)}`)
      } finally {
        await ctx.close()
      }
    }
    results.ywsNav = median(nav)
    results.ywsStart = median(started)
    results.ywsAgain = median(again)
  } catch (e) {
    log(`y-websocket anchor FAILED: ${e.stack}`)
    failures.push(['y-websocket anchor', e.message])
  } finally {
    await http?.close()
    await yws?.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/** One camera move per frame: 45 frames one way, 45 back. */
const PAN_STEP = `const dir = Math.floor(n / 45) % 2 === 0 ? 1 : -1
  camera.panBy(-8 * dir, -3 * dir)`
/** A wheel-like zoom step per frame about the view's centre: 15 frames in, 15 back out (the zoom stays between ×1 and ×1.56 of the start). */
const ZOOM_STEP = `const dir = Math.floor(n / 15) % 2 === 0 ? 1 : -1
  const { width, height } = renderer.viewportSize()
  camera.zoomAt({ x: width / 2, y: height / 2 }, dir > 0 ? 1.03 : 1 / 1.03)`

/** Moves the camera of `page` once per frame for 180 frames after `setup`; prints and returns the frame figures. */
async function panRun(page, label, setup, stepSrc = PAN_STEP) {
  const r = await deadline(
    `panning ${label}`,
    page.evaluate(
      async ([setupSrc, stepSrc, frames]) => {
        const { handle } = window.__inkmesh
        const { camera, renderer } = handle.view
        new Function('handle', setupSrc)(handle)
        const stepOnce = new Function('camera', 'renderer', 'n', stepSrc)
        // Let the full redraw and the idle warm-up of the new view happen first.
        await new Promise((r) => setTimeout(r, 1500))
        const infos = []
        const off = renderer.onFrame((i) => infos.push(i))
        const rafs = []
        await new Promise((resolve) => {
          let n = 0
          const step = (ts) => {
            rafs.push(ts)
            if (n >= frames) return resolve()
            stepOnce(camera, renderer, n)
            n++
            requestAnimationFrame(step)
          }
          requestAnimationFrame(step)
        })
        // the last pan's frame
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))
        off()
        const gaps = rafs.slice(1).map((t, i) => t - rafs[i])
        const kinds = {}
        for (const i of infos) kinds[i.kind] = (kinds[i.kind] ?? 0) + 1
        return { ms: infos.map((i) => i.ms), gaps, kinds, zoom: camera.zoom, span: rafs.at(-1) - rafs[0] }
      },
      [setup, stepSrc, 180],
    ),
    120_000,
  )
  const f = summary(r.ms)
  const g = summary(r.gaps)
  log(`pan ${label} (zoom ${r.zoom.toFixed(3)}): frame ms ${describeSummary(f)}; kinds ${JSON.stringify(r.kinds)}`)
  log(`  rAF interval p50 ${ms(g.p50)} p99 ${ms(g.p99)} max ${ms(g.max)} (${r.gaps.length} intervals, ${(r.gaps.length / (r.span / 1000)).toFixed(1)} fps)`)
  log(`  goal frame ms <= 16: p99 ${goal(f.p99, 16)}, max ${goal(f.max, 16)}; rAF interval p99 <= ${FRAME_INTERVAL_GOAL_MS} (no frame missed): ${goal(g.p99, FRAME_INTERVAL_GOAL_MS)}`)
  return { f, g }
}

/** Fits the whole board in view (a setup for panRun). */
const FIT_BOARD = `const { board, view } = handle
     let box = null
     for (const v of board.ordered()) {
       const b = board.elementBounds(v.id)
       if (!b) continue
       box = box ? { minX: Math.min(box.minX, b.minX), minY: Math.min(box.minY, b.minY), maxX: Math.max(box.maxX, b.maxX), maxY: Math.max(box.maxY, b.maxY) } : { ...b }
     }
     const { width, height } = view.renderer.viewportSize()
     if (typeof view.camera.fit === 'function') view.camera.fit(box, width, height)
     else view.camera.set(box.minX, box.minY, Math.min(width / (box.maxX - box.minX), height / (box.maxY - box.minY)))`

async function runPan(page) {
  results.pan1 = await panRun(page, 'at zoom 1', 'handle.view.camera.set(1500, 1100, 1)')
  results.panFit = await panRun(page, 'with the whole board in view', FIT_BOARD)
}

/**
 * The big board: built in node (bench/big-board.mjs), written into the
 * server's store as one logged update, as the keeper would have, then opened
 * in a page; panned at zoom 1 and at mid zoom, zoomed in steps at mid zoom,
 * and panned with the whole board in view. Each figure is printed next to
 * the issue's anchor, Excalidraw's ~30 fps at 10-14k elements.
 */
async function runBigPan() {
  const room = roomName('bench-huge')
  let t = performance.now()
  const update = buildBigBoard(Y, BIG_STROKES)
  log(`built a board of ${BIG_STROKES} strokes × 50 points in node in ${ms(performance.now() - t, 0)}: ${update.length} bytes (${(update.length / 1024 / 1024).toFixed(1)} MiB)`)
  const file = join(tmpdir(), `${room}.update`)
  await writeFile(file, update)
  t = performance.now()
  try {
    await promisify(execFile)('sqlite3', [
      join(server.dataDir, 'inkmesh.db'),
      '.timeout 10000',
      `INSERT INTO updates (room, bytes) VALUES ('${room}', readfile('${file}'))`,
    ]).catch((e) => {
      if (e.code === 'ENOENT') throw new Error('the sqlite3 command is missing (Debian: apt-get install sqlite3)')
      throw e
    })
  } finally {
    await rm(file, { force: true })
  }
  log(`  stored as one logged update of room ${room} in ${ms(performance.now() - t, 0)}`)
  const ctx = await browser.newContext({ viewport: VIEWPORT })
  try {
    const page = await ctx.newPage()
    t = performance.now()
    await page.goto(`${server.url}/b/${room}?name=BigPanner`)
    await waitUntil(
      `the page to hold all ${BIG_STROKES} strokes`,
      () => page.evaluate((n) => (window.__inkmesh?.handle.board.size() ?? 0) >= n, BIG_STROKES),
      180_000,
      250,
    )
    log(`  the page holds all ${BIG_STROKES} strokes ${ms(performance.now() - t, 0)} after navigation`)
    const centre = 'handle.view.camera.set(5500, 4150, 1)'
    results.bigPan1 = await panRun(page, `${BIG_STROKES}: at zoom 1`, centre)
    results.bigPanMid = await panRun(page, `${BIG_STROKES}: at zoom 0.35`, 'handle.view.camera.set(4570, 3500, 0.35)')
    results.bigZoomMid = await panRun(page, `${BIG_STROKES}: zoom steps from 0.35`, 'handle.view.camera.set(4570, 3500, 0.35)', ZOOM_STEP)
    results.bigPanFit = await panRun(page, `${BIG_STROKES}: whole board in view`, FIT_BOARD)
    for (const key of ['bigPan1', 'bigPanMid', 'bigZoomMid', 'bigPanFit']) {
      const p = results[key].f.p99
      log(`  ${key}: frame p99 ${ms(p)} vs anchor Excalidraw ~30 fps at 10-14k elements (${ms(EXCALIDRAW_FRAME_MS)} a frame): ratio ${ratio(p, EXCALIDRAW_FRAME_MS)}`)
    }
  } finally {
    await ctx.close()
  }
}

// ---------------------------------------------------------------------------

function printTable() {
  const base = (k, q) => results[k]?.[q]
  const row = (figure, v, b, goalText, met) => [figure, ms(v), b === undefined ? '—' : ms(b), b === undefined ? '—' : ratio(v, b), goalText, met]
  const rows = []
  const add = (figure, key, q, baseKey, limit) => {
    const v = results[key]?.[q]
    const b = baseKey ? base(baseKey, q) : undefined
    rows.push(row(`${figure} ${q} (n=${results[key]?.n ?? 0})`, v, b, limit === undefined ? '' : `<= ${limit} ms`, limit === undefined ? '' : goal(v, limit)))
  }
  /** A figure whose goal is y-webrtc's value from this run (issue 13). */
  const vsBase = (figure, key, q, baseKey, isGoal) => {
    const v = results[key]?.[q]
    const b = base(baseKey, q)
    const met = !isGoal ? '' : Number.isFinite(v) && Number.isFinite(b) ? (v <= b ? 'met' : 'NOT met') : 'n/a'
    rows.push(row(`${figure} ${q} (n=${results[key]?.n ?? 0})`, v, b, isGoal ? '<= y-webrtc' : '', met))
  }
  // The goal row is the alternating rounds' where they ran (see runBaseline), else the single runs'.
  const alternated = results.strokeAlternating !== undefined
  vsBase('stroke update, alternating rounds', 'strokeAlternating', 'p50', 'baseStrokeAlternating', false)
  vsBase('stroke update, alternating rounds', 'strokeAlternating', 'p95', 'baseStrokeAlternating', false)
  vsBase('stroke update, alternating rounds', 'strokeAlternating', 'p99', 'baseStrokeAlternating', alternated)
  vsBase('stroke update, alternating rounds, vs y-webrtc pages drawing each chunk', 'strokeAlternating', 'p95', 'baseStrokeDrawnAlternating', false)
  vsBase('stroke update, alternating rounds, vs y-webrtc pages drawing each chunk', 'strokeAlternating', 'p99', 'baseStrokeDrawnAlternating', false)
  vsBase('stroke update, alternating rounds, neither Inkmesh page drawing', 'strokeUndrawnAlternating', 'p95', 'baseStrokeAlternating', false)
  vsBase('stroke update, alternating rounds, neither Inkmesh page drawing', 'strokeUndrawnAlternating', 'p99', 'baseStrokeAlternating', false)
  vsBase('stroke update', 'stroke', 'p50', 'baseStroke', false)
  vsBase('stroke update', 'stroke', 'p95', 'baseStroke', false)
  vsBase('stroke update', 'stroke', 'p99', 'baseStroke', !alternated)
  vsBase("stroke update, each pair's first stroke after loading", 'strokeFirst', 'p99', 'baseStrokeFirst', false)
  const cpuRows = [
    ['Chromium CPU a stroke chunk, alternating rounds', 'strokeAlternatingCpu', 'baseStrokeAlternatingCpu'],
    ['Chromium CPU a stroke chunk, alternating rounds, vs y-webrtc pages drawing each chunk', 'strokeAlternatingCpu', 'baseStrokeDrawnAlternatingCpu'],
    ['Chromium CPU a stroke chunk, alternating rounds, neither Inkmesh page drawing', 'strokeUndrawnAlternatingCpu', 'baseStrokeAlternatingCpu'],
    ['Chromium CPU a stroke chunk', 'strokeCpu', 'baseStrokeCpu'],
  ]
  for (const [figure, key, baseKey] of cpuRows) rows.push(row(figure, results[key]?.all, results[baseKey]?.all, '', ''))
  const cursorsAlternated = results.cursorAlternating !== undefined
  vsBase('cursor, alternating rounds', 'cursorAlternating', 'p50', 'baseCursorAlternating', cursorsAlternated)
  vsBase('cursor, alternating rounds', 'cursorAlternating', 'p99', 'baseCursorAlternating', cursorsAlternated)
  vsBase('cursor', 'cursor', 'p50', 'baseCursor', !cursorsAlternated)
  vsBase('cursor', 'cursor', 'p99', 'baseCursor', !cursorsAlternated)
  rows.push(row('Chromium CPU a cursor move', results.cursorCpu?.all, results.baseCursorCpu?.all, '', ''))
  vsBase('cursor: input dispatch in A', 'cursorDispatch', 'p50', 'baseCursorDispatch', false)
  vsBase('cursor: input dispatch in A', 'cursorDispatch', 'p99', 'baseCursorDispatch', false)
  vsBase("cursor: A's listener → B", 'cursorWire', 'p50', 'baseCursorWire', false)
  vsBase("cursor: A's listener → B", 'cursorWire', 'p99', 'baseCursorWire', false)
  add('pointer-to-pixel', 'pixel', 'p50')
  add('pointer-to-pixel', 'pixel', 'p99', undefined, 25)
  add('pointer-to-pixel (frame drawn)', 'pixelEnd', 'p99')
  const jn = results.joinN ?? 0
  rows.push(row(`join ${STROKES}: synced (median of ${jn}; issue 5's goal)`, results.joinSynced, undefined, '<= 250 ms', goal(results.joinSynced, 250)))
  rows.push(row(`join ${STROKES}: all elements present`, results.joinAll, undefined, '', ''))
  rows.push(row(`join ${STROKES}: first full render drawn`, results.joinRender, undefined, '<= 300 ms', goal(results.joinRender, 300)))
  rows.push(row(`join ${STROKES}: the board's own views drawn`, results.joinBoardRender, undefined, '', ''))
  rows.push(row(`join ${STROKES}: nav → render vs y-websocket nav → synced`, results.joinRender, results.ywsNav, '<= anchor', goal(results.joinRender, results.ywsNav ?? NaN)))
  rows.push(row(`join ${STROKES}: nav → synced vs y-websocket`, results.joinSynced, results.ywsNav, '', ''))
  rows.push(row(`join ${STROKES}: loaded page, start → synced vs y-websocket`, results.startSynced, results.ywsStart, '<= anchor', goal(results.startSynced, results.ywsStart ?? NaN)))
  rows.push(row(`join ${STROKES}: loaded page, start → render vs y-websocket synced`, results.startRender, results.ywsStart, '', ''))
  rows.push(row(`join ${STROKES}: loaded page, synced again, each after syncing it once`, results.againSynced, results.ywsAgain, '', ''))
  rows.push(row(`join ${STROKES}: returning visitor, render (n=${results.returnN ?? 0})`, results.returnRender, undefined, '<= 150 ms', goal(results.returnRender, 150)))
  for (const [key, label] of [['pan1', 'pan zoom 1'], ['panFit', 'pan whole board']]) {
    const p = results[key]
    rows.push(row(`${label}: frame p50 (n=${p?.f.n ?? 0})`, p?.f.p50, undefined, '', ''))
    rows.push(row(`${label}: frame p95`, p?.f.p95, undefined, '', ''))
    rows.push(row(`${label}: frame p99`, p?.f.p99, undefined, '<= 16 ms', goal(p?.f.p99, 16)))
    rows.push(row(`${label}: frame max`, p?.f.max, undefined, '<= 16 ms', goal(p?.f.max, 16)))
    rows.push(row(`${label}: rAF interval p50`, p?.g.p50, undefined, '', ''))
    rows.push(row(`${label}: rAF interval p99`, p?.g.p99, undefined, `<= ${FRAME_INTERVAL_GOAL_MS} ms`, goal(p?.g.p99, FRAME_INTERVAL_GOAL_MS)))
  }
  // The anchor column holds Excalidraw's frame time at 10-14k elements (~30 fps), the issue's reference.
  for (const [key, label] of [['bigPan1', 'pan zoom 1'], ['bigPanMid', 'pan zoom 0.35'], ['bigZoomMid', 'zoom steps from 0.35'], ['bigPanFit', 'pan whole board']]) {
    const p = results[key]
    const name = `${BIG_STROKES} strokes, ${label} (anchor: Excalidraw ~30 fps)`
    rows.push(row(`${name}: frame p50 (n=${p?.f.n ?? 0})`, p?.f.p50, undefined, '', ''))
    rows.push(row(`${name}: frame p99`, p?.f.p99, EXCALIDRAW_FRAME_MS, '<= 16 ms', goal(p?.f.p99, 16)))
    rows.push(row(`${name}: rAF interval p99`, p?.g.p99, EXCALIDRAW_FRAME_MS, `<= ${FRAME_INTERVAL_GOAL_MS} ms`, goal(p?.g.p99, FRAME_INTERVAL_GOAL_MS)))
  }
  log(`\n=== summary (${elapsed()}; load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}) ===`)
  log(table(['figure', 'inkmesh', 'anchor (y-webrtc; join: y-websocket)', 'ratio', 'goal', 'met'], rows))
  if (results.snapshotBytes !== undefined) log(`snapshot size: ${results.snapshotBytes} bytes (${STROKES} strokes × 50 points)`)
  for (const n of notes) log(`note: ${n}`)
  for (const [p, why] of failures) log(`failed: ${p}: ${why}`)
}

try {
  await main()
} catch (e) {
  failures.push(['setup', e.message])
  log(`SETUP FAILED: ${e.stack}`)
} finally {
  printTable()
  await browser?.close().catch(() => {})
  await server?.cleanup().catch(() => {})
}
