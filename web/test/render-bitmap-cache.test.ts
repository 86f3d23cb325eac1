// The decoded-bitmap cache stays within its byte bound (4 bytes a pixel),
// evicting the least recently used first and closing what it drops; a hit
// counts as a use. One bitmap larger than the bound is still kept alone.

import { describe, expect, it } from 'vitest'
import { BitmapCache, type Decoded } from '../src/render/bitmap-cache'

class FakeBitmap implements Decoded {
  closed = false
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}
  close(): void {
    this.closed = true
  }
}

describe('BitmapCache', () => {
  it('evicts the least recently used past its byte bound and closes them', () => {
    const cache = new BitmapCache<FakeBitmap>(3 * 400)
    const [a, b, c, d] = [0, 1, 2, 3].map(() => new FakeBitmap(10, 10)) as [FakeBitmap, FakeBitmap, FakeBitmap, FakeBitmap]
    cache.set('a', a)
    cache.set('b', b)
    cache.set('c', c)
    expect(cache.bytes()).toBe(1200)
    // A hit makes `a` the most recent: `b` goes first.
    expect(cache.get('a')).toBe(a)
    cache.set('d', d)
    expect(cache.has('b')).toBe(false)
    expect(b.closed).toBe(true)
    expect([cache.has('a'), cache.has('c'), cache.has('d')]).toEqual([true, true, true])
    expect(cache.bytes()).toBe(1200)
  })

  it('never holds more than its bound, whatever is put in', () => {
    const bound = 10_000
    const cache = new BitmapCache<FakeBitmap>(bound)
    for (let i = 0; i < 500; i++) {
      cache.set(`h${i % 37}`, new FakeBitmap(1 + (i % 23), 1 + (i % 41)))
      if (i % 3 === 0) cache.get(`h${(i * 7) % 37}`)
      expect(cache.bytes()).toBeLessThanOrEqual(bound)
    }
  })

  it('keeps one bitmap larger than the bound alone, and replacing a hash closes the old one', () => {
    const cache = new BitmapCache<FakeBitmap>(100)
    const small = new FakeBitmap(2, 2)
    const big = new FakeBitmap(100, 100)
    cache.set('s', small)
    cache.set('big', big)
    expect(cache.size()).toBe(1)
    expect(cache.get('big')).toBe(big)
    expect(small.closed).toBe(true)
    const again = new FakeBitmap(1, 1)
    cache.set('big', again)
    expect(big.closed).toBe(true)
    expect(cache.bytes()).toBe(4)
  })
})
