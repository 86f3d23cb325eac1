// RoomMediaHub on fake connections and a fake mediaDevices: getStats figures
// become the peer's quality, and our senders' maxBitrate follows what the
// peer reports of what we send (capped while it loses our packets, lifted once
// it recovers); muting stops the microphone; device prompts that resolve
// after a newer request (or destroy) leave no track running. The real WebRTC
// path is tests/e2e/media.test.mjs.

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
  const sender = new FakeSender()
  sender.track = { kind }
  return { receiver: { track: { kind } }, sender, direction: 'sendrecv', currentDirection: 'sendrecv' }
}

class FakeConnection {
  connectionState = 'connected'
  readonly transceivers = [transceiver('audio'), transceiver('video')]
  received = 0
  lost = 0
  /** What the peer reports of our audio: the fraction of it lost. */
  outboundLoss = 0
  getTransceivers() {
    return this.transceivers
  }
  addTransceiver(kind: 'audio' | 'video', init: { direction: string }) {
    const t = transceiver(kind)
    t.sender.track = null
    t.direction = init.direction
    t.currentDirection = null as unknown as string
    this.transceivers.push(t)
    return t
  }
  async getStats() {
    return new Map([
      ['a', { type: 'inbound-rtp', kind: 'audio', packetsReceived: this.received, packetsLost: this.lost, jitter: 0.002 }],
      ['r', { type: 'remote-inbound-rtp', kind: 'audio', fractionLost: this.outboundLoss, roundTripTime: 0.004, jitter: 0.001 }],
      ['p', { type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.004 }],
    ])
  }
}

/** A local track as getUserMedia gives one: stop() ends it. */
class FakeTrack {
  readyState: 'live' | 'ended' = 'live'
  constructor(readonly kind: 'audio' | 'video') {}
  stop() {
    this.readyState = 'ended'
  }
}

/** navigator.mediaDevices whose prompts the test answers, one by one. */
class FakeDevices {
  readonly prompts: Array<{ kind: 'audio' | 'video'; answer: () => FakeTrack }> = []
  readonly tracks: FakeTrack[] = []
  getUserMedia(constraints: { audio?: unknown; video?: unknown }) {
    return this.prompt(constraints.audio ? 'audio' : 'video')
  }
  getDisplayMedia() {
    return this.prompt('video')
  }
  private prompt(kind: 'audio' | 'video') {
    return new Promise((resolve) => {
      this.prompts.push({
        kind,
        answer: () => {
          const track = new FakeTrack(kind)
          this.tracks.push(track)
          const stream = { getAudioTracks: () => (kind === 'audio' ? [track] : []), getVideoTracks: () => (kind === 'video' ? [track] : []) }
          resolve(stream)
          return track
        },
      })
    })
  }
  /** Answers the oldest open prompt. */
  async answer(): Promise<FakeTrack> {
    const prompt = this.prompts.shift()
    if (!prompt) throw new Error('no prompt open')
    const track = prompt.answer()
    await vi.advanceTimersByTimeAsync(0)
    return track
  }
}

/** Stubs the browser globals the hub reaches for: mediaDevices, and MediaStream for the local preview. */
function fakeBrowser(): FakeDevices {
  const devices = new FakeDevices()
  vi.stubGlobal('navigator', { mediaDevices: devices })
  vi.stubGlobal('MediaStream', class { constructor(readonly tracks: unknown[]) {} })
  return devices
}

const bob: Member = { id: 'p-bob', name: 'Bob', colour: '#1971c2', role: 'editor', keeper: false }

