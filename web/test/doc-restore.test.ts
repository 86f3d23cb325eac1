// Restoring a version as an edit: equal content, one undo step, and a merge
// with concurrent edits like any other edit.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { RemoteOrigin } from '../src/doc/origin'
import { versionDoc } from '../src/doc/restore'
import { embedInText } from './hostile-text'

/** A stroke of a few points, ended (its chunks merged). */
function stroke(board: Board, x: number): string {
  const id = board.beginStroke({ x, y: 0 }, { sc: '#1e1e1e', sw: 2 })
  board.appendPoints(id, [{ x, y: 0 }, { x: x + 5, y: 5 }])
  board.appendPoints(id, [{ x: x + 10, y: 3 }])
  board.endStroke(id)
  return id
}

/** The version `board` is now, as the server hands it out: one v1 update. */
function versionOf(board: Board): Y.Doc {
  return versionDoc(Y.encodeStateAsUpdate(board.doc))
}

/** A version's content as a board reads it. */
function contentOf(version: Y.Doc): ReturnType<Board['toJSON']> {
  return new Board(version, 'reader').toJSON()
}

/** Sends what `from` has and `to` lacks, as the mesh would once they meet. */
function sync(from: Board, to: Board): void {
  Y.applyUpdate(to.doc, Y.encodeStateAsUpdate(from.doc, Y.encodeStateVector(to.doc)), new RemoteOrigin('peer'))
}

/** A board with one of each kind of content a restore must bring back. */
function drawn(board: Board): { rect: string; sticky: string; line: string } {
  const rect = board.add({ t: 'rect', x: 0, y: 0, w: 10, h: 10, fc: '#a5d8ff' })
  const sticky = board.add({ t: 'sticky', x: 20, y: 0, w: 50, h: 50, text: 'plan ✏️' })
  const line = stroke(board, 100)
  return { rect, sticky, line }
}

