// The presence book: who may speak for a client (ownership per connection,
// quotas, the keeper as a relay) and a full table that disconnects nobody
// (PROTOCOL.md, "Who speaks for a client"; the Rust side's presence.rs tests).

import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { PresenceBook, type Speaker } from '../src/net/awareness'
import { PRESENCE_EXPIRY_MS, encodeAwarenessUpdate } from '../src/protocol/presence'
import { MAX_CLIENTS_PER_PEER, MAX_CLIENTS_PER_UPDATE, MAX_TRACKED_CLIENTS } from '../src/protocol/limits'
import { tripped } from './protocol-limit'

const ALICE: Speaker = { id: 1, relay: false }
const BOB: Speaker = { id: 2, relay: false }
const KEEPER: Speaker = { id: 3, relay: true }
const ANN = '{"name":"Ann","colour":"#e03131","selection":[]}'
const BO = '{"name":"Bo","colour":"#000000"}'
/** Our own client id: entries about it are never applied. */
const US = 999_999

const state = (client: number, clock: number, json: string) => encodeAwarenessUpdate([{ client, clock, json }])
/** Clients `from` up to `to` (excluded), each announcing ANN with clock 1. */
const many = (from: number, to: number) =>
  encodeAwarenessUpdate(Array.from({ length: to - from }, (_, i) => ({ client: from + i, clock: 1, json: ANN })))

const books: PresenceBook[] = []
afterEach(() => books.splice(0).forEach((b) => b.destroy()))

function book(): PresenceBook {
  const doc = new Y.Doc()
  doc.clientID = US
  const b = new PresenceBook(doc)
  books.push(b)
  return b
}

const names = (b: PresenceBook) => new Map([...b.states()].map(([client, p]) => [client, p.name]))