describe('media quality', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it("grades each link from getStats, and caps our bitrate while the peer reports our packets lost", async () => {
    const devices = fakeBrowser()
    const hub = new RoomMediaHub(() => undefined)
    const pc = new FakeConnection()
    hub.linkOpened(bob, pc as unknown as RTCPeerConnection)
    const caps = () => pc.transceivers.map((t) => t.sender.parameters.encodings[0]?.maxBitrate)
    // We send voice and camera on the link.
    const unmuted = hub.setMicrophone(true)
    await devices.answer()
    await unmuted
    const camera = hub.setVideo('camera')
    await devices.answer()
    await camera

    pc.received = 500
    await vi.advanceTimersByTimeAsync(QUALITY_INTERVAL_MS)
    expect(hub.state().peers[0]?.quality).toEqual({ rttMs: 4, loss: 0, jitterMs: 2, grade: 'good' })
    expect(caps()).toEqual([undefined, undefined])

    // 10 % of what we receive lost: the indicator says poor, but what we
    // send arrives whole, so our bitrate is left alone.
    pc.received = 590
    pc.lost = 10
    await vi.advanceTimersByTimeAsync(QUALITY_INTERVAL_MS)
    expect(hub.state().peers[0]?.quality?.grade).toBe('poor')
    expect(caps()).toEqual([undefined, undefined])

    // The peer reports 10 % of ours lost: both our senders capped.
    pc.received = 700
    pc.outboundLoss = 0.1
    await vi.advanceTimersByTimeAsync(QUALITY_INTERVAL_MS)
    expect(hub.state().peers[0]?.quality?.grade).toBe('good')
    expect(caps()).toEqual([POOR_AUDIO_BITRATE, POOR_VIDEO_BITRATE])

    // Clean again: the caps are lifted.
    pc.outboundLoss = 0
    await vi.advanceTimersByTimeAsync(QUALITY_INTERVAL_MS)
    expect(caps()).toEqual([undefined, undefined])
    hub.destroy()
  })

  it('caps only our live senders: not a stopped transceiver, not one with no track of ours', async () => {
    const devices = fakeBrowser()
    const hub = new RoomMediaHub(() => undefined)
    const pc = new FakeConnection()
    // A section stopped earlier (a collision's leftover), still holding a track.
    const stopped = transceiver('audio')
    stopped.direction = 'stopped'
    stopped.currentDirection = 'stopped'
    pc.transceivers.unshift(stopped)
    hub.linkOpened(bob, pc as unknown as RTCPeerConnection)
    // Voice only: the video sender has no track of ours.
    const unmuted = hub.setMicrophone(true)
    await devices.answer()
    await unmuted
    pc.outboundLoss = 0.1
    await vi.advanceTimersByTimeAsync(QUALITY_INTERVAL_MS)
    expect(pc.transceivers.map((t) => t.sender.parameters.encodings[0]?.maxBitrate)).toEqual([undefined, POOR_AUDIO_BITRATE, undefined])
    hub.destroy()
  })

  it('tells the UI of quality only when a grade changes, not every sample', async () => {
    const hub = new RoomMediaHub(() => undefined)
    const pc = new FakeConnection()
    hub.linkOpened(bob, pc as unknown as RTCPeerConnection)
    let changes = 0
    hub.onChange(() => changes++)
    for (let i = 1; i <= 3; i++) {
      pc.received = 100 * i
      await vi.advanceTimersByTimeAsync(QUALITY_INTERVAL_MS)
    }
    expect(changes).toBe(1) // the first figures
    pc.received = 390
    pc.lost = 10
    await vi.advanceTimersByTimeAsync(QUALITY_INTERVAL_MS)
    expect(changes).toBe(2) // good → poor
    hub.destroy()
  })

  it('runs no timers while it has nothing to read', async () => {
    const hub = new RoomMediaHub(() => undefined)
    expect(vi.getTimerCount()).toBe(0)
    const pc = new FakeConnection()
    hub.linkOpened(bob, pc as unknown as RTCPeerConnection)
    expect(vi.getTimerCount()).toBe(1) // the quality timer
    hub.linkClosed(bob.id)
    expect(vi.getTimerCount()).toBe(0)
    hub.destroy()
  })

  it("never receives a viewer's media: our sections to a viewer only send", async () => {
    const devices = fakeBrowser()
    const hub = new RoomMediaHub(() => undefined)
    const pc = new FakeConnection()
    pc.transceivers.length = 0
    hub.linkOpened({ ...bob, role: 'viewer' }, pc as unknown as RTCPeerConnection)
    const unmuted = hub.setMicrophone(true)
    await devices.answer()
    await unmuted
    expect(pc.transceivers.map((t) => [t.receiver.track.kind, t.direction])).toEqual([
      ['audio', 'sendonly'],
      ['video', 'inactive'],
    ])
    const camera = hub.setVideo('camera')
    await devices.answer()
    await camera
    expect(pc.transceivers[1]?.direction).toBe('sendonly')
    await hub.setVideo('off')
    expect(pc.transceivers[1]?.direction).toBe('inactive')
    hub.destroy()
  })

  it('says when the autoplay policy holds a voice back, and plays it on the next gesture', async () => {
    fakeBrowser()
    let allowed = false
    const elements: Array<{ paused: boolean; plays: number }> = []
    vi.stubGlobal(
      'Audio',
      class {
        paused = true
        plays = 0
        autoplay = false
        srcObject: unknown = null
        volume = 1
        muted = false
        constructor() {
          elements.push(this)
        }
        async play() {
          this.plays++
          if (!allowed) throw Object.assign(new Error('play() failed because the user did not interact'), { name: 'NotAllowedError' })
          this.paused = false
        }
        pause() {
          this.paused = true
        }
      },
    )
    const hub = new RoomMediaHub(() => undefined)
    hub.linkOpened(bob, new FakeConnection() as unknown as RTCPeerConnection)
    const voice = { kind: 'audio', readyState: 'live', muted: false, addEventListener() {} }
    hub.remoteTrack(bob.id, voice as unknown as MediaStreamTrack)
    await vi.advanceTimersByTimeAsync(0)
    expect(hub.state().playbackBlocked).toBe(true)
    allowed = true
    hub.resumePlayback()
    await vi.advanceTimersByTimeAsync(0)
    expect(hub.state().playbackBlocked).toBe(false)
    expect(elements.map((e) => [e.plays, e.paused])).toEqual([[2, false]])
    hub.destroy()
  })

  it('says when the room is back in mesh mode without the direct links star mode closed, until one comes back', () => {
    const hub = new RoomMediaHub(() => undefined)
    hub.setRoom('mesh', 2, 'editor')
    expect(hub.state().noDirectLinks).toBe(false)
    hub.setRoom('star', 2, 'editor')
    expect(hub.state()).toMatchObject({ unavailable: 'star', noDirectLinks: false })
    hub.setRoom('mesh', 2, 'editor')
    expect(hub.state()).toMatchObject({ unavailable: null, noDirectLinks: true })
    hub.linkOpened(bob, new FakeConnection() as unknown as RTCPeerConnection)
    expect(hub.state().noDirectLinks).toBe(false)
    hub.destroy()
  })

  it('releases the microphone and camera when the board is deleted, and offers them no more', async () => {
    const devices = fakeBrowser()
    const hub = new RoomMediaHub(() => undefined)
    hub.setRoom('mesh', 2, 'editor')
    hub.linkOpened(bob, new FakeConnection() as unknown as RTCPeerConnection)
    const unmuted = hub.setMicrophone(true)
    const microphone = await devices.answer()
    await unmuted
    const cameraOn = hub.setVideo('camera')
    const camera = await devices.answer()
    await cameraOn
    expect(hub.state()).toMatchObject({ microphone: true, video: 'camera' })

    hub.boardDeleted()
    await vi.advanceTimersByTimeAsync(0)
    expect([microphone.readyState, camera.readyState]).toEqual(['ended', 'ended'])
    expect(hub.state()).toMatchObject({ microphone: false, video: 'off', unavailable: 'deleted' })
    await expect(hub.setMicrophone(true)).rejects.toThrow('deleted')
    hub.setRoom('mesh', 2, 'editor')
    expect(hub.state().unavailable).toBe('deleted')
    expect(devices.prompts).toHaveLength(0)
    hub.destroy()
  })

  it('stops the microphone when muted, and asks again on unmute', async () => {
    const devices = fakeBrowser()
    const hub = new RoomMediaHub(() => undefined)
    const pc = new FakeConnection()
    hub.linkOpened(bob, pc as unknown as RTCPeerConnection)
    const unmuted = hub.setMicrophone(true)
    expect(hub.state().pending.microphone).toBe(true)
    const first = await devices.answer()
    await unmuted
    expect(hub.state()).toMatchObject({ microphone: true, pending: { microphone: false } })
    expect(pc.transceivers[0]?.sender.track).toBe(first)

    await hub.setMicrophone(false)
    expect(first.readyState).toBe('ended')
    expect(hub.state().microphone).toBe(false)
    expect(pc.transceivers[0]?.sender.track).toBeNull()

    const again = hub.setMicrophone(true)
    expect(devices.prompts).toHaveLength(1)
    const second = await devices.answer()
    await again
    expect(pc.transceivers[0]?.sender.track).toBe(second)
    hub.destroy()
    expect(second.readyState).toBe('ended')
  })

  it('takes an ended microphone (unplugged, revoked) as muted, and unmuting asks for a new one', async () => {
    const devices = fakeBrowser()
    const hub = new RoomMediaHub(() => undefined)
    const unmuted = hub.setMicrophone(true)
    const first = await devices.answer()
    await unmuted
    first.stop() // as the browser ends it: no `ended` event for stop(), the level timer notices
    await vi.advanceTimersByTimeAsync(100)
    expect(hub.state().microphone).toBe(false)
    const again = hub.setMicrophone(true)
    expect(devices.prompts).toHaveLength(1)
    const second = await devices.answer()
    await again
    expect(second).not.toBe(first)
    expect(hub.state().microphone).toBe(true)
    hub.destroy()
  })

  it('stops a track whose prompt was overtaken: a second click, camera then screen, mute, destroy', async () => {
    const devices = fakeBrowser()
    const hub = new RoomMediaHub(() => undefined)

    // Unmute twice while the first prompt is open: only the later track stays.
    const once = hub.setMicrophone(true)
    const twice = hub.setMicrophone(true)
    const early = await devices.answer()
    const late = await devices.answer()
    await Promise.all([once, twice])
    expect(early.readyState).toBe('ended')
    expect(late.readyState).toBe('live')

    // Muted while the prompt is open: its track is stopped when it comes.
    await hub.setMicrophone(false)
    const unmute = hub.setMicrophone(true)
    const mute = hub.setMicrophone(false)
    const unwanted = await devices.answer()
    await Promise.all([unmute, mute])
    expect(unwanted.readyState).toBe('ended')
    expect(hub.state().microphone).toBe(false)

    // Camera, then screen before the camera prompt is answered: the screen wins.
    const camera = hub.setVideo('camera')
    expect(hub.state().pending.video).toBe(true)
    const screen = hub.setVideo('screen')
    const cameraTrack = await devices.answer()
    const screenTrack = await devices.answer()
    await Promise.all([camera, screen])
    expect(cameraTrack.readyState).toBe('ended')
    expect(screenTrack.readyState).toBe('live')
    expect(hub.state()).toMatchObject({ video: 'screen', pending: { video: false } })

    // Destroyed while a prompt is open: the track that comes after is stopped.
    const pending = hub.setMicrophone(true)
    hub.destroy()
    expect(screenTrack.readyState).toBe('ended')
    const orphan = await devices.answer()
    await pending
    expect(orphan.readyState).toBe('ended')
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
