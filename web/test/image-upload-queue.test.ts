// The upload queue (IndexedDB through fake-indexeddb): images go up in the
// order added, a failure that may pass is retried until it succeeds, a
// refusal is final and reported, and what is queued survives closing the
// store (a reload, or a page that went away offline) and resumes.
import 'fake-indexeddb/auto'

import { describe, expect, it } from 'vitest'
import { openImageStore, type StoredImage } from '../src/image/image-store'
import { fullRoomDelay, UploadQueue, type UploadOutcome } from '../src/image/upload-queue'

let dbs = 0
const image = (n: number): StoredImage => ({ hash: String(n).padStart(64, '0'), mt: 'image/png', bytes: Uint8Array.of(n) })

/** Waits for `check` with a deadline (no sleep-and-hope). */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 2000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('UploadQueue', () => {
  it('uploads in the order added and empties the persisted queue', async () => {
    const store = await openImageStore(`q${dbs++}`)
    const sent: string[] = []
    const queue = new UploadQueue({ store, upload: async (img) => (sent.push(img.hash), { kind: 'done' }) })
    for (const n of [3, 1, 2]) {
      await store.put(image(n))
      await queue.add(image(n).hash)
    }
    await queue.idle()
    expect(sent).toEqual([3, 1, 2].map((n) => image(n).hash))
    expect(await store.queued()).toEqual([])
    queue.destroy()
    store.close()
  })

  it('retries what may pass with growing delays until it is stored', async () => {
    const store = await openImageStore(`q${dbs++}`)
    const outcomes: UploadOutcome[] = [{ kind: 'retry' }, { kind: 'retry' }, { kind: 'done' }]
    const delays: number[] = []
    let calls = 0
    const queue = new UploadQueue({
      store,
      upload: async () => outcomes[calls++] ?? { kind: 'done' },
      retryDelay: (attempt) => (delays.push(attempt), 1),
    })
    await store.put(image(1))
    await queue.add(image(1).hash)
    await queue.idle()
    expect(calls).toBe(3)
    expect(delays).toEqual([0, 1])
    expect(await store.queued()).toEqual([])
    queue.destroy()
    store.close()
  })

  it("waits at least the server's Retry-After before the next attempt", async () => {
    const store = await openImageStore(`q${dbs++}`)
    const times: number[] = []
    const queue = new UploadQueue({
      store,
      upload: async () => (times.push(Date.now()), times.length === 1 ? { kind: 'retry', afterMs: 200 } : { kind: 'done' }),
      retryDelay: () => 1,
    })
    await store.put(image(1))
    await queue.add(image(1).hash)
    await queue.idle()
    expect(times).toHaveLength(2)
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(190)
    queue.destroy()
    store.close()
  })

  it('stops at a deleted board: no retry, nothing more sent', async () => {
    const store = await openImageStore(`q${dbs++}`)
    const sent: string[] = []
    const queue = new UploadQueue({
      store,
      upload: async (img) => (sent.push(img.hash), { kind: 'deleted' }),
      retryDelay: () => 1,
    })
    for (const n of [1, 2]) {
      await store.put(image(n))
      await queue.add(image(n).hash)
    }
    await until('the first upload', () => sent.length >= 1)
    // A retry would come within a millisecond; a kick would start again.
    await new Promise((r) => setTimeout(r, 50))
    queue.kick()
    await new Promise((r) => setTimeout(r, 50))
    expect(sent).toEqual([image(1).hash])
    expect(await store.queued()).toEqual([1, 2].map((n) => image(n).hash))
    store.close()
  })

  it('treats a thrown upload as worth retrying', async () => {
    const store = await openImageStore(`q${dbs++}`)
    let calls = 0
    const queue = new UploadQueue({
      store,
      upload: async () => {
        if (calls++ === 0) throw new TypeError('Failed to fetch')
        return { kind: 'done' }
      },
      retryDelay: () => 1,
    })
    await store.put(image(1))
    await queue.add(image(1).hash)
    await queue.idle()
    expect(calls).toBe(2)
    queue.destroy()
    store.close()
  })

  it('drops a refused image, reports the reason, and goes on with the next', async () => {
    const store = await openImageStore(`q${dbs++}`)
    const refused: Array<[string, string]> = []
    const sent: string[] = []
    const queue = new UploadQueue({
      store,
      upload: async (img) => {
        sent.push(img.hash)
        return img.hash === image(1).hash ? { kind: 'refused', message: 'Too large.' } : { kind: 'done' }
      },
      onRefused: (hash, message) => refused.push([hash, message]),
    })
    for (const n of [1, 2]) {
      await store.put(image(n))
      await queue.add(image(n).hash)
    }
    await queue.idle()
    expect(refused).toEqual([[image(1).hash, 'Too large.']])
    expect(sent).toEqual([image(1).hash, image(2).hash])
    queue.destroy()
    store.close()
  })

  it('keeps what is queued across a reopen (a reload while offline) and resumes on kick', async () => {
    const name = `q${dbs++}`
    const first = await openImageStore(name)
    const offline = new UploadQueue({ store: first, upload: async () => ({ kind: 'retry' }), retryDelay: () => 60_000 })
    await first.put(image(7))
    await offline.add(image(7).hash)
    // A second add of the same hash (an offline client may add it twice) queues it once.
    await offline.add(image(7).hash)
    await until('the first attempt', async () => (await first.queued()).length === 1)
    offline.destroy()
    first.close()

    const store = await openImageStore(name)
    expect(await store.queued()).toEqual([image(7).hash])
    expect((await store.get(image(7).hash))?.bytes).toEqual(Uint8Array.of(7))
    const sent: StoredImage[] = []
    const online = new UploadQueue({ store, upload: async (img) => (sent.push(img), { kind: 'done' }) })
    online.kick()
    await online.idle()
    expect(sent.map((i) => i.hash)).toEqual([image(7).hash])
    expect(await store.queued()).toEqual([])
    online.destroy()
    store.close()
  })
})

