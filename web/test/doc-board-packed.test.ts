// Ended strokes of one chunk are read packed (board.ts, PackBatch): their
// points and bounds must be exactly what the object form gives, whichever way
// the stroke reached the board and whatever changed on it since.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { elementBounds } from '../src/doc/geometry'
import { RemoteOrigin } from '../src/doc/origin'
import { decodeChunk, encodeChunk } from '../src/doc/points'
import { encodeRenderStream } from '../src/doc/render-stream'
import type { ElementView, Point } from '../src/doc/types'
import { random } from './random'

/** The view as a plain object with its points as objects: what readView built before packing. */
function unpacked(v: ElementView): ElementView {
  const view: ElementView = { ...v, points: v.points }
  delete view.packed
  return view
}

function walk(rnd: () => number, n: number, pressure: boolean): Point[] {
  const out: Point[] = []
  let x = 0
  let y = 0
  for (let i = 0; i < n; i++) {
    out.push(pressure ? { x, y, p: Math.round(rnd() * 255) / 255 } : { x, y })
    x += Math.round((rnd() - 0.5) * 200) / 16
    y += Math.round((rnd() - 0.5) * 200) / 16
  }
  return out
}

/** A board of ended strokes drawn as a user draws them (chunks, then the end-of-stroke merge), some with pressure. */
function drawn(strokes: number): { board: Board; ids: string[] } {
  const rnd = random(11)
  const board = new Board(new Y.Doc(), 'u-a')
  const ids: string[] = []
  for (let s = 0; s < strokes; s++) {
    const id = board.beginStroke({ x: rnd() * 1000, y: rnd() * 1000 }, { sc: '#1e1e1e', sw: 1 + s % 5 })
    const points = walk(rnd, 1 + Math.floor(rnd() * 60), s % 3 === 0)
    for (let i = 0; i < points.length; i += 7) board.appendPoints(id, points.slice(i, i + 7))
    board.endStroke(id)
    ids.push(id)
  }
  return { board, ids }
}

describe('packed stroke views', () => {
  it('read from a snapshot: every ended stroke packed, its points and bounds those of the object form', () => {
    const { board: a, ids } = drawn(60)
    const b = new Board(new Y.Doc(), 'u-b')
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc), new RemoteOrigin('snapshot'))
    const fresh = new Board(b.doc, 'reader')
    for (const board of [b, fresh]) {
      for (const id of ids) {
        const v = board.get(id) as ElementView
        expect(v.packed).toBeDefined()
        expect(v.points).toEqual(a.get(id)?.points)
        expect(elementBounds(v)).toEqual(elementBounds(unpacked(v)))
      }
    }
    // The picture a page keeps is the same stream either way.
    expect(encodeRenderStream(b.ordered())).toEqual(encodeRenderStream(a.ordered().map(unpacked)))
    fresh.destroy()
  })

  it('keep their packed points through a move and a restyle, and unpack for a stroke that is not one chunk', () => {
    const { board, ids } = drawn(3)
    const [moved, split] = ids as [string, string]
    const before = board.get(moved)?.packed
    expect(before).toBeDefined()
    board.update(moved, { x: 40, y: -8, sc: '#e03131' })
    const after = board.get(moved) as ElementView
    expect(after.packed).toBe(before)
    expect(after.x).toBe(40)
    expect(after.sc).toBe('#e03131')
    expect(elementBounds(after)).toEqual(elementBounds(unpacked(after)))

    // A peer's second chunk on an ended stroke (SCHEMA leaves such strokes unmerged): read as objects, both chunks.
    const extra: Point[] = [{ x: 1, y: 2 }, { x: 3, y: 4 }]
    const p = (board.doc.getMap('elements').get(split) as Y.Map<unknown>).get('p') as Y.Array<Uint8Array>
    const chunks = p.toArray()
    Y.transact(board.doc, () => p.push([encodeChunk(extra, false)]), new RemoteOrigin('peer'))
    const v = board.get(split) as ElementView
    expect(v.packed).toBeUndefined()
    expect(v.points).toEqual([...(decodeChunk(chunks[0] as Uint8Array) ?? []), ...extra])
  })

  it('read an invalid only chunk as no points, as the object form does', () => {
    const { board, ids } = drawn(1)
    const id = ids[0] as string
    const p = (board.doc.getMap('elements').get(id) as Y.Map<unknown>).get('p') as Y.Array<Uint8Array>
    Y.transact(board.doc, () => {
      p.delete(0, 1)
      p.push([new Uint8Array([0x80])])
    }, new RemoteOrigin('peer'))
    const v = board.get(id) as ElementView
    expect(v.packed).toBeUndefined()
    expect(v.points).toEqual([])
  })
})
