// Idle work comes in slices of at most IDLE_SLICE_MS, whatever idle period
// the browser hands out, so a frame or an input event waits behind one slice
// at most; the rest of a long period is still used, a task a slice, until a
// frame is due.
import { describe, expect, it } from 'vitest'
import { IDLE_SLICE_MS, IdleWork, type IdleHost } from '../src/render/idle-work'

/** A clock and the two queues IdleWork uses, run by hand. */
class FakeHost implements IdleHost {
  time = 0
  idle: ((deadline: IdleDeadline) => void)[] = []
  tasks: (() => void)[] = []
  now = (): number => this.time
  requestIdle(fn: (deadline: IdleDeadline) => void): () => void {
    this.idle.push(fn)
    return () => (this.idle = this.idle.filter((f) => f !== fn))
  }
  postTask(fn: () => void): () => void {
    this.tasks.push(fn)
    return () => (this.tasks = this.tasks.filter((f) => f !== fn))
  }
  /** Starts an idle period of `ms` and runs its callback and every task it leads to. */
  idlePeriod(ms: number): void {
    const end = this.time + ms
    const fn = this.idle.shift()
    fn?.({ didTimeout: false, timeRemaining: () => Math.max(0, end - this.time) })
    for (let task = this.tasks.shift(); task !== undefined; task = this.tasks.shift()) task()
  }
}

/**
 * Work that uses every slice to its end (advancing the fake clock) and asks
 * for more while `left` says so; `afterSlice` runs after each slice has
 * asked (as an input event queued meanwhile would).
 */
function busyWork(host: FakeHost, left: () => boolean, afterSlice: (n: number) => void = () => {}) {
  const slices: number[] = []
  const frame = { pending: false }
  const work: IdleWork = new IdleWork(
    (slice) => {
      const ms = slice.timeRemaining()
      host.time += ms
      slices.push(ms)
      if (left()) work.request()
      afterSlice(slices.length)
    },
    () => frame.pending,
    host,
  )
  return { work, slices, frame }
}

describe('IdleWork', () => {
  it('cuts a long idle period into slices of IDLE_SLICE_MS and uses all of it', () => {
    const host = new FakeHost()
    const { work, slices } = busyWork(host, () => true)
    work.request()
    host.idlePeriod(50)
    expect(slices.length).toBeGreaterThan(1)
    for (const ms of slices) expect(ms).toBeLessThanOrEqual(IDLE_SLICE_MS)
    expect(slices.reduce((a, b) => a + b, 0)).toBe(50)
    // The period is spent: what is left waits for the next one.
    expect(host.idle.length).toBe(1)
  })

  it('stops using the period once a frame is due, and goes on in the next', () => {
    const host = new FakeHost()
    const { work, slices, frame } = busyWork(host, () => true, (n) => {
      // A pan starts while the first slice runs: its frame is asked for.
      if (n === 1) frame.pending = true
    })
    work.request()
    host.idlePeriod(50)
    expect(slices).toEqual([IDLE_SLICE_MS])
    expect(host.idle.length).toBe(1)
    frame.pending = false
    host.idlePeriod(10)
    expect(slices).toEqual([IDLE_SLICE_MS, IDLE_SLICE_MS, 2])
  })

  it('a short idle period is not stretched, and cancel() drops what was asked for', () => {
    const host = new FakeHost()
    const { work, slices } = busyWork(host, () => true)
    work.request()
    host.idlePeriod(5)
    expect(slices).toEqual([5])
    work.cancel()
    expect(host.idle.length).toBe(0)
    host.idlePeriod(50)
    expect(slices).toEqual([5])
  })
})
