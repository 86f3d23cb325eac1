// The in-place textarea for a TextSession, laid over the canvas where the
// renderer draws the element, in the renderer's font and line height
// (render/text.ts), so the text does not jump when editing ends.

import type { Board } from '../doc/board'
import type { Camera } from '../render/camera'
import { font, layoutText, LINE_HEIGHT, STICKY_PADDING, wrap } from '../render/text'
import { DEFAULT_STICKY_FILL } from '../doc/board'
import { safeColor } from '../render/color'
import type { Editor } from './editor'
import type { TextSession, TextSize } from './text-session'

/** Extra board px on a text box's width so the renderer's word wrap never breaks a line the textarea kept. */
const WIDTH_SLACK = 2

export class TextEditorOverlay {
  private textarea: HTMLTextAreaElement | undefined
  private session: TextSession | undefined
  private readonly measureCtx: CanvasRenderingContext2D | null
  private lift: number | undefined
  /** Set while editing a text that the renderer wraps (a peer's, or narrowed): keep its width, wrap like it. */
  private fixedWidth: number | undefined
  private readonly offs: Array<() => void>

  constructor(
    private readonly parent: HTMLElement,
    private readonly editor: Editor,
    private readonly board: Board,
    private readonly camera: Camera,
  ) {
    this.measureCtx = parent.ownerDocument.createElement('canvas').getContext('2d')
    this.offs = [
      editor.events.on('textEditing', (s) => (s ? this.open(s) : this.close())),
      camera.onChange(() => this.layout()),
      board.onChange((change) => {
        const id = this.session?.id
        if (id === undefined) return
        if (change.removed.includes(id)) {
          editor.endTextEditing()
          return
        }
        if (!change.changed.includes(id)) return
        if (!change.local) this.mergeRemote(id)
        this.layout()
      }),
    ]
  }

  /**
   * Text size in board px, as the renderer will lay it out: text grows to fit
   * its longest line, unless it came wrapped (fixed width, see open()).
   */
  measure(text: string, fs: number): TextSize {
    const width = (s: string): number => {
      const ctx = this.measureCtx
      if (!ctx) return s.length * fs * 0.55
      ctx.font = font(fs)
      return ctx.measureText(s).width
    }
    if (this.fixedWidth !== undefined) {
      return { w: this.fixedWidth, h: wrap(text, this.fixedWidth, width).length * fs * LINE_HEIGHT }
    }
    const lines = text.split('\n')
    const w = Math.max(0, ...lines.map(width))
    return { w: Math.ceil(w) + WIDTH_SLACK, h: lines.length * fs * LINE_HEIGHT }
  }

  destroy(): void {
    for (const off of this.offs) off()
    this.close()
  }

