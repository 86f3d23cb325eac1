// A polite live region: sentences for screen readers about what changed
// without moving focus (a shape placed from the keyboard, someone joining).
// It is visually hidden; sighted users see the change itself.

export class Announcer {
  readonly el: HTMLElement
  /** Alternates a trailing no-break space, so saying the same sentence twice is still a change to announce. */
  private flip = false

  constructor(doc: Document, testid: string) {
    this.el = doc.createElement('div')
    this.el.className = 'sr-only'
    this.el.setAttribute('aria-live', 'polite')
    this.el.setAttribute('aria-atomic', 'true')
    this.el.dataset.testid = testid
  }

  say(text: string): void {
    this.flip = !this.flip
    this.el.textContent = this.flip ? text : `${text}\u00a0`
  }
}
