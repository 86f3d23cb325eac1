// The panels that show and change the editor's state: the tool bar, the style
// panel (the selection's style, else the style new elements get), undo/redo
// and the zoom controls. They follow the editor, the board and the camera
// here, whoever changed them (a click, a key, a remote edit, a pinch).

import type { Board } from '../doc/board'
import type { Editor } from '../editor/editor'
import type { Style } from '../editor/types'
import type { Camera } from '../render/camera'
import { StylePanel } from './style-panel'
import { HistoryControls, Toolbar, ZoomControls } from './toolbar'
import type { ZoomCommands } from './zoom-commands'

export class EditorPanels {
  readonly toolbar: Toolbar
  readonly style: StylePanel
  readonly history: HistoryControls
  readonly zoom: ZoomControls
  private readonly cleanups: Array<() => void>

  constructor(
    doc: Document,
    private readonly editor: Editor,
    private readonly board: Board,
    camera: Camera,
    zoomCommands: ZoomCommands,
  ) {
    this.toolbar = new Toolbar(doc, editor)
    this.style = new StylePanel(doc, editor)
    this.history = new HistoryControls(doc, editor)
    this.zoom = new ZoomControls(doc, zoomCommands)
    this.cleanups = [
      editor.events.on('tool', (tool) => this.toolbar.setTool(tool)),
      editor.events.on('style', () => this.style.show(this.selectionStyle())),
      editor.events.on('selection', () => this.style.show(this.selectionStyle())),
      board.onChange(() => this.updateHistory()),
      camera.onChange(() => this.zoom.setZoom(camera.zoom)),
    ]
    this.updateHistory()
    this.zoom.setZoom(camera.zoom)
  }

  destroy(): void {
    for (const off of this.cleanups.splice(0)) off()
    this.toolbar.destroy()
    this.style.destroy()
  }

  /** The first selected element's style, else the style new elements get. */
  private selectionStyle(): Style {
    const first = this.editor.selection[0]
    const el = first === undefined ? undefined : this.board.get(first)
    return el ? { stroke: el.sc, fill: el.fc ?? null, width: el.sw } : this.editor.style
  }

  private updateHistory(): void {
    this.history.update(this.board.canUndo(), this.board.canRedo())
  }
}
