// The Share button and its dialog: links to this board for others. In open
// mode it copies an editor link and a view-only link; when the server has an
// auth secret only the host application can mint tokens, so the dialog says
// so instead of offering links that would not open. What the links are is
// the page's to say (ShareActions); this is only the dialog.

import { copyText } from './clipboard-copy'
import { expiryInWords } from './expiry-words'
import { ACTION_ICONS } from './icons'
import { button } from './toolbar'

/** How this board's links are handed out. */
export type ShareMode =
  /** The server gives guest tokens: the dialog can make both links. */
  | 'open'
  /** The server has an auth secret: the host application hands out links. */
  | 'host'

/** A link with when it stops working (ms since the epoch), when that is known. */
export interface ShareLink {
  url: string
  expiresAt?: number
}

export interface ShareActions {
  /** Whether links can be made here (asked each time the dialog opens). */
  mode(): Promise<ShareMode>
  /** A link that opens this board for editing. */
  editorLink(): string
  /** A link that opens this board view-only (it carries a viewer token, so it may expire: say when, and the dialog says it). */
  viewerLink(): Promise<string | ShareLink>
}

/** How long "Copied" stays on a copy button, ms. */
const COPIED_MS = 2000

let dialogCount = 0

export class ShareDialog {
  /** The Share button's panel (in the bottom dock). */
  readonly el: HTMLElement
  private readonly toggle: HTMLButtonElement
  readonly dialog: HTMLElement
  private readonly body: HTMLElement
  private readonly announce: HTMLElement
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  /** Bumped on every open and close, so a late answer from an old open is dropped. */
  private generation = 0

  /** `canEdit` says whether this page may edit: a viewer is offered the view-only link only. */
  constructor(
    private readonly doc: Document,
    private readonly actions: ShareActions,
    private readonly canEdit: () => boolean,
  ) {
    this.el = doc.createElement('div')
    this.el.className = 'share panel'
    this.toggle = button(doc, 'Share this board', ACTION_ICONS.share, () => (this.dialog.hidden ? this.open() : this.close()))
    this.toggle.dataset.action = 'share'
    this.toggle.setAttribute('aria-haspopup', 'dialog')
    this.toggle.setAttribute('aria-expanded', 'false')
    this.toggle.append(doc.createTextNode('Share'))
    this.el.append(this.toggle)

    const titleId = `inkmesh-share-title-${++dialogCount}`
    this.dialog = doc.createElement('div')
    this.dialog.className = 'share-dialog panel'
    this.dialog.hidden = true
    this.dialog.tabIndex = -1
    this.dialog.dataset.testid = 'share-dialog'
    this.dialog.setAttribute('role', 'dialog')
    this.dialog.setAttribute('aria-labelledby', titleId)
    const header = doc.createElement('div')
    header.className = 'history-header'
    const title = doc.createElement('h2')
    title.id = titleId
    title.textContent = 'Share this board'
    const close = button(doc, 'Close (Escape)', '×', () => this.close())
    close.dataset.action = 'share-close'
    header.append(title, close)
    this.body = doc.createElement('div')
    this.body.className = 'share-body'
    // The board is an application (no browse mode); its explanations are a document to read line by line (ARIA: document inside application).
    this.body.setAttribute('role', 'document')
    this.announce = doc.createElement('div')
    this.announce.className = 'share-status'
    this.announce.setAttribute('role', 'status')
    this.announce.dataset.testid = 'share-status'
    this.dialog.append(header, this.body, this.announce)
    this.dialog.addEventListener('keydown', (e) => {
      // The board's shortcuts must not see keys typed in the dialog.
      e.stopPropagation()
      if (e.key === 'Escape') {
        e.preventDefault()
        this.close()
      }
    })
  }

  open(): void {
    const generation = ++this.generation
    this.dialog.hidden = false
    this.toggle.setAttribute('aria-expanded', 'true')
    this.announce.textContent = ''
    this.body.replaceChildren(this.text('Checking how links are handed out…'))
    this.dialog.focus()
    this.actions.mode().then(
      (mode) => {
        if (generation === this.generation) this.show(mode)
      },
      (e: unknown) => {
        if (generation !== this.generation) return
        this.body.replaceChildren(this.text(`The server could not be asked: ${message(e)}. Try again when it is reachable.`))
      },
    )
  }

  /** Closes the dialog; `returnFocus` puts focus back on the Share button (it was in the dialog). */
  close(returnFocus = true): void {
    if (this.dialog.hidden) return
    this.generation++
    this.dialog.hidden = true
    this.toggle.setAttribute('aria-expanded', 'false')
    if (returnFocus) this.toggle.focus()
  }

  /**
   * Escape pressed outside the dialog (on the board, say, after a click
   * there): closes it, leaving focus where the person put it. True when it
   * was open. Inside the dialog its own handler closes it.
   */
  escape(): boolean {
    if (this.dialog.hidden) return false
    this.close(false)
    return true
  }

