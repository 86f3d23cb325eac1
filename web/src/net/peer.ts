// One RTCPeerConnection to one remote member, with the two pre-negotiated data
// channels of docs/PROTOCOL.md. Socket glue only, mirroring
// crates/transport/src/peer.rs: it moves bytes between the channels and a
// PeerCore and reports when the link opens or ends. What frames mean is the
// core's business.

import { PerfectNegotiation, refuseExtraSections, type SendOffer } from './negotiation'
import { FIRST_OFFER_SECTIONS } from '../protocol/limits'

/** The reliable, ordered channel: board sync, updates and presence. */
const BOARD = { label: 'board', id: 0 } as const
/** The unreliable, unordered channel: cursor frames, never retransmitted. */
const CURSOR = { label: 'cursor', id: 1 } as const

/** Board frames are handed to the channel while less than this is buffered: a big step 2 is paced, not dumped. */
const BOARD_HIGH_WATER = 1 << 20
/** Refill the channel when its buffer drains below this. */
const BOARD_LOW_WATER = 256 * 1024
/** Cursor frames the channel may hold unacknowledged: a round trip at 60 Hz, no more (peer.rs BUSY_BYTES). */
const CURSOR_BUSY_BYTES = 16 * 14
/** ICE 'disconnected' may recover; after this long it is a failure. */
const DISCONNECTED_TIMEOUT_MS = 15_000
/** A link whose board channel has not opened by then is given up. */
const OPEN_TIMEOUT_MS = 30_000

export interface LinkEvents {
  /** The board channel opened. */
  open(): void
  board(data: unknown): void
  cursor(data: unknown): void
  /** A local ICE candidate to signal to the peer. */
  candidate(candidate: RTCIceCandidateInit): void
  /** The link ended by itself (failed, closed by the peer, timed out). Not called after close(). */
  closed(reason: string): void
  /** A remote media track arrived (after a renegotiation). */
  track?(event: RTCTrackEvent): void
}

export class PeerLink {
  private readonly pc: RTCPeerConnection
  private readonly boardChannel: RTCDataChannel
  private readonly cursorChannel: RTCDataChannel
  /** Board frames not yet handed to the channel. Unbounded here: the core bounds it through boardBytesSent(). */
  private readonly queue: Uint8Array<ArrayBuffer>[] = []
  /** Board bytes ever handed to the channel. */
  private boardSent = 0
  private pendingCursor: Uint8Array<ArrayBuffer> | null = null
  private remoteSet = false
  private readonly earlyRemoteCandidates: RTCIceCandidateInit[] = []
  /** Local candidates wait until our offer or answer has been signalled: the keeper drops candidates from a peer it does not know yet. */
  private localCandidates: RTCIceCandidateInit[] | null = []
  private disconnectedTimer: ReturnType<typeof setTimeout> | undefined
  private readonly openTimer: ReturnType<typeof setTimeout>
  private ended = false
  private negotiation: PerfectNegotiation | null = null

  /** `config`: the welcome's `iceServers`, and `iceTransportPolicy: 'relay'` for relay-only links. */
  constructor(config: RTCConfiguration, private readonly events: LinkEvents) {
    // max-bundle: media sections added by renegotiation share the data
    // channels' transport, so candidates for the first section serve them all.
    this.pc = new RTCPeerConnection({ ...config, bundlePolicy: 'max-bundle' })
    this.boardChannel = this.pc.createDataChannel(BOARD.label, { negotiated: true, id: BOARD.id })
    this.cursorChannel = this.pc.createDataChannel(CURSOR.label, {
      negotiated: true,
      id: CURSOR.id,
      ordered: false,
      maxRetransmits: 0,
    })
    this.boardChannel.binaryType = 'arraybuffer'
    this.cursorChannel.binaryType = 'arraybuffer'
    this.boardChannel.bufferedAmountLowThreshold = BOARD_LOW_WATER
    this.cursorChannel.bufferedAmountLowThreshold = CURSOR_BUSY_BYTES

    this.boardChannel.onopen = () => {
      clearTimeout(this.openTimer)
      this.events.open()
      this.flushBoard()
    }
    this.boardChannel.onmessage = (e) => this.events.board(e.data)
    this.boardChannel.onbufferedamountlow = () => this.flushBoard()
    this.boardChannel.onclose = () => this.end('board channel closed')
    this.cursorChannel.onmessage = (e) => this.events.cursor(e.data)
    this.cursorChannel.onbufferedamountlow = () => this.flushCursor()

    this.pc.onicecandidate = (e) => {
      // null ends gathering; an empty candidate string is the same, and webrtc-rs refuses it.
      if (!e.candidate || e.candidate.candidate === '') return
      const init = candidateInit(e.candidate.toJSON())
      if (this.localCandidates) this.localCandidates.push(init)
      else this.events.candidate(init)
    }
    this.pc.onconnectionstatechange = () => {
      const state = this.pc.connectionState
      clearTimeout(this.disconnectedTimer)
      if (state === 'failed' || state === 'closed') this.end(`connection ${state}`)
      else if (state === 'disconnected') {
        this.disconnectedTimer = setTimeout(() => this.end('connection lost'), DISCONNECTED_TIMEOUT_MS)
      }
    }
    this.pc.ontrack = (e) => this.events.track?.(e)
    this.openTimer = setTimeout(() => this.end('connection timed out before opening'), OPEN_TIMEOUT_MS)
  }

