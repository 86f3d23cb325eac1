// What a browser link hands addIceCandidate for a peer's candidate
// (docs/PROTOCOL.md, "signal"): the connection has one m-section, so a
// candidate's sdpMid and sdpMLineIndex never decide whether it is taken.

import { describe, expect, it } from 'vitest'
import { remoteCandidate } from '../src/net/peer'

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
