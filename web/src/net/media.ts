// The room's voice, camera and screen share (issue 16), on the direct links
// the mesh already holds: never on the keeper link, and none in star mode
// (docs/PROTOCOL.md, "Renegotiation: media on a live link"). One audio and
// one video transceiver per link carry what we send; muting, unmuting and
// switching camera ↔ screen are replaceTrack on them (no renegotiation);
// starting or stopping video changes the video transceiver's direction, a
// renegotiation, so the peer's track is muted and its bubble goes.

import type { Member, Role } from '../collab/port'
import { unavailableText, type LinkQuality, type MediaState, type MediaUnavailable, type PeerMedia, type RoomMedia, type VideoSource } from '../collab/media-port'
import { SpeakingDetector, rms } from './speaking'
import { QUALITY_INTERVAL_MS, bitrateCaps, linkQuality, readStats, sendGrade, type StatsSample } from './quality'
import { Emitter } from '../util/emitter'

/** How often audio levels are read for the speaking indicators. */
const LEVEL_INTERVAL_MS = 80
/** Analyser window: at 48 kHz about 85 ms, a little more than LEVEL_INTERVAL_MS, so no sound falls between two readings. */
const ANALYSER_FFT_SIZE = 4096
/** A peer's playback volume until the person changes it. */
const DEFAULT_VOLUME = 1

interface RemoteAudio {
  track: MediaStreamTrack
  element: HTMLAudioElement
  analyser: AnalyserNode | null
  source: MediaStreamAudioSourceNode | null
}

interface MediaLink {
  member: Member
  pc: RTCPeerConnection
  audio: RemoteAudio | null
  /** The peer's video track, in a stream of its own kept for the UI (a new stream each time would restart its element). */
  video: { track: MediaStreamTrack; stream: MediaStream } | null
  speaking: SpeakingDetector
  speakingNow: boolean
  volume: number
  mutedForMe: boolean
  quality: LinkQuality | null
  /** The grade of what we send on it, from the peer's receiver reports: what our caps follow. */
  sendGrade: LinkQuality['grade'] | null
  /** The previous getStats figures, for loss between samples. */
  lastSample: StatsSample | null
}

export class RoomMediaHub implements RoomMedia {
  private readonly emitter = new Emitter<{ change: MediaState }>()
  private readonly links = new Map<string, MediaLink>()
  /** Held only while unmuted: muting stops it, so the browser's "in use" light goes off. */
  private microphone: MediaStreamTrack | null = null
  private microphoneOn = false
  private localAnalyser: { analyser: AnalyserNode; source: MediaStreamAudioSourceNode } | null = null
  private readonly localSpeaking = new SpeakingDetector()
  private localSpeakingNow = false
  private videoTrack: MediaStreamTrack | null = null
  private localVideo: MediaStream | null = null
  private videoSource: VideoSource = 'off'
  private unavailable: MediaUnavailable = null
  /** The room was in star mode, which closed the direct links; nobody re-offers them when it is back in mesh mode. */
  private directLinksDropped = false
  /** A voice's play() was refused (autoplay policy) and waits for the person's next click or key. */
  private playbackBlocked = false
  private meshLimit: number | null = null
  private audioContext: AudioContext | null = null
  /** Runs only while there is a level to read or a local track to watch. */
  private levelTimer: ReturnType<typeof setInterval> | null = null
  /** Runs only while there are links to sample. */
  private qualityTimer: ReturnType<typeof setInterval> | null = null
  private samples = new Float32Array(ANALYSER_FFT_SIZE)
  /**
   * Counts requests per device kind: a getUserMedia/getDisplayMedia that
   * resolves after a newer request (a second click, mute during the prompt,
   * camera then screen) or after destroy() is stale, and its track stopped.
   */
  private microphoneRequest = 0
  private videoRequest = 0
  /** A device prompt is open, per kind: the UI disables its buttons meanwhile. */
  private microphonePending = false
  private videoPending = false
  private destroyed = false

  constructor(
    private readonly log: (message: string) => void,
  ) {}

  // --- the mesh's side ---

