// What the UI sees of the room's voice, camera and screen share: the local
// person's controls and each direct peer's media. Implemented by RoomMediaHub
// (net/media.ts); the media bar and bubbles use only this.

/** What we send as video: nothing, the camera, or a shared screen. */
export type VideoSource = 'off' | 'camera' | 'screen'

/** Why we cannot talk now, if we cannot. */
export type MediaUnavailable =
  /** The room is above the mesh limit: members link through the keeper only, which carries no media. */
  | 'star'
  /** Viewers listen; they do not speak (docs/PROTOCOL.md, *Renegotiation*). */
  | 'viewer'
  /** The server deleted the board: the room, and its voice and video, are over. */
  | 'deleted'
  | null

/** A connection's quality, from getStats (docs/PROTOCOL.md; thresholds in net/quality.ts). */
export interface LinkQuality {
  /** Round-trip time of the selected ICE candidate pair, ms; null until measured. */
  rttMs: number | null
  /** Fraction of the peer's inbound packets (audio and video) lost since the last sample, 0..1. */
  loss: number
  /** Jitter of the peer's inbound audio, ms; null without audio. */
  jitterMs: number | null
  /** good / fair / poor, from the thresholds. */
  grade: 'good' | 'fair' | 'poor'
}

export interface PeerMedia {
  /** The member id. */
  id: string
  name: string
  colour: string
  /** Their voice reaches us (a remote audio track that is not muted). */
  audio: boolean
  /** Their audio level is above the speaking threshold (Web Audio analyser), held briefly. */
  speaking: boolean
  /** Their video (camera or screen), while it is live. */
  video: MediaStream | null
  /** 0..1, ours only. */
  volume: number
  /** We muted them for ourselves only. */
  mutedForMe: boolean
  quality: LinkQuality | null
}

export interface MediaState {
  /** Our microphone sends (unmuted). */
  microphone: boolean
  /** A device prompt is open (microphone; camera or screen): its buttons wait. */
  pending: { microphone: boolean; video: boolean }
  /** We are speaking (our own level, while unmuted). */
  speaking: boolean
  video: VideoSource
  /** Our own video, to preview. */
  localVideo: MediaStream | null
  unavailable: MediaUnavailable
  /** Back in mesh mode after star mode, with no direct link yet: nobody hears us until people rejoin. */
  noDirectLinks: boolean
  /** The browser refused to play someone's voice until the person interacts with the page (autoplay policy). */
  playbackBlocked: boolean
  /** The room's mesh limit (members besides the keeper), for the star-mode notice. */
  meshLimit: number | null
  peers: PeerMedia[]
}

export interface RoomMedia {
  state(): MediaState
  /** Fires when anything in state() changed. */
  onChange(listener: (state: MediaState) => void): () => void
  /** Unmutes (asking for the microphone the first time) or mutes. Rejects when the person refused. */
  setMicrophone(on: boolean): Promise<void>
  /** Camera or screen, or off; switching uses replaceTrack on live links (no renegotiation). */
  setVideo(source: VideoSource): Promise<void>
  /** The person clicked or pressed a key: resumes audio the autoplay policy held back. */
  resumePlayback(): void
  setVolume(peerId: string, volume: number): void
  setMutedForMe(peerId: string, muted: boolean): void
}

/** The sentence the UI shows when media is unavailable. */
export function unavailableText(why: MediaUnavailable, meshLimit: number | null): string {
  if (why === 'star') {
    const most = meshLimit === null ? 'a few people' : `${meshLimit} ${meshLimit === 1 ? 'person' : 'people'}`
    return `Voice and video work while the room has at most ${most}; above that, everyone connects through the server, which carries no media.`
  }
  if (why === 'viewer') return 'Viewers can listen but not speak.'
  if (why === 'deleted') return 'The board was deleted: its voice and video ended with it.'
  return ''
}

/** The notice while the room is back in mesh mode but its direct links, closed in star mode, are not back. */
export const NO_DIRECT_LINKS_TEXT = 'Voice needs direct links, which closed while the room was large; they come back as people rejoin.'

/** The notice while the browser holds back the others' voices. */
export const PLAYBACK_BLOCKED_TEXT = 'Your browser holds back the others’ voices until you click or press a key on this page.'
