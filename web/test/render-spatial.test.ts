// The grid index against brute force on random boxes, including moves, deletes and huge boxes.
import { describe, expect, it } from 'vitest'
import { SpatialIndex } from '../src/render/spatial'
import { intersects } from '../src/doc/geometry'
import type { Box } from '../src/doc/types'

function rng(seed: number) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 2 ** 32
  }
}

describe('SpatialIndex', () => {
  it('answers queries exactly as a brute-force scan does, through inserts, moves and deletes', () => {
    const rand = rng(42)
    const randomBox = (spread: number, size: number): Box => {
      const x = (rand() - 0.5) * spread
      const y = (rand() - 0.5) * spread
      return { minX: x, minY: y, maxX: x + rand() * size, maxY: y + rand() * size }
    }
    const index = new SpatialIndex()
    const truth = new Map<string, Box>()
    for (let i = 0; i < 3000; i++) {
      // Mostly small boxes; some huge ones (kept outside the grid) and some points.
      const box = i % 100 === 0 ? randomBox(1e5, 1e5) : i % 10 === 0 ? randomBox(20000, 0) : randomBox(20000, 600)
      index.set(`e${i}`, box)
      truth.set(`e${i}`, box)
    }
    for (let i = 0; i < 1000; i++) {
      const id = `e${Math.floor(rand() * 3000)}`
      if (rand() < 0.3) {
        index.delete(id)
        truth.delete(id)
      } else {
        const box = randomBox(20000, 600)
        index.set(id, box)
        truth.set(id, box)
      }
    }
    expect(index.size).toBe(truth.size)
    for (let q = 0; q < 300; q++) {
      const query = q % 50 === 0 ? randomBox(1e6, 1e6) : randomBox(22000, q % 3 === 0 ? 5000 : 300)
      const expected = [...truth].filter(([, b]) => intersects(b, query)).map(([id]) => id).sort()
      expect(index.query(query).sort()).toEqual(expected)
    }
  })

  it('counts touching boxes and points as intersecting, and survives clear', () => {
    const index = new SpatialIndex()
    index.set('a', { minX: 0, minY: 0, maxX: 256, maxY: 256 })
    expect(index.query({ minX: 256, minY: 256, maxX: 256, maxY: 256 })).toEqual(['a'])
    expect(index.query({ minX: 256.01, minY: 0, maxX: 300, maxY: 10 })).toEqual([])
    index.clear()
    expect(index.query({ minX: -1e9, minY: -1e9, maxX: 1e9, maxY: 1e9 })).toEqual([])
  })
})
