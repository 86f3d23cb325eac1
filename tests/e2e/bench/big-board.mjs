// A big board for tests/e2e/bench.mjs, built in node as one Yjs update that
// follows docs/SCHEMA.md (ended strokes, one merged point chunk each). Drawing
// 100,000 strokes through a page takes minutes; this takes seconds.

import { generateNKeysBetween } from 'fractional-indexing'

import { encodeChunk } from '../../crosslang/points.mjs'
import { prng } from './stats.mjs'

/** Board area the strokes spread over: the 10,000-stroke board's density (4000 × 3000) ten times over. */
export const BIG_BOARD_WIDTH = 12_000
export const BIG_BOARD_HEIGHT = 9_000
const POINTS = 50
const COLOURS = ['#1e1e1e', '#e03131', '#1971c2', '#2f9e44', '#f08c00']
const ID_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** The v1 update of a board of `n` 50-point random-walk strokes; deterministic. */
export function buildBigBoard(Y, n) {
  const rnd = prng(7654321)
  const doc = new Y.Doc()
  doc.clientID = 424242
  const elements = doc.getMap('elements')
  const zs = generateNKeysBetween(null, null, n)
  doc.transact(() => {
    doc.getMap('meta').set('v', 1)
    for (let i = 0; i < n; i++) {
      let id = ''
      for (let c = 0; c < 12; c++) id += ID_CHARS[Math.floor(rnd() * ID_CHARS.length)]
      const x0 = rnd() * BIG_BOARD_WIDTH
      const y0 = rnd() * BIG_BOARD_HEIGHT
      const points = []
      let x = 0
      let y = 0
      for (let k = 0; k < POINTS; k++) {
        points.push({ x, y })
        x += (rnd() - 0.5) * 12
        y += (rnd() - 0.5) * 12
      }
      const chunks = new Y.Array()
      chunks.push([encodeChunk(points)])
      const el = new Y.Map()
      el.set('t', 'stroke')
      el.set('z', zs[i])
      el.set('x', x0)
      el.set('y', y0)
      el.set('sc', COLOURS[i % COLOURS.length])
      el.set('sw', 1 + (i % 4))
      el.set('a', 'u-bench')
      el.set('c', 1_700_000_000_000 + i)
      el.set('p', chunks)
      el.set('d', true)
      elements.set(id, el)
    }
  })
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}
