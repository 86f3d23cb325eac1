import fs from 'node:fs'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SignalingClient, signalUrl, type SignalingHandlers } from '../src/net/signaling'
import { MAX_VISIBLE_RECONNECT_MS, backoffDelay } from '../src/net/backoff'

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
    welcome: (w) => events.push(`welcome ${w.me.id} ${w.peers.map((p) => p.id).join(',')} limit ${w.meshLimit}`),
    peerJoined: (m) => events.push(`joined ${m.id}`),
    peerLeft: (id) => events.push(`left ${id}`),
    signal: (from, s) => events.push(`signal ${from} ${s.type}`),
    changed: () => events.push('changed'),
    deleted: (message) => events.push(`deleted ${message}`),
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
    expect(events).toEqual(['welcome p-1 k limit null', 'joined p-2', 'signal p-2 offer', 'left p-2'])
    expect(socket().sent.at(-1)).toEqual({ type: 'pong' })
    expect(c.send('k', { type: 'answer', sdp: 'v=0' })).toBe(true)
    expect(socket().sent.at(-1)).toEqual({ type: 'signal', to: 'k', signal: { type: 'answer', sdp: 'v=0' } })
    await vi.advanceTimersByTimeAsync(10_000)
    expect(socket().sent.at(-1)).toEqual({ type: 'ping' })
    c.stop()
  })

  it("sends and reads PROTOCOL.md's renegotiation offer as documented (the Rust side round-trips the same example)", async () => {
    const doc = fs.readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8')
    const section = doc.slice(doc.indexOf('### Renegotiation'))
    const start = section.indexOf('```json\n') + '```json\n'.length
    const example = JSON.parse(section.slice(start, section.indexOf('```', start))) as { to: string; signal: { type: 'offer'; sdp: string; renegotiate: boolean } }
    const seen: unknown[] = []
    const c = new SignalingClient(
      { server: 'http://localhost', room: 'r', token: async () => 't', WebSocket: FakeSocket as unknown as new (url: string) => WebSocket },
      { welcome: () => {}, peerJoined: () => {}, peerLeft: () => {}, signal: (_from, s) => seen.push(s), changed: () => {}, deleted: () => {}, log: () => {} },
    )
    c.start()
    await vi.advanceTimersByTimeAsync(0)
    socket().open()
    socket().receive({ type: 'welcome', me: member('p-1'), peers: [], iceServers: [] })
    expect(c.send(example.to, example.signal)).toBe(true)
    expect(socket().sent.at(-1)).toEqual(example)
    // Relayed by the server: `from` in place of `to`.
    socket().receive({ type: 'signal', from: 'p-2', signal: example.signal })
    expect(seen).toEqual([{ type: 'offer', sdp: example.signal.sdp, renegotiate: true }])
    c.stop()
  })

  it("says `media` in its join as PROTOCOL.md's example does, and only when it has media (the Rust side round-trips the same example)", async () => {
    const doc = fs.readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8')
    const section = doc.slice(doc.indexOf('#### `join`'))
    const start = section.indexOf('```json\n') + '```json\n'.length
    const example = JSON.parse(section.slice(start, section.indexOf('```', start))) as { room: string; token: string; media: boolean }
    const handlers = { welcome: () => {}, peerJoined: () => {}, peerLeft: () => {}, signal: () => {}, changed: () => {}, deleted: () => {}, log: () => {} }
    for (const media of [true, false]) {
      const c = new SignalingClient(
        { server: 'http://localhost', room: example.room, token: async () => example.token, WebSocket: FakeSocket as unknown as new (url: string) => WebSocket, media },
        handlers,
      )
      c.start()
      await vi.advanceTimersByTimeAsync(0)
      socket().open()
      const { media: _documented, ...withoutMedia } = example
      expect(socket().sent[0]).toEqual(media ? example : withoutMedia)
      c.stop()
    }
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

  it("reads welcome's meshLimit: an integer >= 0, else none (an older server's welcome has none)", async () => {
    const { c, events } = client()
    c.start()
    await vi.advanceTimersByTimeAsync(0)
    socket().open()
    for (const meshLimit of [6, 0, -1, 2.5, '6', null]) socket().receive({ type: 'welcome', me: member('p-1'), peers: [], iceServers: [], meshLimit })
    expect(events.filter((e) => e.startsWith('welcome')).map((e) => e.split(' limit ')[1])).toEqual(['6', '0', 'null', 'null', 'null', 'null'])
    c.stop()
  })

  it('a visible page reconnects within a second however long the server was gone; a hidden one backs off to 10 s', async () => {
    const { c } = client()
    c.start()
    await vi.advanceTimersByTimeAsync(0)
    const failMany = async (times: number, wait: number) => {
      for (let i = 0; i < times; i++) {
        const before = FakeSocket.all.length
        socket().drop()
        await vi.advanceTimersByTimeAsync(wait)
        expect(FakeSocket.all.length, `attempt ${i + 1} within ${wait} ms`).toBe(before + 1)
      }
    }
    await failMany(8, 1000)
    vi.stubGlobal('document', { visibilityState: 'hidden' })
    socket().drop()
    const before = FakeSocket.all.length
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeSocket.all.length).toBe(before) // the 9th failure in a row waits for seconds
    await vi.advanceTimersByTimeAsync(9000)
    expect(FakeSocket.all.length).toBe(before + 1)
    vi.unstubAllGlobals()
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

  it('stops for good when the board is deleted, before or after a welcome', async () => {
    for (const welcomedFirst of [true, false]) {
      FakeSocket.all = []
      const { c, events } = client()
      c.start()
      await vi.advanceTimersByTimeAsync(0)
      socket().open()
      if (welcomedFirst) socket().receive({ type: 'welcome', me: member('p-1'), peers: [], iceServers: [] })
      socket().receive({ type: 'error', code: 'board_deleted', message: 'This board was deleted.' })
      socket().drop(1008)
      expect(events).toContain('deleted This board was deleted.')
      await vi.advanceTimersByTimeAsync(60_000)
      expect(FakeSocket.all).toHaveLength(1)
      c.stop()
    }
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
  it('grows from 0.5 s to 10 s with bounded jitter, spread below the cap', () => {
    expect(backoffDelay(0, 0)).toBe(500)
    expect(backoffDelay(0, 0.999)).toBeLessThanOrEqual(625)
    expect(backoffDelay(3, 0.5)).toBe(4000)
    expect(backoffDelay(20, 0.999)).toBe(9996)
    expect(backoffDelay(20, 0)).toBe(6000)
  })

  it('signaling of a visible page: capped at 1 s, still jittered', () => {
    expect(backoffDelay(0, 0, MAX_VISIBLE_RECONNECT_MS)).toBe(500)
    expect(backoffDelay(20, 0, MAX_VISIBLE_RECONNECT_MS)).toBe(600)
    expect(backoffDelay(20, 0.5, MAX_VISIBLE_RECONNECT_MS)).toBe(800)
    expect(backoffDelay(20, 0.999, MAX_VISIBLE_RECONNECT_MS)).toBe(1000)
  })
})
