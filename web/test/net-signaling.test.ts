import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SignalingClient, signalUrl, type SignalingHandlers } from '../src/net/signaling'
import { backoffDelay } from '../src/net/backoff'
import { connectionStatus, type StatusInput } from '../src/net/status'

class FakeSocket {
  static all: FakeSocket[] = []
  readyState = 0
  sent: Record<string, unknown>[] = []
  onopen: (() => void) | null = null
  onmessage: ((e: { data: string }) => void) | null = null
  onclose: ((e: { code: number; reason: string }) => void) | null = null
  constructor(readonly url: string) {
    FakeSocket.all.push(this)
  }
  send(text: string) {
    this.sent.push(JSON.parse(text) as Record<string, unknown>)
  }
  close() {
    this.readyState = 3
  }
  // server side
  open() {
    this.readyState = 1
    this.onopen?.()
  }
  receive(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) })
  }
  drop(code = 1006) {
    this.readyState = 3
    this.onclose?.({ code, reason: '' })
  }
}

const member = (id: string, keeper = false) => ({ id, name: id, colour: '#1971c2', role: 'editor' as const, keeper })

function client() {
  const events: string[] = []
  let tokens = 0
  const handlers: SignalingHandlers = {
    welcome: (w) => events.push(`welcome ${w.me.id} ${w.peers.map((p) => p.id).join(',')}`),
    peerJoined: (m) => events.push(`joined ${m.id}`),
    peerLeft: (id) => events.push(`left ${id}`),
    signal: (from, s) => events.push(`signal ${from} ${s.type}`),
    changed: () => events.push('changed'),
    log: () => {},
  }
  const c = new SignalingClient(
    { server: 'https://ink.example:8443/', room: 'team-board', token: async () => `t${++tokens}`, WebSocket: FakeSocket as unknown as new (url: string) => WebSocket },
    handlers,
  )
  return { c, events }
}

const socket = () => FakeSocket.all[FakeSocket.all.length - 1]!

beforeEach(() => {
  FakeSocket.all = []
  vi.useFakeTimers()
})
afterEach(() => vi.useRealTimers())

describe('signaling client', () => {
  it('maps http(s) to ws(s)', () => {
    expect(signalUrl('https://ink.example:8443/')).toBe('wss://ink.example:8443/api/signal')
    expect(signalUrl('http://localhost:3000')).toBe('ws://localhost:3000/api/signal')
  })

  it('joins with the token, relays server messages, answers pings and pings every 10 s', async () => {
    const { c, events } = client()
    c.start()
    await vi.advanceTimersByTimeAsync(0)
    socket().open()
    expect(socket().url).toBe('wss://ink.example:8443/api/signal')
    expect(socket().sent[0]).toEqual({ type: 'join', room: 'team-board', token: 't1' })
    socket().receive({ type: 'welcome', me: member('p-1'), peers: [member('k', true)], iceServers: [] })
    expect(c.welcomed).toBe(true)
    socket().receive({ type: 'peer-joined', peer: member('p-2') })
    socket().receive({ type: 'signal', from: 'p-2', signal: { type: 'offer', sdp: 'v=0' } })
    socket().receive({ type: 'signal', from: 'p-2', signal: { type: 'bogus' } })
    socket().receive({ type: 'peer-left', id: 'p-2' })
    socket().receive({ type: 'error', code: 'unknown_peer', message: 'x' })
    socket().receive({ type: 'ping' })
    expect(events).toEqual(['welcome p-1 k', 'joined p-2', 'signal p-2 offer', 'left p-2'])
    expect(socket().sent.at(-1)).toEqual({ type: 'pong' })
    expect(c.send('k', { type: 'answer', sdp: 'v=0' })).toBe(true)
    expect(socket().sent.at(-1)).toEqual({ type: 'signal', to: 'k', signal: { type: 'answer', sdp: 'v=0' } })
    await vi.advanceTimersByTimeAsync(10_000)
    expect(socket().sent.at(-1)).toEqual({ type: 'ping' })
    c.stop()
  })

  it('reconnects with backoff and a fresh token, counting failures until a welcome', async () => {
    const { c, events } = client()
    c.start()
    await vi.advanceTimersByTimeAsync(0)
    socket().open()
    socket().receive({ type: 'welcome', me: member('p-1'), peers: [], iceServers: [] })
    socket().drop()
    expect(c.welcomed).toBe(false)
    expect(c.failures).toBe(0)
    expect(events.at(-1)).toBe('changed')
    for (let i = 1; i <= 3; i++) {
      await vi.advanceTimersByTimeAsync(10_000)
      expect(FakeSocket.all).toHaveLength(i + 1)
      socket().open()
      expect(socket().sent[0]).toMatchObject({ token: `t${i + 1}` })
      socket().drop(1013)
      expect(c.failures).toBe(i)
    }
    await vi.advanceTimersByTimeAsync(10_000)
    socket().open()
    socket().receive({ type: 'welcome', me: member('p-9'), peers: [], iceServers: [] })
    expect(c.failures).toBe(0)
    c.stop()
  })

  it('retries at once when the browser comes back online', async () => {
    const { c } = client()
    c.start()
    await vi.advanceTimersByTimeAsync(0)
    socket().drop()
    expect(FakeSocket.all).toHaveLength(1)
    c.retryNow()
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeSocket.all).toHaveLength(2)
    c.stop()
  })

  it('closes a socket that went silent', async () => {
    const { c } = client()
    c.start()
    await vi.advanceTimersByTimeAsync(0)
    socket().open()
    socket().receive({ type: 'welcome', me: member('p-1'), peers: [], iceServers: [] })
    await vi.advanceTimersByTimeAsync(40_000)
    expect(socket().readyState).toBe(3)
    c.stop()
  })
})