  /** The room's mode or our role changed: media only in mesh mode, voice not for viewers. */
  setRoom(mode: 'mesh' | 'star', meshLimit: number | null, role: Role): void {
    if (this.unavailable === 'deleted') return
    const unavailable: MediaUnavailable = mode === 'star' ? 'star' : role === 'viewer' ? 'viewer' : null
    this.meshLimit = meshLimit
    if (mode === 'star') this.directLinksDropped = true
    if (unavailable === this.unavailable) return
    this.unavailable = unavailable
    if (unavailable !== null) {
      void this.setMicrophone(false)
      void this.setVideo('off')
    }
    this.changed()
  }

  /** The server deleted the board: the microphone and camera are released for good, and stay off. */
  boardDeleted(): void {
    this.unavailable = 'deleted'
    void this.setMicrophone(false)
    void this.setVideo('off')
    this.changed()
  }

  /** A direct (non-keeper) link may carry media now (its first offer/answer is done): ours goes on it, theirs is played. */
  linkOpened(member: Member, pc: RTCPeerConnection): void {
    this.linkClosed(member.id)
    this.links.set(member.id, {
      member,
      pc,
      audio: null,
      video: null,
      speaking: new SpeakingDetector(),
      speakingNow: false,
      volume: DEFAULT_VOLUME,
      mutedForMe: false,
      quality: null,
      sendGrade: null,
      lastSample: null,
    })
    this.directLinksDropped = false
    void this.sendOn(member.id)
    this.changed()
  }

  linkClosed(id: string): void {
    const link = this.links.get(id)
    if (!link) return
    this.links.delete(id)
    this.releaseAudio(link)
    this.changed()
  }

  /** A remote track arrived on a direct link. A viewer's is not played: viewers listen only. */
  remoteTrack(id: string, track: MediaStreamTrack): void {
    const link = this.links.get(id)
    if (!link || link.member.role === 'viewer') return
    // A track comes again each time the peer's video starts: listened to once.
    if (track === link.video?.track || track === link.audio?.track) {
      this.changed()
      return
    }
    track.addEventListener('mute', () => this.changed())
    track.addEventListener('unmute', () => this.changed())
    track.addEventListener('ended', () => this.changed())
    if (track.kind === 'video') {
      link.video = { track, stream: new MediaStream([track]) }
    } else {
      this.releaseAudio(link)
      link.audio = this.playAudio(track, link)
    }
    this.changed()
  }

  destroy(): void {
    this.destroyed = true
    // Any prompt still open resolves stale: its track is stopped then.
    this.microphoneRequest++
    this.videoRequest++
    this.emitter.clear()
    for (const id of [...this.links.keys()]) this.linkClosed(id)
    this.releaseMicrophone()
    this.videoTrack?.stop()
    this.videoTrack = null
    void this.audioContext?.close()
    this.syncTimers()
  }

  // --- RoomMedia (the UI's side) ---

  state(): MediaState {
    return {
      microphone: this.microphoneOn,
      pending: { microphone: this.microphonePending, video: this.videoPending },
      speaking: this.localSpeakingNow,
      video: this.videoSource,
      localVideo: this.localVideo,
      unavailable: this.unavailable,
      playbackBlocked: this.playbackBlocked,
      noDirectLinks: this.unavailable === null && this.directLinksDropped && this.links.size === 0,
      meshLimit: this.meshLimit,
      peers: [...this.links.values()].map((l) => this.peerMedia(l)),
    }
  }

  onChange(listener: (state: MediaState) => void): () => void {
    return this.emitter.on('change', listener)
  }

