// A first view image's pixels as clear runs (render/clear-runs.ts): every
// picture comes back byte for byte, short gaps stay with the ink around
// them, a bare picture takes almost nothing, and damaged runs read as none.
import { describe, expect, it } from 'vitest'
import { MIN_CLEAR_RUN, fromClearRuns, toClearRuns } from '../src/render/clear-runs'
import { random } from './random'

/** `n` RGBA pixels: clear, but for `inked` ones (an index, and an alpha). */
function picture(n: number, inked: Array<[number, number]>): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(n * 4)
  for (const [i, alpha] of inked) rgba.set([30, 113, 194, alpha], i * 4)
  return rgba
}

function roundTrip(rgba: Uint8ClampedArray): Uint8ClampedArray | null {
  return fromClearRuns(toClearRuns(rgba), rgba.length / 4)
}

describe('clear runs', () => {
  it('give back every picture byte for byte', () => {
    const next = random(42)
    for (let round = 0; round < 200; round++) {
      const n = Math.floor(next() * 3000)
      const inked: Array<[number, number]> = []
      // Strokes of a few pixels, with gaps from 1 pixel to far wider than MIN_CLEAR_RUN.
      for (let i = Math.floor(next() * 40); i < n; i += 1 + Math.floor(next() * next() * 80)) {
        for (let k = 0; k < 1 + next() * 6 && i + k < n; k++) inked.push([i + k, 1 + Math.floor(next() * 255)])
      }
      const rgba = picture(n, inked)
      expect(roundTrip(rgba)).toEqual(rgba)
    }
    for (const rgba of [picture(0, []), picture(500, []), picture(3, [[0, 255], [1, 9], [2, 1]])]) expect(roundTrip(rgba)).toEqual(rgba)
  })

  it('count long clear runs, and keep short gaps with the ink around them', () => {
    const gap = MIN_CLEAR_RUN - 1
    // 100 clear, 2 inked, a short gap, 2 inked, a long gap, 1 inked, 50 clear to the end.
    const rgba = picture(100 + 2 + gap + 2 + 40 + 1 + 50, [
      [100, 255],
      [101, 255],
      [102 + gap, 200],
      [103 + gap, 200],
      [144 + gap, 9],
    ])
    const runs = toClearRuns(rgba)
    expect([runs[0], runs[1]]).toEqual([100, 2 + gap + 2])
    expect([runs[2 + 4 + gap], runs[3 + 4 + gap]]).toEqual([40, 1])
    expect([runs[5 + 4 + gap], runs[6 + 4 + gap]]).toEqual([50, 0])
    expect(runs.length).toBe(7 + 4 + gap)
  })

  it('keep a bare picture in two words', () => {
    expect(toClearRuns(picture(1000 * 700, [])).length).toBe(2)
  })

  it('read damaged runs as none', () => {
    const rgba = picture(64, [
      [3, 255],
      [40, 255],
    ])
    const runs = toClearRuns(rgba)
    expect(fromClearRuns(runs, 64)).toEqual(rgba)
    expect(fromClearRuns(runs, 65), 'too few pixels').toBeNull()
    expect(fromClearRuns(runs, 63), 'runs past the end of the picture').toBeNull()
    expect(fromClearRuns(runs.subarray(0, runs.length - 1), 64), 'a run cut short').toBeNull()
    expect(fromClearRuns(Uint32Array.of(0, 0xffffffff), 64), 'a run longer than the words there are').toBeNull()
    expect(fromClearRuns(Uint32Array.of(0xffffffff, 0), 64), 'a clear run past the end').toBeNull()
  })
})
