// The kept picture of a board (fake-indexeddb here): what a returning
// visitor's page draws first comes back byte for byte, per board, with its
// first view kept and dropped together with it, and that first view's image
// only ever beside the first view it shows.
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { dropPicture, keepFirstViewImage, keepPicture, mayHavePicture, readKept, readPicture } from '../src/local-picture'
import type { FirstView, FirstViewImage } from '../src/render/early-picture'

const firstView = (byte: number): FirstView => ({ width: 1920, height: 1080, elements: 7, stream: Uint8Array.of(byte) })
const image = (word: number): FirstViewImage => ({ dpr: 2, width: 1, height: 1, pixelWidth: 2, pixelHeight: 2, runs: Uint32Array.of(0, 4, word, word, word, word) })

/** Both parts of a kept picture, once read. */
async function kept(name: string): Promise<{ picture?: Uint8Array; firstView?: FirstView }> {
  const read = readKept(name)
  const [picture, first] = await Promise.all([read.picture, read.firstView])
  return { ...(picture === undefined ? {} : { picture }), ...(first === undefined ? {} : { firstView: first }) }
}

describe('local picture', () => {
  it('keeps the last stream of each board', async () => {
    expect(await readPicture('inkmesh:s:a')).toBeUndefined()
    await keepPicture('inkmesh:s:a', Uint8Array.of(1, 2, 3))
    await keepPicture('inkmesh:s:b', Uint8Array.of(9))
    await keepPicture('inkmesh:s:a', Uint8Array.of(4, 5))
    expect(await readPicture('inkmesh:s:a')).toEqual(Uint8Array.of(4, 5))
    expect(await readPicture('inkmesh:s:b')).toEqual(Uint8Array.of(9))
  })

  it('keeps a first view with its picture, and never leaves an older one beside a newer picture', async () => {
    expect(await kept('inkmesh:s:c')).toEqual({})
    await keepPicture('inkmesh:s:c', Uint8Array.of(1), firstView(2))
    expect(await kept('inkmesh:s:c')).toEqual({ picture: Uint8Array.of(1), firstView: firstView(2) })
    await keepPicture('inkmesh:s:c', Uint8Array.of(3))
    expect(await kept('inkmesh:s:c')).toEqual({ picture: Uint8Array.of(3) })
  })

  it('answers with the first view before the picture', async () => {
    await keepPicture('inkmesh:s:e', new Uint8Array(100_000), firstView(2))
    const read = readKept('inkmesh:s:e')
    const order: string[] = []
    await Promise.all([read.picture.then(() => order.push('picture')), read.firstView.then(() => order.push('first view'))])
    expect(order).toEqual(['first view', 'picture'])
  })

  it("keeps a first view's image only beside that first view, and keeps it over a save that shows the same", async () => {
    const name = 'inkmesh:s:image'
    await keepPicture(name, Uint8Array.of(1), firstView(2))
    await keepFirstViewImage(name, firstView(2), image(7))
    expect(await kept(name)).toEqual({ picture: Uint8Array.of(1), firstView: { ...firstView(2), image: image(7) } })
    // The board changed elsewhere, but not in view: the same first view, with the image it had.
    expect(await keepPicture(name, Uint8Array.of(3), firstView(2))).toEqual({ ...firstView(2), image: image(7) })
    expect(await kept(name)).toEqual({ picture: Uint8Array.of(3), firstView: { ...firstView(2), image: image(7) } })
    // Changed in view: the image is of what was there before, and goes.
    expect(await keepPicture(name, Uint8Array.of(4), firstView(5))).toEqual(firstView(5))
    expect(await kept(name)).toEqual({ picture: Uint8Array.of(4), firstView: firstView(5) })
    // An image painted of the older first view, kept late (another tab's, say), is not kept.
    await keepFirstViewImage(name, firstView(2), image(8))
    expect(await kept(name)).toEqual({ picture: Uint8Array.of(4), firstView: firstView(5) })
  })

  it('says at once whether a picture may be kept, from keeping it until it is dropped', async () => {
    const items = new Map<string, string>()
    const storage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => items.set(k, v), removeItem: (k: string) => items.delete(k) }
    vi.stubGlobal('localStorage', storage)
    try {
      const name = 'inkmesh:s:hint'
      expect(mayHavePicture(name)).toBe(false)
      await keepPicture(name, Uint8Array.of(1), firstView(2))
      expect(mayHavePicture(name)).toBe(true)
      expect(mayHavePicture('inkmesh:s:other')).toBe(false)
      await dropPicture(name)
      expect(mayHavePicture(name)).toBe(false)
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('reads no first view with an image that is not one', async () => {
    await keepPicture('inkmesh:s:bad-image', Uint8Array.of(1), { ...firstView(2), image: { ...image(7), dpr: 0 } })
    expect(await kept('inkmesh:s:bad-image')).toEqual({ picture: Uint8Array.of(1) })
  })

  it('reads no first view that is not one', async () => {
    await keepPicture('inkmesh:s:d', Uint8Array.of(1), { ...firstView(2), width: Number.NaN })
    expect(await kept('inkmesh:s:d')).toEqual({ picture: Uint8Array.of(1) })
  })

  it('never pairs a first view with a picture older code wrote, and reads that picture when it is all there is', async () => {
    const name = 'inkmesh:s:versions'
    await keepPicture(name, Uint8Array.of(1), firstView(2))
    // Older code (an old tab, a cached app.js) keeps the picture alone, under the board's name.
    await olderCodeKeeps(name, Uint8Array.of(9))
    expect(await kept(name)).toEqual({ picture: Uint8Array.of(1), firstView: firstView(2) })
    await olderCodeKeeps('inkmesh:s:old-only', Uint8Array.of(5))
    expect(await kept('inkmesh:s:old-only')).toEqual({ picture: Uint8Array.of(5) })
    // This code's next picture replaces the older one.
    await keepPicture('inkmesh:s:old-only', Uint8Array.of(6))
    expect(await kept('inkmesh:s:old-only')).toEqual({ picture: Uint8Array.of(6) })
  })
})

/** Writes `stream` as code before first views did: under the board's name, nothing else. */
function olderCodeKeeps(name: string, stream: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('inkmesh-pictures', 1)
    open.onupgradeneeded = () => open.result.createObjectStore('streams')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const txn = open.result.transaction(['streams'], 'readwrite')
      txn.objectStore('streams').put(stream, name)
      txn.oncomplete = () => {
        open.result.close()
        resolve()
      }
      txn.onerror = () => reject(txn.error)
    }
  })
}
