// A stroke's view takes only its new chunks on each update; its points must
// still equal a fresh read of the document after every kind of change.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { RemoteOrigin } from '../src/doc/origin'

/** What a board reading the same document from scratch sees for `id`. */
function freshPoints(board: Board, id: string) {
  const fresh = new Board(board.doc, 'reader')
  const points = fresh.get(id)?.points
  fresh.destroy()
  return points
}

/** The bounds of `id` in a board reading the same document from scratch. */
function freshBounds(board: Board, id: string) {
  const fresh = new Board(board.doc, 'reader')
  const bounds = fresh.elementBounds(id)
  fresh.destroy()
  return bounds
}

function chunk(i: number) {
  return [0, 1, 2].map((k) => ({ x: i * 3 + k, y: (i * 5 + k) % 7, ...(i % 3 === 0 ? { p: 0.5 } : {}) }))
}

describe('stroke views grown chunk by chunk', () => {
  it('equal a fresh read after each local chunk, a style change and the end-of-stroke merge', () => {
    const board = new Board(new Y.Doc(), 'u-a')
    const id = board.beginStroke({ x: 5, y: 6 }, { sc: '#1e1e1e', sw: 2 })
    for (let i = 0; i < 40; i++) {
      board.appendPoints(id, chunk(i))
      expect(board.get(id)?.points).toEqual(freshPoints(board, id))
      // Bounds grown from the previous view's equal bounds read from scratch.
      expect(board.elementBounds(id)).toEqual(freshBounds(board, id))
      if (i === 20) {
        board.update(id, { sc: '#e03131', x: 50 })
        expect(board.get(id)?.points).toEqual(freshPoints(board, id))
        expect(board.elementBounds(id)).toEqual(freshBounds(board, id))
      }
    }
    expect(board.get(id)?.points).toHaveLength(120)
    board.endStroke(id)
    expect(board.get(id)?.points).toEqual(freshPoints(board, id))
    expect(board.get(id)?.points).toHaveLength(120)
  })

  it('equal a fresh read on a peer receiving chunks in batches, out of order and as a replaced element', () => {
    const a = new Board(new Y.Doc(), 'u-a')
    const b = new Board(new Y.Doc(), 'u-b')
    const id = a.beginStroke({ x: 0, y: 0 }, { sc: '#1e1e1e', sw: 2 })
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc), new RemoteOrigin('a'))
    const held: Uint8Array[] = []
    const hold = (u: Uint8Array) => held.push(u)
    a.doc.on('update', hold)
    for (let i = 0; i < 30; i++) {
      a.appendPoints(id, chunk(i))
      if (i % 4 === 3) {
        // Deliver what is held, newest first: Yjs keeps the later ones pending until the earlier arrive.
        for (const u of held.splice(0).reverse()) Y.applyUpdate(b.doc, u, new RemoteOrigin('a'))
        expect(b.get(id)?.points).toEqual(freshPoints(b, id))
      }
      expect(b.elementBounds(id)).toEqual(freshBounds(b, id))
    }
    for (const u of held.splice(0)) Y.applyUpdate(b.doc, u, new RemoteOrigin('a'))
    expect(b.get(id)?.points).toEqual(a.get(id)?.points)
    // Another client replaces the element's points array outright: a full read.
    b.doc.transact(() => {
      const map = b.doc.getMap('elements').get(id) as Y.Map<unknown>
      const fresh = new Y.Array<Uint8Array>()
      map.set('p', fresh)
      fresh.push([Uint8Array.from([0, 2, 4])])
    }, new RemoteOrigin('c'))
    expect(b.get(id)?.points).toEqual([{ x: 0.0625, y: 0.125 }])
    expect(b.get(id)?.points).toEqual(freshPoints(b, id))
    a.doc.off('update', hold)
  })

  it('equal a fresh read when another client inserts a chunk mid-stroke, or one transaction grows two strokes', () => {
    const a = new Board(new Y.Doc(), 'u-a')
    const b = new Board(new Y.Doc(), 'u-b')
    const first = a.beginStroke({ x: 0, y: 0 }, { sc: '#1e1e1e', sw: 2 })
    const second = a.beginStroke({ x: 9, y: 9 }, { sc: '#1e1e1e', sw: 2 })
    const sync = () => {
      Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc)), new RemoteOrigin('a'))
      Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc, Y.encodeStateVector(a.doc)), new RemoteOrigin('b'))
    }
    for (let i = 0; i < 6; i++) a.appendPoints(first, chunk(i))
    sync()
    // Not an append: a chunk lands before the others (Y.Array allows it; the view must not take it as new points at the end).
    b.doc.transact(() => {
      const p = (b.doc.getMap('elements').get(first) as Y.Map<unknown>).get('p') as Y.Array<Uint8Array>
      p.insert(0, [Uint8Array.from([0, 32, 64])])
    }, new RemoteOrigin('c'))
    expect(b.get(first)?.points).toEqual(freshPoints(b, first))
    sync()
    expect(a.get(first)?.points).toEqual(freshPoints(a, first))
    // One transaction appends to both strokes, and a chunk appended and deleted again leaves nothing.
    a.doc.transact(() => {
      a.appendPoints(first, chunk(7))
      a.appendPoints(second, chunk(8))
      a.appendPoints(second, chunk(9))
      const p = (a.doc.getMap('elements').get(second) as Y.Map<unknown>).get('p') as Y.Array<Uint8Array>
      p.delete(p.length - 1, 1)
    })
    for (const id of [first, second]) expect(a.get(id)?.points).toEqual(freshPoints(a, id))
    expect(a.get(second)?.points).toHaveLength(3)
    sync()
    for (const id of [first, second]) expect(b.get(id)?.points).toEqual(freshPoints(b, id))
  })
})
