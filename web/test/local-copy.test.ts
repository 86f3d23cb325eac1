// The board's copy in IndexedDB (fake-indexeddb here). It writes updates in
// batches and loses none of them: what a stroke drew chunk by chunk is all
// there when the board is opened again. A whole snapshot goes in without
// re-encoding, and a snapshot that brought nothing new is not stored again
// (each reload would otherwise read one more copy of the whole board).
import 'fake-indexeddb/auto'

import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { LocalCopy } from '../src/local-copy'

const opened: LocalCopy[] = []

afterEach(async () => {
  for (const copy of opened.splice(0)) await copy.destroy()
})

/** Opens the copy `name` into a fresh document; closed after the test if the test has not. */
async function open(name: string): Promise<{ doc: Y.Doc; copy: LocalCopy }> {
  const doc = new Y.Doc()
  const copy = new LocalCopy(name, doc)
  opened.push(copy)
  await copy.loaded
  return { doc, copy }
}

async function reopen(name: string): Promise<{ board: Board; copy: LocalCopy }> {
  const { doc, copy } = await open(name)
  return { board: new Board(doc, 'u-b'), copy }
}

/** Records in the copy's updates store. */
async function records(name: string): Promise<number> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(name)
    open.onsuccess = () => resolve(open.result)
    open.onerror = () => reject(open.error)
  })
  try {
    return await new Promise<number>((resolve, reject) => {
      const count = db.transaction(['updates'], 'readonly').objectStore('updates').count()
      count.onsuccess = () => resolve(count.result)
      count.onerror = () => reject(count.error)
    })
  } finally {
    db.close()
  }
}

/** A stroke of `chunks` chunks of four points, as the pen tool makes it. */
function drawStroke(board: Board, chunks: number): string {
  const id = board.beginStroke({ x: 10, y: 10 }, { sc: '#1e1e1e', sw: 2 })
  for (let i = 0; i < chunks; i++) {
    board.appendPoints(id, [0, 1, 2, 3].map((k) => ({ x: 10 + i * 4 + k, y: 10 + ((i * 7 + k) % 5) })))
  }
  return id
}

/** The board as the server holds it: two elements. */
function server(): Y.Doc {
  const doc = new Y.Doc()
  doc.getMap('elements').set('s1', 'kept')
  doc.getMap('elements').set('s2', 'removed later')
  return doc
}

describe('LocalCopy', () => {
  it('writes a burst of updates as one record and reloads every point', async () => {
    const name = `copy-${Math.random()}`
    const { doc, copy } = await open(name)
    await copy.whenSaved()
    const before = await records(name)
    const board = new Board(doc, 'u-a')
    const id = drawStroke(board, 120)
    await copy.whenSaved()
    // 122 transactions (the schema version, the stroke, 120 chunks) in one record.
    expect(await records(name)).toBe(before + 1)
    const points = board.get(id)?.points
    expect(points).toHaveLength(480)
    await copy.destroy()

    const again = await reopen(name)
    expect(again.board.get(id)?.points).toEqual(points)
    expect(again.board.toJSON()).toEqual(board.toJSON())
    await again.copy.destroy()
  })

  it('writes what is pending when it is destroyed, without waiting for the interval', async () => {
    const name = `copy-${Math.random()}`
    const { doc, copy } = await open(name)
    const board = new Board(doc, 'u-a')
    const id = drawStroke(board, 30)
    board.endStroke(id)
    await copy.destroy()

    const again = await reopen(name)
    expect(again.board.get(id)?.points).toHaveLength(120)
    expect(again.board.get(id)?.done).toBe(true)
    await again.copy.destroy()
  })

  it('keeps updates from separate intervals in order', async () => {
    const name = `copy-${Math.random()}`
    const { doc, copy } = await open(name)
    const board = new Board(doc, 'u-a')
    const id = drawStroke(board, 5)
    await copy.whenSaved()
    board.appendPoints(id, [{ x: 99, y: 98 }])
    board.update(id, { sc: '#e03131' })
    await copy.whenSaved()
    await copy.destroy()

    const again = await reopen(name)
    expect(again.board.get(id)?.points).toHaveLength(21)
    expect(again.board.get(id)?.points.at(-1)).toEqual({ x: 89, y: 88 })
    expect(again.board.get(id)?.sc).toBe('#e03131')
    await again.copy.destroy()
  })

  it('keeps a snapshot for the next load, and stores only snapshots that brought something new', async () => {
    const name = `copy-${Math.random()}`
    const board = server()
    const first = await open(name)
    first.copy.applyWhole(Y.encodeStateAsUpdate(board), 'snapshot')
    await first.copy.whenSaved()
    await first.copy.destroy()

    const again = await open(name)
    expect(again.doc.getMap('elements').toJSON()).toEqual({ s1: 'kept', s2: 'removed later' })
    await again.copy.whenSaved()
    // (y-indexeddb adds the document as it was before loading, here empty, on every open.)
    const afterLoad = await records(name)
    // A returning visitor's copy is up to date: the same snapshot adds nothing to the store.
    again.copy.applyWhole(Y.encodeStateAsUpdate(board), 'snapshot')
    await again.copy.whenSaved()
    expect(await records(name)).toBe(afterLoad)

    // Only a deletion is new (the state vector stays): that is news, and kept.
    board.getMap('elements').delete('s2')
    again.copy.applyWhole(Y.encodeStateAsUpdate(board), 'snapshot')
    await again.copy.whenSaved()
    expect(await records(name)).toBe(afterLoad + 1)
    await again.copy.destroy()

    const third = await open(name)
    expect(third.doc.getMap('elements').toJSON()).toEqual({ s1: 'kept' })
  })
})
