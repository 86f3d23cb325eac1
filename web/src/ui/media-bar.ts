// The room's voice controls beside the presence list: our microphone (muted
// until clicked; the browser asks for permission only then), camera and
// screen share with their video bubbles (media-bubbles.ts), and one row per direct peer with a speaking dot, a quality
// dot, their volume and mute-for-me. Speaking also marks the person's
// presence chip. Names are untrusted: set as text only.

import { NO_DIRECT_LINKS_TEXT, PLAYBACK_BLOCKED_TEXT, unavailableText, type MediaState, type PeerMedia, type RoomMedia } from '../collab/media-port'
import { safeColor } from '../render/color'
import { chipKey } from './presence-list'
import { BUBBLES_CSS, MediaBubbles } from './media-bubbles'

const FALLBACK_COLOUR = '#868e96'
/** The events that count as the person's gesture for the browser's autoplay policy. */
const GESTURES = ['pointerdown', 'keydown'] as const

const MEDIA_CSS = `
.top-right { flex-wrap: wrap; justify-content: flex-end; }
.media-bar { flex-basis: 100%; display: flex; flex-direction: column; align-items: flex-end; gap: 4px; font-size: 12px; }
.media-controls button, .media-peer button { white-space: nowrap; }
.media-controls { display: flex; gap: 4px; }
.media-controls button, .media-peer button {
  border: 1px solid var(--panel-border); background: var(--panel); color: inherit; border-radius: 999px;
  padding: 3px 10px; font: inherit; cursor: pointer; box-shadow: var(--shadow);
}
.media-controls button[aria-pressed="true"] { background: #2f9e44; color: #fff; }
.media-controls button:disabled { opacity: 0.5; cursor: default; }
.media-notice { max-width: 260px; color: var(--muted); text-align: right; }
.media-notice:empty { display: none; }
.media-peer { display: flex; align-items: center; gap: 6px; }
.media-peer input { width: 70px; }
.media-dot { width: 8px; height: 8px; border-radius: 50%; background: var(--panel-border); }
.media-peer[data-speaking="true"] .media-dot.speaking { background: #2f9e44; box-shadow: 0 0 0 3px rgba(47,158,68,0.3); }
.media-dot.quality[data-grade="good"] { background: #2f9e44; }
.media-dot.quality[data-grade="fair"] { background: #f59f00; }
.media-dot.quality[data-grade="poor"] { background: #e03131; }
.person[data-speaking="true"] .avatar { box-shadow: 0 0 0 3px #2f9e44; }
`

interface PeerRow {
  el: HTMLElement
  name: HTMLElement
  quality: HTMLElement
  volume: HTMLInputElement
  mute: HTMLButtonElement
}

function updateRow(row: PeerRow, peer: PeerMedia): void {
  row.el.dataset.speaking = String(peer.speaking)
  row.el.dataset.audio = String(peer.audio)
  row.name.textContent = peer.name
  row.name.style.color = safeColor(peer.colour, FALLBACK_COLOUR)
  const q = peer.quality
  if (q) {
    row.quality.dataset.grade = q.grade
    const rtt = q.rttMs === null ? '?' : `${Math.round(q.rttMs)} ms`
    const jitter = q.jitterMs === null ? '' : `, audio jitter ${q.jitterMs.toFixed(1)} ms`
    row.quality.title = `Connection ${q.grade}: round trip ${rtt}, loss ${(q.loss * 100).toFixed(1)} %${jitter}`
  }
  if (row.el.ownerDocument.activeElement !== row.volume) row.volume.value = String(peer.volume)
  row.volume.setAttribute('aria-label', `${peer.name}'s volume, for you`)
  row.mute.textContent = peer.mutedForMe ? 'Unmute for me' : 'Mute for me'
  row.mute.setAttribute('aria-pressed', String(peer.mutedForMe))
}

export class MediaBar {
  readonly el: HTMLElement
  private readonly micButton: HTMLButtonElement
  private readonly cameraButton: HTMLButtonElement
  private readonly screenButton: HTMLButtonElement
  private readonly notice: HTMLElement
  private readonly peers: HTMLElement
  private readonly bubbles: MediaBubbles
  private readonly off: () => void
  private readonly observer: MutationObserver
  /** One row per peer, kept across renders so a volume slider being dragged is not replaced. */
  private readonly rows = new Map<string, PeerRow>()
  private lastState: MediaState

