// Who has the keyboard. The board takes keys when it has focus, or when the
// pointer is over it and the host page has nothing focused; an embedded board
// never takes keys meant for the page's own inputs, nor keys typed into a text
// field of its own. A button clicked with the pointer hands focus back to the
// board, so shortcuts keep working after a click.

import { listen } from './listen'

/** Whether `el` takes typed text, so its keys are not shortcuts. */
function isTextInput(el: unknown): boolean {
  if (!el || typeof el !== 'object' || !('tagName' in el)) return false
  const node = el as HTMLElement
  return node.tagName === 'TEXTAREA' || node.tagName === 'INPUT' || node.tagName === 'SELECT' || node.isContentEditable
}

export class BoardFocus {
  private hovered = false
  private readonly cleanups: Array<() => void>

  constructor(
    private readonly root: ShadowRoot | HTMLElement,
    private readonly container: HTMLElement,
  ) {
    this.cleanups = [
      listen(container, 'pointerenter', () => (this.hovered = true)),
      listen(container, 'pointerleave', () => (this.hovered = false)),
      listen(container, 'click', (e) => {
        // A button clicked with a pointer hands focus back to the board, so space
        // (pan) does not press it again and shortcuts keep working; unless focus
        // is in a dialog (the button opened it, or is in it), which keeps focus
        // until it closes (Escape must reach it).
        const inDialog = this.focusedInside()?.closest('[role="dialog"]')
        if (e.detail > 0 && e.target instanceof Element && e.target.closest('button') && !inDialog) this.focus()
      }),
    ]
  }

  focus(): void {
    this.container.focus({ preventScroll: true })
  }

  /** The focused element, if it is the board or inside it. */
  focusedInside(): Element | null {
    // The root's own scope: the shadow root in production, so the focused element is not retargeted to the host.
    const active = (this.root.getRootNode() as Document | ShadowRoot).activeElement
    return active && this.container.contains(active) ? active : null
  }

  /**
   * Keys belong to the board when it has focus, or when the pointer is over it
   * and the host page has nothing focused: an embedded board never takes keys
   * meant for the page's own inputs.
   */
  ownsKeys(): boolean {
    if (this.focusedInside()) return true
    const doc = this.container.ownerDocument
    const pageActive = doc.activeElement
    return this.hovered && (pageActive === null || pageActive === doc.body || pageActive === doc.documentElement)
  }

  /** Whether `e` goes to a text field (its target, or the field focused in the board): typing, not a shortcut. */
  typingInField(e: Event): boolean {
    return isTextInput(e.composedPath()[0]) || isTextInput(this.focusedInside())
  }

  destroy(): void {
    for (const off of this.cleanups.splice(0)) off()
  }
}
