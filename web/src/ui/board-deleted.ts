// What a member sees when the server deletes the board: a sentence that says
// so, and the way to keep what this browser holds (the board file download
// the file menu has). Nothing is sent; the copy in this browser is dropped
// on the next visit (deleted-boards.ts), so the download is the way to keep it.

export class BoardDeletedNotice {
  readonly el: HTMLElement

  /** `download`: the file menu's board-file download; without one (no file menu) the notice has no button. */
  constructor(doc: Document, download: (() => void) | undefined) {
    this.el = doc.createElement('div')
    this.el.className = 'board-deleted panel'
    this.el.dataset.testid = 'board-deleted'
    this.el.setAttribute('role', 'alert')
    this.el.hidden = true
    const text = doc.createElement('p')
    text.textContent = 'This board was deleted. Your copy stays on this page until you leave it: download it to keep it.'
    this.el.append(text)
    if (download !== undefined) {
      const button = doc.createElement('button')
      button.type = 'button'
      button.textContent = 'Download your copy'
      button.dataset.action = 'download-copy'
      button.addEventListener('click', download)
      this.el.append(button)
    }
  }

  show(): void {
    this.el.hidden = false
  }
}
