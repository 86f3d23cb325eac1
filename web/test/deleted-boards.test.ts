// A board the server deleted is recorded per room, and the next visit drops
// the old copy (the board and its pictures' databases) before opening
// anything, so that copy can never sync into a new board of the same name
// after an operator clears the tombstone.
import 'fake-indexeddb/auto'

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { dropDeletedCopy, markDeleted, wasDeleted } from '../src/deleted-boards'
import { LocalCopy } from '../src/local-copy'
import { dropPicture, keepPicture, readKept } from '../src/local-picture'
import type { FirstView } from '../src/render/early-picture'

/** A Storage kept in memory, as localStorage would be. */
function memoryStorage(): Storage {
  const items = new Map<string, string>()
  return {
    get length() {
      return items.size
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (i) => [...items.keys()][i] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  }
}

async function elementsIn(name: string): Promise<number> {
  const doc = new Y.Doc()
  const copy = new LocalCopy(name, doc)
  await copy.loaded
  const count = new Board(doc, 'u').ordered().length
  await copy.destroy()
  return count
}

describe('deleted boards', () => {
  it('the next visit opens an empty copy, and only of the deleted room', async () => {
    const storage = memoryStorage()
    for (const name of ['inkmesh:s:gone', 'inkmesh:s:kept']) {
      const doc = new Y.Doc()
      const copy = new LocalCopy(name, doc)
      await copy.loaded
      new Board(doc, 'u').add({ t: 'rect', x: 0, y: 0, w: 1, h: 1, fc: '#ffffff' })
      await copy.whenSaved()
      await copy.destroy()
    }
    expect(await elementsIn('inkmesh:s:gone')).toBe(1)

    markDeleted('inkmesh:s:gone', storage)
    expect(wasDeleted('inkmesh:s:gone', storage)).toBe(true)
    expect(wasDeleted('inkmesh:s:kept', storage)).toBe(false)
    // Not awaited, as mount does: the open after it waits for the deletion.
    const dropped = dropDeletedCopy('inkmesh:s:gone', ['inkmesh:s:gone'], undefined, storage)
    expect(await elementsIn('inkmesh:s:gone')).toBe(0)
    expect(await dropped).toBe(true)
    expect(wasDeleted('inkmesh:s:gone', storage)).toBe(false)

    expect(await dropDeletedCopy('inkmesh:s:kept', ['inkmesh:s:kept'], undefined, storage)).toBe(false)
    expect(await elementsIn('inkmesh:s:kept')).toBe(1)
  })

  it("drops a deleted board's kept picture and its first view with it, before the marker goes", async () => {
    const storage = memoryStorage()
    const name = 'inkmesh:s:pictured'
    const first: FirstView = { width: 800, height: 800, elements: 1, stream: Uint8Array.of(7) }
    await keepPicture(name, Uint8Array.of(1), first)
    await keepPicture('inkmesh:s:other', Uint8Array.of(2), first)
    markDeleted(name, storage)
    expect(await dropDeletedCopy(name, [name], () => dropPicture(name), storage)).toBe(true)
    expect(wasDeleted(name, storage)).toBe(false)
    // With the marker gone the early script reads the picture again: there must be none.
    const read = readKept(name)
    expect([await read.picture, await read.firstView]).toEqual([undefined, undefined])
    expect(await readKept('inkmesh:s:other').picture).toEqual(Uint8Array.of(2))
  })

  it('blocked storage records nothing and throws nothing', () => {
    const blocked = memoryStorage()
    blocked.setItem = () => {
      throw new DOMException('full', 'QuotaExceededError')
    }
    expect(() => markDeleted('inkmesh:s:r', blocked)).not.toThrow()
    expect(wasDeleted('inkmesh:s:r', blocked)).toBe(false)
    expect(wasDeleted('inkmesh:s:r', undefined)).toBe(false)
  })
})
