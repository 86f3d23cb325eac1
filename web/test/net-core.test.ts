// Two peers exchanging frames through in-memory queues: who speaks first,
// sync, chunking, presence and cursors, with two Y.Docs and no sockets.

import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { PeerCore } from '../src/net/core'
import { PresenceBook } from '../src/net/awareness'
import { RemoteOrigin, isRemote } from '../src/doc/origin'
import { encodeAwarenessUpdate } from '../src/protocol/presence'
import { encodeMessage } from '../src/protocol/frame'
import { ProtocolError } from '../src/protocol/error'
import { DEFAULT_LIMITS, type Limits } from '../src/protocol/limits'
import type { Role } from '../src/protocol/session'
import { bytes, hex } from './protocol-hex'
import { tripped } from './protocol-limit'

const books: PresenceBook[] = []
afterEach(() => books.splice(0).forEach((b) => b.destroy()))

/** The other side's connection, as this side's presence book knows it. */
const REMOTE_SPEAKER = { id: 7, relay: false }

class Side {
  readonly doc = new Y.Doc()
  readonly book: PresenceBook
  readonly core: PeerCore
  /** Frames queued for the other side, not yet handed to the channel. */
  board: Uint8Array[] = []
  cursor: Uint8Array[] = []
  /** Board bytes handed to the channel (taken off `board`). */
  sent = 0
  constructor(
    readonly id: string,
    remote: { id: string; role: Role },
    offerer: boolean,
    name: string,
    options: { role?: Role; limits?: Limits } = {},
  ) {
    this.doc.clientID = id === 'a' ? 1 : 2
    this.book = new PresenceBook(this.doc)
    books.push(this.book)
    const origin = new RemoteOrigin(remote.id)
    this.core = new PeerCore(
      { local: options.role ?? 'editor', remote: remote.role, localKeeper: false, remoteKeeper: false },
      offerer,
      {
        stateVector: () => Y.encodeStateVector(this.doc),
        diff: (sv) => Y.encodeStateAsUpdate(this.doc, sv),
        apply: (u) => Y.applyUpdate(this.doc, u, origin),
        awareness: () => this.book.oursUpdate(),
        presence: (u) => this.book.apply(REMOTE_SPEAKER, u),
      },
      { board: (f) => this.board.push(f), cursor: (f) => this.cursor.push(f), boardBytesSent: () => this.sent },
      options.limits ?? DEFAULT_LIMITS,
    )
    this.book.setOurs({ name, colour: '#e03131', selection: [], viewport: null })
    this.book.onLocalUpdate((u) => this.core.awareness(u))
    this.doc.on('update', (u: Uint8Array, o: unknown) => {
      if (!isRemote(o)) this.core.update(u)
    })
  }
}

/** Hands `from`'s queued board frames to the channel, which delivers them to `to`. */
function deliver(from: Side, to: Side, now = 0): void {
  for (const f of from.board.splice(0)) {
    from.sent += f.length
    to.core.board(f.slice().buffer, now)
  }
}

/** Delivers board frames both ways until both queues are empty. */
function pump(a: Side, b: Side, now = 0): void {
  while (a.board.length > 0 || b.board.length > 0) {
    deliver(a, b, now)
    deliver(b, a, now)
  }
}

/** a joined last: it offers; b answers. */
function pair(roles: { a?: Role; b?: Role } = {}, limits: Limits = DEFAULT_LIMITS): [Side, Side] {
  const a = new Side('a', { id: 'b', role: roles.b ?? 'editor' }, true, 'Ann', { role: roles.a ?? 'editor', limits })
  const b = new Side('b', { id: 'a', role: roles.a ?? 'editor' }, false, 'Bo', { role: roles.b ?? 'editor', limits })
  return [a, b]
}

/** A board frame carrying one whole message. */
const whole = (message: Uint8Array) => Uint8Array.of(0, ...message).buffer

