// Pen tool: freehand strokes. Points go to the board in batches, one
// appendPoints call each (one transaction, one chunk, one network update), as
// SCHEMA.md's points layout expects. The first point, and any move at least
// BATCH_MS after the last batch, go out at once, since every frame of delay
// here is a frame later on everyone else's screen; moves that come faster
// (high-rate pointers) are gathered into one batch on the next frame.

import type { Editor } from '../editor'
import type { PointerInput, PointerSample, Tool, Vec } from '../types'

/** Screen px below which a new sample is dropped: sub-pixel jitter only costs bytes. */
export const MIN_SAMPLE_DISTANCE = 0.5
/** Moves closer than this to the last batch (ms) wait for the next frame's batch. */
export const BATCH_MS = 12

export class PenTool implements Tool {
  readonly id = 'pen'
  private strokeId: string | undefined
  private pending: Array<{ x: number; y: number; p?: number }> = []
  private lastScreen: Vec | undefined
  /** The last sample's pressure (pens only), which the lift's point keeps. */
  private lastPressure: number | undefined
  private frame: number | undefined
  /** Event time of the last batch sent. */
  private batchedAt = -Infinity
  private lastTime = 0

  constructor(private readonly editor: Editor) {}

  onPointerDown(e: PointerInput): void {
    const { board, style } = this.editor
    board.beginAction()
    this.strokeId = board.beginStroke(e.board, { sc: style.stroke, sw: style.width })
    this.lastScreen = undefined
    this.lastPressure = undefined
    this.pending = []
    this.collect([e])
    this.lastTime = e.time
    this.flush()
  }

  onPointerMove(e: PointerInput): void {
    if (this.strokeId === undefined) return
    this.collect(e.samples.length > 0 ? e.samples : [e])
    this.lastTime = e.time
    if (e.time - this.batchedAt >= BATCH_MS) this.flush()
    else this.schedule()
  }

  onPointerUp(e: PointerInput): void {
    const id = this.strokeId
    if (id === undefined) return
    // A lifted pen reports pressure 0 (it no longer touches): where the lift
    // adds a point, it keeps the pressure it was drawn with, not a taper to nothing.
    const lift = (e.samples.length > 0 ? e.samples : [e]).map((s) => (s.pressure === 0 ? { ...s, pressure: this.lastPressure } : s))
    this.collect(lift)
    this.flush()
    this.editor.board.endStroke(id)
    this.strokeId = undefined
  }

  /** The stroke stops where it is and stays, ended with the points sent so far. */
  cancel(): void {
    if (this.strokeId === undefined) return
    this.flush()
    this.editor.board.endStroke(this.strokeId)
    this.strokeId = undefined
  }

  /**
   * The stroke was never meant (a palm, a pinch's first finger): undo its
   * step. It is the current step: beginStroke began it and nothing else can
   * start one during the gesture.
   */
  discard(): void {
    if (this.strokeId === undefined) return
    this.cancel()
    this.editor.board.undo()
  }

  cursor(): string {
    return 'crosshair'
  }

  private collect(samples: PointerSample[]): void {
    for (const s of samples) {
      if (this.lastScreen && Math.hypot(s.screen.x - this.lastScreen.x, s.screen.y - this.lastScreen.y) < MIN_SAMPLE_DISTANCE) continue
      this.lastScreen = s.screen
      this.lastPressure = s.pressure
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
    this.batchedAt = this.lastTime
    this.editor.board.appendPoints(this.strokeId, points)
  }
}
