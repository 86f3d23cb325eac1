// Pen tool: freehand strokes. Points collected during one animation frame go
// to the board in ONE appendPoints call (one transaction, one chunk, one
// network update), as SCHEMA.md's points layout expects.

import type { Editor } from '../editor'
import type { PointerInput, PointerSample, Tool, Vec } from '../types'

/** Screen px below which a new sample is dropped: sub-pixel jitter only costs bytes. */
export const MIN_SAMPLE_DISTANCE = 0.5

export class PenTool implements Tool {
  readonly id = 'pen'
  private strokeId: string | undefined
  private pending: Array<{ x: number; y: number; p?: number }> = []
  private lastScreen: Vec | undefined
  private frame: number | undefined

  constructor(private readonly editor: Editor) {}

  onPointerDown(e: PointerInput): void {
    const { board, style } = this.editor
    board.beginAction()
    this.strokeId = board.beginStroke(e.board, { sc: style.stroke, sw: style.width })
    this.lastScreen = undefined
    this.pending = []
    this.collect([e])
    this.schedule()
  }

  onPointerMove(e: PointerInput): void {
    if (this.strokeId === undefined) return
    this.collect(e.samples.length > 0 ? e.samples : [e])
    this.schedule()
  }

  onPointerUp(e: PointerInput): void {
    const id = this.strokeId
    if (id === undefined) return
    this.collect(e.samples.length > 0 ? e.samples : [e])
    this.flush()
    this.editor.board.endStroke(id)
    this.strokeId = undefined
  }

  /**
   * A pinch started (or the pointer was cancelled) mid-stroke: the stroke was
   * a mistake, so undo its step. It is the current step: beginStroke began it
   * and nothing else can start one during the gesture.
   */
  cancel(): void {
    if (this.strokeId === undefined) return
    this.flush()
    this.editor.board.endStroke(this.strokeId)
    this.strokeId = undefined
    this.editor.board.undo()
  }

  cursor(): string {
    return 'crosshair'
  }

  private collect(samples: PointerSample[]): void {
    for (const s of samples) {
      if (this.lastScreen && Math.hypot(s.screen.x - this.lastScreen.x, s.screen.y - this.lastScreen.y) < MIN_SAMPLE_DISTANCE) continue
      this.lastScreen = s.screen
      this.pending.push(s.pressure === undefined ? { x: s.board.x, y: s.board.y } : { x: s.board.x, y: s.board.y, p: s.pressure })
    }
  }

  private schedule(): void {
    if (this.frame !== undefined) return
    this.frame = this.editor.frames.request(() => {
      this.frame = undefined
      this.flush()
    })
  }

  private flush(): void {
    if (this.frame !== undefined) {
      this.editor.frames.cancel(this.frame)
      this.frame = undefined
    }
    if (this.strokeId === undefined || this.pending.length === 0) return
    const points = this.pending
    this.pending = []
    this.editor.board.appendPoints(this.strokeId, points)
  }
}
