// The app's bundle runs once: at once, or after what the early script holds
// it for, and never later than the limit.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { APP_HOLD_MAX_MS, loadApp } from '../src/app-loader'

/** A document whose head records the elements appended to it. */
function fakeDocument() {
  const appended: Array<{ type: string; src: string }> = []
  const doc = {
    createElement: () => ({ type: '', src: '' }),
    head: { append: (element: { type: string; src: string }) => appended.push(element) },
  } as unknown as Document
  return { doc, appended }
}

/** A promise and the functions that settle it. */
function held() {
  let resolve!: () => void
  let reject!: (e: Error) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('loadApp', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('runs the bundle as a module script at once when nothing holds it', () => {
    const { doc, appended } = fakeDocument()
    loadApp(doc, undefined)
    expect(appended).toEqual([{ type: 'module', src: '/app.js' }])
  })

  it('waits for what holds it, then runs the bundle once', async () => {
    const { doc, appended } = fakeDocument()
    const hold = held()
    loadApp(doc, hold.promise)
    await vi.advanceTimersByTimeAsync(APP_HOLD_MAX_MS - 1)
    expect(appended).toEqual([])
    hold.resolve()
    await vi.advanceTimersByTimeAsync(0)
    expect(appended).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(APP_HOLD_MAX_MS)
    expect(appended).toHaveLength(1)
  })

  it('runs the bundle when what holds it fails', async () => {
    const { doc, appended } = fakeDocument()
    const hold = held()
    loadApp(doc, hold.promise)
    hold.reject(new Error('IndexedDB is gone'))
    await vi.advanceTimersByTimeAsync(0)
    expect(appended).toHaveLength(1)
  })

  it('runs the bundle at the limit when what holds it never settles, and not again after', async () => {
    const { doc, appended } = fakeDocument()
    const hold = held()
    loadApp(doc, hold.promise)
    await vi.advanceTimersByTimeAsync(APP_HOLD_MAX_MS)
    expect(appended).toEqual([{ type: 'module', src: '/app.js' }])
    hold.resolve()
    await vi.advanceTimersByTimeAsync(0)
    expect(appended).toHaveLength(1)
  })
})
