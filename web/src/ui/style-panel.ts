// Stroke colour, fill and stroke width for new elements and the selection.
// Hidden for viewers and while the hand tool is active.

import type { Editor } from '../editor/editor'
import type { Style } from '../editor/types'
import { ACTION_ICONS } from './icons'
import { RovingFocus } from './roving-focus'

export const STROKE_COLOURS: ReadonlyArray<[string, string]> = [
  ['#1e1e1e', 'Black'],
  ['#e03131', 'Red'],
  ['#2f9e44', 'Green'],
  ['#1971c2', 'Blue'],
  ['#f08c00', 'Orange'],
  ['#9c36b5', 'Purple'],
]

export const FILL_COLOURS: ReadonlyArray<[string, string]> = [
  ['#ffc9c9', 'Light red'],
  ['#b2f2bb', 'Light green'],
  ['#a5d8ff', 'Light blue'],
  ['#ffec99', 'Light yellow'],
  ['#eebefa', 'Light purple'],
]

export const WIDTHS: ReadonlyArray<[number, string]> = [
  [2, 'Thin'],
  [4, 'Medium'],
  [8, 'Bold'],
]

export class StylePanel {
  readonly el: HTMLElement
  private readonly strokeButtons: HTMLButtonElement[] = []
  private readonly fillButtons: HTMLButtonElement[] = []
  private readonly widthButtons: HTMLButtonElement[] = []
  private readonly rows: RovingFocus[] = []

  constructor(
    private readonly doc: Document,
    editor: Editor,
  ) {
    this.el = doc.createElement('div')
    this.el.className = 'style-panel panel edit-only'
    this.el.dataset.testid = 'style-panel'
    this.el.setAttribute('role', 'group')
    this.el.setAttribute('aria-label', 'Style')

    const stroke = this.group('Stroke')
    for (const [colour, name] of STROKE_COLOURS) {
      const b = this.swatch(`Stroke: ${name}`, colour, () => editor.setStyle({ stroke: colour }))
      b.dataset.stroke = colour
      this.strokeButtons.push(b)
      stroke.append(b)
    }

    const fill = this.group('Fill')
    const none = this.swatch('Fill: none', undefined, () => editor.setStyle({ fill: null }))
    none.innerHTML = ACTION_ICONS.noFill
    none.dataset.fill = 'none'
    this.fillButtons.push(none)
    fill.append(none)
    for (const [colour, name] of FILL_COLOURS) {
      const b = this.swatch(`Fill: ${name}`, colour, () => editor.setStyle({ fill: colour }))
      b.dataset.fill = colour
      this.fillButtons.push(b)
      fill.append(b)
    }

    const width = this.group('Stroke width')
    for (const [w, name] of WIDTHS) {
      const b = this.swatch(`Stroke width: ${name}`, undefined, () => editor.setStyle({ width: w }))
      b.dataset.width = String(w)
      b.classList.add('width')
      const line = doc.createElement('span')
      line.className = 'width-line'
      line.style.height = `${Math.min(w, 6)}px`
      b.append(line)
      this.widthButtons.push(b)
      width.append(b)
    }
    this.show(editor.style)
  }

  /** Marks the buttons matching `style` as pressed (the selection's style, or the next elements'). */
  show(style: Style): void {
    for (const b of this.strokeButtons) b.setAttribute('aria-pressed', String(b.dataset.stroke === style.stroke))
    for (const b of this.fillButtons) b.setAttribute('aria-pressed', String(b.dataset.fill === (style.fill ?? 'none')))
    for (const b of this.widthButtons) b.setAttribute('aria-pressed', String(b.dataset.width === String(style.width)))
    for (const row of this.rows) row.sync()
  }

  destroy(): void {
    for (const row of this.rows) row.destroy()
  }

  private group(label: string): HTMLElement {
    const g = this.doc.createElement('div')
    g.className = 'style-group'
    g.setAttribute('role', 'group')
    g.setAttribute('aria-label', label)
    const title = this.doc.createElement('div')
    title.className = 'style-title'
    title.textContent = label
    g.append(title)
    const row = this.doc.createElement('div')
    row.className = 'style-row'
    g.append(row)
    this.el.append(g)
    // One Tab stop per row, on its pressed swatch: arrows choose within the row.
    this.rows.push(new RovingFocus(row, () => row.querySelector<HTMLButtonElement>('button[aria-pressed="true"]') ?? undefined))
    return row
  }

  private swatch(label: string, colour: string | undefined, onClick: () => void): HTMLButtonElement {
    const b = this.doc.createElement('button')
    b.type = 'button'
    b.className = 'swatch'
    b.title = label
    b.setAttribute('aria-label', label)
    if (colour) b.style.setProperty('--swatch', colour)
    b.addEventListener('click', onClick)
    return b
  }
}
