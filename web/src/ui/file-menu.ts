// Export and import: SVG and PNG pictures of the board, and the board file
// (the snapshot envelope) to download and to open, which merges into the
// board. The view does not know the formats; mount() hands it these actions.

import { ACTION_ICONS } from './icons'
import { button } from './toolbar'

export interface FileActions {
  exportSVG(): Promise<string>
  exportPNG(): Promise<Blob>
  /** The board file, with the images it shows. */
  exportFile(): Promise<Uint8Array>
  /** Merges a board file; rejects with an Error whose message is shown to the user. */
  importFile(bytes: Uint8Array): Promise<void>
  /** Base name for downloads (the room). */
  name(): string
}

export class FileMenu {
  readonly el: HTMLElement
  /** Downloads the board file (also offered when the board was deleted). */
  readonly downloadBoard: () => void
  private readonly message: HTMLElement
  private messageTimer: ReturnType<typeof setTimeout> | undefined

  constructor(doc: Document, actions: FileActions) {
    this.el = doc.createElement('div')
    this.el.className = 'files panel'
    this.el.setAttribute('role', 'group')
    this.el.setAttribute('aria-label', 'Board files')
    this.message = doc.createElement('div')
    this.message.className = 'file-message'
    this.message.setAttribute('role', 'status')
    this.message.dataset.testid = 'file-message'

    const download = (blob: Blob, extension: string): void => {
      const a = doc.createElement('a')
      a.href = URL.createObjectURL(blob)
      a.download = `${actions.name()}.${extension}`
      a.click()
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
    }
    const svg = button(doc, 'Export as SVG', ACTION_ICONS.image, () => {
      actions.exportSVG().then(
        (svg) => download(new Blob([svg], { type: 'image/svg+xml' }), 'svg'),
        (e: unknown) => this.say(`SVG export failed: ${e instanceof Error ? e.message : String(e)}`),
      )
    })
    svg.dataset.action = 'export-svg'
    const png = button(doc, 'Export as PNG', ACTION_ICONS.picture, () => {
      actions.exportPNG().then(
        (blob) => download(blob, 'png'),
        (e: unknown) => this.say(`PNG export failed: ${e instanceof Error ? e.message : String(e)}`),
      )
    })
    png.dataset.action = 'export-png'
    this.downloadBoard = () => {
      actions.exportFile().then(
        (bytes) => download(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }), 'inkmesh'),
        (e: unknown) => this.say(`Download failed: ${e instanceof Error ? e.message : String(e)}`),
      )
    }
    const save = button(doc, 'Download the board file', ACTION_ICONS.download, this.downloadBoard)
    save.dataset.action = 'download-board'

    const input = doc.createElement('input')
    input.type = 'file'
    input.accept = '.inkmesh,application/octet-stream'
    input.hidden = true
    input.dataset.testid = 'board-file-input'
    input.addEventListener('change', () => {
      const file = input.files?.[0]
      input.value = ''
      if (file !== undefined) void this.open(file, actions)
    })
    const open = button(doc, 'Open a board file (merges into this board)', ACTION_ICONS.upload, () => input.click())
    open.dataset.action = 'open-board'
    open.classList.add('edit-only')
    this.el.append(svg, png, save, open, input, this.message)
  }

  private async open(file: File, actions: FileActions): Promise<void> {
    try {
      await actions.importFile(new Uint8Array(await file.arrayBuffer()))
      this.say(`Merged ${file.name} into this board.`)
    } catch (e) {
      this.say(e instanceof Error ? e.message : `Could not open ${file.name}: ${String(e)}`)
    }
  }

  private say(text: string): void {
    this.message.textContent = text
    this.message.classList.add('visible')
    clearTimeout(this.messageTimer)
    this.messageTimer = setTimeout(() => this.message.classList.remove('visible'), 6000)
  }

  destroy(): void {
    clearTimeout(this.messageTimer)
  }
}
