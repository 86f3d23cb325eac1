// The local copy writes updates in batches and loses none of them: what a
// stroke drew chunk by chunk is all there when the board is opened again.
import 'fake-indexeddb/auto'

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { LocalCopy } from '../src/local-copy'

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

async function reopen(name: string): Promise<{ board: Board; copy: LocalCopy }> {
  const doc = new Y.Doc()
  const copy = new LocalCopy(name, doc)
  await copy.loaded
  return { board: new Board(doc, 'u-b'), copy }
}

describe('LocalCopy', () => {
  it('writes a burst of updates as one record and reloads every point', async () => {
    const name = `copy-${Math.random()}`
    const doc = new Y.Doc()
    const copy = new LocalCopy(name, doc)
    await copy.loaded
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
    const doc = new Y.Doc()
    const copy = new LocalCopy(name, doc)
    await copy.loaded
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
    const doc = new Y.Doc()
    const copy = new LocalCopy(name, doc)
    await copy.loaded
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
})
