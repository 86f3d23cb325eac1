import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { SyncSession, type Role, type SessionHost } from '../src/protocol/session'
import { DEFAULT_LIMITS, RESYNC_INTERVAL_MS, STEP1_BURST, STEP1_REFILL_MS, type Limits } from '../src/protocol/limits'
import * as encoding from 'lib0/encoding'
import { CHUNK_FRAME, WHOLE_FRAME, encodeMessage } from '../src/protocol/frame'
import { CHUNK_HEADER_BYTES, Chunker } from '../src/protocol/chunk'
import { ProtocolError } from '../src/protocol/error'
import { bytes, hex } from './protocol-hex'
import { tripped } from './protocol-limit'

const small: Limits = { ...DEFAULT_LIMITS, maxFrameBytes: 512 }

class Side implements SessionHost {
  readonly doc = new Y.Doc()
  readonly session: SyncSession
  awarenessUpdate: Uint8Array | null = null

  constructor(clientID: number, remoteRole: Role, offerer: boolean, limits: Limits = small, localRole: Role = 'editor') {
    this.doc.clientID = clientID
    this.session = new SyncSession({ local: localRole, remote: remoteRole, localKeeper: false, remoteKeeper: false }, offerer, limits)
  }
  stateVector() {
    return Y.encodeStateVector(this.doc)
  }
  diff(sv: Uint8Array) {
    return Y.encodeStateAsUpdate(this.doc, sv)
  }
  apply(update: Uint8Array) {
    Y.applyUpdate(this.doc, update, 'remote')
  }
  awareness() {
    return this.awarenessUpdate
  }
  draw(n: number, size = 10) {
    const m = this.doc.getMap('elements')
    for (let i = 0; i < n; i++) m.set(`${this.doc.clientID}-${i}`, 'x'.repeat(size))
  }
  receive(frames: Uint8Array[], now = 0) {
    return frames.map((f) => this.session.receive(f, this, now))
  }
}

const replies = (outs: { frames: Uint8Array[] }[]) => outs.flatMap((o) => o.frames)

