// Says whom we follow ("Following Ada"), with a button to stop, and frames
// the board in their colour so following is never mistaken for our own view.
// Announced politely: the view can start moving by itself when a presenter
// asks everyone to follow.

import { safeColor } from '../render/color'
import type { Follow, Followed } from './follow'

const FALLBACK_COLOUR = '#868e96'
/** Names are untrusted and the bar is centred: longer ones are cut. */
const MAX_NAME = 40

export class FollowBar {
  readonly el: HTMLElement
  private readonly text: HTMLElement
  private readonly off: () => void

  constructor(
    doc: Document,
    private readonly container: HTMLElement,
    follow: Follow,
  ) {
    this.el = doc.createElement('div')
    this.el.className = 'follow-bar panel'
    this.el.setAttribute('role', 'status')
    this.el.setAttribute('aria-live', 'polite')
    this.el.dataset.testid = 'follow-bar'
    this.el.hidden = true
    this.text = doc.createElement('span')
    this.text.className = 'follow-text'
    const stop = doc.createElement('button')
    stop.type = 'button'
    stop.className = 'text-button'
    stop.textContent = 'Stop following'
    stop.dataset.action = 'stop-following'
    stop.addEventListener('click', () => follow.stop())
    this.el.append(this.text, stop)
    this.off = follow.onChange((followed) => this.show(followed))
    this.show(follow.current)
  }

  destroy(): void {
    this.off()
  }

  private show(followed: Followed | undefined): void {
    this.el.hidden = followed === undefined
    if (followed === undefined) {
      delete this.container.dataset.following
      this.container.style.removeProperty('--follow-colour')
      return
    }
    const name = followed.name.slice(0, MAX_NAME) || 'Anonymous'
    this.text.textContent = followed.asked ? `Following ${name} (presenting)` : `Following ${name}`
    this.container.dataset.following = 'true'
    this.container.style.setProperty('--follow-colour', safeColor(followed.colour, FALLBACK_COLOUR))
  }
}