  private open(session: TextSession): void {
    this.close()
    this.session = session
    const existing = session.id === undefined ? undefined : this.board.get(session.id)
    this.fixedWidth =
      existing?.t === 'text' && existing.w !== 0 && layoutText(existing).lines.length > existing.text.split('\n').length
        ? Math.abs(existing.w)
        : undefined
    const ta = this.parent.ownerDocument.createElement('textarea')
    ta.className = 'text-editor'
    ta.dataset.testid = 'text-editor'
    ta.dataset.kind = session.kind
    ta.setAttribute('aria-label', session.kind === 'sticky' ? 'Sticky note text' : 'Text')
    ta.spellcheck = false
    ta.wrap = session.kind === 'sticky' || this.fixedWidth !== undefined ? 'soft' : 'off'
    if (this.fixedWidth !== undefined) ta.dataset.wrap = 'true'
    ta.value = session.text
    ta.addEventListener('input', () => {
      session.input(ta.value, this.measure(ta.value, this.fontSize()))
      this.layout()
    })
    ta.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' || (e.key === 'Enter' && (e.ctrlKey || e.metaKey))) {
        e.preventDefault()
        this.editor.endTextEditing()
      }
    })
    ta.addEventListener('blur', () => {
      if (this.session === session) this.editor.endTextEditing()
    })
    this.textarea = ta
    this.parent.append(ta)
    this.layout()
    ta.focus({ preventScroll: true })
    ta.setSelectionRange(ta.value.length, ta.value.length)
  }

  private close(): void {
    const ta = this.textarea
    this.textarea = undefined
    this.session = undefined
    ta?.remove()
  }

  private fontSize(): number {
    const id = this.session?.id
    const el = id === undefined ? undefined : this.board.get(id)
    if (el) return el.fs > 0 ? el.fs : 20
    return this.session?.target.kind === 'new-text' ? this.session.target.fontSize : 20
  }

  /**
   * How far (in font sizes) CSS puts the first baseline below where the
   * renderer does: the renderer draws each line from the top of the em box
   * (textBaseline 'top'), CSS centres the font's ascent+descent in the line
   * height. Font-dependent, so measured once.
   */
  private baselineLift(): number {
    if (this.lift !== undefined) return this.lift
    const ctx = this.measureCtx
    if (!ctx) return (this.lift = (LINE_HEIGHT - 1) / 2)
    const size = 100
    ctx.font = font(size)
    ctx.textBaseline = 'top'
    const top = ctx.measureText('Hg')
    ctx.textBaseline = 'alphabetic'
    const m = ctx.measureText('Hg')
    const canvasBaseline = -top.alphabeticBaseline
    const cssBaseline = (LINE_HEIGHT * size - (m.fontBoundingBoxAscent + m.fontBoundingBoxDescent)) / 2 + m.fontBoundingBoxAscent
    const lift = (cssBaseline - canvasBaseline) / size
    return (this.lift = Number.isFinite(lift) ? lift : (LINE_HEIGHT - 1) / 2)
  }

  /** A peer typed into the same text: take the merged value, keeping our caret where it was. */
  private mergeRemote(id: string): void {
    const ta = this.textarea
    const el = this.board.get(id)
    if (!ta || !el || ta.value === el.text) return
    const { selectionStart, selectionEnd } = ta
    ta.value = el.text
    ta.setSelectionRange(Math.min(selectionStart, el.text.length), Math.min(selectionEnd, el.text.length))
  }

  /** Places the textarea over the element (or the click point of a text not yet created). */
  private layout(): void {
    const ta = this.textarea
    const session = this.session
    if (!ta || !session) return
    const zoom = this.camera.zoom
    const fs = this.fontSize()
    const el = session.id === undefined ? undefined : this.board.get(session.id)
    const origin = el ? { x: Math.min(el.x, el.x + el.w), y: Math.min(el.y, el.y + el.h) } : session.target.kind === 'new-text' ? session.target.at : { x: 0, y: 0 }
    const colour = safeColor(el?.sc ?? (session.target.kind === 'new-text' ? session.target.colour : undefined), '#1e1e1e')
    const s = this.camera.toScreen(origin)
    const style = ta.style
    const lift = this.baselineLift() * fs * zoom
    style.left = `${s.x}px`
    style.font = font(fs * zoom)
    style.lineHeight = String(LINE_HEIGHT)
    style.caretColor = colour
    if (el?.t === 'sticky') {
      style.top = `${s.y}px`
      style.padding = `${STICKY_PADDING * zoom}px`
      style.paddingTop = `${Math.max(0, STICKY_PADDING * zoom - lift)}px`
      style.width = `${Math.abs(el.w) * zoom}px`
      style.height = `${Math.abs(el.h) * zoom}px`
      style.background = safeColor(el.fc, DEFAULT_STICKY_FILL)
      // The note covers the canvas's copy of its text, so the textarea shows the text itself.
      style.color = colour
    } else {
      const size = this.measure(ta.value, fs)
      style.top = `${s.y - lift}px`
      style.padding = '0'
      // One extra em so the caret after the last character is never clipped.
      style.width = `${(this.fixedWidth ?? size.w + fs) * zoom}px`
      style.height = `${size.h * zoom}px`
      style.background = 'transparent'
      // The renderer already draws the text underneath (the board updates as we
      // type); drawing it twice would ghost, so only the caret and the
      // selection highlight come from the textarea.
      style.color = 'transparent'
    }
  }
}