  private show(mode: ShareMode): void {
    if (mode === 'host') {
      this.body.replaceChildren(
        this.text(
          'This server checks who may open its boards: the application that embeds Inkmesh hands out links ' +
            'and decides who may edit or only view. Ask it for a link to share.',
        ),
      )
      return
    }
    const viewerSees = 'Whoever opens this link sees the board without drawing tools'
    const viewer = this.copyRow(
      `${viewerSees}, until its token expires.`,
      'Copy view-only link',
      'copy-viewer-link',
      async () => shareLink(await this.actions.viewerLink()),
      (expiresAt) => `${viewerSees}, ${expiryInWords(expiresAt, Date.now())}.`,
    )
    const rows = this.canEdit()
      ? [
          this.copyRow('Anyone with this link can edit the board.', 'Copy editor link', 'copy-editor-link', async () => ({
            url: this.actions.editorLink(),
          })),
          viewer,
        ]
      : [this.text('You are viewing this board, so you can share it view-only.'), viewer]
    const notes = [
      this.note(
        'open-mode-note',
        'This server runs in open mode, so view-only is a courtesy, not a lock: whoever opens the board’s address ' +
          'without the link’s token, or asks the server for a token, gets an editor’s. For real read-only access, ' +
          'run the server with --auth-secret.',
      ),
    ]
    if (isLoopback(this.doc.defaultView?.location.hostname ?? '')) {
      notes.push(
        this.note(
          'loopback-note',
          'These links work only on this computer: in open mode the server answers only pages that name this machine ' +
            '(localhost). To share with others, start it with --allow-open-mode-on-network (anyone who reaches it can then draw) ' +
            'or with --auth-secret.',
        ),
      )
    }
    this.body.replaceChildren(...rows, ...notes)
    this.body.querySelector('button')?.focus()
  }

  /** A caveat under the links, findable by tests. */
  private note(testid: string, text: string): HTMLElement {
    const p = this.text(text)
    p.classList.add('share-note')
    p.dataset.testid = testid
    return p
  }

  /**
   * A copy button with its explanation, and a text field with the link
   * (selectable when the clipboard is refused). `explainExpiry` rewords the
   * explanation once a copied link says when it expires.
   */
  private copyRow(
    explanation: string,
    label: string,
    action: string,
    link: () => Promise<ShareLink>,
    explainExpiry?: (expiresAt: number) => string,
  ): HTMLElement {
    const row = this.doc.createElement('div')
    row.className = 'share-row'
    const caption = this.doc.createTextNode(label)
    const explained = this.text(explanation)
    explained.dataset.testid = `${action}-explanation`
    const shown = (copied: ShareLink): void => {
      if (copied.expiresAt !== undefined && explainExpiry !== undefined) explained.textContent = explainExpiry(copied.expiresAt)
    }
    const copy = button(this.doc, label, ACTION_ICONS.link, () => void this.copy(link, field, caption, label, shown))
    copy.dataset.action = action
    copy.classList.add('text-button')
    copy.append(caption)
    const field = this.doc.createElement('input')
    field.type = 'text'
    field.readOnly = true
    field.hidden = true
    field.className = 'share-link'
    field.dataset.testid = `${action}-field`
    field.setAttribute('aria-label', label.replace(/^Copy /, ''))
    field.addEventListener('focus', () => field.select())
    row.append(explained, copy, field)
    return row
  }

  /** Runs from the click, so the clipboard write starts within it (see clipboard-copy.ts). */
  private async copy(
    link: () => Promise<ShareLink>,
    field: HTMLInputElement,
    caption: Text,
    label: string,
    shown: (copied: ShareLink) => void,
  ): Promise<void> {
    const generation = this.generation
    const pending = link()
    const written = copyText(navigator.clipboard as Clipboard | undefined, pending.then((l) => l.url))
    let copied: ShareLink
    try {
      copied = await pending
    } catch (e) {
      if (generation === this.generation) this.announce.textContent = `No link: ${message(e)}`
      return
    }
    if (generation !== this.generation) return
    field.value = copied.url
    field.hidden = false
    shown(copied)
    if (await written) {
      if (generation !== this.generation) return
      this.announce.textContent = 'Link copied to the clipboard.'
      caption.textContent = 'Copied'
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        caption.textContent = label
      }, COPIED_MS)
      this.timers.add(timer)
    } else if (generation === this.generation) {
      // No clipboard (permission refused, an insecure page): the link is in the field, selected.
      this.announce.textContent = 'The clipboard is not available here: copy the selected link.'
      field.focus()
      field.select()
    }
  }

  private text(content: string): HTMLElement {
    const p = this.doc.createElement('p')
    p.className = 'share-text'
    p.textContent = content
    return p
  }

  destroy(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }
}

/** A host's link as the dialog keeps it: a bare string has no known expiry. */
function shareLink(link: string | ShareLink): ShareLink {
  return typeof link === 'string' ? { url: link } : link
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/**
 * Whether `hostname` (as `location.hostname` gives it) names this machine
 * only: open mode answers just those unless the server allows the network.
 */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
