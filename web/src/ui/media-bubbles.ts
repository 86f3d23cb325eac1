// Video bubbles under the people list: our own camera or screen (a small
// preview, mirrored only for the camera) and each peer's, for as long as
// their track is live. A bubble keeps its <video> element across renders, so
// a stream is not restarted on every change.

import type { MediaState } from '../collab/media-port'

export const BUBBLES_CSS = `
.media-bubbles { display: flex; flex-wrap: wrap; gap: 6px; justify-content: flex-end; }
.media-bubble { position: relative; width: 128px; height: 96px; border-radius: 12px; overflow: hidden; background: #000; box-shadow: var(--shadow); }
.media-bubble video { width: 100%; height: 100%; object-fit: cover; }
.media-bubble[data-source="camera"][data-you] video { transform: scaleX(-1); }
.media-bubble .label { position: absolute; left: 6px; bottom: 4px; color: #fff; font-size: 11px; text-shadow: 0 0 3px #000; }
`

/** The id our own preview has among the bubbles. */
const OWN = ''

export class MediaBubbles {
  readonly el: HTMLElement
  private readonly bubbles = new Map<string, { el: HTMLElement; video: HTMLVideoElement }>()

  constructor(private readonly doc: Document) {
    this.el = doc.createElement('div')
    this.el.className = 'media-bubbles'
    this.el.dataset.testid = 'media-bubbles'
  }

  render(state: MediaState): void {
    const wanted = new Map<string, { stream: MediaStream; label: string }>()
    if (state.localVideo) wanted.set(OWN, { stream: state.localVideo, label: state.video === 'screen' ? 'Your screen' : 'You' })
    for (const peer of state.peers) if (peer.video) wanted.set(peer.id, { stream: peer.video, label: peer.name })
    for (const [id, bubble] of this.bubbles) {
      if (wanted.get(id)?.stream === bubble.video.srcObject) continue
      bubble.video.srcObject = null
      bubble.el.remove()
      this.bubbles.delete(id)
    }
    for (const [id, { stream, label }] of wanted) {
      if (this.bubbles.has(id)) continue
      const el = this.doc.createElement('div')
      el.className = 'media-bubble'
      if (id === OWN) {
        el.dataset.you = 'true'
        el.dataset.source = state.video
      } else {
        el.dataset.peerId = id
      }
      const video = this.doc.createElement('video')
      video.autoplay = true
      video.playsInline = true
      // Our own preview must not echo; peers' sound plays through their <audio>.
      video.muted = true
      video.srcObject = stream
      const name = this.doc.createElement('span')
      name.className = 'label'
      name.textContent = label
      el.append(video, name)
      this.el.append(el)
      this.bubbles.set(id, { el, video })
    }
  }

  destroy(): void {
    for (const bubble of this.bubbles.values()) bubble.video.srcObject = null
    this.bubbles.clear()
    this.el.remove()
  }
}