  /**
   * Unmuting asks for the microphone each time (the browser remembers the
   * permission); muting stops the track, so nothing holds the device while
   * muted and an ended track (unplugged, revoked) is never sent again.
   */
  async setMicrophone(on: boolean): Promise<void> {
    if (this.destroyed) return
    if (on && this.unavailable !== null) throw new Error(unavailableText(this.unavailable, this.meshLimit))
    const request = ++this.microphoneRequest
    if (!on) {
      this.microphonePending = false
      this.microphoneOn = false
      this.releaseMicrophone()
      await this.sendEverywhere()
      this.changed()
      return
    }
    if (this.microphone?.readyState === 'live') {
      this.microphoneOn = true
      await this.sendEverywhere()
      this.changed()
      return
    }
    this.microphonePending = true
    this.changed()
    let track: MediaStreamTrack | null
    try {
      track = await this.requestTrack(() => this.mediaDevices().getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } }), 'audio')
    } catch (error) {
      if (request !== this.microphoneRequest) return // a refusal nobody waits for any more
      throw error
    } finally {
      if (request === this.microphoneRequest) {
        this.microphonePending = false
        this.changed()
      }
    }
    if (request !== this.microphoneRequest) {
      track?.stop() // superseded (muted, asked again, destroyed) while the prompt was open
      return
    }
    if (!track) throw new Error('no microphone')
    this.releaseMicrophone()
    this.microphone = track
    this.localAnalyser = this.analyse(track)
    this.microphoneOn = true
    await this.sendEverywhere()
    this.changed()
  }

  async setVideo(source: VideoSource): Promise<void> {
    if (this.destroyed) return
    if (source !== 'off' && this.unavailable !== null) throw new Error(unavailableText(this.unavailable, this.meshLimit))
    if (source === this.videoSource && !this.videoPending) return
    const request = ++this.videoRequest
    let next: MediaStreamTrack | null = null
    if (source !== 'off') {
      this.videoPending = true
      this.changed()
      try {
        const devices = this.mediaDevices()
        next = await this.requestTrack(() => (source === 'camera' ? devices.getUserMedia({ video: true }) : devices.getDisplayMedia({ video: true })), 'video')
      } catch (error) {
        if (request !== this.videoRequest) return // a refusal nobody waits for any more
        throw error
      } finally {
        if (request === this.videoRequest) {
          this.videoPending = false
          this.changed()
        }
      }
      if (request !== this.videoRequest) {
        next?.stop() // superseded (another source, off, destroyed) while the prompt was open
        return
      }
      if (!next) throw new Error(`no ${source} video`)
    } else {
      this.videoPending = false
    }
    const previous = this.videoTrack
    this.videoTrack = next
    this.localVideo = next ? new MediaStream([next]) : null
    this.videoSource = source
    await this.sendEverywhere()
    previous?.stop()
    this.changed()
  }

  resumePlayback(): void {
    if (this.audioContext?.state === 'suspended') void this.audioContext.resume()
    if (!this.playbackBlocked) return
    this.playbackBlocked = false
    for (const link of this.links.values()) {
      if (link.audio?.element.paused) this.play(link.audio.element, link)
    }
    this.changed()
  }

  setVolume(peerId: string, volume: number): void {
    const link = this.links.get(peerId)
    if (!link) return
    link.volume = Math.min(1, Math.max(0, volume))
    if (link.audio) link.audio.element.volume = link.volume
    this.changed()
  }

  setMutedForMe(peerId: string, muted: boolean): void {
    const link = this.links.get(peerId)
    if (!link) return
    link.mutedForMe = muted
    if (link.audio) link.audio.element.muted = muted
    this.changed()
  }

  /** The first track of `kind` a device request gives; the rest (none asked for) stopped. */
  private async requestTrack(ask: () => Promise<MediaStream>, kind: 'audio' | 'video'): Promise<MediaStreamTrack | null> {
    const stream = await ask()
    const [track, ...rest] = kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks()
    for (const other of rest) other.stop()
    return track ?? null
  }

  /** Stops the microphone and its analyser: muted, or media became unavailable. */
  private releaseMicrophone(): void {
    this.microphone?.stop()
    this.microphone = null
    this.localAnalyser?.source.disconnect()
    this.localAnalyser = null
    this.localSpeakingNow = false
  }

  // --- sending ---

  private async sendEverywhere(): Promise<void> {
    await Promise.all([...this.links.keys()].map((id) => this.sendOn(id)))
  }

  /**
   * Puts what we send on one link. The transceivers are made the first time
   * there is something to send (one renegotiation for both); after that,
   * muting and switching are replaceTrack, and only starting or stopping
   * video renegotiates (the direction), so the peer learns the video ended.
   */
  private async sendOn(id: string): Promise<void> {
    const link = this.links.get(id)
    if (!link || link.pc.connectionState === 'closed') return
    const audioTrack = this.microphoneOn ? this.microphone : null
    const sending = audioTrack !== null || this.videoTrack !== null
    let audio = transceiverOf(link.pc, 'audio')
    let video = transceiverOf(link.pc, 'video')
    if (!sending && !audio && !video) return
    // A viewer listens only: our sections to it never receive, so what its
    // client sends anyway is not even carried (the sections it offers itself
    // are refused in negotiation.ts).
    const listen = link.member.role !== 'viewer'
    const sendDirection: RTCRtpTransceiverDirection = listen ? 'sendrecv' : 'sendonly'
    const idleDirection: RTCRtpTransceiverDirection = listen ? 'recvonly' : 'inactive'
    try {
      audio ??= link.pc.addTransceiver('audio', { direction: sendDirection })
      video ??= link.pc.addTransceiver('video', { direction: this.videoTrack ? sendDirection : idleDirection })
      const stoppingVideo = this.videoTrack === null && video.sender.track !== null
      await audio.sender.replaceTrack(audioTrack)
      await video.sender.replaceTrack(this.videoTrack)
      // Only starting or stopping video changes the direction (the same
      // direction again renegotiates nothing). A section the peer's offer
      // made and we answered sendrecv stays so until we have sent on it.
      if (this.videoTrack) video.direction = sendDirection
      else if (stoppingVideo) video.direction = idleDirection
    } catch (error) {
      this.log(`media to ${link.member.name} (${id}): ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  // --- quality ---

  /**
   * Every link's getStats → its quality (inbound, for the indicator) and our
   * send caps on it (from the peer's reports of what we send). Tells the UI
   * (and onPresence) only when a grade changed or a link got its first figures.
   */
  private async sampleQuality(): Promise<void> {
    let changed = false
    for (const link of [...this.links.values()]) {
      let report: RTCStatsReport
      try {
        report = await link.pc.getStats()
      } catch {
        continue // closed meanwhile
      }
      if (this.links.get(link.member.id) !== link) continue
      const sample = readStats(report)
      const quality = linkQuality(link.lastSample, sample)
      if (link.quality?.grade !== quality.grade) changed = true
      link.quality = quality
      link.sendGrade = sendGrade(sample)
      link.lastSample = sample
      await this.capBitrate(link)
    }
    if (changed) this.changed()
  }

  /**
   * Sets each of our senders' maxBitrate to what the grade of what we send
   * calls for, where it differs. Only senders with a track of ours on a live
   * transceiver; a sender not yet negotiated has no encodings and is capped
   * at the next sample.
   */
  private async capBitrate(link: MediaLink): Promise<void> {
    if (link.sendGrade === null) return
    const caps = bitrateCaps(link.sendGrade)
    for (const transceiver of link.pc.getTransceivers()) {
      const track = transceiver.sender.track
      if (!track || transceiver.direction === 'stopped' || transceiver.currentDirection === 'stopped') continue
      const cap = track.kind === 'audio' ? caps.audio : caps.video
      const parameters = transceiver.sender.getParameters()
      const encodings = parameters.encodings ?? []
      if (encodings.length === 0 || encodings.every((e) => (e.maxBitrate ?? null) === cap)) continue
      for (const encoding of encodings) {
        if (cap === null) delete encoding.maxBitrate
        else encoding.maxBitrate = cap
      }
      try {
        await transceiver.sender.setParameters(parameters)
      } catch (error) {
        this.log(`bitrate cap for ${link.member.name}: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }

  // --- receiving ---

  private playAudio(track: MediaStreamTrack, link: MediaLink): RemoteAudio {
    const stream = new MediaStream([track])
    const element = new Audio()
    element.autoplay = true
    element.srcObject = stream
    element.volume = link.volume
    element.muted = link.mutedForMe
    this.play(element, link)
    // Chromium's Web Audio hears a remote stream only while a media element plays it too (crbug.com/933677): hence both.
    const context = this.context()
    const source = context?.createMediaStreamSource(stream) ?? null
    const analyser = context?.createAnalyser() ?? null
    if (source && analyser) {
      analyser.fftSize = ANALYSER_FFT_SIZE
      source.connect(analyser)
    }
    return { track, element, analyser, source }
  }

  /** Plays a voice; a refusal by the autoplay policy waits for resumePlayback() and says so. */
  private play(element: HTMLAudioElement, link: MediaLink): void {
    element.play().catch((e: unknown) => {
      this.log(`playing ${link.member.name}'s voice: ${e instanceof Error ? e.message : String(e)}`)
      if (e instanceof Error && e.name === 'NotAllowedError' && !this.playbackBlocked) {
        this.playbackBlocked = true
        this.changed()
      }
    })
  }

  private releaseAudio(link: MediaLink): void {
    const audio = link.audio
    if (!audio) return
    link.audio = null
    audio.element.pause()
    audio.element.srcObject = null
    audio.source?.disconnect()
  }

  private analyse(track: MediaStreamTrack): { analyser: AnalyserNode; source: MediaStreamAudioSourceNode } | null {
    const context = this.context()
    if (!context) return null
    const analyser = context.createAnalyser()
    analyser.fftSize = ANALYSER_FFT_SIZE
    const source = context.createMediaStreamSource(new MediaStream([track]))
    source.connect(analyser)
    return { analyser, source }
  }

  private context(): AudioContext | null {
    if (typeof AudioContext === 'undefined') return null
    this.audioContext ??= new AudioContext()
    if (this.audioContext.state === 'suspended') void this.audioContext.resume()
    return this.audioContext
  }

  /** Levels → speaking indicators; also notices a local track that ended (the browser's "Stop sharing", a camera unplugged). */
  private readLevels(): void {
    const now = performance.now()
    let changed = false
    if (this.videoTrack?.readyState === 'ended') void this.setVideo('off')
    // An ended microphone (unplugged, permission revoked) is muted; unmuting asks again.
    if (this.microphone?.readyState === 'ended') void this.setMicrophone(false)
    const local = this.microphoneOn ? this.localSpeaking.sample(this.level(this.localAnalyser?.analyser ?? null), now) : false
    if (local !== this.localSpeakingNow) {
      this.localSpeakingNow = local
      changed = true
    }
    for (const link of this.links.values()) {
      const speaking = link.speaking.sample(this.level(link.audio?.analyser ?? null), now)
      if (speaking !== link.speakingNow) {
        link.speakingNow = speaking
        changed = true
      }
    }
    if (changed) this.changed()
  }

  private level(analyser: AnalyserNode | null): number {
    if (!analyser) return 0
    if (this.samples.length !== analyser.fftSize) this.samples = new Float32Array(analyser.fftSize)
    analyser.getFloatTimeDomainData(this.samples)
    return rms(this.samples)
  }

  private peerMedia(link: MediaLink): PeerMedia {
    const v = link.video
    const video = v && v.track.readyState === 'live' && !v.track.muted ? v.stream : null
    return {
      id: link.member.id,
      name: link.member.name,
      colour: link.member.colour,
      audio: link.audio !== null && link.audio.track.readyState === 'live' && !link.audio.track.muted,
      speaking: link.speakingNow,
      video,
      volume: link.volume,
      mutedForMe: link.mutedForMe,
      quality: link.quality,
    }
  }

  private mediaDevices(): MediaDevices {
    const devices = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined
    if (!devices) throw new Error('this browser has no microphone or camera access here (a secure origin is needed)')
    return devices
  }

  private changed(): void {
    this.syncTimers()
    this.emitter.emit('change', this.state())
  }

  /**
   * The level timer runs while there is a level to read or a local track
   * whose end it must notice (stop() fires no `ended`); the quality timer
   * while there are links.
   */
  private syncTimers(): void {
    const levels = !this.destroyed && (this.microphone !== null || this.videoTrack !== null || [...this.links.values()].some((l) => l.audio?.analyser))
    if (levels && this.levelTimer === null) this.levelTimer = setInterval(() => this.readLevels(), LEVEL_INTERVAL_MS)
    else if (!levels && this.levelTimer !== null) {
      clearInterval(this.levelTimer)
      this.levelTimer = null
    }
    const quality = !this.destroyed && this.links.size > 0
    if (quality && this.qualityTimer === null) this.qualityTimer = setInterval(() => void this.sampleQuality(), QUALITY_INTERVAL_MS)
    else if (!quality && this.qualityTimer !== null) {
      clearInterval(this.qualityTimer)
      this.qualityTimer = null
    }
  }
}

/** The link's first live transceiver of `kind`, whoever made it (our addTransceiver or the peer's offer). */
function transceiverOf(pc: RTCPeerConnection, kind: 'audio' | 'video'): RTCRtpTransceiver | undefined {
  return pc.getTransceivers().find((t) => t.receiver.track.kind === kind && t.direction !== 'stopped' && t.currentDirection !== 'stopped')
}
