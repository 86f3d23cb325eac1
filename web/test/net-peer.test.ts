// What a browser link hands addIceCandidate for a peer's candidate
// (docs/PROTOCOL.md, "signal"): the connection has one m-section, so a
// candidate's sdpMid and sdpMLineIndex never decide whether it is taken; and
// a first offer with more than that one section is refused.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PeerLink, remoteCandidate } from '../src/net/peer'
import { ProtocolError } from '../src/protocol/error'

const CANDIDATE = 'candidate:1 1 udp 2122260223 192.0.2.7 54321 typ host'

describe('remote candidates', () => {
  it('go to section 0 whatever mid they name, or none', () => {
    for (const named of [
      { candidate: CANDIDATE, sdpMid: '0', sdpMLineIndex: 0 }, // browsers, and native peers now
      { candidate: CANDIDATE, sdpMid: '', sdpMLineIndex: 0 }, // webrtc-rs's own stamp (older keepers)
      { candidate: CANDIDATE, sdpMid: 'data' }, // a client whose offer named its section otherwise
      { candidate: CANDIDATE }, // neither: addIceCandidate alone would throw a TypeError
    ]) {
      expect(remoteCandidate(named)).toEqual({ candidate: CANDIDATE, sdpMLineIndex: 0 })
    }
  })

  it('keep the username fragment, which says which ICE generation they belong to', () => {
    expect(remoteCandidate({ candidate: CANDIDATE, sdpMid: '0', usernameFragment: 'abcd' })).toEqual({
      candidate: CANDIDATE,
      sdpMLineIndex: 0,
      usernameFragment: 'abcd',
    })
  })
})

/** Just enough of RTCPeerConnection for a PeerLink to be built and answer. */
class FakePeerConnection {
  readonly remoteOffers: string[] = []
  signalingState = 'stable'
  connectionState = 'new'
  localDescription: { sdp: string } | null = null
  createDataChannel() {
    return {}
  }
  async setRemoteDescription(description: { sdp: string }) {
    this.remoteOffers.push(description.sdp)
  }
  async createAnswer() {
    return { type: 'answer', sdp: 'v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n' }
  }
  async setLocalDescription(description: { sdp: string }) {
    this.localDescription = description
  }
  close() {}
}

describe('the offer that makes a connection', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.stubGlobal('RTCPeerConnection', FakePeerConnection)
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.useRealTimers()
  })

  const events = { open() {}, board() {}, cursor() {}, candidate() {}, closed() {} }
  const pcOf = (link: PeerLink) => link.peerConnection as unknown as FakePeerConnection

  it('is answered with its one m=application section', async () => {
    const link = new PeerLink({}, events)
    await expect(link.answer('v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n')).resolves.toContain('m=application')
    link.close()
  })

  it('is refused (media_sections) when it carries media sections too: media comes only by renegotiation', async () => {
    const link = new PeerLink({}, events)
    const offer = 'v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'
    const refused = await link.answer(offer).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ProtocolError)
    expect((refused as ProtocolError).limit).toBe('media_sections')
    expect(pcOf(link).remoteOffers).toEqual([]) // never reached the browser: no transceiver made for it
    link.close()
  })
})