describe('UploadQueue and a full room', () => {
  it('keeps the image queued, tells the person once, and retries with the long backoff until there is space', async () => {
    const store = await openImageStore(`q${dbs++}`)
    const outcomes: UploadOutcome[] = [
      { kind: 'full', message: 'The room is full.' },
      { kind: 'full', message: 'The room is full.' },
      { kind: 'done' },
    ]
    const told: string[] = []
    const refused: string[] = []
    const fullDelays: number[] = []
    let calls = 0
    const queue = new UploadQueue({
      store,
      upload: async () => outcomes[calls++] ?? { kind: 'done' },
      onFull: (_hash, message) => told.push(message),
      onRefused: (hash) => refused.push(hash),
      retryDelay: () => {
        throw new Error('a full room is not retried with the short backoff')
      },
      fullRetryDelay: (attempt) => (fullDelays.push(attempt), 1),
    })
    await store.put(image(1))
    await queue.add(image(1).hash)
    await queue.idle()
    expect(calls).toBe(3)
    expect(told).toEqual(['The room is full.'])
    expect(refused).toEqual([])
    expect(fullDelays).toEqual([0, 1])
    expect(await store.queued()).toEqual([])
    queue.destroy()
    store.close()
  })

  it('waits about a minute at first, growing to half an hour', () => {
    expect(fullRoomDelay(0, 0)).toBeGreaterThanOrEqual(45_000)
    expect(fullRoomDelay(1, 0.5)).toBeGreaterThan(fullRoomDelay(0, 0.5))
    expect(fullRoomDelay(100, 0.999)).toBeLessThanOrEqual(1.25 * 30 * 60_000)
  })
})

describe('IndexedDB image store', () => {
  it('queues a hash enqueued twice at once only once, and dequeues it', async () => {
    const store = await openImageStore(`q${dbs++}`)
    await Promise.all([store.enqueue(image(1).hash), store.enqueue(image(1).hash), store.enqueue(image(2).hash)])
    expect(await store.queued()).toEqual([image(1).hash, image(2).hash])
    await Promise.all([store.dequeue(image(1).hash), store.dequeue(image(1).hash)])
    expect(await store.queued()).toEqual([image(2).hash])
    store.close()
  })
})
