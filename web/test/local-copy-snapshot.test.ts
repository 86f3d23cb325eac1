// The board's copy in IndexedDB (fake-indexeddb here): a whole snapshot goes
// in without re-encoding, a reload gets the same board back, and a snapshot
// that brought nothing new is not stored again (each reload would otherwise
// read one more copy of the whole board).

import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { LocalCopy } from '../src/local-copy'

const opened: LocalCopy[] = []

afterEach(async () => {
  for (const copy of opened.splice(0)) await copy.destroy()
})

async function open(name: string): Promise<{ doc: Y.Doc; copy: LocalCopy }> {
  const doc = new Y.Doc()
  const copy = new LocalCopy(name, doc)
  opened.push(copy)
  await copy.loaded
  return { doc, copy }
}

/** How many updates the copy's store holds. */
async function storedUpdates(name: string): Promise<number> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(name)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
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

function server(): Y.Doc {
  const doc = new Y.Doc()
  doc.getMap('elements').set('s1', 'kept')
  doc.getMap('elements').set('s2', 'removed later')
  return doc
}

describe('LocalCopy.applyWhole', () => {
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
    const afterLoad = await storedUpdates(name)
    // A returning visitor's copy is up to date: the same snapshot adds nothing to the store.
    again.copy.applyWhole(Y.encodeStateAsUpdate(board), 'snapshot')
    await again.copy.whenSaved()
    expect(await storedUpdates(name)).toBe(afterLoad)

    // Only a deletion is new (the state vector stays): that is news, and kept.
    board.getMap('elements').delete('s2')
    again.copy.applyWhole(Y.encodeStateAsUpdate(board), 'snapshot')
    await again.copy.whenSaved()
    expect(await storedUpdates(name)).toBe(afterLoad + 1)
    await again.copy.destroy()

    const third = await open(name)
    expect(third.doc.getMap('elements').toJSON()).toEqual({ s1: 'kept' })
  })
})
