// The per-peer sync session over the board channel (docs/PROTOCOL.md, "The
// sync session"), mirroring crates/transport/src/protocol/session.rs plus the
// room's "who speaks first" rule.
//
// Both ends run the same session. Each sends a sync step 1 (its state vector)
// and answers the other's step 1 with a step 2 (what the other lacks). Once a
// side has received the peer's step 2 and answered its step 1, both replicas
// have exchanged everything:
//
//   connecting --speak (send step 1)--> awaitingStep2 --their step 2--> synced
//                                            |                            |
//                                  (answered their step 1)       answer their step 1
//                                            |                            v
//                                            +------their step 2------> live
//
// Who speaks first: the answerer speaks as soon as the board channel opens; the
// offerer sends nothing (on either channel) until the answerer's first board
// frame arrives, because webrtc-rs drops data reaching its SCTP client before
// it has handled its own handshake. Local updates made while we may not speak
// are not lost: the step 2 we send later carries them. A client loading the
// server's snapshot may hold its first step 1 until the snapshot is in
// (holdStep1), so the peer does not send the whole board a second time.
//
// A peer may send step 1 again (to resync), but not while our answer to its
// previous one is still queued for it: each answer can be a whole board, so
// repeats would multiply our work and memory. The session cannot see the
// queue; it reports each answer (answeredStep1) and the glue says when that
// answer has left (answerSent()). Nor more often than STEP1_BURST at once and
// one per STEP1_REFILL_MS since: a link that drains fast would otherwise
// carry the board over and over.

import { ProtocolError } from './error'
import { Chunker, Reassembler } from './chunk'
import { decodeMessage, encodeMessage, type BoardMessage } from './frame'
import { DEFAULT_LIMITS, RESYNC_INTERVAL_MS, STEP1_BURST, STEP1_REFILL_MS, type Limits } from './limits'

export type Role = 'editor' | 'viewer'

/** The two ends of a session, as signaling stamped them. */
export interface Ends {
  /** Our role. A viewer answers step 1 with the empty update and sends no message over V. */
  local: Role
  /** The peer's role. A viewer's updates are dropped, and its messages bounded by V. */
  remote: Role
  /** We are the room's keeper: members send us links reports. */
  localKeeper: boolean
  /** The peer is the room's keeper: it relays others' updates, presence and cursors, and never reports links. */
  remoteKeeper: boolean
}

export type SyncState = 'connecting' | 'awaitingStep2' | 'synced' | 'live'

/** What the session needs of our side: the board, and our presence. */
export interface SessionHost {
  stateVector(): Uint8Array
  /** Everything we have that `stateVector` lacks, as a v1 update. */
  diff(stateVector: Uint8Array): Uint8Array
  /** Applies a peer's v1 update with a remote origin; throws if it does not decode or apply. */
  apply(update: Uint8Array): void
  /** Our current awareness update, sent when we start speaking; null if we have none. */
  awareness(): Uint8Array | null
}

/** What handling one frame produced. */
export interface SessionOutput {
  /** Frames to send back to this peer, in order. */
  frames: Uint8Array<ArrayBuffer>[]
  /** `frames` end with our answer to the peer's step 1: call answerSent() once they have left our queue. */
  answeredStep1: boolean
  /** A peer's awareness update, for the presence layer to validate and apply. */
  awareness: Uint8Array | null
  /** A peer's step 2 or update was applied to the board. */
  applied: boolean
  /** The peer is a viewer and sent a non-empty update: dropped. */
  droppedFromViewer: boolean
  /** A member's links report, when we are the keeper. */
  links: readonly string[] | null
}

/** A v1 update with nothing in it: the step 2 of a peer with nothing new, and every viewer's. */
const EMPTY_UPDATE = Uint8Array.of(0x00, 0x00)

export class SyncSession {
  private readonly chunker: Chunker
  private readonly reassembler: Reassembler
  /** The largest message we send: V if we are a viewer, else M (the peer would disconnect us for more). */
  private readonly maxSendBytes: number
  private opened = false
  private receivedStep2 = false
  private answeredStep1 = false
  /** Our answer to the peer's last step 1 has not left our queue yet. */
  private answerPending = false
  /** How many more step 1s the peer may send now. */
  private readonly step1Allowance = new TokenBucket(STEP1_BURST, STEP1_REFILL_MS)
  /** We sent a step 1 and its step 2 has not arrived yet. */
  private step1Unanswered = false
  /** A resync was asked for while a step 1 was unanswered, or sooner than RESYNC_INTERVAL_MS after the previous one: sent once neither holds (dueResync). */
  private resyncWanted = false
  /** When we last sent a resync's step 1 (ms). */
  private lastResync: number | null = null
  /** Our first step 1 waits for releaseStep1() (see holdStep1). */
  private step1Held = false

