// The render image source: it asks its providers in turn and keeps what
// decodes, never asks for a malformed hash, remembers what nobody had until
// told to try again, and says when a picture arrived so the renderer redraws.
// createImageBitmap is the browser's; here a stand-in that "decodes" any
// non-empty blob.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ImageSource } from '../src/render/image-source'

const ref = (im: string) => ({ im, mt: 'image/png', iw: 2, ih: 3, ib: 4 })
const HASH = 'ab'.repeat(32)

beforeAll(() => {
  ;(globalThis as { createImageBitmap?: unknown }).createImageBitmap = async (blob: Blob) => {
    if (blob.size === 0) throw new Error('does not decode')
    return { width: 2, height: 3, close: () => undefined }
  }
})

afterAll(() => {
  delete (globalThis as { createImageBitmap?: unknown }).createImageBitmap
})

describe('ImageSource', () => {
  it('asks providers in turn, keeps the bitmap, and says it arrived', async () => {
    const source = new ImageSource()
    const asked: string[] = []
    source.addProvider(async () => (asked.push('first'), null))
    source.addProvider(async () => (asked.push('second'), new Blob([Uint8Array.of(1)])))
    const ready: string[] = []
    source.onReady((h) => ready.push(h))
    expect(source.bitmap(ref(HASH))).toBeUndefined()
    const bitmap = await source.load(ref(HASH))
    expect(bitmap?.width).toBe(2)
    expect(asked).toEqual(['first', 'second'])
    expect(ready).toEqual([HASH])
    expect(source.bitmap(ref(HASH))).toBe(bitmap)
    expect(asked.length).toBe(2)
  })

  it('never asks for a malformed hash', async () => {
    const source = new ImageSource()
    let asked = 0
    source.addProvider(async () => (asked++, new Blob([Uint8Array.of(1)])))
    expect(source.bitmap(ref('AB'.repeat(32)))).toBeUndefined()
    expect(await source.load(ref('../../etc'))).toBeUndefined()
    expect(await source.blob(ref('x'))).toBeNull()
    expect(asked).toBe(0)
  })

  it('remembers what nobody had until retried, then asks again', async () => {
    const source = new ImageSource()
    let have = false
    let asked = 0
    source.addProvider(async () => (asked++, have ? new Blob([Uint8Array.of(1)]) : null))
    expect(await source.load(ref(HASH))).toBeUndefined()
    expect(source.bitmap(ref(HASH))).toBeUndefined()
    expect(asked).toBe(1)
    have = true
    const ready: string[] = []
    source.onReady((h) => ready.push(h))
    source.retry(HASH)
    expect(ready).toEqual([HASH])
    expect((await source.load(ref(HASH)))?.height).toBe(3)
    expect(asked).toBe(2)
  })

  it('treats bytes that do not decode as unavailable', async () => {
    const source = new ImageSource()
    source.addProvider(async () => new Blob([]))
    expect(await source.load(ref(HASH))).toBeUndefined()
  })
})