describe('Board.restore', () => {
  it('makes the content equal to the version: deleted back, added gone, changed set back', () => {
    const board = new Board(new Y.Doc(), 'u-a')
    const { rect, sticky, line } = drawn(board)
    const meta = board.doc.getMap('meta')
    board.doc.transact(() => meta.set('title', 'Plan'))
    const version = versionOf(board)

    board.remove([line])
    board.update(rect, { x: 40, fc: null, sw: 6 })
    board.setText(sticky, 'other plan')
    board.bringToFront([rect])
    const added = board.add({ t: 'ellipse', x: 5, y: 5, w: 2, h: 2 })
    board.doc.transact(() => meta.set('title', 'Renamed'))

    board.restore(version)
    expect(board.toJSON()).toEqual(contentOf(version))
    expect(board.get(added)).toBeUndefined()
    expect(board.get(line)?.points.length).toBe(3)
    expect(board.get(line)?.done).toBe(true)
    expect(board.get(sticky)?.text).toBe('plan ✏️')
    expect(board.get(rect)).toMatchObject({ x: 0, fc: '#a5d8ff', sw: 2 })
    expect(board.title()).toBe('Plan')
  })

  it('is one undo step: undo brings back the content from before the restore', () => {
    const board = new Board(new Y.Doc(), 'u-a')
    const { rect, line } = drawn(board)
    const version = versionOf(board)
    board.remove([line])
    board.update(rect, { x: 40 })
    const added = board.add({ t: 'ellipse', x: 5, y: 5, w: 2, h: 2 })
    const before = board.toJSON()

    board.restore(version)
    expect(board.toJSON()).toEqual(contentOf(version))
    expect(board.undo()).toBe(true)
    expect(board.toJSON()).toEqual(before)
    expect(board.get(added)).toBeDefined()
    expect(board.get(line)).toBeUndefined()
    expect(board.redo()).toBe(true)
    expect(board.toJSON()).toEqual(contentOf(version))
    // The step below the restore is the edit before it, untouched by it.
    expect(board.undo()).toBe(true)
    expect(board.undo()).toBe(true)
    expect(board.get(added)).toBeUndefined()
    expect(board.get(line)).toBeUndefined()
  })

  it("brings back a text's words when a peer put an embed in it since", () => {
    const board = new Board(new Y.Doc(), 'u-a')
    const { sticky } = drawn(board)
    const version = versionOf(board)
    board.setText(sticky, 'plan xyz')
    embedInText(board.doc, sticky, 2)
    expect(board.get(sticky)?.text).toBe('plan xyz')

    board.restore(version)
    expect(board.get(sticky)?.text).toBe('plan ✏️')
    expect(board.toJSON()).toEqual(contentOf(version))
  })

  it('writes nothing when the board already is the version', () => {
    const board = new Board(new Y.Doc(), 'u-a')
    drawn(board)
    const version = versionOf(board)
    let updates = 0
    board.doc.on('update', () => updates++)
    board.restore(version)
    expect(updates).toBe(0)
    // Nor an empty undo step: undo still takes back the drawing.
    const before = board.toJSON()
    board.undo()
    expect(board.toJSON()).not.toEqual(before)
  })

  it('keeps fields of a schema it does not know, as the version has them', () => {
    const board = new Board(new Y.Doc(), 'u-a')
    const rect = board.add({ t: 'rect', x: 0, y: 0, w: 1, h: 1 })
    const map = board.doc.getMap('elements').get(rect) as Y.Map<unknown>
    board.doc.transact(() => map.set('future', { nested: [1, 2] }))
    const version = versionOf(board)
    board.doc.transact(() => map.delete('future'))
    board.remove([rect])
    board.restore(version)
    expect(board.toJSON().elements[rect]?.future).toEqual({ nested: [1, 2] })
  })

  it('merges with a stroke another member draws meanwhile, in both documents', () => {
    const a = new Board(new Y.Doc(), 'u-a')
    const b = new Board(new Y.Doc(), 'u-b')
    drawn(a)
    sync(a, b)
    const version = versionOf(a)
    // Both draw more, and sync.
    const later = a.add({ t: 'rect', x: 300, y: 0, w: 10, h: 10 })
    b.add({ t: 'ellipse', x: 300, y: 50, w: 10, h: 10 })
    sync(a, b)
    sync(b, a)
    // A restores while B, not yet hearing of it, draws a stroke.
    a.restore(version)
    const concurrent = stroke(b, 500)
    sync(a, b)
    sync(b, a)

    for (const board of [a, b]) {
      const ids = Object.keys(board.toJSON().elements).sort()
      expect(ids).toEqual([...Object.keys(contentOf(version).elements), concurrent].sort())
      expect(board.get(concurrent)?.points.length).toBe(3)
      expect(board.get(later)).toBeUndefined()
    }
    expect(a.toJSON()).toEqual(b.toJSON())
    // A's undo takes back the restore alone: B's stroke stays, in both.
    expect(a.undo()).toBe(true)
    sync(a, b)
    expect(a.get(later)).toBeDefined()
    expect(b.get(later)).toBeDefined()
    expect(a.get(concurrent)).toBeDefined()
    expect(a.toJSON()).toEqual(b.toJSON())
  })

  it('keeps a stroke another member is still drawing, and the points that come after', () => {
    const a = new Board(new Y.Doc(), 'u-a')
    const b = new Board(new Y.Doc(), 'u-b')
    drawn(a)
    sync(a, b)
    const version = versionOf(a)
    // B is mid-stroke when A restores: A holds its first chunk, not its end.
    const live = b.beginStroke({ x: 600, y: 0 }, { sc: '#1e1e1e', sw: 2 })
    b.appendPoints(live, [{ x: 600, y: 0 }])
    sync(b, a)
    a.restore(version)
    sync(a, b)
    b.appendPoints(live, [{ x: 610, y: 4 }])
    b.endStroke(live)
    sync(b, a)

    for (const board of [a, b]) {
      expect(board.get(live)?.points).toHaveLength(2)
      expect(board.get(live)?.done).toBe(true)
    }
    expect(a.toJSON()).toEqual(b.toJSON())
  })
})