  /** The connection itself, for the media on it (tracks, senders, getStats). */
  get peerConnection(): RTCPeerConnection {
    return this.pc
  }

  /**
   * From now on, track changes renegotiate this connection (perfect
   * negotiation). `polite`: we answered the link's first offer. True the
   * first time it starts; false when it already had, or the link's first
   * offer/answer is not done yet (renegotiating then would mix the two).
   */
  startRenegotiation(polite: boolean, acceptMedia: boolean, sendOffer: SendOffer): boolean {
    if (this.negotiation || this.ended || !this.remoteSet || this.pc.signalingState !== 'stable') return false
    this.negotiation = new PerfectNegotiation(this.pc, polite, acceptMedia, sendOffer, (why) =>
      this.end(`renegotiation failed: ${why}`),
    )
    return true
  }

  /** A renegotiation offer from the peer: our answer's SDP, or null when it is ignored (not renegotiating yet, or it collided with ours and we are impolite). */
  async renegotiationAnswer(sdp: string): Promise<string | null> {
    if (!this.negotiation || this.ended) return null
    return this.negotiation.offer(sdp)
  }

  /** Our offer (first or renegotiation) awaits its answer. */
  expectsAnswer(): boolean {
    return !this.ended && this.pc.signalingState === 'have-local-offer'
  }

  /** Makes the offer (we are the newcomer); returns its SDP. */
  async offer(): Promise<string> {
    const offer = await this.pc.createOffer()
    await this.pc.setLocalDescription(offer)
    return this.pc.localDescription?.sdp ?? offer.sdp ?? ''
  }

