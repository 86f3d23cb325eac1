// The tool bar (top centre), undo/redo (bottom left, next to the zoom
// controls). Buttons carry stable data-tool / data-action attributes and
// aria-labels with their shortcut: the end-to-end tests find them that way.

import type { Editor } from '../editor/editor'
import { TOOL_SHORTCUT_LABEL } from '../editor/shortcuts'
import { READ_ONLY_TOOLS, TOOL_IDS, type ToolId } from '../editor/types'
import { ACTION_ICONS, TOOL_ICONS } from './icons'
import { RovingFocus } from './roving-focus'

export const TOOL_NAMES: Record<ToolId, string> = {
  select: 'Select',
  pen: 'Pen',
  rect: 'Rectangle',
  ellipse: 'Ellipse',
  line: 'Line',
  arrow: 'Arrow',
  text: 'Text',
  sticky: 'Sticky note',
  eraser: 'Eraser',
  pan: 'Hand (pan)',
  laser: 'Laser pointer',
}

export function button(doc: Document, label: string, icon: string, onClick: () => void): HTMLButtonElement {
  const b = doc.createElement('button')
  b.type = 'button'
  b.title = label
  b.setAttribute('aria-label', label)
  b.innerHTML = icon
  b.addEventListener('click', onClick)
  return b
}

/** The tool bar: toggle buttons, one Tab stop (the current tool), arrow keys between tools. */
export class Toolbar {
  readonly el: HTMLElement
  private readonly buttons = new Map<ToolId, HTMLButtonElement>()
  private readonly roving: RovingFocus
  private tool: ToolId

  constructor(doc: Document, editor: Editor) {
    this.el = doc.createElement('div')
    this.el.className = 'toolbar panel'
    this.el.setAttribute('role', 'toolbar')
    this.el.setAttribute('aria-label', 'Tools')
    for (const id of TOOL_IDS) {
      const label = `${TOOL_NAMES[id]} (${TOOL_SHORTCUT_LABEL[id]})`
      const b = button(doc, label, TOOL_ICONS[id], () => editor.setTool(id))
      b.dataset.tool = id
      b.setAttribute('aria-keyshortcuts', TOOL_SHORTCUT_LABEL[id])
      if (!READ_ONLY_TOOLS.includes(id)) b.classList.add('edit-only')
      const key = doc.createElement('span')
      key.className = 'key'
      key.setAttribute('aria-hidden', 'true')
      key.textContent = TOOL_SHORTCUT_LABEL[id]
      b.append(key)
      this.buttons.set(id, b)
      this.el.append(b)
    }
    this.tool = editor.tool
    this.roving = new RovingFocus(this.el, () => this.buttons.get(this.tool))
    this.setTool(editor.tool)
  }

  setTool(tool: ToolId): void {
    this.tool = tool
    for (const [id, b] of this.buttons) b.setAttribute('aria-pressed', String(id === tool))
    this.roving.sync()
  }

  destroy(): void {
    this.roving.destroy()
  }
}

/** Undo/redo buttons; disabled when there is nothing to undo/redo. */
export class HistoryControls {
  readonly el: HTMLElement
  private readonly undoButton: HTMLButtonElement
  private readonly redoButton: HTMLButtonElement

  constructor(doc: Document, editor: Editor) {
    this.el = doc.createElement('div')
    this.el.className = 'history panel edit-only'
    this.el.setAttribute('role', 'group')
    this.el.setAttribute('aria-label', 'Undo and redo')
    this.undoButton = button(doc, 'Undo (Ctrl+Z)', ACTION_ICONS.undo, () => editor.undo())
    this.undoButton.dataset.action = 'undo'
    this.undoButton.setAttribute('aria-keyshortcuts', 'Control+Z')
    this.redoButton = button(doc, 'Redo (Ctrl+Shift+Z)', ACTION_ICONS.redo, () => editor.redo())
    this.redoButton.dataset.action = 'redo'
    this.redoButton.setAttribute('aria-keyshortcuts', 'Control+Shift+Z Control+Y')
    this.el.append(this.undoButton, this.redoButton)
  }

  update(canUndo: boolean, canRedo: boolean): void {
    this.undoButton.disabled = !canUndo
    this.redoButton.disabled = !canRedo
  }
}

/** Zoom out / percentage (click: reset to 100%) / zoom in / fit. */
export class ZoomControls {
  readonly el: HTMLElement
  private readonly label: HTMLButtonElement

  constructor(doc: Document, actions: { zoomIn(): void; zoomOut(): void; reset(): void; fit(): void }) {
    this.el = doc.createElement('div')
    this.el.className = 'zoom panel'
    this.el.setAttribute('role', 'group')
    this.el.setAttribute('aria-label', 'Zoom')
    const out = button(doc, 'Zoom out (Ctrl+-)', ACTION_ICONS.zoomOut, actions.zoomOut)
    out.dataset.action = 'zoom-out'
    this.label = button(doc, 'Reset zoom (Ctrl+0)', '', actions.reset)
    this.label.dataset.action = 'zoom-reset'
    this.label.className = 'zoom-level'
    const zin = button(doc, 'Zoom in (Ctrl+=)', ACTION_ICONS.zoomIn, actions.zoomIn)
    zin.dataset.action = 'zoom-in'
    const fit = button(doc, 'Zoom to fit (Shift+1)', ACTION_ICONS.fit, actions.fit)
    fit.dataset.action = 'zoom-fit'
    this.el.append(out, this.label, zin, fit)
  }

  setZoom(zoom: number): void {
    const shown = `${Math.round(zoom * 100)}%`
    this.label.textContent = shown
    // The name starts with what the button shows, so speech control ("click 100%") finds it.
    this.label.setAttribute('aria-label', `${shown}: reset zoom (Ctrl+0)`)
  }
}
