// The server's snapshot waits until what the page shows meanwhile has
// painted, and no longer: a frame already drawn is not waited for again.
import { describe, expect, it } from 'vitest'
import { paintFirst, type ShownFirst } from '../src/paint-first'

/** A shown board whose frames come only when the test says. */
function shownBoard(over: Partial<ShownFirst> = {}) {
  const frames: Array<() => void> = []
  const shown: ShownFirst = {
    loaded: Promise.resolve(),
    showing: () => true,
    unpainted: () => true,
    nextFrame: () => new Promise<void>((resolve) => frames.push(resolve)),
    ...over,
  }
  return { shown, frames }
}

/** Whether `promise` has settled once pending tasks and microtasks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false
  void promise.then(() => (done = true))
  await new Promise((resolve) => setTimeout(resolve, 0))
  return done
}

describe('paintFirst', () => {
  it('waits for the frame of what is shown when one is pending', async () => {
    const { shown, frames } = shownBoard()
    const waiting = paintFirst(shown)
    expect(await settled(waiting)).toBe(false)
    expect(frames).toHaveLength(1)
    frames[0]?.()
    expect(await settled(waiting)).toBe(true)
  })

  it('waits for no frame when what is shown has painted already', async () => {
    const { shown, frames } = shownBoard({ unpainted: () => false })
    expect(await settled(paintFirst(shown))).toBe(true)
    expect(frames).toHaveLength(0)
  })

  it('waits for no frame when nothing is shown', async () => {
    const { shown, frames } = shownBoard({ showing: () => false })
    expect(await settled(paintFirst(shown))).toBe(true)
    expect(frames).toHaveLength(0)
  })

  it('asks what is shown only once the local copy has loaded, and takes a failed copy as loaded', async () => {
    let load!: (ok: boolean) => void
    const loaded = new Promise<void>((resolve, reject) => (load = (ok) => (ok ? resolve() : reject(new Error('blocked')))))
    let asked = 0
    const { shown, frames } = shownBoard({ loaded, showing: () => (asked++, true) })
    const waiting = paintFirst(shown)
    expect(await settled(waiting)).toBe(false)
    expect(asked).toBe(0)
    load(false)
    expect(await settled(waiting)).toBe(false)
    expect(asked).toBe(1)
    frames[0]?.()
    expect(await settled(waiting)).toBe(true)
  })

  it('gives up after its deadline when no frame comes (a hidden tab)', async () => {
    const { shown } = shownBoard()
    const started = performance.now()
    await paintFirst(shown, 30)
    expect(performance.now() - started).toBeGreaterThanOrEqual(25)
  })

  it('waits for no frame where there are none', async () => {
    const { shown } = shownBoard({ nextFrame: undefined })
    expect(await settled(paintFirst(shown))).toBe(true)
  })
})
