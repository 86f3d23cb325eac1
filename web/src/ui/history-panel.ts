// The version history: a History button, a panel listing the room's kept
// versions (when, who edited since the one before, how many elements), a
// read-only preview of one drawn in the board's place, and Restore (editors
// only) which makes the board that version's content as one undoable edit.
// The view does not fetch: mount() hands it HistoryActions, as it does the
// file actions.

import type * as Y from 'yjs'

import { Board } from '../doc/board'
import { absoluteTime, editorsLabel, elementCount, relativeTime } from './history-format'
import { ACTION_ICONS } from './icons'
import { button } from './toolbar'

/** One kept version, as the list shows it. */
export interface VersionListing {
  id: number
  createdMs: number
  elements: number
  editors: string[]
  moreEditors: boolean
}

export interface HistoryActions {
  /** The room's versions, newest first; throws an Error whose message is shown. */
  list(): Promise<VersionListing[]>
  /** Version `id`'s document (restore.ts versionDoc); throws an Error whose message is shown. */
  open(id: number): Promise<Y.Doc>
}

/** What the panel needs from the view to preview and restore. */
export interface PreviewHost {
  /** Draws `version` in the board's place, read-only. */
  show(version: Board): void
  /** Draws the live board again, editable as the role allows. */
  back(): void
  /** Makes the live board `version`'s content as one undoable edit; false when the role may not edit. */
  restore(version: Y.Doc): boolean
}

/** How long the "Restored…" message stays, ms. */
const MESSAGE_MS = 8000
/** The author a preview's Board is made with: it is never edited, so no element is ever written under it. */
const PREVIEW_AUTHOR = 'preview'

