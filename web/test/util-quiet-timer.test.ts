// A QuietTimer's job runs when due, but not within QUIET_AFTER_SEND_MS of our
// latest send; it is postponed once at most, so a steady stream of sends
// cannot starve it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { QUIET_AFTER_SEND_MS, QuietTimer } from '../src/util/quiet-timer'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

/** A timer whose job records when it ran, on the fake clock. */
function recorded(): { timer: QuietTimer; runs: number[] } {
  const runs: number[] = []
  const timer = new QuietTimer(() => runs.push(performance.now()))
  return { timer, runs }
}

describe('QuietTimer', () => {
  it('runs the job when due if nothing was sent lately', async () => {
    const { timer, runs } = recorded()
    const start = performance.now()
    timer.sent()
    timer.arm(50)
    await vi.advanceTimersByTimeAsync(49)
    expect(runs).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(runs).toEqual([start + 50])
  })

  it('waits until QUIET_AFTER_SEND_MS after a send just before it was due', async () => {
    const { timer, runs } = recorded()
    const start = performance.now()
    timer.arm(50)
    await vi.advanceTimersByTimeAsync(49)
    timer.sent()
    await vi.advanceTimersByTimeAsync(QUIET_AFTER_SEND_MS - 1)
    expect(runs).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(runs).toEqual([start + 49 + QUIET_AFTER_SEND_MS])
  })

  it('is postponed once at most, however often updates go out', async () => {
    const { timer, runs } = recorded()
    const start = performance.now()
    timer.arm(10)
    for (let t = 0; t < 30 && runs.length === 0; t++) {
      timer.sent()
      await vi.advanceTimersByTimeAsync(1)
    }
    // Due at 10, a send at 9: postponed to 13, and run then although a send came at 12.
    expect(runs).toEqual([start + 10 + QUIET_AFTER_SEND_MS - 1])
  })

  it('keeps its first due time when armed again, and cancel drops the job', async () => {
    const { timer, runs } = recorded()
    timer.arm(20)
    await vi.advanceTimersByTimeAsync(10)
    timer.arm(20)
    await vi.advanceTimersByTimeAsync(10)
    expect(runs).toHaveLength(1)
    timer.arm(20)
    timer.cancel()
    await vi.advanceTimersByTimeAsync(100)
    expect(runs).toHaveLength(1)
    // Armed after a cancel: runs again.
    timer.arm(5)
    await vi.advanceTimersByTimeAsync(5)
    expect(runs).toHaveLength(2)
  })
})