  constructor(
    private readonly ends: Ends,
    /** We made the WebRTC offer: we wait for the answerer's first frame. */
    readonly offerer: boolean,
    limits: Limits = DEFAULT_LIMITS,
  ) {
    // A viewer's messages are bounded far below an editor's, both ways: what
    // we accept depends on the peer's role, what we send on ours.
    const forRole = (role: Role) =>
      role === 'viewer' ? Math.min(limits.viewerMaxMessageBytes, limits.maxMessageBytes) : limits.maxMessageBytes
    this.maxSendBytes = forRole(ends.local)
    this.chunker = new Chunker(limits.maxFrameBytes)
    this.reassembler = new Reassembler({ ...limits, maxMessageBytes: forRole(ends.remote) })
  }

  state(): SyncState {
    if (!this.opened) return 'connecting'
    if (!this.receivedStep2) return 'awaitingStep2'
    return this.answeredStep1 ? 'live' : 'synced'
  }

  /** Whether we may send to this peer yet (board or cursor). */
  get speaking(): boolean {
    return this.opened
  }

  /**
   * Our first step 1 waits until releaseStep1(): we are loading the board
   * from the server's snapshot, and a step 1 sent now would ask the peer for
   * the whole board again (PROTOCOL.md, "Holding step 1"). Speaking starts
   * as it would, with our presence; answers and updates flow meanwhile. Only
   * before we speak.
   */
  holdStep1(): void {
    if (!this.opened) this.step1Held = true
  }

  /** Sends the held step 1 now if we speak, else lets our speaking send it; nothing if none is held. */
  releaseStep1(host: SessionHost): Uint8Array<ArrayBuffer>[] {
    if (!this.step1Held) return []
    this.step1Held = false
    return this.opened ? this.sendStep1(host) : []
  }

  /** The board channel opened: the answerer speaks now (step 1, then presence); the offerer waits. */
  open(host: SessionHost): Uint8Array<ArrayBuffer>[] {
    return this.offerer ? [] : this.speak(host)
  }

  /**
   * One frame from the peer. Chunks are reassembled; a whole message is
   * handled: step 1 is answered with our step 2 (the empty update if we are a
   * viewer), unless our previous answer has not left yet or the peer asks too
   * often (an error). Throws a ProtocolError when the peer broke the protocol
   * (or sent an update that does not apply): disconnect it.
   */
  receive(frame: Uint8Array, host: SessionHost, now: number): SessionOutput {
    // The answerer's first frame: our turn to speak, before anything we answer.
    const frames = this.opened ? [] : this.speak(host)
    const out: SessionOutput = { frames, answeredStep1: false, awareness: null, applied: false, droppedFromViewer: false, links: null }
    const bytes = this.reassembler.push(frame, now)
    if (bytes === null) return out
    const message = decodeMessage(bytes)
    switch (message.type) {
      case 'step1': {
        if (this.answerPending) {
          throw new ProtocolError('sync step 1 repeated while our answer to the previous one was still queued', 'sync_step1_repeat')
        }
        if (!this.step1Allowance.take(now)) {
          throw new ProtocolError(
            `sync step 1 repeated more often than ${STEP1_BURST} in a burst and one per ${STEP1_REFILL_MS} ms since`,
            'sync_step1_repeat',
          )
        }
        const diff = this.ends.local === 'viewer' ? EMPTY_UPDATE : host.diff(message.payload)
        out.frames.push(...this.send({ type: 'step2', payload: diff }))
        out.answeredStep1 = true
        this.answeredStep1 = true
        this.answerPending = true
        break
      }
      case 'step2':
        this.receiveUpdate(message.payload, host, out)
        // A step 2 we did not ask for is merely an update.
        this.receivedStep2 ||= this.opened && !this.step1Held
        this.step1Unanswered = false
        out.frames.push(...this.dueResync(host, now))
        break
      case 'update':
        this.receiveUpdate(message.payload, host, out)
        break
      case 'awareness':
        out.awareness = message.payload
        break
      case 'links':
        if (!this.ends.localKeeper || this.ends.remoteKeeper) {
          throw new ProtocolError('links report from a peer that is not a member to the keeper')
        }
        out.links = message.ids
        break
    }
    return out
  }

