// The member side of PROTOCOL.md's "Topology", without sockets: which links a
// member offers, closes and re-offers, what it reports to the keeper and when
// it resyncs, and which relayed cursors it shows.

import { describe, expect, it } from 'vitest'
import type { Member } from '../src/collab/port'
import { MemberTopology, RELAYED_CURSOR_RENUMBER_MS } from '../src/net/topology'

const member = (id: string, keeper = false): Member => ({ id, name: id, colour: '#1971c2', role: 'editor', keeper })
const keeper = member('k', true)
const me = member('me')
const at = (seq: number) => ({ seq, x: 1, y: 2, buttons: 0, tool: 1 })

describe('member topology: links', () => {
  it('offers the keeper first, then every other member in mesh mode; the keeper only in star mode', () => {
    const t = new MemberTopology()
    // welcome.peers as the server lists them, and ourselves counted: 3 members with limit 3 is mesh.
    expect(t.welcome(me, [keeper, member('a'), member('b')], 3).map((m) => m.id)).toEqual(['k', 'a', 'b'])
    expect(t.mode()).toBe('mesh')
    expect(t.welcome(me, [member('a'), keeper, member('b')], 2).map((m) => m.id)).toEqual(['k'])
    expect(t.mode()).toBe('star')
    expect(t.welcome(me, [keeper], 0).map((m) => m.id)).toEqual(['k'])
    expect(t.mode()).toBe('star')
  })

  it('without a mesh limit (an older server) the room is always in mesh mode and nobody relays', () => {
    const t = new MemberTopology()
    const crowd = Array.from({ length: 49 }, (_, i) => member(`p-${i}`))
    expect(t.welcome(me, [keeper, ...crowd], null)).toHaveLength(50)
    expect(t.peerJoined(member('late'))).toBe(false)
    expect(t.mode()).toBe('mesh')
    expect(t.keeperRelays).toBe(false)
    // Such a keeper disconnects a peer for a links report, and does not relay: neither reports nor resyncs.
    t.keeperLinkStarted()
    expect(t.keeperLinkSpeaking()).toEqual({ report: null, resync: false })
    expect(t.directLinkLive('p-1')).toEqual({ report: null, resync: false })
    expect(t.directLinkEnded('p-1')).toEqual({ report: null, resync: false })
  })

  it('knows when it reaches every other member directly: the keeper then forwards its updates to no one', () => {
    const t = new MemberTopology()
    t.welcome(me, [keeper], 3)
    expect(t.everyoneLinkedDirectly()).toBe(true) // alone with the keeper
    t.peerJoined(member('a'))
    expect(t.everyoneLinkedDirectly()).toBe(false)
    t.directLinkLive('a')
    expect(t.everyoneLinkedDirectly()).toBe(true)
    t.peerJoined(member('b'))
    expect(t.everyoneLinkedDirectly()).toBe(false)
    t.directLinkLive('b')
    expect(t.everyoneLinkedDirectly()).toBe(true)
    t.directLinkEnded('a')
    expect(t.everyoneLinkedDirectly()).toBe(false)
    t.peerLeft('a')
    expect(t.everyoneLinkedDirectly()).toBe(true)
  })

  it('closes direct links when a join puts the room in star mode, and re-offers a member only in mesh mode', () => {
    const t = new MemberTopology()
    t.welcome(me, [keeper, member('a')], 3)
    expect(t.keeperRelays).toBe(true)
    expect(t.peerJoined(member('b'))).toBe(false) // 3 members: still mesh
    expect(t.shouldReoffer('a')).toBe(true)
    expect(t.peerJoined(member('c'))).toBe(true) // 4 > 3: star, close direct links
    expect(t.shouldReoffer('a')).toBe(false)
    expect(t.shouldReoffer('k')).toBe(true) // the keeper link always comes back
    t.peerLeft('c')
    expect(t.mode()).toBe('mesh') // a room that shrinks back stays as it is: nothing re-opens by itself
    expect(t.shouldReoffer('c')).toBe(false) // gone
    expect(t.shouldReoffer('nobody')).toBe(false)
  })
})