describe('a pair of peer cores', () => {
  it('the offerer waits for the answerer, then both sync, go live and exchange presence', () => {
    const [a, b] = pair()
    a.doc.getMap('elements').set('a1', 'from a')
    b.doc.getMap('elements').set('b1', 'from b')
    a.core.open()
    expect(a.board).toEqual([]) // the offerer says nothing first
    a.core.sendCursor(1, 2, 0, 0)
    expect(a.cursor).toEqual([])
    b.core.open()
    expect(b.board.length).toBe(2) // step 1, presence
    pump(a, b)
    expect(a.core.state()).toBe('live')
    expect(b.core.state()).toBe('live')
    expect(a.doc.getMap('elements').toJSON()).toEqual({ a1: 'from a', b1: 'from b' })
    expect(b.doc.getMap('elements').toJSON()).toEqual(a.doc.getMap('elements').toJSON())
    expect([...a.book.states().values()].map((p) => p.name).sort()).toEqual(['Ann', 'Bo'])
    expect([...b.book.states().values()].map((p) => p.name).sort()).toEqual(['Ann', 'Bo'])

    // Live updates and presence changes flow.
    a.doc.getMap('elements').set('a2', 'later')
    a.book.setOurs({ name: 'Ann', colour: '#e03131', selection: ['a2'], viewport: { x: 0, y: 0, w: 10, h: 10 } })
    pump(a, b)
    expect(b.doc.getMap('elements').get('a2')).toBe('later')
    expect(b.book.states().get(1)!.selection).toEqual(['a2'])
  })

  it('syncs a board larger than a frame in chunks', () => {
    const [a, b] = pair()
    const big = a.doc.getMap('elements')
    for (let i = 0; i < 200; i++) big.set(`e${i}`, 'x'.repeat(500))
    b.core.open()
    a.core.open()
    pump(a, b)
    expect(b.doc.getMap('elements').size).toBe(200)
    expect(b.core.state()).toBe('live')
  })

  it('cursor frames flow once speaking, stale ones are dropped', () => {
    const [a, b] = pair()
    b.core.open()
    a.core.open()
    pump(a, b)
    a.core.sendCursor(100.5, -20.25, 1, 1)
    a.core.sendCursor(5, 5, 0, 0)
    const [first, second] = a.cursor.splice(0)
    expect(b.core.cursor(second!.slice().buffer)).toEqual([{ origin: null, frame: expect.objectContaining({ seq: 1, x: 5 }) }])
    expect(b.core.cursor(first!.slice().buffer)).toEqual([])
    a.core.sendCursor(NaN, 0, 0, 0)
    a.core.sendCursor(1e39, 0, 0, 0)
    expect(a.cursor).toEqual([])
  })

  it("drops a viewer's updates but lets it sync, and the viewer's presence counts", () => {
    const [a, b] = pair({ a: 'viewer' })
    a.doc.getMap('elements').set('sneaky', 1)
    b.doc.getMap('elements').set('b1', 1)
    b.core.open()
    a.core.open()
    pump(a, b)
    expect(b.core.state()).toBe('live')
    expect(b.doc.getMap('elements').has('sneaky')).toBe(false)
    expect(a.doc.getMap('elements').get('b1')).toBe(1)
    expect(b.book.states().get(1)?.name).toBe('Ann')
  })

  it('refuses text and non-binary messages, short cursor frames and NaN positions', () => {
    const [, b] = pair()
    expect(() => b.core.board('hello', 0)).toThrow(/text message on the board channel/)
    expect(() => b.core.board(new Blob([]), 0)).toThrow(ProtocolError)
    expect(() => b.core.cursor(new ArrayBuffer(3))).toThrow(/3 bytes/)
    expect(() => b.core.cursor('x')).toThrow(/text message on the cursor channel/)
    const nan = new ArrayBuffer(14)
    new DataView(nan).setFloat32(4, NaN, true)
    expect(() => b.core.cursor(nan)).toThrow(/not finite/)
  })

  it('refuses a bad awareness update whole, and ignores echoes of our own client', () => {
    const [a, b] = pair()
    b.core.open()
    a.core.open()
    pump(a, b)
    const frame = (entries: { client: number; clock: number; json: string }[]) =>
      Uint8Array.of(0, ...encodeMessage({ type: 'awareness', payload: encodeAwarenessUpdate(entries) })).buffer
    const good = { client: 77, clock: 1, json: '{"name":"Cy","colour":"#2f9e44"}' }
    expect(() => b.core.board(frame([good, { client: 78, clock: 1, json: '{"name":"no colour"}' }]), 0)).toThrow(/colour/)
    expect(b.book.states().has(77)).toBe(false)
    // An echo of b's own client (id 2) with a higher clock must not replace b's state.
    b.core.board(frame([{ client: 2, clock: 99, json: '{"name":"Impostor","colour":"#000000"}' }]), 0)
    expect(b.book.states().get(2)!.name).toBe('Bo')
    // A peer's clients go when it disconnects.
    b.core.board(frame([good]), 0)
    expect(b.book.states().get(77)!.name).toBe('Cy')
    b.book.removePeer(REMOTE_SPEAKER.id)
    expect(b.book.states().has(77)).toBe(false)
    expect(b.book.states().has(1)).toBe(false)
  })

  it('a malformed update is a protocol error', () => {
    const [a, b] = pair()
    b.core.open()
    a.core.open()
    pump(a, b)
    const bad = encodeMessage({ type: 'update', payload: Uint8Array.of(1, 1, 1, 200, 200, 200) })
    expect(() => b.core.board(Uint8Array.of(0, ...bad).buffer, 0)).toThrow(ProtocolError)
  })

  it('a stalled chunked message times out on tick', () => {
    const [a, b] = pair()
    b.core.open()
    a.core.open()
    pump(a, b)
    for (let i = 0; i < 100; i++) a.doc.getMap('elements').set(`e${i}`, 'y'.repeat(500))
    // One transaction per set: send a single big update instead.
    a.board.length = 0
    a.core.update(Y.encodeStateAsUpdate(a.doc))
    expect(a.board.length).toBeGreaterThan(2)
    b.core.board(a.board[0]!.slice().buffer, 0)
    expect(() => b.core.tick(DEFAULT_LIMITS.reassemblyTimeoutMs)).not.toThrow()
    expect(() => b.core.tick(DEFAULT_LIMITS.reassemblyTimeoutMs + 1)).toThrow(/stalled/)
  })

  it('a viewer answers step 1 with the empty update and its board stays its own', () => {
    const [a, b] = pair({ a: 'viewer' })
    a.doc.getMap('elements').set('local', 1)
    b.core.open()
    deliver(b, a)
    // a, the offerer, speaks now (step 1, presence), then answers b's step 1.
    expect(hex(a.board[0]!.subarray(0, 3))).toBe('00 00 00')
    expect(hex(a.board.at(-1)!)).toBe('00 00 01 02 00 00')
    pump(a, b)
    expect(b.core.state()).toBe('live')
    expect(a.core.state()).toBe('live')
    expect(b.doc.getMap('elements').has('local')).toBe(false)
  })

  it('disconnects a peer whose step 1 arrives while our answer to its last one is still in our queue', () => {
    const step1 = whole(bytes('00 00 01 00'))
    const live = () => {
      const [a, b] = pair()
      for (let i = 0; i < 100; i++) b.doc.getMap('elements').set(`e${i}`, 'z'.repeat(500))
      b.core.open()
      pump(a, b)
      expect(b.core.state()).toBe('live')
      return b
    }
    const b = live()
    b.core.board(step1, 0)
    expect(b.board.length).toBeGreaterThan(2) // the whole board, queued
    // Part of it left; the rest is still queued: asking again is refused.
    b.sent += b.board.shift()!.length
    expect(tripped(() => b.core.board(step1, 0))).toBe('sync_step1_repeat')
    // Once all of it left, asking again is answered.
    const d = live()
    d.core.board(step1, 0)
    d.sent += d.board.splice(0).reduce((sum, f) => sum + f.length, 0)
    d.core.board(step1, 0)
    expect(d.board.length).toBeGreaterThan(2)
  })

  it('disconnects a peer too slow to take what we send it, sync replies included', () => {
    const limits: Limits = { ...DEFAULT_LIMITS, maxQueuedBytes: 20_000 }
    const [a, b] = pair({}, limits)
    b.core.open()
    pump(a, b)
    // a stops reading: b's updates pile up in b's queue until the limit.
    const update = (i: number) => {
      const doc = new Y.Doc()
      doc.clientID = 1000 + i
      doc.getMap('elements').set('u', 'w'.repeat(1000))
      return Y.encodeStateAsUpdate(doc)
    }
    b.core.update(update(0))
    const frame = b.board[0]!.length
    const fit = Math.floor(20_000 / frame)
    for (let i = 1; i < fit; i++) b.core.update(update(i))
    expect(tripped(() => b.core.update(update(fit)))).toBe('peer_queue_bytes')
    // What left the queue no longer counts.
    b.sent += b.board.splice(0).reduce((sum, f) => sum + f.length, 0)
    expect(() => b.core.update(update(fit))).not.toThrow()

    // An answer to the peer's own step 1 counts the same: a board over the limit does not fit.
    const [c, d] = pair({}, limits)
    for (let i = 0; i < 100; i++) d.doc.getMap('elements').set(`e${i}`, 'z'.repeat(500))
    d.core.open()
    deliver(d, c)
    expect(() => deliver(c, d)).toThrow(/too slow: \d+ bytes would be queued for it, over the limit of 20000/)
  })
})
