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
// are not lost: the step 2 we send later carries them.

import { ProtocolError } from './error'
import { Chunker, Reassembler } from './chunk'
import { decodeMessage, encodeMessage, type BoardMessage } from './frame'
import { DEFAULT_LIMITS, type Limits } from './limits'

export type Role = 'editor' | 'viewer'

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
  /** A peer's awareness update, for the presence layer to validate and apply. */
  awareness: Uint8Array | null
  /** A peer's step 2 or update was applied to the board. */
  applied: boolean
  /** The peer is a viewer and sent a non-empty update: dropped. */
  droppedFromViewer: boolean
}

/** A v1 update with nothing in it: what a peer with nothing new sends as its step 2. */
const EMPTY_UPDATE = [0x00, 0x00]

export class SyncSession {
  private readonly chunker: Chunker
  private readonly reassembler: Reassembler
  private readonly limits: Limits
  private opened = false
  private receivedStep2 = false
  private answeredStep1 = false

  constructor(
    private readonly remoteRole: Role,
    /** We made the WebRTC offer: we wait for the answerer's first frame. */
    readonly offerer: boolean,
    limits: Limits = DEFAULT_LIMITS,
  ) {
    this.limits = limits
    this.chunker = new Chunker(limits.maxFrameBytes)
    this.reassembler = new Reassembler(limits)
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

  /** The board channel opened: the answerer speaks now (step 1, then presence); the offerer waits. */
  open(host: SessionHost): Uint8Array<ArrayBuffer>[] {
    return this.offerer ? [] : this.speak(host)
  }

  /**
   * One frame from the peer. Chunks are reassembled; a whole message is
   * handled. Throws a ProtocolError when the peer broke the protocol (or sent
   * an update that does not apply): disconnect it.
   */
  receive(frame: Uint8Array, host: SessionHost, now: number): SessionOutput {
    // The answerer's first frame: our turn to speak, before anything we answer.
    const frames = this.opened ? [] : this.speak(host)
    const out: SessionOutput = { frames, awareness: null, applied: false, droppedFromViewer: false }
    const bytes = this.reassembler.push(frame, now)
    if (bytes === null) return out
    const message = decodeMessage(bytes)
    switch (message.type) {
      case 'step1':
        out.frames.push(...this.send({ type: 'step2', payload: host.diff(message.payload) }))
        this.answeredStep1 = true
        break
      case 'step2':
        this.receiveUpdate(message.payload, host, out)
        // A step 2 we did not ask for is merely an update (cannot happen once speaking precedes receiving).
        this.receivedStep2 ||= this.opened
        break
      case 'update':
        this.receiveUpdate(message.payload, host, out)
        break
      case 'awareness':
        out.awareness = message.payload
        break
    }
    return out
  }

  /** A local v1 update for this peer: frames, or none while we may not speak (our step 2 will carry it). */
  localUpdate(update: Uint8Array): Uint8Array<ArrayBuffer>[] {
    return this.opened ? this.send({ type: 'update', payload: update }) : []
  }

  /** Our awareness update for this peer: frames, or none while we may not speak. */
  localAwareness(update: Uint8Array): Uint8Array<ArrayBuffer>[] {
    return this.opened ? this.send({ type: 'awareness', payload: update }) : []
  }

  /** Call on a timer: throws if a partial message stalled. */
  tick(now: number): void {
    this.reassembler.tick(now)
  }

  private speak(host: SessionHost): Uint8Array<ArrayBuffer>[] {
    this.opened = true
    const frames = this.send({ type: 'step1', payload: host.stateVector() })
    const awareness = host.awareness()
    if (awareness !== null) frames.push(...this.send({ type: 'awareness', payload: awareness }))
    return frames
  }

  private receiveUpdate(update: Uint8Array, host: SessionHost, out: SessionOutput): void {
    if (this.remoteRole === 'viewer') {
      out.droppedFromViewer = !(update.length === 2 && update[0] === EMPTY_UPDATE[0] && update[1] === EMPTY_UPDATE[1])
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
    if (bytes.length > this.limits.maxMessageBytes) {
      throw new ProtocolError(
        `cannot send a ${message.type} of ${bytes.length} bytes: over the peer's limit of ${this.limits.maxMessageBytes}`,
      )
    }
    return this.chunker.frames(bytes)
  }
}
