// Text and sticky-note tools: a click places the element and opens the
// in-place editor (the view's textarea); a click on an existing text or sticky
// edits it instead.

import { DEFAULT_FONT_SIZE } from '../../doc/board'
import { LINE_HEIGHT } from '../../render/text'
import type { Editor } from '../editor'
import { hitTolerance } from '../selection'
import type { PointerInput, Tool } from '../types'

export const STICKY_SIZE = 200

/** Starts editing an existing text/sticky under the pointer; returns false when there is none. */
function editExisting(editor: Editor, e: PointerInput): boolean {
  const id = editor.hits.hitTest(e.board, hitTolerance(e.pointerType))
  const el = id === undefined ? undefined : editor.board.get(id)
  if (!el || (el.t !== 'text' && el.t !== 'sticky')) return false
  editor.beginTextEditing({ kind: 'existing', id: el.id })
  return true
}

export class TextTool implements Tool {
  readonly id = 'text'

  constructor(private readonly editor: Editor) {}

  onPointerDown(e: PointerInput): void {
    if (editExisting(this.editor, e)) return
    // Place the text so the click lands in the middle of its first line.
    const at = { x: e.board.x, y: e.board.y - (DEFAULT_FONT_SIZE * LINE_HEIGHT) / 2 }
    this.editor.beginTextEditing({ kind: 'new-text', at, colour: this.editor.style.stroke, fontSize: DEFAULT_FONT_SIZE })
  }

  onPointerMove(): void {}
  onPointerUp(): void {}
  cancel(): void {}

  cursor(): string {
    return 'text'
  }
}

export class StickyTool implements Tool {
  readonly id = 'sticky'

  constructor(private readonly editor: Editor) {}

  onPointerDown(e: PointerInput): void {
    if (editExisting(this.editor, e)) return
    const { board, style } = this.editor
    board.beginAction()
    const half = STICKY_SIZE / 2
    const id = board.add({
      t: 'sticky',
      x: e.board.x - half,
      y: e.board.y - half,
      w: STICKY_SIZE,
      h: STICKY_SIZE,
      fs: DEFAULT_FONT_SIZE,
      text: '',
      // The fill swatch colours the note; "no fill" keeps the schema's default yellow.
      ...(style.fill !== null ? { fc: style.fill } : {}),
    })
    this.editor.beginTextEditing({ kind: 'existing', id, fresh: true })
  }

  onPointerMove(): void {}
  onPointerUp(): void {}
  cancel(): void {}

  cursor(): string {
    return 'copy'
  }
}
