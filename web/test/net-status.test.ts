// The connection status, rule by rule (net/status.ts), and the words the pill
// shows for it (ui/status.ts).

import { describe, expect, it } from 'vitest'
import { connectionStatus, type StatusInput } from '../src/net/status'
import type { SyncState } from '../src/protocol/session'
import { STATUS_LABELS, statusLabel } from '../src/ui/status'

const base: StatusInput = {
  online: true,
  failures: 0,
  welcomedOnce: true,
  welcomed: true,
  keeperInRoom: true,
  keeperRelays: true,
  otherMembers: 0,
  peers: [],
}
const keeper = (state: SyncState, boardOpen = true) => ({ keeper: true, boardOpen, state })
const peer = (state: SyncState, boardOpen = true) => ({ keeper: false, boardOpen, state })

describe('connection status', () => {
  it('connecting until the first welcome; syncing until the keeper link is live', () => {
    expect(connectionStatus({ ...base, welcomedOnce: false, welcomed: false })).toBe('connecting')
    expect(connectionStatus(base)).toBe('syncing')
    expect(connectionStatus({ ...base, peers: [keeper('awaitingStep2')] })).toBe('syncing')
  })

  it('live once the keeper link is live: the keeper relays for every member we do not reach directly', () => {
    const room = { ...base, otherMembers: 3 }
    expect(connectionStatus({ ...room, peers: [keeper('live')] })).toBe('live')
    // A direct link still syncing or failed does not hide anyone: the keeper relays for it.
    expect(connectionStatus({ ...room, peers: [keeper('live'), peer('synced'), peer('connecting', true)] })).toBe('live')
  })

  it('without a keeper link, live only when every other member has a live direct link', () => {
    const room = { ...base, otherMembers: 2 }
    expect(connectionStatus({ ...room, peers: [keeper('awaitingStep2'), peer('live'), peer('live')] })).toBe('live')
    expect(connectionStatus({ ...room, peers: [keeper('awaitingStep2'), peer('live'), peer('synced')] })).toBe('syncing')
    // Alone in the room, a keeper link that is not live is not live.
    expect(connectionStatus({ ...base, peers: [keeper('synced')] })).toBe('syncing')
  })

  it('server unreachable when signaling or the keeper link is down but direct links are live', () => {
    const room = { ...base, otherMembers: 2 }
    // The keeper link ended (its re-offer is pending): one member reached directly, one not.
    expect(connectionStatus({ ...room, peers: [peer('live'), peer('connecting', false)] })).toBe('server-unreachable')
    // Signaling gone: whatever the failures and navigator.onLine, drawing goes on with the linked members.
    for (const failures of [0, 3, 9]) {
      expect(connectionStatus({ ...room, welcomed: false, failures, peers: [peer('live')] })).toBe('server-unreachable')
    }
    expect(connectionStatus({ ...room, welcomed: false, online: false, peers: [peer('live')] })).toBe('server-unreachable')
    // A live keeper link with signaling briefly gone is a reconnect, not an unreachable server.
    expect(connectionStatus({ ...room, welcomed: false, peers: [keeper('live'), peer('live')] })).toBe('reconnecting')
  })

  it('reconnecting, then offline after 3 failures or without a network, when nothing is live', () => {
    expect(connectionStatus({ ...base, welcomed: false, peers: [keeper('live')] })).toBe('reconnecting')
    expect(connectionStatus({ ...base, welcomed: false, failures: 3 })).toBe('offline')
    expect(connectionStatus({ ...base, welcomed: false, online: false, peers: [keeper('live')] })).toBe('offline')
    expect(connectionStatus({ ...base, welcomed: false, failures: 3, otherMembers: 1, peers: [peer('synced')] })).toBe('offline')
    // A welcomed socket is proof of a network, whatever navigator.onLine says
    // (false on a host whose only network is loopback).
    expect(connectionStatus({ ...base, online: false, peers: [keeper('live')] })).toBe('live')
  })

  it('with an older keeper that does not relay: live needs every connected peer live, as before', () => {
    const old = { ...base, keeperRelays: false, otherMembers: 2 }
    expect(connectionStatus({ ...old, peers: [keeper('live')] })).toBe('live')
    expect(connectionStatus({ ...old, peers: [keeper('live'), peer('synced')] })).toBe('syncing')
    // A peer still setting up its connection does not hold the room back.
    expect(connectionStatus({ ...old, peers: [keeper('live'), peer('connecting', false)] })).toBe('live')
    // The offerer's open channel before the answerer spoke counts as not live.
    expect(connectionStatus({ ...old, peers: [keeper('live'), peer('connecting', true)] })).toBe('syncing')
    expect(connectionStatus({ ...old, welcomed: false, peers: [peer('live')] })).toBe('server-unreachable')
  })
})

describe('status words', () => {
  it('name who we still draw with when the server is unreachable', () => {
    expect(statusLabel('server-unreachable', ['Bea'])).toBe('Server unreachable: drawing live with Bea; changes kept on this device')
    expect(statusLabel('server-unreachable', ['Bea', 'Cy'])).toBe('Server unreachable: drawing live with Bea and 1 other; changes kept on this device')
    expect(statusLabel('server-unreachable', ['Bea', 'Cy', 'Di'])).toBe(
      'Server unreachable: drawing live with Bea and 2 others; changes kept on this device',
    )
    expect(statusLabel('server-unreachable', ['x'.repeat(300)])).toBe(`Server unreachable: drawing live with ${'x'.repeat(39)}…; changes kept on this device`)
  })

  it('keep the other states’ words (the offline e2e test reads "offline" and "kept on this device")', () => {
    expect(statusLabel('live', ['Bea'])).toBe('Live')
    expect(statusLabel('offline', [])).toBe(STATUS_LABELS.offline)
    expect(STATUS_LABELS.offline).toMatch(/^Offline: .*kept on this device$/)
  })
})
