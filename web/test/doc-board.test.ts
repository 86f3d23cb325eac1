// The Board store: editing, z-order, strokes, undo, unknown data and convergence.
import * as fs from 'node:fs'

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board, UNTRACKED_ORIGIN } from '../src/doc/board'
import { RemoteOrigin } from '../src/doc/origin'
import type { BoardChange } from '../src/doc/types'
import { embedInText } from './hostile-text'

const fixture = (name: string) => new URL(`../../tests/fixtures/${name}`, import.meta.url)

/** Two boards whose docs exchange every non-remote update, as the mesh would. */
function pair(): [Board, Board] {
  const a = new Board(new Y.Doc(), 'u-a')
  const b = new Board(new Y.Doc(), 'u-b')
  a.doc.on('update', (u: Uint8Array, origin: unknown) => {
    if (!(origin instanceof RemoteOrigin)) Y.applyUpdate(b.doc, u, new RemoteOrigin('a'))
  })
  b.doc.on('update', (u: Uint8Array, origin: unknown) => {
    if (!(origin instanceof RemoteOrigin)) Y.applyUpdate(a.doc, u, new RemoteOrigin('b'))
  })
  return [a, b]
}

const order = (b: Board) => b.ordered().map((v) => v.id)

describe('Board', () => {
  it('adds elements on top with the short field names, author, time and schema version', () => {
    const board = new Board(new Y.Doc(), 'u-alice')
    const r = board.add({ t: 'rect', x: 1, y: 2, w: 30, h: 40, fc: '#a5d8ff' })
    const s = board.add({ t: 'sticky', x: 0, y: 0, w: 100, h: 100, text: 'hi' })
    expect(r).toMatch(/^[0-9A-Za-z]{12}$/)
    const json = board.toJSON()
    expect(json.meta).toEqual({ v: 1 })
    expect(json.elements[r]).toMatchObject({ t: 'rect', z: 'a0', x: 1, y: 2, w: 30, h: 40, fc: '#a5d8ff', sc: '#1e1e1e', sw: 2, a: 'u-alice' })
    expect(typeof json.elements[r]?.c).toBe('number')
    expect(json.elements[s]).toMatchObject({ t: 'sticky', z: 'a1', tx: 'hi', fs: 20, fc: '#ffe066' })
    expect(board.doc.getMap('elements').get(s)).toBeInstanceOf(Y.Map)
    expect((board.doc.getMap('elements').get(s) as Y.Map<unknown>).get('tx')).toBeInstanceOf(Y.Text)
    expect(order(board)).toEqual([r, s])
    expect(board.size()).toBe(2)
    expect(board.get(s)?.text).toBe('hi')
  })

  it('updates, removes fills, ignores unknown ids and reports changes', () => {
    const board = new Board(new Y.Doc(), 'u')
    const id = board.add({ t: 'rect', x: 0, y: 0, w: 10, h: 10, fc: '#ffffff' })
    const changes: BoardChange[] = []
    board.onChange((c) => changes.push(c))
    const before = board.get(id)
    board.update(id, { x: 5, fc: null })
    board.update('nope', { x: 1 })
    expect(board.get(id)).toMatchObject({ x: 5, fc: undefined })
    expect(board.get(id)).not.toBe(before)
    expect(changes).toEqual([{ added: [], changed: [id], removed: [], local: true }])
    board.updateMany([[id, { w: 20 }], [id, { h: 30 }]])
    expect(changes).toHaveLength(2)
    board.remove([id])
    expect(board.get(id)).toBeUndefined()
    expect(changes.at(-1)).toEqual({ added: [], changed: [], removed: [id], local: true })
  })

  it('keeps views of unchanged elements and the ordered array when nothing changed', () => {
    const board = new Board(new Y.Doc(), 'u')
    const a = board.add({ t: 'rect', x: 0, y: 0, w: 1, h: 1 })
    const b = board.add({ t: 'rect', x: 0, y: 0, w: 1, h: 1 })
    const first = board.ordered()
    expect(board.ordered()).toBe(first)
    const viewA = board.get(a)
    board.update(b, { x: 9 })
    expect(board.get(a)).toBe(viewA)
    expect(board.ordered()).not.toBe(first)
    expect(order(board)).toEqual([a, b])
  })

  it('duplicates on top in relative order, with points and text', () => {
    const board = new Board(new Y.Doc(), 'u')
    const t = board.add({ t: 'text', x: 0, y: 0, w: 100, h: 20, text: 'copy me' })
    const s = board.beginStroke({ x: 10, y: 10 }, { sc: '#e03131', sw: 4 })
    board.appendPoints(s, [{ x: 10, y: 10 }, { x: 12, y: 15 }])
    board.endStroke(s)
    const top = board.add({ t: 'rect', x: 0, y: 0, w: 1, h: 1 })
    const [ct, cs] = board.duplicate([s, t], 100, 50)
    expect(order(board)).toEqual([t, s, top, ct, cs])
    expect(board.get(ct as string)).toMatchObject({ t: 'text', text: 'copy me', x: 100, y: 50 })
    expect(board.get(cs as string)?.points).toEqual(board.get(s)?.points)
    expect(board.get(cs as string)).toMatchObject({ x: 110, y: 60, sc: '#e03131', done: true })
    board.setText(ct as string, 'changed')
    expect(board.get(t)?.text).toBe('copy me')
  })

  it('brings to front and sends to back keeping relative order; forward and backward move one place', () => {
    const board = new Board(new Y.Doc(), 'u')
    const ids = Array.from({ length: 5 }, () => board.add({ t: 'rect', x: 0, y: 0, w: 1, h: 1 }))
    const [a, b, c, d, e] = ids as [string, string, string, string, string]
    board.bringToFront([b, a])
    expect(order(board)).toEqual([c, d, e, a, b])
    board.sendToBack([e, d])
    expect(order(board)).toEqual([d, e, c, a, b])
    board.bringForward(d)
    expect(order(board)).toEqual([e, d, c, a, b])
    board.sendBackward(b)
    expect(order(board)).toEqual([e, d, c, b, a])
  })

  it('never makes keys next to a malformed one and sorts a missing z at the bottom', () => {
    const board = new Board(new Y.Doc(), 'u')
    const a = board.add({ t: 'rect', x: 0, y: 0, w: 1, h: 1 })
    const elements = board.doc.getMap('elements')
    board.doc.transact(() => {
      elements.set('bad', new Y.Map<unknown>([['t', 'rect'], ['z', 'zz!']]))
      elements.set('none', new Y.Map<unknown>([['t', 'rect'], ['z', 7]]))
    }, new RemoteOrigin('peer'))
    expect(order(board)).toEqual(['none', a, 'bad'])
    const b = board.add({ t: 'rect', x: 0, y: 0, w: 1, h: 1 })
    expect(board.get(b)?.z).toBe('a1')
    board.bringToFront([a])
    expect(board.get(a)?.z).toBe('a2')
  })

  it('breaks z ties by id and converges on concurrent reorders', () => {
    const [a, b] = pair()
    const x = a.add({ t: 'rect', x: 0, y: 0, w: 1, h: 1 })
    const y = a.add({ t: 'rect', x: 0, y: 0, w: 1, h: 1 })
    const docA = a.doc
    // Disconnect: set the same key on both elements on one side, concurrently reorder on the other.
    const offline = new Y.Doc()
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(docA))
    const c = new Board(offline, 'u-c')
    c.bringToFront([x])
    a.update(y, { x: 3 })
    Y.applyUpdate(docA, Y.encodeStateAsUpdate(offline), new RemoteOrigin('c'))
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(offline), new RemoteOrigin('c'))
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(docA), new RemoteOrigin('a'))
    expect(order(a)).toEqual(order(b))
    expect(order(a)).toEqual(order(c))
    expect(order(a)).toEqual([y, x])
    // Equal keys: ordered by id everywhere.
    const [lo, hi] = [x, y].sort() as [string, string]
    a.doc.transact(() => {
      for (const id of [x, y]) (a.doc.getMap('elements').get(id) as Y.Map<unknown>).set('z', 'a5')
    })
    expect(order(a)).toEqual([lo, hi])
    expect(order(b)).toEqual([lo, hi])
  })

  it('streams a stroke in chunks, merges it into one chunk on end, and keeps the points', () => {
    const board = new Board(new Y.Doc(), 'u')
    const id = board.beginStroke({ x: 100, y: 100 }, { sc: '#1e1e1e', sw: 2 })
    board.appendPoints(id, [{ x: 100, y: 100, p: 0.5 }, { x: 101.5, y: 99.75, p: 0.6 }])
    board.appendPoints(id, [{ x: 102, y: 101, p: 1 }])
    const chunks = () => ((board.doc.getMap('elements').get(id) as Y.Map<unknown>).get('p') as Y.Array<Uint8Array>)
    expect(chunks().length).toBe(2)
    expect(board.get(id)?.done).toBe(false)
    const before = board.get(id)?.points
    board.endStroke(id)
    expect(chunks().length).toBe(1)
    expect(board.get(id)?.done).toBe(true)
    expect(board.get(id)?.points).toEqual(before)
    expect(board.toJSON().elements[id]?.p).toEqual(['01' + '00008001' + '300732' + '1028cc01'])
  })

  it('merges without pressure if any chunk lacks it, and leaves a stroke with an invalid chunk unmerged', () => {
    const board = new Board(new Y.Doc(), 'u')
    const id = board.beginStroke({ x: 0, y: 0 }, { sc: '#1e1e1e', sw: 2 })
    board.appendPoints(id, [{ x: 0, y: 0, p: 0.5 }])
    board.appendPoints(id, [{ x: 1, y: 1 }])
    board.endStroke(id)
    expect(board.toJSON().elements[id]?.p).toEqual(['00' + '0000' + '2020'])

    const bad = board.beginStroke({ x: 0, y: 0 }, { sc: '#1e1e1e', sw: 2 })
    board.appendPoints(bad, [{ x: 0, y: 0 }])
    const p = (board.doc.getMap('elements').get(bad) as Y.Map<unknown>).get('p') as Y.Array<Uint8Array>
    board.doc.transact(() => p.push([Uint8Array.of(0x80, 0, 0)]))
    board.appendPoints(bad, [{ x: 1, y: 1 }])
    board.endStroke(bad)
    expect(p.length).toBe(3)
    expect(board.get(bad)).toMatchObject({ done: true, points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] })
  })

  it('merges in an untracked local transaction that peers still receive', () => {
    const [a, b] = pair()
    const origins: unknown[] = []
    a.doc.on('afterTransaction', (t: Y.Transaction) => origins.push(t.origin))
    const id = a.beginStroke({ x: 0, y: 0 }, { sc: '#1e1e1e', sw: 2 })
    a.appendPoints(id, [{ x: 0, y: 0 }])
    a.appendPoints(id, [{ x: 3, y: 4 }])
    a.endStroke(id)
    expect(origins.at(-1)).toBe(UNTRACKED_ORIGIN)
    expect(b.toJSON().elements[id]).toEqual(a.toJSON().elements[id])
    expect(b.get(id)?.done).toBe(true)
  })

  it('undoes a whole stroke (merge included) in one step, and redoes it', () => {
    const board = new Board(new Y.Doc(), 'u')
    const keep = board.add({ t: 'rect', x: 0, y: 0, w: 1, h: 1 })
    const id = board.beginStroke({ x: 0, y: 0 }, { sc: '#1e1e1e', sw: 2 })
    for (let i = 0; i < 5; i++) board.appendPoints(id, [{ x: i, y: i * 2 }])
    board.endStroke(id)
    const points = board.get(id)?.points
    expect(board.undo()).toBe(true)
    expect(board.get(id)).toBeUndefined()
    expect(board.get(keep)).toBeDefined()
    expect(board.redo()).toBe(true)
    expect(board.get(id)).toMatchObject({ done: true, points })
    expect(board.toJSON().elements[id]?.p).toHaveLength(1)
    // Undoing the first add keeps the schema version.
    board.undo()
    board.undo()
    expect(board.size()).toBe(0)
    expect(board.toJSON().meta).toEqual({ v: 1 })
  })

  it('undoes a stroke still being drawn in one step, and redoes it with every chunk', () => {
    const [a, b] = pair()
    const keep = a.add({ t: 'rect', x: 0, y: 0, w: 1, h: 1 })
    const id = a.beginStroke({ x: 0, y: 0 }, { sc: '#1e1e1e', sw: 2 })
    for (let i = 0; i < 5; i++) {
      // Another action's step starting mid-stroke does not split the stroke: its chunks are no step of their own.
      if (i === 3) a.beginAction()
      a.appendPoints(id, [{ x: i, y: i * 2 }])
    }
    const drawn = a.toJSON().elements[id]
    expect(drawn?.p).toHaveLength(5)
    expect(a.undo()).toBe(true)
    expect(a.get(id)).toBeUndefined()
    expect(b.get(id)).toBeUndefined()
    expect(a.get(keep)).toBeDefined()
    expect(a.redo()).toBe(true)
    expect(a.toJSON().elements[id]).toEqual(drawn)
    expect(b.toJSON().elements[id]).toEqual(drawn)
    expect(a.get(id)).toMatchObject({ done: false, points: [0, 1, 2, 3, 4].map((i) => ({ x: i, y: i * 2 })) })
  })

  it('groups edits into steps at beginAction, and undo touches only local edits', () => {
    const [a, b] = pair()
    const mine = a.add({ t: 'rect', x: 0, y: 0, w: 10, h: 10 })
    a.update(mine, { w: 20 }) // same step as the add (drawing by drag)
    const theirs = b.add({ t: 'ellipse', x: 5, y: 5, w: 5, h: 5 })
    a.beginAction()
    a.update(mine, { x: 50 })
    a.update(mine, { y: 60 })
    b.update(theirs, { x: 99 })
    expect(a.undo()).toBe(true)
    expect(a.get(mine)).toMatchObject({ x: 0, y: 0, w: 20 })
    expect(a.get(theirs)).toMatchObject({ x: 99 })
    expect(a.undo()).toBe(true)
    expect(a.get(mine)).toBeUndefined()
    expect(a.get(theirs)).toBeDefined()
    expect(a.undo()).toBe(false)
    expect(a.canRedo()).toBe(true)
    expect(b.get(mine)).toBeUndefined()
    // An edit after an undo starts its own step.
    a.redo()
    a.update(mine, { h: 1 })
    a.undo()
    expect(a.get(mine)).toMatchObject({ w: 20, h: 10 })
  })

  it('reports remote changes as not local', () => {
    const [a, b] = pair()
    const seen: BoardChange[] = []
    b.onChange((c) => seen.push(c))
    const id = a.add({ t: 'rect', x: 0, y: 0, w: 1, h: 1 })
    expect(seen).toEqual([{ added: [id], changed: [], removed: [], local: false }])
  })

  it('keeps unknown kinds and fields through edits, duplicates and reorders', () => {
    const board = new Board(new Y.Doc(), 'u')
    const elements = board.doc.getMap('elements')
    board.doc.transact(() => {
      const future = new Y.Map<unknown>()
      elements.set('vid', future)
      future.set('t', 'video')
      future.set('z', 'a0')
      future.set('src', 'https://example.invalid/x.mp4')
      future.set('nested', new Y.Map<unknown>([['k', 1]]))
    }, new RemoteOrigin('newer'))
    const rect = board.add({ t: 'rect', x: 0, y: 0, w: 1, h: 1 })
    board.doc.transact(() => (elements.get(rect) as Y.Map<unknown>).set('zz', { future: [1, 'two'] }), new RemoteOrigin('newer'))
    board.update(rect, { x: 4 })
    board.update('vid', { x: 8 })
    board.bringToFront(['vid'])
    const [copy] = board.duplicate(['vid'], 1, 1)
    const json = board.toJSON()
    expect(json.elements.vid).toMatchObject({ t: 'video', src: 'https://example.invalid/x.mp4', nested: { k: 1 }, x: 8 })
    expect(json.elements[rect]).toMatchObject({ zz: { future: [1, 'two'] }, x: 4 })
    expect(json.elements[copy as string]).toMatchObject({ t: 'video', nested: { k: 1 }, x: 9, y: 1 })
    expect(board.get('vid')?.t).toBe('video')
  })

  it('edits text minimally, so concurrent typing merges', () => {
    const [a, b] = pair()
    const id = a.add({ t: 'text', x: 0, y: 0, w: 100, h: 20, text: 'hello world' })
    const offline = new Y.Doc()
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(b.doc))
    const c = new Board(offline, 'u-c')
    a.setText(id, 'hello brave world')
    c.setText(id, 'hello world!')
    // A remote update is not relayed, so the third peer sends to both.
    for (const board of [a, b]) Y.applyUpdate(board.doc, Y.encodeStateAsUpdate(offline), new RemoteOrigin('c'))
    expect(a.get(id)?.text).toBe('hello brave world!')
    expect(b.get(id)?.text).toBe('hello brave world!')
    a.setText(id, 'hello 👋 world!')
    a.setText(id, 'hello 👍 world!')
    expect(b.get(id)?.text).toBe('hello 👍 world!')
  })

  it("sets the words of a text a peer put an embed in, where the text's offsets count the embed", () => {
    const [a, b] = pair()
    const id = a.add({ t: 'text', x: 0, y: 0, w: 100, h: 20, text: 'hello world' })
    embedInText(a.doc, id, 2)
    expect(a.get(id)?.text).toBe('hello world')
    a.setText(id, 'hello world!')
    expect(a.get(id)?.text).toBe('hello world!')
    // The embed went with the rest: nothing shifts the next edit.
    expect(((a.doc.getMap('elements').get(id) as Y.Map<unknown>).get('tx') as Y.Text).length).toBe('hello world!'.length)
    expect(b.get(id)?.text).toBe('hello world!')
  })

  it('converges when two docs exchange updates', () => {
    const [a, b] = pair()
    const ids = [a.add({ t: 'rect', x: 0, y: 0, w: 1, h: 1 }), b.add({ t: 'line', x: 0, y: 0, w: -5, h: 5 })]
    const s = b.beginStroke({ x: 0, y: 0 }, { sc: '#1e1e1e', sw: 3 })
    b.appendPoints(s, [{ x: 1, y: 1 }])
    a.update(ids[1] as string, { sc: '#e03131' })
    b.endStroke(s)
    a.bringToFront([ids[0] as string])
    b.remove([ids[1] as string])
    expect(a.toJSON()).toEqual(b.toJSON())
    expect(order(a)).toEqual(order(b))
    expect(a.ordered()).toEqual(b.ordered())
  })

  it('reads the Yjs fixture board to the fields and points of its JSON', () => {
    const expected = JSON.parse(fs.readFileSync(fixture('yjs-board.json'), 'utf8')) as {
      meta: Record<string, unknown>
      elements: Array<{ id: string; fields: Record<string, unknown>; chunks: string[] | null; points: number[][] | null; text: string | null }>
    }
    for (const file of ['yjs-board.v1.bin', 'yjs-board.v2.bin']) {
      const doc = new Y.Doc()
      const update = new Uint8Array(fs.readFileSync(fixture(file)))
      if (file.includes('v2')) Y.applyUpdateV2(doc, update, new RemoteOrigin('file'))
      else Y.applyUpdate(doc, update, new RemoteOrigin('file'))
      const board = new Board(doc, 'u')
      const json = board.toJSON()
      expect(json.meta).toEqual(expected.meta)
      expect(board.ordered().map((v) => v.id)).toEqual(expected.elements.map((e) => e.id))
      for (const e of expected.elements) {
        const { p, tx, ...fields } = json.elements[e.id] as Record<string, unknown>
        expect(fields).toEqual(e.fields)
        expect(p ?? null).toEqual(e.chunks)
        expect(tx ?? null).toEqual(e.text)
        const view = board.get(e.id)
        if (e.points !== null) expect(view?.points.map((pt) => [pt.x * 16, pt.y * 16, ...(pt.p === undefined ? [] : [pt.p * 255])].map(Math.round))).toEqual(e.points)
        if (e.text !== null) expect(view?.text).toBe(e.text)
      }
      expect(board.get('Pr0gR3ssW7vX')?.done).toBe(false)
      expect(board.get('St1cKy9Qm4Rn')?.fc).toBe('#ffe066')
      expect(board.elementBounds('L1nE4vR8sK0d')).toEqual({ minX: 0, minY: 300, maxX: 50, maxY: 330 })
    }
  })
})
