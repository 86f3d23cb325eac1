// One in-place text edit (a text element or a sticky note). The DOM textarea
// lives in text-editor.ts; this is the board side, kept DOM-free for tests.
//
// A new text element is only added once the first character is typed, so an
// abandoned click leaves nothing in the document (no empty element is synced to
// peers and no empty undo step remains). Stickies are added at once: an empty
// note is still a visible note.

import type { Board } from '../doc/board'
import type { Vec } from './types'

export type TextTarget =
  /** `fresh`: the element was just added by this gesture, so the typing joins that undo step. */
  | { kind: 'existing'; id: string; fresh?: boolean }
  | { kind: 'new-text'; at: Vec; colour: string; fontSize: number }

/** Size of the text in board px, measured by the caller (it owns the fonts). */
export interface TextSize {
  w: number
  h: number
}

export class TextSession {
  /** undefined until a new text element's first character. */
  private elementId: string | undefined
  private current: string

  constructor(
    private readonly board: Board,
    readonly target: TextTarget,
  ) {
    this.elementId = target.kind === 'existing' ? target.id : undefined
    this.current = this.elementId ? (board.get(this.elementId)?.text ?? '') : ''
    // The whole edit, however long, is one undo step.
    if (!(target.kind === 'existing' && target.fresh)) board.beginAction()
  }

  get id(): string | undefined {
    return this.elementId
  }

  get text(): string {
    return this.current
  }

  /** 'text' or 'sticky': decides the textarea's look. */
  get kind(): string {
    if (this.target.kind === 'new-text') return 'text'
    return this.board.get(this.target.id)?.t ?? 'text'
  }

  /** The textarea changed: write the minimal diff, and keep a text element's box fitting its words. */
  input(value: string, size: TextSize): void {
    this.current = value
    if (this.elementId === undefined) {
      if (value === '' || this.target.kind !== 'new-text') return
      const { at, colour, fontSize } = this.target
      this.elementId = this.board.add({ t: 'text', x: at.x, y: at.y, w: size.w, h: size.h, sc: colour, fs: fontSize, text: value })
      return
    }
    const el = this.board.get(this.elementId)
    if (!el) return
    this.board.setText(this.elementId, value)
    if (el.t === 'text' && (el.w !== size.w || el.h !== size.h)) this.board.update(this.elementId, { w: size.w, h: size.h })
  }

  /** Ends the edit; a text element left blank is removed (stickies stay). Returns the id if it survives. */
  end(): string | undefined {
    const id = this.elementId
    if (id === undefined) return undefined
    const el = this.board.get(id)
    if (!el) return undefined
    if (el.t === 'text' && el.text.trim() === '') {
      this.board.remove([id])
      return undefined
    }
    return id
  }
}