describe('presence book', () => {
  it('lets a member speak only for the clients it announced first', () => {
    const b = book()
    b.apply(ALICE, state(7, 1, ANN))
    expect(b.owner(7)).toBe(ALICE.id)
    // Bob rewrites and removes Alice's client: ignored, not an error.
    expect(b.apply(BOB, state(7, 9, BO))).toEqual({ untracked: 0 })
    b.apply(BOB, state(7, 10, 'null'))
    expect(names(b).get(7)).toBe('Ann')
    expect(b.owner(7)).toBe(ALICE.id)
    // Alice herself may.
    b.apply(ALICE, state(7, 2, BO))
    expect(names(b).get(7)).toBe('Bo')
    // Our own client is nobody's to announce.
    b.apply(BOB, state(US, 5, BO))
    expect(b.owner(US)).toBeUndefined()
    expect(b.tracked()).toBe(1)
  })

  it("lets the keeper relay anyone's client, and a client's own connection take it over from the keeper", () => {
    const b = book()
    b.apply(ALICE, state(7, 1, ANN))
    b.apply(KEEPER, state(7, 2, BO))
    expect(names(b).get(7)).toBe('Bo')
    expect(b.owner(7)).toBe(ALICE.id)
    b.apply(KEEPER, state(8, 1, ANN))
    expect(b.owner(8)).toBe(KEEPER.id)
    b.apply(BOB, state(8, 2, BO))
    expect(b.owner(8)).toBe(BOB.id)
    // The keeper owns nothing now: its leaving removes nobody.
    b.removePeer(KEEPER.id)
    expect([...names(b).keys()].sort()).toEqual([7, 8])
  })

  it(`disconnects a member that would own more than ${MAX_CLIENTS_PER_PEER} clients, applying nothing of that update`, () => {
    const b = book()
    b.apply(ALICE, many(0, MAX_CLIENTS_PER_PEER))
    expect(b.states().size).toBe(MAX_CLIENTS_PER_PEER)
    // Renewing and leaving its own clients is fine...
    b.apply(ALICE, state(0, 2, ANN))
    b.apply(ALICE, state(1, 2, 'null'))
    // ...one more client is not, even after one left (its clock is still remembered, and owned).
    const five = encodeAwarenessUpdate([
      { client: 2, clock: 9, json: BO },
      { client: MAX_CLIENTS_PER_PEER, clock: 1, json: ANN },
    ])
    expect(tripped(() => b.apply(ALICE, five))).toBe('awareness_clients_per_peer')
    expect(() => b.apply(ALICE, five)).toThrow(/speak for 5 clients, over the limit of 4/)
    expect(names(b).get(2)).toBe('Ann')
    expect(b.states().size).toBe(MAX_CLIENTS_PER_PEER - 1)
    // Nulls and clock-0 entries claim nothing.
    b.apply(ALICE, state(100, 1, 'null'))
    b.apply(ALICE, state(101, 0, ANN))
    // Other members are not affected.
    b.apply(BOB, many(50, 50 + MAX_CLIENTS_PER_PEER))
    expect(b.states().size).toBe(2 * MAX_CLIENTS_PER_PEER - 1)
    // Once the clock of the client that left is forgotten, Alice may announce another.
    b.prune(Date.now() + PRESENCE_EXPIRY_MS)
    expect(b.owner(1)).toBeUndefined()
    expect(() => b.apply(ALICE, state(MAX_CLIENTS_PER_PEER, 1, ANN))).not.toThrow()
    expect(b.owner(MAX_CLIENTS_PER_PEER)).toBe(ALICE.id)
  })

  it('removes the clients a connection owns when it closes; their clocks stay, so stale copies do not return', () => {
    const b = book()
    b.apply(ALICE, state(3, 1, ANN))
    b.apply(BOB, state(4, 1, ANN))
    b.removePeer(ALICE.id)
    expect([...names(b).keys()]).toEqual([4])
    expect(b.owner(3)).toBeUndefined()
    b.apply(BOB, state(3, 1, ANN))
    expect(names(b).has(3)).toBe(false)
    // A newer state may, from whoever speaks for it next.
    b.apply(BOB, state(3, 2, ANN))
    expect(names(b).has(3)).toBe(true)
    expect(b.owner(3)).toBe(BOB.id)
  })

  it(`tracks at most ${MAX_TRACKED_CLIENTS} clients: a new one is not tracked, and nobody is disconnected`, () => {
    const b = book()
    // Only the keeper may own that many.
    for (let start = 0; start < MAX_TRACKED_CLIENTS; start += MAX_CLIENTS_PER_UPDATE) {
      expect(b.apply(KEEPER, many(start, start + MAX_CLIENTS_PER_UPDATE))).toEqual({ untracked: 0 })
    }
    expect(b.tracked()).toBe(MAX_TRACKED_CLIENTS)
    const full = MAX_TRACKED_CLIENTS
    expect(tripped(() => b.apply(KEEPER, many(full, full + 1)))).toBe('awareness_clients_per_peer')
    // A member's new client is not tracked; the member is not refused.
    expect(b.apply(ALICE, many(full, full + 1))).toEqual({ untracked: 1 })
    expect(b.tracked()).toBe(MAX_TRACKED_CLIENTS)
    expect(b.owner(full)).toBeUndefined()
    // Known clients still update.
    b.apply(KEEPER, state(0, 2, 'null'))
    expect(names(b).has(0)).toBe(false)
    // A client gone and no longer owned makes room for a new one.
    b.removePeer(KEEPER.id)
    expect(b.states().size).toBe(0)
    expect(b.apply(ALICE, many(full, full + 1))).toEqual({ untracked: 0 })
    expect(b.tracked()).toBe(MAX_TRACKED_CLIENTS)
    expect(b.owner(full)).toBe(ALICE.id)
    expect(names(b).get(full)).toBe('Ann')
  })

  it("takes back from the keeper, at the same clock, a client whose direct link closed; not one that left, nor from a member", () => {
    const b = book()
    b.apply(ALICE, state(7, 3, ANN))
    b.apply(ALICE, state(8, 1, ANN))
    b.apply(ALICE, state(8, 2, 'null')) // 8 left the room
    b.removePeer(ALICE.id)
    expect(names(b).has(7)).toBe(false)
    // A member repeating it at that clock is not enough...
    b.apply(BOB, state(7, 3, BO))
    expect(names(b).has(7)).toBe(false)
    // ...the keeper, relaying it now that the direct link is gone, is.
    b.apply(KEEPER, state(7, 3, ANN))
    expect(names(b).get(7)).toBe('Ann')
    expect(b.owner(7)).toBe(KEEPER.id)
    b.apply(KEEPER, state(8, 2, ANN))
    expect(names(b).has(8)).toBe(false)
    // Once restored, the usual clock rule holds again.
    b.apply(KEEPER, state(7, 3, BO))
    expect(names(b).get(7)).toBe('Ann')
  })
})

