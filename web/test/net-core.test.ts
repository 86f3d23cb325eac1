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
import { DEFAULT_LIMITS } from '../src/protocol/limits'
import type { Role } from '../src/protocol/session'

const books: PresenceBook[] = []
afterEach(() => books.splice(0).forEach((b) => b.destroy()))

class Side {
  readonly doc = new Y.Doc()
  readonly book: PresenceBook
  readonly core: PeerCore
  /** Frames on their way to the other side. */
  board: Uint8Array[] = []
  cursor: Uint8Array[] = []
  /** Local updates this side broadcast, as the mesh would. */
  constructor(readonly id: string, remote: { id: string; role: Role }, offerer: boolean, name: string) {
    this.doc.clientID = id === 'a' ? 1 : 2
    this.book = new PresenceBook(this.doc)
    books.push(this.book)
    const origin = new RemoteOrigin(remote.id)
    this.core = new PeerCore(
      remote.role,
      offerer,
      {
        stateVector: () => Y.encodeStateVector(this.doc),
        diff: (sv) => Y.encodeStateAsUpdate(this.doc, sv),
        apply: (u) => Y.applyUpdate(this.doc, u, origin),
        awareness: () => this.book.oursUpdate(),
        presence: (u) => this.book.apply(remote.id, u),
      },
      { board: (f) => this.board.push(f), cursor: (f) => this.cursor.push(f) },
      DEFAULT_LIMITS,
    )
    this.book.setOurs({ name, colour: '#e03131', selection: [], viewport: null })
    this.book.onLocalUpdate((u) => this.core.awareness(u))
    this.doc.on('update', (u: Uint8Array, o: unknown) => {
      if (!isRemote(o)) this.core.update(u)
    })
  }
}

/** Delivers board frames both ways until both queues are empty. */
function pump(a: Side, b: Side, now = 0): void {
  while (a.board.length > 0 || b.board.length > 0) {
    for (const f of a.board.splice(0)) b.core.board(f.slice().buffer, now)
    for (const f of b.board.splice(0)) a.core.board(f.slice().buffer, now)
  }
}

/** a joined last: it offers; b answers. */
function pair(roles: { a?: Role; b?: Role } = {}): [Side, Side] {
  const a = new Side('a', { id: 'b', role: roles.b ?? 'editor' }, true, 'Ann')
  const b = new Side('b', { id: 'a', role: roles.a ?? 'editor' }, false, 'Bo')
  return [a, b]
}

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
    expect(b.core.cursor(second!.slice().buffer)).toMatchObject({ seq: 1, x: 5 })
    expect(b.core.cursor(first!.slice().buffer)).toBeNull()
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
    b.book.removePeer('a')
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
})