  /** Our answer to the peer's last step 1 has left our queue (handed to the data channel): the peer may ask again. */
  answerSent(): void {
    this.answerPending = false
  }

  /** A local v1 update for this peer: frames, or none while we may not speak (our step 2 will carry it). */
  localUpdate(update: Uint8Array): Uint8Array<ArrayBuffer>[] {
    return this.opened ? this.send({ type: 'update', payload: update }) : []
  }

  /** Our awareness update for this peer: frames, or none while we may not speak. */
  localAwareness(update: Uint8Array): Uint8Array<ArrayBuffer>[] {
    return this.opened ? this.send({ type: 'awareness', payload: update }) : []
  }

  /** Our links report for the keeper: frames, or none while we may not speak (the caller reports once we may). */
  localLinks(ids: readonly string[]): Uint8Array<ArrayBuffer>[] {
    return this.opened ? this.send({ type: 'links', ids }) : []
  }

  /**
   * Asks the peer again for everything we lack (a new step 1): the keeper,
   * after a live direct link ended, since it did not forward what that link
   * carried. Sent now, or once the answer to our previous step 1 arrives and
   * the previous resync is RESYNC_INTERVAL_MS back (PROTOCOL.md: a peer may
   * not ask while our answer is still queued, nor too often), from
   * dueResync(); before we speak, our first step 1 does it anyway.
   */
  resync(host: SessionHost, now: number): Uint8Array<ArrayBuffer>[] {
    // Before we speak, or while our step 1 is held, the first step 1 asks anyway.
    if (!this.opened || this.step1Held) return []
    this.resyncWanted = true
    return this.dueResync(host, now)
  }

  /** The step 1 of a deferred resync, if it may go out at `now`. Call on a timer. */
  dueResync(host: SessionHost, now: number): Uint8Array<ArrayBuffer>[] {
    const tooSoon = this.lastResync !== null && now - this.lastResync < RESYNC_INTERVAL_MS
    if (!this.resyncWanted || !this.opened || this.step1Unanswered || tooSoon) return []
    this.resyncWanted = false
    this.lastResync = now
    return this.sendStep1(host)
  }

  /** Call on a timer: throws if a partial message stalled. */
  tick(now: number): void {
    this.reassembler.tick(now)
  }

  private speak(host: SessionHost): Uint8Array<ArrayBuffer>[] {
    this.opened = true
    const frames = this.step1Held ? [] : this.sendStep1(host)
    const awareness = host.awareness()
    if (awareness !== null) frames.push(...this.send({ type: 'awareness', payload: awareness }))
    return frames
  }

  private sendStep1(host: SessionHost): Uint8Array<ArrayBuffer>[] {
    this.step1Unanswered = true
    return this.send({ type: 'step1', payload: host.stateVector() })
  }

  private receiveUpdate(update: Uint8Array, host: SessionHost, out: SessionOutput): void {
    if (this.ends.remote === 'viewer') {
      out.droppedFromViewer = !(update.length === EMPTY_UPDATE.length && update.every((b, i) => b === EMPTY_UPDATE[i]))
      return
    }
    try {
      host.apply(update)
    } catch (error) {
      throw new ProtocolError(`update does not apply: ${error instanceof Error ? error.message : String(error)}`)
    }
    out.applied = true
  }

  /** Frames for a message, refusing one the peer would refuse (it would disconnect us for it). */
  private send(message: BoardMessage): Uint8Array<ArrayBuffer>[] {
    const bytes = encodeMessage(message)
    if (bytes.length > this.maxSendBytes) {
      throw new ProtocolError(
        `cannot send a ${message.type} of ${bytes.length} bytes: over the peer's limit of ${this.maxSendBytes} for us`,
        'message_bytes',
      )
    }
    return this.chunker.frames(bytes)
  }
}

/**
 * A token bucket, as crates/transport/src/token_bucket.rs: `burst` takes at
 * once, then one more per `refillMs`, refilled by fractions; full at first.
 */
class TokenBucket {
  private tokens: number
  private last: number | null = null

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
  ) {
    this.tokens = burst
  }

  /** Takes one token if there is one at `now` (ms). */
  take(now: number): boolean {
    const elapsed = this.last === null ? 0 : Math.max(0, now - this.last)
    this.last = now
    this.tokens = Math.min(this.burst, this.tokens + elapsed / this.refillMs)
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