describe('sync session', () => {
  it('an answerer on a fresh board opens with the PROTOCOL.md step 1', () => {
    const side = new Side(1234, 'editor', false, DEFAULT_LIMITS)
    expect(side.session.state()).toBe('connecting')
    const frames = side.session.open(side)
    expect(frames.map(hex)).toEqual(['00 00 00 01 00'])
    expect(side.session.state()).toBe('awaitingStep2')
  })

  it('the offerer says nothing until the answerer speaks, then step 1 and presence before its answer', () => {
    const offerer = new Side(1, 'editor', true)
    const answerer = new Side(2, 'editor', false)
    offerer.awarenessUpdate = Uint8Array.of(0)
    offerer.draw(1)
    expect(offerer.session.open(offerer)).toEqual([])
    expect(offerer.session.speaking).toBe(false)
    expect(offerer.session.localUpdate(Uint8Array.of(0, 0))).toEqual([])
    expect(offerer.session.localAwareness(Uint8Array.of(0))).toEqual([])
    expect(offerer.session.state()).toBe('connecting')

    const hello = answerer.session.open(answerer)
    const [out] = offerer.receive(hello)
    // step 1, awareness, then the step 2 answering the answerer's step 1
    expect(out!.frames.map((f) => hex(f.subarray(0, 3)))).toEqual(['00 00 00', '00 01 01', '00 00 01'])
    expect(offerer.session.state()).toBe('awaitingStep2')
    answerer.receive(out!.frames).forEach((o) => offerer.receive(o.frames))
    expect(offerer.session.state()).toBe('live')
    expect(answerer.session.state()).toBe('live')
    expect(answerer.doc.getMap('elements').size).toBe(1)
  })

  it('boards larger than a frame sync chunked and go live', () => {
    const alice = new Side(1, 'editor', true, DEFAULT_LIMITS)
    const bob = new Side(2, 'editor', false, DEFAULT_LIMITS)
    alice.draw(300, 200)
    bob.draw(3)
    const toAlice = bob.session.open(bob)
    const aliceOut = replies(alice.receive(toAlice))
    const chunks = aliceOut.filter((f) => f[0] === CHUNK_FRAME)
    expect(chunks.length).toBeGreaterThanOrEqual(3)
    expect(aliceOut.every((f) => f.length <= DEFAULT_LIMITS.maxFrameBytes)).toBe(true)
    const bobOut = bob.receive(aliceOut)
    expect(bob.session.state()).toBe('live')
    alice.receive(replies(bobOut))
    expect(alice.session.state()).toBe('live')
    expect(bob.doc.getMap('elements').toJSON()).toEqual(alice.doc.getMap('elements').toJSON())
    expect(bob.doc.getMap('elements').size).toBe(303)

    const update = Y.encodeStateAsUpdate(alice.doc, Y.encodeStateVector(bob.doc))
    const frames = alice.session.localUpdate(update)
    expect(frames.every((f) => f[0] === WHOLE_FRAME)).toBe(true)
  })

  it('a step 2 before we answered their step 1 passes through synced', () => {
    const alice = new Side(1, 'editor', false)
    const bob = new Side(2, 'editor', false)
    const toBob = alice.session.open(alice)
    const toAlice = bob.session.open(bob)
    const bobStep2 = replies(bob.receive(toBob))
    const [out] = alice.receive(bobStep2)
    expect(out!.applied).toBe(true)
    expect(alice.session.state()).toBe('synced')
    alice.receive(toAlice)
    expect(alice.session.state()).toBe('live')
  })

  it("drops a viewer's step 2 and updates, but the viewer goes live and gets the board", () => {
    const alice = new Side(1, 'viewer', false) // Bob is a viewer
    const bob = new Side(2, 'editor', true)
    alice.draw(2)
    bob.draw(4)
    const hello = alice.session.open(alice)
    const bobOut = replies(bob.receive(hello))
    const outs = alice.receive(bobOut)
    expect(outs.some((o) => o.droppedFromViewer)).toBe(true)
    expect(outs.some((o) => o.applied)).toBe(false)
    expect(alice.session.state()).toBe('live')
    expect(alice.doc.getMap('elements').size).toBe(2)
    bob.receive(replies(outs))
    expect(bob.doc.getMap('elements').size).toBe(6)
    // A viewer with nothing new is not reported.
    const carol = new Side(3, 'viewer', false)
    const dave = new Side(4, 'editor', true)
    const [o] = carol.receive(replies(dave.receive(carol.session.open(carol))).slice(1))
    expect(o!.droppedFromViewer).toBe(false)
  })

  it('passes awareness up without applying it', () => {
    const alice = new Side(1, 'editor', false)
    alice.session.open(alice)
    const bob = new Side(2, 'editor', false)
    bob.session.open(bob)
    const [out] = alice.receive(bob.session.localAwareness(Uint8Array.of(0)))
    expect(Array.from(out!.awareness!)).toEqual([0])
  })

  it('an update that does not apply is a ProtocolError', () => {
    const alice = new Side(1, 'editor', false)
    alice.session.open(alice)
    const bob = new Side(2, 'editor', false)
    bob.session.open(bob)
    bob.draw(1)
    const update = Y.encodeStateAsUpdate(bob.doc)
    const frames = bob.session.localUpdate(update.subarray(0, Math.floor(update.length / 2)))
    expect(() => alice.receive(frames)).toThrow(ProtocolError)
  })

  it('refuses to send what the peer would refuse', () => {
    const alice = new Side(1, 'editor', false, { ...small, maxMessageBytes: 1000 })
    alice.session.open(alice)
    expect(() => alice.session.localUpdate(new Uint8Array(1000))).toThrow(/over the peer's limit/)
    alice.draw(20, 100)
    const bob = new Side(2, 'editor', false)
    expect(() => alice.receive(bob.session.open(bob))).toThrow(/over the peer's limit/)
  })

  it('a viewer answers step 1 with the empty update, 00 01 02 00 00, whatever its board holds', () => {
    const viewer = new Side(1, 'editor', false, small, 'viewer')
    viewer.draw(20, 100)
    const editor = new Side(2, 'viewer', true)
    const hello = viewer.session.open(viewer)
    const [out] = editor.receive(hello)
    const [answer] = viewer.receive(out!.frames)
    // A whole frame (00) around the step 2 message PROTOCOL.md shows.
    expect(answer!.frames.map(hex)).toEqual(['00 00 01 02 00 00'])
    expect(answer!.answeredStep1).toBe(true)
    expect(viewer.session.state()).toBe('live')
    // Nothing is dropped, and the editor's session goes live.
    const [seen] = editor.receive(answer!.frames)
    expect(seen!.droppedFromViewer).toBe(false)
    expect(seen!.applied).toBe(false)
    expect(editor.session.state()).toBe('live')
    expect(editor.doc.getMap('elements').size).toBe(0)
  })

  it('answers step 1 in a burst, then once per refill', () => {
    const alice = new Side(1, 'viewer', false)
    alice.session.open(alice)
    const step1 = bytes('00 00 00 01 00')
    const ask = (at: number): string => {
      try {
        const out = alice.session.receive(step1, alice, at)
        return out.answeredStep1 ? 'answered' : 'not answered'
      } catch (e) {
        return (e as ProtocolError).limit === 'sync_step1_repeat' ? 'too often' : String(e)
      } finally {
        alice.session.answerSent()
      }
    }
    const start = 5_000
    for (let i = 0; i < STEP1_BURST; i++) expect(ask(start)).toBe('answered')
    expect(ask(start + STEP1_REFILL_MS - 1)).toBe('too often')
    expect(ask(start + STEP1_REFILL_MS)).toBe('answered')
    expect(ask(start + STEP1_REFILL_MS)).toBe('too often')
    // Two more refills, two more answers.
    expect(ask(start + 3 * STEP1_REFILL_MS)).toBe('answered')
    expect(ask(start + 3 * STEP1_REFILL_MS)).toBe('answered')
    expect(ask(start + 3 * STEP1_REFILL_MS)).toBe('too often')
    // A long quiet refills the burst, and no more.
    const later = start + 1000 * STEP1_REFILL_MS
    for (let i = 0; i < STEP1_BURST; i++) expect(ask(later)).toBe('answered')
    expect(ask(later)).toBe('too often')
  })

  it('refuses a step 1 while our answer to the previous one is still queued', () => {
    const alice = new Side(1, 'editor', false)
    alice.draw(20, 100)
    alice.session.open(alice)
    const step1 = bytes('00 00 00 01 00')
    const first = alice.session.receive(step1, alice, 0)
    expect(first.answeredStep1).toBe(true)
    expect(first.frames.length).toBeGreaterThan(2)
    // Asking again before the answer left: refused, without a second diff.
    let diffs = 0
    const counting: SessionHost = {
      stateVector: () => alice.stateVector(),
      diff: (sv) => {
        diffs++
        return alice.diff(sv)
      },
      apply: (u) => alice.apply(u),
      awareness: () => null,
    }
    expect(tripped(() => alice.session.receive(step1, counting, 0))).toBe('sync_step1_repeat')
    expect(() => alice.session.receive(step1, counting, 0)).toThrow(/repeated while our answer to the previous one was still queued/)
    expect(diffs).toBe(0)
    // Other messages are fine meanwhile; once the answer left, asking again is too.
    const awareness = alice.session.receive(bytes('00 01 01 00'), alice, 0)
    expect(awareness.answeredStep1).toBe(false)
    expect(awareness.frames).toEqual([])
    alice.session.answerSent()
    const again = alice.session.receive(step1, counting, 0)
    expect(again.answeredStep1).toBe(true)
    expect(diffs).toBe(1)
    // The same answer, under the next message id.
    const payloads = (frames: Uint8Array[]) => frames.map((f) => hex(f.subarray(CHUNK_HEADER_BYTES)))
    expect(payloads(again.frames)).toEqual(payloads(first.frames))
  })

  it("bounds a viewer's messages by V, far below an editor's M", () => {
    const limits: Limits = { ...small, maxMessageBytes: 4000, viewerMaxMessageBytes: 1000 }
    // A state vector of 1,202 bytes: 300 clients of 4 bytes each (2-byte id, 2-byte clock).
    const sv = encoding.createEncoder()
    encoding.writeVarUint(sv, 300)
    for (let client = 1000; client < 1300; client++) {
      encoding.writeVarUint(sv, client)
      encoding.writeVarUint(sv, 129)
    }
    const frames = new Chunker(limits.maxFrameBytes).frames(encodeMessage({ type: 'step1', payload: encoding.toUint8Array(sv) }))
    expect(frames.length).toBeGreaterThan(2)
    const fromEditor = new Side(1, 'editor', false, limits)
    fromEditor.session.open(fromEditor)
    expect(fromEditor.receive(frames).at(-1)!.answeredStep1).toBe(true)
    const fromViewer = new Side(1, 'viewer', false, limits)
    fromViewer.session.open(fromViewer)
    expect(tripped(() => fromViewer.receive(frames))).toBe('message_bytes')
    // A whole frame over V too, even one that would be dropped anyway.
    const whole = Uint8Array.of(WHOLE_FRAME, ...encodeMessage({ type: 'update', payload: new Uint8Array(1000) }))
    const viewerPeer = new Side(1, 'viewer', false, limits)
    expect(tripped(() => viewerPeer.session.receive(whole, viewerPeer, 0))).toBe('message_bytes')
  })

  it('as a viewer, sends no message over V', () => {
    const viewer = new Side(1, 'editor', false, { ...small, viewerMaxMessageBytes: 100 }, 'viewer')
    viewer.session.open(viewer)
    expect(tripped(() => viewer.session.localAwareness(new Uint8Array(100)))).toBe('message_bytes')
    expect(viewer.session.localAwareness(new Uint8Array(90))).toHaveLength(1)
    // An editor's session sends as much to the same peer.
    const editor = new Side(2, 'editor', false, { ...small, viewerMaxMessageBytes: 100 })
    editor.session.open(editor)
    expect(editor.session.localAwareness(new Uint8Array(100))).toHaveLength(1)
  })

  it('a stalled step 2 times out', () => {
    const alice = new Side(1, 'editor', false)
    const bob = new Side(2, 'editor', false)
    alice.draw(20, 100)
    alice.session.open(alice)
    const step2 = replies(alice.receive(bob.session.open(bob)))
    expect(step2.length).toBeGreaterThan(2)
    bob.session.receive(step2[0]!, bob, 0)
    expect(() => bob.session.tick(small.reassemblyTimeoutMs)).not.toThrow()
    expect(() => bob.session.tick(small.reassemblyTimeoutMs + 1)).toThrow(/stalled/)
  })

  it('resyncs with a new step 1 once live, and gets what it lacks', () => {
    const member = new Side(1, 'editor', true)
    const keeper = new Side(2, 'editor', false)
    expect(member.session.resync(member, 0)).toEqual([]) // not speaking yet: our first step 1 will ask
    const hello = keeper.session.open(keeper)
    const toKeeper = replies(member.receive(hello))
    member.receive(replies(keeper.receive(toKeeper)))
    expect(member.session.state()).toBe('live')
    // The keeper learns something the member missed (it was on a direct link that ended).
    keeper.draw(2)
    const again = member.session.resync(member, 0)
    expect(again.map((f) => hex(f.subarray(0, 3)))).toEqual(['00 00 00'])
    keeper.session.answerSent()
    member.receive(replies(keeper.receive(again)))
    expect(member.doc.getMap('elements').size).toBe(2)
    expect(member.session.state()).toBe('live')
  })

  it('holds a resync until its previous step 1 is answered, then sends one, however often it was asked', () => {
    const member = new Side(1, 'editor', true)
    const keeper = new Side(2, 'editor', false)
    const toKeeper = replies(member.receive(keeper.session.open(keeper)))
    expect(member.session.resync(member, 0)).toEqual([])
    expect(member.session.resync(member, 0)).toEqual([])
    // The keeper's step 2 answers our first step 1: the held step 1 follows at once.
    const outs = member.receive(replies(keeper.receive(toKeeper)))
    const held = replies(outs)
    expect(held.map((f) => hex(f.subarray(0, 3)))).toEqual(['00 00 00'])
    keeper.session.answerSent()
    const answer = replies(keeper.receive(held))
    expect(answer.map((f) => hex(f.subarray(0, 3)))).toEqual(['00 00 01'])
    expect(replies(member.receive(answer))).toEqual([])
  })

  it('holds a resync asked for sooner than the interval after the previous one, then sends one', () => {
    const member = new Side(1, 'editor', true)
    const keeper = new Side(2, 'editor', false)
    member.receive(replies(keeper.receive(replies(member.receive(keeper.session.open(keeper))))))
    keeper.session.answerSent()
    const step1 = member.session.resync(member, 0)
    expect(step1.map((f) => hex(f.subarray(0, 3)))).toEqual(['00 00 00'])
    expect(replies(member.receive(replies(keeper.receive(step1)), 10))).toEqual([])
    keeper.session.answerSent()
    // Two more asks soon after: they wait for the interval, then go out as one step 1.
    expect(member.session.resync(member, 1000)).toEqual([])
    expect(member.session.resync(member, 1500)).toEqual([])
    expect(member.session.dueResync(member, RESYNC_INTERVAL_MS - 1)).toEqual([])
    const due = member.session.dueResync(member, RESYNC_INTERVAL_MS)
    expect(due.map((f) => hex(f.subarray(0, 3)))).toEqual(['00 00 00'])
    expect(keeper.session.receive(due[0]!, keeper, RESYNC_INTERVAL_MS).answeredStep1).toBe(true)
    expect(member.session.dueResync(member, 10 * RESYNC_INTERVAL_MS)).toEqual([])
  })
})
