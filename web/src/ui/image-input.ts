// The three ways a picture comes onto the board: paste (image files on the
// clipboard), drag-and-drop, and the toolbar's Insert image button (a file
// picker). All three hand files to the board's image actions with where they
// go; a refusal, or a viewer's attempt, is said in a message by the toolbar.

import { ACTION_ICONS } from './icons'
import { button } from './toolbar'

export interface ImageActions {
  /** Adds files centred at `at`, fitting a view of `view` (board px); resolves with a sentence per file refused. */
  add(files: File[], place: { at: { x: number; y: number }; view: { width: number; height: number } }): Promise<string[]>
  /** Sentences that come later (an upload the server refused). */
  onMessage(listener: (message: string) => void): () => void
}

export interface ImageInputHost {
  /** Whether this member may edit now (not a viewer, no version previewed). */
  canEdit(): boolean
  /** Why not, when canEdit() is false. */
  whyNot(): string
  /** The board point under a client (CSS px) point, and the view's size in board px. */
  boardAt(clientX: number, clientY: number): { x: number; y: number }
  viewCentre(): { x: number; y: number }
  viewSize(): { width: number; height: number }
  /** Whether a paste belongs to this board (it has focus or the pointer, and no text is being edited). */
  ownsPaste(e: ClipboardEvent): boolean
}

/** How long a message shows, ms. */
const MESSAGE_MS = 8000

export class ImageInput {
  /** The toolbar button (edit-only). */
  readonly button: HTMLButtonElement
  readonly message: HTMLElement
  private readonly input: HTMLInputElement
  private messageTimer: ReturnType<typeof setTimeout> | undefined
  private readonly cleanups: Array<() => void> = []

  constructor(
    doc: Document,
    target: HTMLElement,
    private readonly actions: ImageActions,
    private readonly host: ImageInputHost,
  ) {
    this.message = doc.createElement('div')
    this.message.className = 'image-message'
    this.message.setAttribute('role', 'status')
    this.message.dataset.testid = 'image-message'

    this.input = doc.createElement('input')
    this.input.type = 'file'
    this.input.accept = 'image/png,image/jpeg,image/gif,image/webp'
    this.input.multiple = true
    this.input.hidden = true
    this.input.dataset.testid = 'image-file-input'
    this.input.addEventListener('change', () => {
      const files = [...(this.input.files ?? [])]
      this.input.value = ''
      this.addFiles(files, host.viewCentre())
    })
    this.button = button(doc, 'Insert image', ACTION_ICONS.insertPicture, () => this.input.click())
    this.button.dataset.action = 'insert-image'
    this.button.classList.add('edit-only')
    this.button.append(this.input)

    const onPaste = (e: ClipboardEvent): void => {
      const files = [...(e.clipboardData?.files ?? [])]
      if (files.length === 0 || e.defaultPrevented || !host.ownsPaste(e)) return
      e.preventDefault()
      this.addFiles(files, host.viewCentre())
    }
    doc.addEventListener('paste', onPaste)
    this.cleanups.push(() => doc.removeEventListener('paste', onPaste))
    const onDragOver = (e: DragEvent): void => {
      if (!e.dataTransfer?.types.includes('Files')) return
      // Accepting the drag is what makes the browser deliver the drop here instead of opening the file.
      e.preventDefault()
      e.dataTransfer.dropEffect = host.canEdit() ? 'copy' : 'none'
    }
    const onDrop = (e: DragEvent): void => {
      const files = [...(e.dataTransfer?.files ?? [])]
      if (files.length === 0) return
      e.preventDefault()
      this.addFiles(files, host.boardAt(e.clientX, e.clientY))
    }
    target.addEventListener('dragover', onDragOver)
    target.addEventListener('drop', onDrop)
    this.cleanups.push(
      () => target.removeEventListener('dragover', onDragOver),
      () => target.removeEventListener('drop', onDrop),
      actions.onMessage((m) => this.say(m)),
    )
  }

  say(text: string): void {
    this.message.textContent = text
    this.message.classList.add('visible')
    clearTimeout(this.messageTimer)
    this.messageTimer = setTimeout(() => this.message.classList.remove('visible'), MESSAGE_MS)
  }

  destroy(): void {
    clearTimeout(this.messageTimer)
    for (const off of this.cleanups.splice(0)) off()
  }

  private addFiles(files: File[], at: { x: number; y: number }): void {
    if (!this.host.canEdit()) {
      this.say(this.host.whyNot())
      return
    }
    this.actions.add(files, { at, view: this.host.viewSize() }).then(
      (refusals) => {
        if (refusals.length > 0) this.say(refusals.join(' '))
      },
      (e: unknown) => this.say(`The image could not be added: ${e instanceof Error ? e.message : String(e)}`),
    )
  }
}
