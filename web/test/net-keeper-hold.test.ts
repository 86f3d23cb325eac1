// What the mesh holds for the keeper (keeper-hold.ts): when to arm the timer,
// when to send at once, and that the merged update carries every held one.

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { KEEPER_HOLD_MAX_UPDATES, KeeperHold } from '../src/net/keeper-hold'

describe('keeper hold', () => {
  it('arms on the first update, is full at the limit, and gives back one update carrying them all', () => {
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    for (let i = 0; i < KEEPER_HOLD_MAX_UPDATES; i++) doc.getMap('elements').set(`e${i}`, i)

    const hold = new KeeperHold()
    expect(hold.take()).toBeNull()
    const added = updates.map((u) => hold.add(u))
    expect(added[0]).toEqual({ first: true, full: false })
    expect(added.slice(1, -1).every((a) => !a.first && !a.full)).toBe(true)
    expect(added.at(-1)).toEqual({ first: false, full: true })

    const merged = hold.take()!
    expect(hold.take()).toBeNull()
    const copy = new Y.Doc()
    Y.applyUpdate(copy, merged)
    expect(copy.getMap('elements').toJSON()).toEqual(doc.getMap('elements').toJSON())
    // Held again after a take: the next one arms the timer anew.
    expect(hold.add(updates[0]!)).toEqual({ first: true, full: false })
  })
})