  /** `presence`: the presence list's element, whose chips get `data-speaking`. */
  constructor(
    private readonly doc: Document,
    private readonly media: RoomMedia,
    private readonly presence: HTMLElement,
  ) {
    this.el = doc.createElement('div')
    this.el.className = 'media-bar'
    this.el.dataset.testid = 'media-bar'
    const style = doc.createElement('style')
    style.textContent = MEDIA_CSS + BUBBLES_CSS
    const controls = doc.createElement('div')
    controls.className = 'media-controls'
    this.micButton = this.button('mic-button', () => this.act(this.media.setMicrophone(!this.lastState.microphone)))
    this.cameraButton = this.button('camera-button', () =>
      this.act(this.media.setVideo(this.lastState.video === 'camera' ? 'off' : 'camera')),
    )
    this.screenButton = this.button('screen-button', () =>
      this.act(this.media.setVideo(this.lastState.video === 'screen' ? 'off' : 'screen')),
    )
    controls.append(this.micButton, this.cameraButton, this.screenButton)
    this.notice = doc.createElement('div')
    this.notice.className = 'media-notice'
    this.notice.dataset.testid = 'media-notice'
    this.notice.setAttribute('role', 'status')
    this.peers = doc.createElement('div')
    this.peers.className = 'media-peers'
    this.bubbles = new MediaBubbles(doc)
    this.el.append(style, controls, this.notice, this.peers, this.bubbles.el)
    this.lastState = media.state()
    this.render(this.lastState)
    this.off = media.onChange((state) => this.render(state))
    // The presence list redraws its chips on its own; the speaking marks follow.
    this.observer = new MutationObserver(() => this.markChips(this.lastState))
    this.observer.observe(presence, { childList: true })
    // The autoplay policy lets sound start on a click or key press anywhere on the page.
    for (const type of GESTURES) doc.addEventListener(type, this.gesture, { capture: true })
  }

  private readonly gesture = (): void => this.media.resumePlayback()

  destroy(): void {
    for (const type of GESTURES) this.doc.removeEventListener(type, this.gesture, { capture: true })
    this.off()
    this.observer.disconnect()
    this.bubbles.destroy()
    this.el.remove()
  }

  private render(state: MediaState): void {
    this.lastState = state
    const blocked = state.unavailable !== null
    this.micButton.textContent = state.microphone ? 'Mute' : 'Unmute'
    this.micButton.setAttribute('aria-pressed', String(state.microphone))
    this.micButton.title = state.microphone ? 'Stop sending your voice' : 'Join the voice: everyone linked hears you'
    this.micButton.dataset.speaking = String(state.speaking)
    this.cameraButton.textContent = 'Camera'
    this.cameraButton.setAttribute('aria-pressed', String(state.video === 'camera'))
    this.screenButton.textContent = 'Share screen'
    this.screenButton.setAttribute('aria-pressed', String(state.video === 'screen'))
    // While a device prompt is open a second click would ask again: its buttons wait.
    this.micButton.disabled = blocked || state.pending.microphone
    for (const b of [this.cameraButton, this.screenButton]) b.disabled = blocked || state.pending.video
    // Viewers may still listen: only their own controls are off.
    if (blocked) this.notice.textContent = unavailableText(state.unavailable, state.meshLimit)
    else if (this.notice.dataset.error !== 'true') {
      this.notice.textContent = state.playbackBlocked ? PLAYBACK_BLOCKED_TEXT : state.noDirectLinks ? NO_DIRECT_LINKS_TEXT : ''
    }
    const ids = new Set(state.peers.map((p) => p.id))
    for (const [id, row] of this.rows) {
      if (ids.has(id)) continue
      row.el.remove()
      this.rows.delete(id)
    }
    for (const peer of state.peers) {
      let row = this.rows.get(peer.id)
      if (!row) {
        row = this.peerRow(peer.id)
        this.rows.set(peer.id, row)
        this.peers.append(row.el)
      }
      updateRow(row, peer)
    }
    this.bubbles.render(state)
    this.markChips(state)
  }

  private peerRow(id: string): PeerRow {
    const el = this.doc.createElement('div')
    el.className = 'media-peer'
    el.dataset.peerId = id
    const speaking = this.doc.createElement('span')
    speaking.className = 'media-dot speaking'
    const name = this.doc.createElement('span')
    const quality = this.doc.createElement('span')
    quality.className = 'media-dot quality'
    quality.dataset.testid = 'quality'
    const volume = this.doc.createElement('input')
    volume.type = 'range'
    volume.min = '0'
    volume.max = '1'
    volume.step = '0.05'
    volume.addEventListener('input', () => this.media.setVolume(id, Number(volume.value)))
    const mute = this.doc.createElement('button')
    mute.type = 'button'
    mute.dataset.testid = 'mute-for-me'
    mute.addEventListener('click', () => this.media.setMutedForMe(id, mute.getAttribute('aria-pressed') !== 'true'))
    el.append(speaking, name, quality, volume, mute)
    return { el, name, quality, volume, mute }
  }

  /** Marks the presence chips of the people speaking (ours too). */
  private markChips(state: MediaState): void {
    const speaking = new Set(state.peers.filter((p) => p.speaking).map((p) => chipKey(p.name, p.colour)))
    for (const chip of this.presence.querySelectorAll<HTMLElement>('.person')) {
      const on = chip.dataset.you === 'true' ? state.speaking : speaking.has(chip.dataset.who ?? '')
      if ((chip.dataset.speaking === 'true') !== on) chip.dataset.speaking = String(on)
    }
  }

  private button(testid: string, click: () => void): HTMLButtonElement {
    const b = this.doc.createElement('button')
    b.type = 'button'
    b.dataset.testid = testid
    b.addEventListener('click', click)
    return b
  }

  /** Runs a control's action; a refusal (permission denied, no device) is said in the notice. */
  private act(action: Promise<void>): void {
    delete this.notice.dataset.error
    action.catch((error: unknown) => {
      this.notice.dataset.error = 'true'
      this.notice.textContent = error instanceof Error ? error.message : String(error)
    })
  }
}
