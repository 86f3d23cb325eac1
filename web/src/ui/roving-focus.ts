// Roving focus for a row of buttons (the tool bar, a row of swatches): one
// Tab stop for the whole row, and the arrow keys, Home and End move focus
// along it, as the ARIA toolbar pattern has it. The Tab stop is the button
// that shows the current choice (the pressed tool), so Tab lands on what is
// chosen; once focus is in the row it stays on the last button focused.

/** The buttons of `row` that can take focus now: shown and enabled. */
function focusable(row: HTMLElement): HTMLButtonElement[] {
  return [...row.querySelectorAll<HTMLButtonElement>('button')].filter((b) => !b.disabled && b.getClientRects().length > 0)
}

export class RovingFocus {
  private readonly observer: MutationObserver

  /** `current` is the row's chosen button, the Tab stop while focus is elsewhere. */
  constructor(
    private readonly row: HTMLElement,
    private readonly current: () => HTMLButtonElement | undefined,
  ) {
    row.addEventListener('keydown', (e) => this.move(e))
    row.addEventListener('focusin', (e) => {
      if (e.target instanceof HTMLButtonElement) this.stopAt(e.target)
    })
    row.addEventListener('focusout', (e) => {
      if (!(e.relatedTarget instanceof Node && row.contains(e.relatedTarget))) this.sync()
    })
    // Buttons added later (the Insert image button) join the row without a Tab stop of their own.
    this.observer = new MutationObserver(() => this.sync())
    this.observer.observe(row, { childList: true })
    this.sync()
  }

  /** Puts the Tab stop back on the chosen button (call when the choice changes). */
  sync(): void {
    const root = this.row.getRootNode()
    const active = 'activeElement' in root ? (root as Document | ShadowRoot).activeElement : null
    if (active instanceof HTMLButtonElement && this.row.contains(active)) return
    const chosen = this.current() ?? this.row.querySelector('button') ?? undefined
    if (chosen !== undefined) this.stopAt(chosen)
  }

  destroy(): void {
    this.observer.disconnect()
  }

  private stopAt(target: HTMLButtonElement): void {
    for (const b of this.row.querySelectorAll('button')) b.tabIndex = b === target ? 0 : -1
  }

  private move(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return
    const buttons = focusable(this.row)
    const at = buttons.findIndex((b) => b === e.target)
    if (at < 0) return
    let next: number
    switch (e.key) {
      case 'ArrowRight':
      case 'ArrowDown':
        next = (at + 1) % buttons.length
        break
      case 'ArrowLeft':
      case 'ArrowUp':
        next = (at - 1 + buttons.length) % buttons.length
        break
      case 'Home':
        next = 0
        break
      case 'End':
        next = buttons.length - 1
        break
      default:
        return
    }
    // Handled: the board's shortcuts (arrows nudge the selection) must not see it.
    e.preventDefault()
    buttons[next]?.focus()
  }
}
