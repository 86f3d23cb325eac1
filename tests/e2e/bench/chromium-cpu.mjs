// CPU time of the benchmark's Chromium, per thread role, read from /proc.
//
// Latency percentiles on two shared cores are noisy; the CPU a stroke costs
// every Chromium process is not. The stroke's latency tail comes from that
// CPU: on 2 cores, every millisecond the pages, their compositors and the
// GPU process's display compositor spend per chunk is a millisecond the
// chunk's packets may wait. Linux only; elsewhere `chromiumCpu` returns null
// and the bench prints no CPU figure.

import { readdirSync, readFileSync } from 'node:fs'

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100

/** Thread names (comm) grouped under the role the bench prints. */
const ROLES = [
  ['page main threads', (type, comm) => type === 'renderer' && comm === 'chromium'],
  ['page compositors', (type, comm) => type === 'renderer' && comm === 'Compositor'],
  // Inkmesh's render worker (live ink); y-webrtc's pages run none.
  ['page workers', (type, comm) => type === 'renderer' && comm === 'DedicatedWorker'],
  ['display compositor', (type, comm) => type === 'gpu-process' && comm.startsWith('VizCompositor')],
]

function read(path) {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

/** pid → parent pid, for every process /proc shows. */
function parents() {
  const out = new Map()
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    const stat = read(`/proc/${pid}/stat`)
    if (stat === null) continue
    out.set(Number(pid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
  }
  return out
}

/**
 * CPU ms so far of every Chromium process descended from this Node process,
 * in all and per role, or null where /proc cannot tell.
 */
export function chromiumCpu() {
  if (read('/proc/self/stat') === null) return null
  const ppid = parents()
  const ours = (pid) => {
    for (let p = ppid.get(pid), hops = 0; p !== undefined && p > 1 && hops < 16; p = ppid.get(p), hops++) if (p === process.pid) return true
    return false
  }
  const total = { all: 0 }
  for (const [role] of ROLES) total[role] = 0
  for (const pid of ppid.keys()) {
    const cmdline = read(`/proc/${pid}/cmdline`)
    if (cmdline === null || !cmdline.includes('chrom') || !ours(pid)) continue
    const type = cmdline.match(/--type=([a-z-]+)/)?.[1] ?? 'browser'
    let tids
    try {
      tids = readdirSync(`/proc/${pid}/task`)
    } catch {
      continue
    }
    for (const tid of tids) {
      const stat = read(`/proc/${pid}/task/${tid}/stat`)
      if (stat === null) continue
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
      total.all += ms
      for (const [role, matches] of ROLES) if (matches(type, comm)) total[role] += ms
    }
  }
  return total
}

/**
 * CPU ms so far of one process, all its threads (the server, whose keeper
 * peer takes every update too), or null where /proc cannot tell.
 */
export function processCpu(pid) {
  const stat = read(`/proc/${pid}/stat`)
  if (stat === null) return null
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
}

/** CPU ms per one of `count` (chunks, moves) between two `chromiumCpu` readings, per role; null if either is. */
export function cpuPer(before, after, count) {
  if (before === null || after === null || count <= 0) return null
  const out = {}
  for (const key of Object.keys(after)) out[key] = (after[key] - (before[key] ?? 0)) / count
  return out
}

/** The role-wise mean of several `cpuPer` results; null if any is. */
export function meanCpu(runs) {
  if (runs.length === 0 || runs.some((r) => r === null)) return null
  const out = {}
  for (const key of Object.keys(runs[0])) out[key] = runs.reduce((sum, r) => sum + (r[key] ?? 0), 0) / runs.length
  return out
}

/** One line: "1.23 ms a chunk (page main threads 0.40, …)", `unit` naming what `per` counted. */
export function describeCpu(per, unit) {
  if (per === null) return 'n/a (no /proc)'
  const parts = ROLES.map(([role]) => `${role} ${per[role].toFixed(2)}`)
  return `${per.all.toFixed(2)} ms ${unit} (${parts.join(', ')})`
}
