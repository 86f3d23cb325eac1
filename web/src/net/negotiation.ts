// Renegotiation of a live link (docs/PROTOCOL.md, "Renegotiation: media on a
// live link"): the W3C "perfect negotiation" pattern on the SAME
// RTCPeerConnection, so media can be added to a link whose data channels are
// open without replacing it. The link's first offer/answer is PeerLink's; this
// takes over only once that is done.

import { ProtocolError } from '../protocol/error'
import { MAX_MEDIA_SECTIONS } from '../protocol/limits'

/** Sends our renegotiation offer as a `signal` with `renegotiate: true`. */
export type SendOffer = (sdp: string) => void

/** Throws `media_sections` when the offer has more than `most` m-sections. */
export function refuseExtraSections(sdp: string, most: number): void {
  const sections = sdp.match(/^m=/gm)?.length ?? 0
  if (sections > most) {
    throw new ProtocolError(`the offer has ${sections} m-sections, more than ${most}`, 'media_sections')
  }
}

export class PerfectNegotiation {
  /** setLocalDescription(offer) is under way: an offer arriving now collides with ours. */
  private makingOffer = false

  /**
   * `polite`: the side that answered the link's first offer (PROTOCOL.md,
   * *Roles*). On a collision the polite side rolls its own offer back and
   * answers; the impolite side ignores the other's offer and waits for its answer.
   * `acceptMedia` false (the peer is a viewer, who listens only): the peer's
   * media sections are refused in the answer (stopped transceivers, port 0),
   * so it sends us nothing.
   */
  constructor(
    private readonly pc: RTCPeerConnection,
    readonly polite: boolean,
    private readonly acceptMedia: boolean,
    private readonly sendOffer: SendOffer,
    private readonly failed: (why: string) => void,
  ) {
    pc.onnegotiationneeded = () => void this.negotiate()
  }

  /**
   * A renegotiation offer from the peer. Returns our answer's SDP, or null
   * when we are impolite and our own offer is outstanding (ours wins).
   */
  async offer(sdp: string): Promise<string | null> {
    refuseExtraSections(sdp, MAX_MEDIA_SECTIONS)
    const collision = this.makingOffer || this.pc.signalingState !== 'stable'
    if (collision && !this.polite) return null
    // A polite side with an offer outstanding: setRemoteDescription rolls it back.
    await this.pc.setRemoteDescription({ type: 'offer', sdp })
    // Sections the peer added for its media: we send on them too once we have
    // media, by replaceTrack, so agreeing sendrecv now saves a renegotiation then.
    for (const transceiver of this.pc.getTransceivers()) {
      if (transceiver.currentDirection !== null || transceiver.direction !== 'recvonly') continue
      if (this.acceptMedia) transceiver.direction = 'sendrecv'
      else transceiver.stop()
    }
    await this.pc.setLocalDescription()
    return this.pc.localDescription?.sdp ?? ''
  }

  private async negotiate(): Promise<void> {
    try {
      this.makingOffer = true
      await this.pc.setLocalDescription()
      const description = this.pc.localDescription
      if (description?.type !== 'offer') return
      this.sendOffer(description.sdp)
    } catch (error) {
      this.failed(error instanceof Error ? error.message : String(error))
    } finally {
      this.makingOffer = false
    }
  }
}