describe('member topology: what the keeper hears', () => {
  it('reports the set of live direct links once we may speak to the keeper, and only when it changed', () => {
    const t = new MemberTopology()
    t.welcome(me, [keeper, member('a'), member('b')], 6)
    t.keeperLinkStarted()
    expect(t.directLinkLive('a')).toEqual({ report: null, resync: false }) // the offerer waits for the keeper's first frame
    expect(t.keeperLinkSpeaking()).toEqual({ report: ['a'], resync: false })
    expect(t.directLinkLive('a')).toEqual({ report: null, resync: false }) // unchanged
    expect(t.directLinkLive('b')).toEqual({ report: ['a', 'b'], resync: false })
    expect([...t.directlyLinked()]).toEqual(['a', 'b'])
  })

  it('an empty set needs no first report: the keeper starts from empty', () => {
    const t = new MemberTopology()
    t.welcome(me, [keeper, member('a')], 6)
    t.keeperLinkStarted()
    expect(t.keeperLinkSpeaking()).toEqual({ report: null, resync: false })
  })

  it('when a live direct link ends: the report without it, then a resync; a link that never went live changes nothing', () => {
    const t = new MemberTopology()
    t.welcome(me, [keeper, member('a'), member('b')], 6)
    t.keeperLinkStarted()
    t.keeperLinkSpeaking()
    t.directLinkLive('a')
    t.directLinkLive('b')
    expect(t.directLinkEnded('a')).toEqual({ report: ['b'], resync: true })
    expect(t.directLinkEnded('a')).toEqual({ report: null, resync: false })
    expect(t.directLinkEnded('never-live')).toEqual({ report: null, resync: false })
    // Comes back: reported again.
    expect(t.directLinkLive('a')).toEqual({ report: ['b', 'a'], resync: false })
  })

  it('with the keeper link down, a direct link that ends is remembered; the new keeper link gets the report when it speaks', () => {
    const t = new MemberTopology()
    t.welcome(me, [keeper, member('a'), member('b')], 6)
    t.keeperLinkStarted()
    t.keeperLinkSpeaking()
    t.directLinkLive('a')
    t.directLinkLive('b')
    t.keeperLinkEnded()
    // No resync: the new keeper link's first step 1 asks for everything anyway.
    expect(t.directLinkEnded('a')).toEqual({ report: null, resync: false })
    t.keeperLinkStarted()
    expect(t.keeperLinkSpeaking()).toEqual({ report: ['b'], resync: false })
  })

  it('a rejoin (new welcome) starts from nothing', () => {
    const t = new MemberTopology()
    t.welcome(me, [keeper, member('a')], 6)
    t.keeperLinkStarted()
    t.keeperLinkSpeaking()
    t.directLinkLive('a')
    t.welcome(me, [keeper, member('a')], 6)
    expect(t.directlyLinked().size).toBe(0)
    t.keeperLinkStarted()
    expect(t.keeperLinkSpeaking()).toEqual({ report: null, resync: false })
  })
})

describe('member topology: relayed cursors', () => {
  it('filters each member by seq, ignores members we link to directly, the keeper and ids not in the room', () => {
    const t = new MemberTopology()
    t.welcome(me, [keeper, member('a'), member('b')], 6)
    expect(t.relayedCursor('a', at(5), 0)?.id).toBe('a')
    expect(t.relayedCursor('a', at(5), 1)).toBeNull() // repeated
    expect(t.relayedCursor('a', at(4), 2)).toBeNull() // older
    expect(t.relayedCursor('b', at(1), 3)?.id).toBe('b') // its own numbering
    expect(t.relayedCursor('a', at(6), 4)?.id).toBe('a')
    expect(t.relayedCursor('stranger', at(1), 5)).toBeNull()
    expect(t.relayedCursor('k', at(1), 6)).toBeNull()
    t.keeperLinkStarted()
    t.directLinkLive('a')
    expect(t.relayedCursor('a', at(7), 7)).toBeNull() // it comes directly
    t.directLinkEnded('a')
    expect(t.relayedCursor('a', at(8), 8)?.id).toBe('a') // through the keeper again
  })

  it("takes a member's restarted numbering after a pause (its keeper link re-formed), and forgets members who left", () => {
    const t = new MemberTopology()
    t.welcome(me, [keeper, member('a')], 6)
    expect(t.relayedCursor('a', at(5000), 0)?.id).toBe('a')
    expect(t.relayedCursor('a', at(0), RELAYED_CURSOR_RENUMBER_MS)).toBeNull()
    expect(t.relayedCursor('a', at(0), 2 * RELAYED_CURSOR_RENUMBER_MS + 1)?.id).toBe('a')
    t.peerLeft('a')
    expect(t.relayedCursor('a', at(1), 2 * RELAYED_CURSOR_RENUMBER_MS + 2)).toBeNull()
    t.peerJoined(member('a'))
    expect(t.relayedCursor('a', at(0), 2 * RELAYED_CURSOR_RENUMBER_MS + 3)?.id).toBe('a')
  })
})

describe('member topology: as the keeper', () => {
  it('does not count itself and never closes links (a page runs the keeper in tests)', () => {
    const t = new MemberTopology()
    expect(t.welcome(keeper, [], 1)).toEqual([])
    expect(t.peerJoined(member('a'))).toBe(false)
    expect(t.memberCount()).toBe(1)
    expect(t.peerJoined(member('b'))).toBe(false)
    expect(t.mode()).toBe('star')
  })
})