describe('backoff', () => {
  it('grows from 0.5 s to 10 s with bounded jitter', () => {
    expect(backoffDelay(0, 0)).toBe(500)
    expect(backoffDelay(0, 0.999)).toBeLessThanOrEqual(625)
    expect(backoffDelay(3, 0.5)).toBe(4000)
    expect(backoffDelay(20, 0.999)).toBe(10_000)
    expect(backoffDelay(20, 0)).toBe(7500)
  })
})

describe('connection status', () => {
  const base: StatusInput = { online: true, failures: 0, welcomedOnce: true, welcomed: true, keeperInRoom: true, peers: [] }
  const keeper = (state: 'connecting' | 'awaitingStep2' | 'synced' | 'live', boardOpen = true) => ({ keeper: true, boardOpen, state })
  const peer = (state: 'connecting' | 'awaitingStep2' | 'synced' | 'live', boardOpen = true) => ({ keeper: false, boardOpen, state })

  it('follows the rules', () => {
    expect(connectionStatus({ ...base, welcomedOnce: false, welcomed: false })).toBe('connecting')
    expect(connectionStatus(base)).toBe('syncing')
    expect(connectionStatus({ ...base, peers: [keeper('awaitingStep2')] })).toBe('syncing')
    expect(connectionStatus({ ...base, peers: [keeper('live')] })).toBe('live')
    expect(connectionStatus({ ...base, peers: [keeper('live'), peer('synced')] })).toBe('syncing')
    // A peer still setting up its connection does not hold the room back.
    expect(connectionStatus({ ...base, peers: [keeper('live'), peer('connecting', false)] })).toBe('live')
    // The offerer's open channel before the answerer spoke counts as not live.
    expect(connectionStatus({ ...base, peers: [keeper('live'), peer('connecting', true)] })).toBe('syncing')
    expect(connectionStatus({ ...base, welcomed: false, peers: [keeper('live')] })).toBe('reconnecting')
    expect(connectionStatus({ ...base, welcomed: false, failures: 3 })).toBe('offline')
    expect(connectionStatus({ ...base, welcomed: false, online: false, peers: [keeper('live')] })).toBe('offline')
    // A welcomed socket is proof of a network, whatever navigator.onLine says
    // (false on a host whose only network is loopback).
    expect(connectionStatus({ ...base, online: false, peers: [keeper('live')] })).toBe('live')
  })
})
