// Eraser: drag across elements to mark them; on release they are removed in
// one remove() call, so the whole sweep is one undo step.

import type { Camera } from '../../render/camera'
import type { Editor } from '../editor'
import { hitTolerance } from '../selection'
import type { PointerInput, Tool, Vec } from '../types'

/** Screen px between hit tests along the pointer path, so fast sweeps miss nothing thin. */
const SAMPLE_STEP = 3
/** Screen px around the eraser's centre that count as touching. */
const ERASER_RADIUS = 6
/** Trail points kept for the overlay. */
const TRAIL_LENGTH = 24

/** Points every `step` px from a to b (b included, a excluded). */
export function samplePath(a: Vec, b: Vec, step: number): Vec[] {
  const n = Math.max(1, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / step))
  const out: Vec[] = []
  for (let i = 1; i <= n; i++) out.push({ x: a.x + ((b.x - a.x) * i) / n, y: a.y + ((b.y - a.y) * i) / n })
  return out
}

export class EraserTool implements Tool {
  readonly id = 'eraser'
  private hit = new Set<string>()
  private trail: Vec[] = []
  private last: PointerInput | undefined

  constructor(private readonly editor: Editor) {}

  onPointerDown(e: PointerInput): void {
    this.editor.board.beginAction()
    this.hit = new Set()
    this.trail = [e.board]
    this.last = e
    this.test(e.board, e.pointerType)
  }

  onPointerMove(e: PointerInput): void {
    const last = this.last
    if (!last) return
    const cam = this.editor.camera
    for (const s of samplePath(last.screen, e.screen, SAMPLE_STEP)) this.test(cam.toBoard(s), e.pointerType)
    this.last = e
    this.trail.push(e.board)
    if (this.trail.length > TRAIL_LENGTH) this.trail.shift()
    this.editor.hits.requestOverlay()
  }

  onPointerUp(e: PointerInput): void {
    this.onPointerMove(e)
    const ids = [...this.hit].filter((id) => this.editor.board.get(id) !== undefined)
    this.cancel()
    if (ids.length > 0) this.editor.board.remove(ids)
  }

  cancel(): void {
    this.hit = new Set()
    this.trail = []
    this.last = undefined
    this.editor.hits.requestOverlay()
  }

  cursor(): string {
    return 'cell'
  }

  drawOverlay(ctx: CanvasRenderingContext2D, camera: Camera): void {
    if (!this.last) return
    ctx.save()
    // Marked elements: a faded veil over their bounds until release removes them.
    ctx.fillStyle = 'rgba(128, 128, 128, 0.25)'
    for (const id of this.hit) {
      const b = this.editor.board.elementBounds(id)
      if (!b) continue
      const a = camera.toScreen({ x: b.minX, y: b.minY })
      const c = camera.toScreen({ x: b.maxX, y: b.maxY })
      ctx.fillRect(a.x - 2, a.y - 2, c.x - a.x + 4, c.y - a.y + 4)
    }
    ctx.strokeStyle = 'rgba(128, 128, 128, 0.5)'
    ctx.lineCap = 'round'
    ctx.lineJoin = 'round'
    ctx.lineWidth = ERASER_RADIUS * 2
    ctx.beginPath()
    this.trail.forEach((p, i) => {
      const s = camera.toScreen(p)
      if (i === 0) ctx.moveTo(s.x, s.y)
      else ctx.lineTo(s.x, s.y)
    })
    ctx.stroke()
    ctx.restore()
  }

  private test(p: Vec, pointerType: string): void {
    const id = this.editor.hits.hitTest(p, Math.max(ERASER_RADIUS, hitTolerance(pointerType)))
    if (id !== undefined && !this.hit.has(id)) {
      this.hit.add(id)
      this.editor.hits.requestOverlay()
    }
  }
}
