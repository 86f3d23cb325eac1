// The sans-I/O core of one peer connection: everything per peer that is not a
// socket (str0m-style). The socket glue (peer.ts) feeds it channel events and
// data; it writes frames back through a PeerWire. So the whole exchange (who
// speaks first, sync, chunking, presence, cursors) runs in unit tests with two
// cores and in-memory queues, and in the browser over RTCDataChannels.
//
// Every method that takes peer data throws a ProtocolError when the peer broke
// docs/PROTOCOL.md: the caller closes the connection. So does every method that
// sends, when the peer is too slow: every board frame we send it passes the one
// queue limit here, answers to its own messages included.

import { ProtocolError } from '../protocol/error'
import {
  CURSOR_FRAME_BYTES,
  CursorFilter,
  CursorSequencer,
  decodeCursor,
  encodeCursor,
  isSendablePosition,
  type CursorFrame,
} from '../protocol/cursor'
import { decodeRelayedCursors } from '../protocol/relayed-cursor'
import { DEFAULT_LIMITS, type Limits } from '../protocol/limits'
import { SyncSession, type Ends, type SessionHost, type SyncState } from '../protocol/session'

/** What applying a peer's awareness update did. */
export interface PresenceApplied {
  /** New clients not tracked because the presence table was full; nobody is disconnected for it. */
  untracked: number
}

/** Our side, as one peer connection sees it. */
export interface PeerCoreHost extends SessionHost {
  /** Validates and applies the peer's awareness update; throws a ProtocolError if it is bad or over the peer's quota. */
  presence(update: Uint8Array): PresenceApplied
}

/** Where the core's frames go: the two data channels. */
export interface PeerWire {
  /** Queues a board frame; queued frames leave in order. */
  board(frame: Uint8Array<ArrayBuffer>): void
  cursor(frame: Uint8Array<ArrayBuffer>): void
  /**
   * Board bytes handed to the data channel so far, out of all given to
   * board(): the rest is still queued. A position in that stream has left
   * once this reaches it.
   */
  boardBytesSent(): number
}

/** What a board frame did, for status and logs. */
export interface BoardResult {
  applied: boolean
  droppedFromViewer: boolean
  /** New presence clients not tracked because the table was full. */
  presenceUntracked: number
  /** A member's links report, when we are the keeper. */
  links: readonly string[] | null
}

/** A cursor that arrived on this connection. */
export interface ReceivedCursor {
  /** The member it belongs to when the keeper relayed it; null: the peer's own. */
  origin: string | null
  frame: CursorFrame
}

export class PeerCore {
  private readonly session: SyncSession
  private readonly sequencer = new CursorSequencer()
  private readonly filter = new CursorFilter()
  /** Board bytes ever given to the wire: where the frame queued last ends. */
  private boardBytesQueued = 0
  /** Where our answer to the peer's last step 1 ends in the board stream, until it has left the queue. */
  private answerEnd: number | null = null

  constructor(
    private readonly ends: Ends,
    offerer: boolean,
    private readonly host: PeerCoreHost,
    private readonly wire: PeerWire,
    private readonly limits: Limits = DEFAULT_LIMITS,
  ) {
    this.session = new SyncSession(ends, offerer, limits)
  }

  state(): SyncState {
    return this.session.state()
  }

  /** Whether we may send to the peer yet (the answerer speaks first). */
  get speaking(): boolean {
    return this.session.speaking
  }

  /** The board channel opened. */
  open(): void {
    this.send(this.session.open(this.host))
  }

  /** A message on the board channel; `now` in ms for the reassembly timeout. */
  board(data: unknown, now: number): BoardResult {
    const frame = binary(data, 'board')
    if (this.answerEnd !== null && this.wire.boardBytesSent() >= this.answerEnd) {
      this.answerEnd = null
      this.session.answerSent()
    }
    const out = this.session.receive(frame, this.host, now)
    this.send(out.frames)
    if (out.answeredStep1) this.answerEnd = this.boardBytesQueued
    const presence = out.awareness ? this.host.presence(out.awareness) : { untracked: 0 }
    return { applied: out.applied, droppedFromViewer: out.droppedFromViewer, presenceUntracked: presence.untracked, links: out.links }
  }

  /**
   * A message on the cursor channel: the peer's own frame if it is newer than
   * its last one; or, from the keeper, a relayed frame of any other length,
   * every entry returned (the caller filters per member, knowing which
   * members it reaches directly).
   */
  cursor(data: unknown): ReceivedCursor[] {
    const bytes = binary(data, 'cursor')
    if (this.ends.remoteKeeper && bytes.length !== CURSOR_FRAME_BYTES) return decodeRelayedCursors(bytes)
    const frame = decodeCursor(bytes)
    return this.filter.accept(frame.seq) ? [{ origin: null, frame }] : []
  }

  /** Holds our first step 1 until releaseSync(): the board is coming from the server's snapshot. */
  holdSync(): void {
    this.session.holdStep1()
  }

  /** Sends the held step 1 (if we speak already): the snapshot is in, or is not coming. */
  releaseSync(): void {
    this.send(this.session.releaseStep1(this.host))
  }

  /** A local board update (v1). */
  update(update: Uint8Array): void {
    this.send(this.session.localUpdate(update))
  }

  /** Our awareness update. */
  awareness(update: Uint8Array): void {
    this.send(this.session.localAwareness(update))
  }

  /** A new sync step 1 to the peer, now or once it may go out (see SyncSession.resync). */
  resync(now: number): void {
    this.send(this.session.resync(this.host, now))
  }

  /** Our links report, for the keeper: dropped while we may not speak (the caller reports once we may). */
  reportLinks(ids: readonly string[]): void {
    this.send(this.session.localLinks(ids))
  }

  /** Our pointer; dropped while we may not speak, or if receivers would refuse it. */
  sendCursor(x: number, y: number, buttons: number, tool: number): void {
    if (!this.session.speaking || !isSendablePosition(x, y)) return
    this.wire.cursor(encodeCursor({ seq: this.sequencer.next(), x, y, buttons, tool }))
  }

  /** Call on a timer: throws if the peer stalled mid-message; sends a resync that waited until now. */
  tick(now: number): void {
    this.session.tick(now)
    this.send(this.session.dueResync(this.host, now))
  }

  /** Queues frames for the board channel, unless that would queue more than the peer may make us hold: too slow. */
  private send(frames: Uint8Array<ArrayBuffer>[]): void {
    const bytes = frames.reduce((sum, frame) => sum + frame.length, 0)
    const queued = this.boardBytesQueued - this.wire.boardBytesSent() + bytes
    if (queued > this.limits.maxQueuedBytes) {
      throw new ProtocolError(
        `too slow: ${queued} bytes would be queued for it, over the limit of ${this.limits.maxQueuedBytes}`,
        'peer_queue_bytes',
      )
    }
    for (const frame of frames) this.wire.board(frame)
    this.boardBytesQueued += bytes
  }
}

/** Every message on either channel is binary; a text message is a protocol error. */
function binary(data: unknown, channel: string): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  if (typeof data === 'string') throw new ProtocolError(`text message on the ${channel} channel`)
  throw new ProtocolError(`non-binary message on the ${channel} channel`)
}
