// RoomMediaHub's quality loop on a fake connection: getStats figures become
// the peer's quality, and our senders' maxBitrate follows the grade (capped
// on a lossy link, lifted once it recovers). The real WebRTC path is
// tests/e2e/media.test.mjs.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import type { Member } from '../src/collab/port'
import { RoomMediaHub } from '../src/net/media'
import { POOR_AUDIO_BITRATE, POOR_VIDEO_BITRATE, QUALITY_INTERVAL_MS } from '../src/net/quality'

class FakeSender {
  parameters: { encodings: Array<{ maxBitrate?: number }> } = { encodings: [{}] }
  track: unknown = null
  getParameters() {
    return structuredClone(this.parameters)
  }
  async setParameters(p: { encodings: Array<{ maxBitrate?: number }> }) {
    this.parameters = structuredClone(p)
  }
  async replaceTrack(track: unknown) {
    this.track = track
  }
}

function transceiver(kind: 'audio' | 'video') {
  return { receiver: { track: { kind } }, sender: new FakeSender(), direction: 'sendrecv', currentDirection: 'sendrecv' }
}

class FakeConnection {
  connectionState = 'connected'
  readonly transceivers = [transceiver('audio'), transceiver('video')]
  received = 0
  lost = 0
  getTransceivers() {
    return this.transceivers
  }
  async getStats() {
    return new Map([
      ['a', { type: 'inbound-rtp', kind: 'audio', packetsReceived: this.received, packetsLost: this.lost, jitter: 0.002 }],
      ['p', { type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.004 }],
    ])
  }
}

const bob: Member = { id: 'p-bob', name: 'Bob', colour: '#1971c2', role: 'editor', keeper: false }

describe('media quality', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('grades each link from getStats and caps our bitrate while it is poor', async () => {
    const hub = new RoomMediaHub(() => undefined)
    const pc = new FakeConnection()
    hub.linkOpened(bob, pc as unknown as RTCPeerConnection)
    const caps = () => pc.transceivers.map((t) => t.sender.parameters.encodings[0]?.maxBitrate)

    pc.received = 500
    await vi.advanceTimersByTimeAsync(QUALITY_INTERVAL_MS)
    expect(hub.state().peers[0]?.quality).toEqual({ rttMs: 4, loss: 0, jitterMs: 2, grade: 'good' })
    expect(caps()).toEqual([undefined, undefined])

    // 10 % of the next packets lost: poor, and both senders capped.
    pc.received = 590
    pc.lost = 10
    await vi.advanceTimersByTimeAsync(QUALITY_INTERVAL_MS)
    expect(hub.state().peers[0]?.quality?.grade).toBe('poor')
    expect(caps()).toEqual([POOR_AUDIO_BITRATE, POOR_VIDEO_BITRATE])

    // Clean again: the caps are lifted.
    pc.received = 700
    await vi.advanceTimersByTimeAsync(QUALITY_INTERVAL_MS)
    expect(hub.state().peers[0]?.quality?.grade).toBe('good')
    expect(caps()).toEqual([undefined, undefined])
    hub.destroy()
  })

  it('forgets a link that closed: no more figures for it', async () => {
    const hub = new RoomMediaHub(() => undefined)
    const pc = new FakeConnection()
    hub.linkOpened(bob, pc as unknown as RTCPeerConnection)
    hub.linkClosed(bob.id)
    await vi.advanceTimersByTimeAsync(QUALITY_INTERVAL_MS)
    expect(hub.state().peers).toEqual([])
    hub.destroy()
  })
})