export class HistoryPanel {
  /** The History button, in its own small panel. */
  readonly button: HTMLElement
  /** The list of versions. */
  readonly panel: HTMLElement
  /** "Previewing version of …" with Restore and Back. */
  readonly bar: HTMLElement
  /** What the last restore did. */
  readonly message: HTMLElement
  private readonly toggle: HTMLButtonElement
  private readonly state: HTMLElement
  private readonly list: HTMLOListElement
  private readonly barText: HTMLElement
  private readonly restoreButton: HTMLButtonElement
  private previewed: { board: Board; listing: VersionListing } | null = null
  /** Counts list loads and opens, so an answer that comes after a newer request is dropped. */
  private generation = 0
  private messageTimer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly doc: Document,
    private readonly actions: HistoryActions,
    private readonly host: PreviewHost,
  ) {
    this.button = doc.createElement('div')
    this.button.className = 'versions panel'
    this.toggle = button(doc, 'Version history', ACTION_ICONS.history, () => (this.isOpen ? this.close() : this.open()))
    this.toggle.dataset.action = 'history'
    this.toggle.setAttribute('aria-expanded', 'false')
    this.toggle.setAttribute('aria-controls', 'inkmesh-history-panel')
    this.button.append(this.toggle)

    this.panel = doc.createElement('section')
    this.panel.className = 'history-panel panel'
    this.panel.id = 'inkmesh-history-panel'
    this.panel.setAttribute('role', 'dialog')
    this.panel.setAttribute('aria-label', 'Version history')
    this.panel.dataset.testid = 'history-panel'
    this.panel.hidden = true
    const header = doc.createElement('div')
    header.className = 'history-header'
    const title = doc.createElement('h2')
    title.textContent = 'History'
    const close = button(doc, 'Close history (Escape)', '×', () => this.close())
    close.dataset.action = 'history-close'
    header.append(title, close)
    this.state = doc.createElement('p')
    this.state.className = 'history-state'
    this.state.setAttribute('role', 'status')
    this.state.dataset.testid = 'history-state'
    this.list = doc.createElement('ol')
    this.list.className = 'history-list'
    this.list.setAttribute('aria-label', 'Versions, newest first')
    this.list.addEventListener('keydown', (e) => this.moveFocus(e))
    this.panel.append(header, this.state, this.list)

    this.bar = doc.createElement('div')
    this.bar.className = 'preview-bar panel'
    this.bar.setAttribute('role', 'region')
    this.bar.setAttribute('aria-label', 'Version preview')
    this.bar.dataset.testid = 'preview-bar'
    this.bar.hidden = true
    this.barText = doc.createElement('span')
    this.barText.className = 'preview-text'
    this.restoreButton = doc.createElement('button')
    this.restoreButton.type = 'button'
    this.restoreButton.className = 'text-button primary edit-only'
    this.restoreButton.textContent = 'Restore'
    this.restoreButton.dataset.action = 'restore-version'
    this.restoreButton.addEventListener('click', () => this.restore())
    const back = doc.createElement('button')
    back.type = 'button'
    back.className = 'text-button'
    back.textContent = 'Back'
    back.title = 'Back to the live board (Escape)'
    back.dataset.action = 'preview-back'
    back.addEventListener('click', () => this.back())
    this.bar.append(this.barText, this.restoreButton, back)

    this.message = doc.createElement('div')
    this.message.className = 'history-message'
    this.message.setAttribute('role', 'status')
    this.message.dataset.testid = 'history-message'
  }

  get isOpen(): boolean {
    return !this.panel.hidden
  }

  /** Opens the panel and loads the list afresh (versions are kept as the board is edited). */
  open(): void {
    this.panel.hidden = false
    this.toggle.setAttribute('aria-expanded', 'true')
    void this.load()
  }

  /** Closes the panel, and the preview with it; focus returns to the History button. */
  close(): void {
    this.back()
    this.generation++
    this.panel.hidden = true
    this.toggle.setAttribute('aria-expanded', 'false')
    this.toggle.focus({ preventScroll: true })
  }

  /** Escape: leaves the preview first, then the panel. True when it did something. */
  escape(): boolean {
    if (this.previewed !== null) {
      // Focus goes back to the version that was previewed.
      const previewedItem = this.list.querySelector<HTMLButtonElement>('button[aria-current="true"]') ?? this.toggle
      this.back()
      previewedItem.focus({ preventScroll: true })
      return true
    }
    if (!this.isOpen) return false
    this.close()
    return true
  }

  destroy(): void {
    this.generation++
    clearTimeout(this.messageTimer)
    this.back()
  }

  private async load(): Promise<void> {
    const generation = ++this.generation
    this.showState('Loading versions…', 'loading')
    this.list.replaceChildren()
    let versions: VersionListing[]
    try {
      versions = await this.actions.list()
    } catch (e) {
      if (generation === this.generation) this.showState(`Could not load the history: ${reason(e)}`, 'error')
      return
    }
    if (generation !== this.generation) return
    if (versions.length === 0) {
      this.showState('No versions kept yet: the server keeps one as the board is edited.', 'empty')
      return
    }
    this.showState('', 'ready')
    const now = Date.now()
    this.list.replaceChildren(...versions.map((v) => this.item(v, now)))
    this.list.querySelector('button')?.focus({ preventScroll: true })
  }

  private item(version: VersionListing, now: number): HTMLLIElement {
    const li = this.doc.createElement('li')
    const b = this.doc.createElement('button')
    b.type = 'button'
    b.className = 'version'
    b.dataset.versionId = String(version.id)
    const when = this.doc.createElement('span')
    when.className = 'version-time'
    when.textContent = relativeTime(version.createdMs, now)
    when.title = absoluteTime(version.createdMs)
    const who = editorsLabel(version.editors, version.moreEditors)
    const details = this.doc.createElement('span')
    details.className = 'version-details'
    details.textContent = who === '' ? elementCount(version.elements) : `${who} · ${elementCount(version.elements)}`
    // A space between the two lines, so their words stay apart in the text read out.
    b.append(when, ' ', details)
    // The name starts with the words shown, so speech control ("click 2 minutes ago") finds the button.
    b.setAttribute('aria-label', `${when.textContent}, ${details.textContent}. Preview the version of ${absoluteTime(version.createdMs)}`)
    b.addEventListener('click', () => void this.preview(version, b))
    li.append(b)
    return li
  }

  private async preview(version: VersionListing, item: HTMLButtonElement): Promise<void> {
    const generation = ++this.generation
    this.showState('Opening the version…', 'loading')
    let versionDoc: Y.Doc
    try {
      versionDoc = await this.actions.open(version.id)
    } catch (e) {
      if (generation === this.generation) this.showState(`Could not open that version: ${reason(e)}`, 'error')
      return
    }
    if (generation !== this.generation) {
      versionDoc.destroy()
      return
    }
    this.showState('', 'ready')
    this.dropPreview()
    const board = new Board(versionDoc, PREVIEW_AUTHOR)
    this.previewed = { board, listing: version }
    this.host.show(board)
    for (const other of this.list.querySelectorAll('button')) other.removeAttribute('aria-current')
    item.setAttribute('aria-current', 'true')
    this.barText.textContent = `Previewing version of ${absoluteTime(version.createdMs)}`
    this.bar.hidden = false
  }

  private restore(): void {
    const previewed = this.previewed
    if (previewed === null) return
    const when = absoluteTime(previewed.listing.createdMs)
    if (!this.host.restore(previewed.board.doc)) {
      this.say('This board is view-only: nothing was restored.')
      return
    }
    this.close()
    this.say(`Restored the version of ${when} — undo to take it back`)
  }

  /** Back to the live board; the list stays open. */
  private back(): void {
    if (this.previewed === null) return
    this.host.back()
    this.dropPreview()
    this.bar.hidden = true
    for (const other of this.list.querySelectorAll('button')) other.removeAttribute('aria-current')
  }

  private dropPreview(): void {
    const previewed = this.previewed
    if (previewed === null) return
    this.previewed = null
    previewed.board.destroy()
    previewed.board.doc.destroy()
  }

  /** Up and down arrows walk the list (before the board takes them as nudges). */
  private moveFocus(e: KeyboardEvent): void {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return
    const items = [...this.list.querySelectorAll<HTMLButtonElement>('button')]
    const at = items.findIndex((b) => b === e.target)
    const next = items[Math.min(items.length - 1, Math.max(0, at + (e.key === 'ArrowDown' ? 1 : -1)))]
    next?.focus()
    e.preventDefault()
  }

  private showState(text: string, state: 'loading' | 'error' | 'empty' | 'ready'): void {
    this.state.textContent = text
    this.state.dataset.state = state
    this.state.hidden = text === ''
  }

  private say(text: string): void {
    this.message.textContent = text
    this.message.classList.add('visible')
    clearTimeout(this.messageTimer)
    this.messageTimer = setTimeout(() => this.message.classList.remove('visible'), MESSAGE_MS)
  }
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
