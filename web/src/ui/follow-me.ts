// "Follow me", for a presenter: a toggle that sets `followMe` in our presence
// (PROTOCOL.md, Presence), which asks everyone in the room to follow our view.
// Each of them can stop following; while we keep asking, they are not pulled
// back (ui/follow.ts decides that on their side).

import type { Collab } from '../collab/port'
import { ACTION_ICONS } from './icons'
import { button } from './toolbar'

export class FollowMeButton {
  /** The dock panel holding the toggle. */
  readonly el: HTMLElement
  private readonly toggle: HTMLButtonElement
  private asking = false

  constructor(
    doc: Document,
    private readonly collab: Collab,
  ) {
    this.el = doc.createElement('div')
    this.el.className = 'follow-me panel'
    // One name, pressed or not: a toggle's label must not change with its
    // state. An icon alone: the dock's row already holds Share's words.
    this.toggle = button(doc, 'Follow me (ask everyone to follow your view)', ACTION_ICONS.present, () => this.set(!this.asking))
    this.toggle.dataset.action = 'follow-me'
    this.el.append(this.toggle)
    this.show()
  }

  /** Asks everyone to follow us, or stops asking. */
  set(asking: boolean): void {
    this.asking = asking
    this.collab.setPresence({ followMe: asking })
    this.show()
  }

  private show(): void {
    this.toggle.setAttribute('aria-pressed', String(this.asking))
  }
}