  /**
   * Takes the newcomer's offer; returns our answer's SDP. A connection is
   * made with its one m=application section (PROTOCOL.md, `signal`): media
   * comes only by renegotiation, so a first offer with more is refused
   * (`media_sections`) before the browser makes a transceiver for any.
   */
  async answer(offerSdp: string): Promise<string> {
    refuseExtraSections(offerSdp, FIRST_OFFER_SECTIONS)
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp })
    await this.remoteDescriptionSet()
    const answer = await this.pc.createAnswer()
    await this.pc.setLocalDescription(answer)
    return this.pc.localDescription?.sdp ?? answer.sdp ?? ''
  }

  /** Takes the answer to our offer. */
  async acceptAnswer(answerSdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp })
    await this.remoteDescriptionSet()
  }

  /** Our offer or answer went out: local candidates may follow it now. */
  signalled(): void {
    const early = this.localCandidates ?? []
    this.localCandidates = null
    for (const candidate of early) this.events.candidate(candidate)
  }

  /** A remote candidate, kept until the remote description is set (addIceCandidate refuses it before). */
  async addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    const init = remoteCandidate(candidate)
    if (this.remoteSet) await this.pc.addIceCandidate(init)
    else this.earlyRemoteCandidates.push(init)
  }

  /** Queues a board frame; frames go out in order as the channel's buffer allows. */
  sendBoard(frame: Uint8Array<ArrayBuffer>): void {
    if (this.ended) return
    this.queue.push(frame)
    this.flushBoard()
  }

  /** Board bytes handed to the channel so far: everything sendBoard() was given, less what is still queued. */
  boardBytesSent(): number {
    return this.boardSent
  }

  /** Sends a cursor frame now, or keeps it as the latest while the channel is busy: cursors never queue behind each other. */
  sendCursor(frame: Uint8Array<ArrayBuffer>): void {
    if (this.ended || this.cursorChannel.readyState !== 'open') return
    this.pendingCursor = frame
    if (this.cursorChannel.bufferedAmount <= CURSOR_BUSY_BYTES) this.flushCursor()
  }

  boardState(): RTCDataChannelState {
    return this.boardChannel.readyState
  }

  cursorState(): RTCDataChannelState {
    return this.cursorChannel.readyState
  }

  /** Closes at once, without a `closed` event (the caller decided). */
  close(): void {
    if (this.ended) return
    this.ended = true
    this.stop()
    this.pc.close()
  }

  /**
   * Closes after what is already queued (our goodbye) had a moment to leave:
   * closing the channels first lets them finish sending, then the connection
   * goes. Without a `closed` event.
   */
  closeGracefully(graceMs = 200): void {
    if (this.ended) return
    this.ended = true
    this.flushBoardUnpaced()
    this.stop()
    this.boardChannel.close()
    this.cursorChannel.close()
    setTimeout(() => this.pc.close(), graceMs)
  }

  private async remoteDescriptionSet(): Promise<void> {
    this.remoteSet = true
    for (const candidate of this.earlyRemoteCandidates.splice(0)) await this.pc.addIceCandidate(candidate)
  }

  private flushBoard(): void {
    const channel = this.boardChannel
    while (!this.ended && this.queue.length > 0 && channel.readyState === 'open' && channel.bufferedAmount < BOARD_HIGH_WATER) {
      const frame = this.queue.shift()!
      if (!this.write(channel, frame)) return
      this.boardSent += frame.length
    }
  }

  /** On the way out: hand the channel whatever is queued, ignoring the pacing. */
  private flushBoardUnpaced(): void {
    if (this.boardChannel.readyState !== 'open') return
    for (const frame of this.queue.splice(0)) if (!this.write(this.boardChannel, frame)) return
  }

  private flushCursor(): void {
    const frame = this.pendingCursor
    if (!frame || this.ended || this.cursorChannel.readyState !== 'open') return
    this.pendingCursor = null
    this.write(this.cursorChannel, frame)
  }

  private write(channel: RTCDataChannel, frame: Uint8Array<ArrayBuffer>): boolean {
    try {
      channel.send(frame)
      return true
    } catch (error) {
      this.end(`sending on the ${channel.label} channel failed: ${error instanceof Error ? error.message : String(error)}`)
      return false
    }
  }

  private end(reason: string): void {
    if (this.ended) return
    this.close()
    this.events.closed(reason)
  }

  private stop(): void {
    clearTimeout(this.openTimer)
    clearTimeout(this.disconnectedTimer)
    this.queue.length = 0
    this.pendingCursor = null
  }
}

/**
 * A peer's candidate for our first m-section (media sections added later are
 * bundled on its transport), whatever its sdpMid and
 * sdpMLineIndex say (PROTOCOL.md, "signal"): webrtc-rs sends sdpMid "", other
 * clients may send none, and a browser refuses a mid it does not know or a
 * candidate with neither. Index 0 names the section without them.
 */
export function remoteCandidate(json: RTCIceCandidateInit): RTCIceCandidateInit {
  const init: RTCIceCandidateInit = { candidate: json.candidate ?? '', sdpMLineIndex: 0 }
  if (json.usernameFragment != null) init.usernameFragment = json.usernameFragment
  return init
}

/** The JSON the keeper's IceCandidate takes: optional fields left out rather than null. */
function candidateInit(json: RTCIceCandidateInit): RTCIceCandidateInit {
  const init: RTCIceCandidateInit = { candidate: json.candidate ?? '' }
  if (json.sdpMid != null) init.sdpMid = json.sdpMid
  if (json.sdpMLineIndex != null) init.sdpMLineIndex = json.sdpMLineIndex
  if (json.usernameFragment != null) init.usernameFragment = json.usernameFragment
  return init
}
