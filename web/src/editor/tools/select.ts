// Select tool: click selects the topmost element (shift toggles), drag on empty
// space draws a marquee, drag on the selection moves it, the 8 handles resize
// it, double-click on a text or sticky edits it.

import { corners } from '../../doc/geometry'
import type { Box, ElementView, Patch } from '../../doc/types'
import type { Camera } from '../../render/camera'
import type { Editor } from '../editor'
import {
  boxContains,
  handleAt,
  handleCursor,
  hitTolerance,
  resizeScaling,
  scalePatch,
  type Handle,
} from '../selection'
import type { PointerInput, Tool, Vec } from '../types'

/** Screen px a pointer must travel before a press becomes a drag. */
export const DRAG_THRESHOLD = 3
const DOUBLE_CLICK_MS = 400
const DOUBLE_CLICK_PX = 6

type Gesture =
  | { kind: 'pending-move'; start: PointerInput; snapshot: ElementView[] }
  | { kind: 'move'; start: PointerInput; snapshot: ElementView[] }
  | { kind: 'resize'; start: PointerInput; handle: Handle; box: Box; snapshot: ElementView[] }
  | { kind: 'marquee'; start: PointerInput; base: readonly string[]; current: Vec }

export class SelectTool implements Tool {
  readonly id = 'select'
  private gesture: Gesture | undefined
  private lastClick: { at: Vec; time: number; id: string | undefined } | undefined

  constructor(private readonly editor: Editor) {}

  onPointerDown(e: PointerInput): void {
    const ed = this.editor
    const hitId = ed.hits.hitTest(e.board, hitTolerance(e.pointerType))
    if (this.isDoubleClick(e, hitId) && hitId) {
      const el = ed.board.get(hitId)
      if (el && (el.t === 'text' || el.t === 'sticky')) {
        ed.beginTextEditing({ kind: 'existing', id: hitId })
        this.lastClick = undefined
        return
      }
    }
    this.lastClick = { at: e.screen, time: e.time, id: hitId }

    const screenBox = ed.selectionScreenBox()
    const handle = screenBox && !e.shift ? handleAt(screenBox, e.screen, hitTolerance(e.pointerType) + 4) : undefined
    const box = ed.selectionBounds()
    if (handle && box) {
      ed.board.beginAction()
      this.gesture = { kind: 'resize', start: e, handle, box, snapshot: this.snapshot() }
      return
    }
    if (e.shift) {
      if (hitId) {
        const sel = ed.selection
        ed.setSelection(sel.includes(hitId) ? sel.filter((id) => id !== hitId) : [...sel, hitId])
        return
      }
      this.gesture = { kind: 'marquee', start: e, base: ed.selection, current: e.board }
      return
    }
    const insideSelection = screenBox !== undefined && boxContains(screenBox, e.screen)
    if (hitId && !ed.selection.includes(hitId) && !insideSelection) ed.setSelection([hitId])
    if (hitId || insideSelection) {
      this.gesture = { kind: 'pending-move', start: e, snapshot: this.snapshot() }
      return
    }
    ed.setSelection([])
    this.gesture = { kind: 'marquee', start: e, base: [], current: e.board }
  }

  onPointerMove(e: PointerInput): void {
    const g = this.gesture
    if (!g) return
    const ed = this.editor
    const dx = e.board.x - g.start.board.x
    const dy = e.board.y - g.start.board.y
    switch (g.kind) {
      case 'pending-move':
        if (Math.hypot(e.screen.x - g.start.screen.x, e.screen.y - g.start.screen.y) < DRAG_THRESHOLD) return
        ed.board.beginAction()
        this.gesture = { kind: 'move', start: g.start, snapshot: g.snapshot }
        this.onPointerMove(e)
        return
      case 'move':
        ed.board.updateMany(g.snapshot.map((el) => [el.id, { x: el.x + dx, y: el.y + dy }] as [string, Patch]))
        return
      case 'resize': {
        // Pictures keep their aspect on a corner drag (shift frees nothing: a stretched photo is rarely meant).
        const keepAspect = e.shift || g.snapshot.some((el) => el.t === 'image')
        const scaling = resizeScaling(g.box, g.handle, dx, dy, keepAspect)
        ed.board.updateMany(g.snapshot.map((el) => [el.id, scalePatch(el, scaling)] as [string, Patch]))
        return
      }
      case 'marquee': {
        g.current = e.board
        const hits = ed.hits.query(corners(g.start.board.x, g.start.board.y, e.board.x, e.board.y))
        ed.setSelection([...g.base, ...hits.filter((id) => !g.base.includes(id))])
        ed.hits.requestOverlay()
        return
      }
    }
  }

  onPointerUp(e: PointerInput): void {
    this.onPointerMove(e)
    this.gesture = undefined
    this.editor.hits.requestOverlay()
  }

  cancel(): void {
    this.gesture = undefined
  }

  cursor(e: PointerInput | undefined): string {
    if (this.gesture?.kind === 'move') return 'move'
    if (this.gesture?.kind === 'resize') return handleCursor(this.gesture.handle)
    if (!e) return 'default'
    const box = this.editor.selectionScreenBox()
    if (!box) return 'default'
    const handle = handleAt(box, e.screen, hitTolerance(e.pointerType) + 4)
    if (handle) return handleCursor(handle)
    return boxContains(box, e.screen) ? 'move' : 'default'
  }

  drawOverlay(ctx: CanvasRenderingContext2D, camera: Camera): void {
    const g = this.gesture
    if (g?.kind !== 'marquee') return
    const a = camera.toScreen(g.start.board)
    const b = camera.toScreen(g.current)
    ctx.save()
    ctx.fillStyle = 'rgba(105, 101, 219, 0.08)'
    ctx.strokeStyle = 'rgba(105, 101, 219, 0.9)'
    ctx.lineWidth = 1
    ctx.fillRect(a.x, a.y, b.x - a.x, b.y - a.y)
    ctx.strokeRect(a.x, a.y, b.x - a.x, b.y - a.y)
    ctx.restore()
  }

  private snapshot(): ElementView[] {
    return this.editor.selection.flatMap((id) => this.editor.board.get(id) ?? [])
  }

  private isDoubleClick(e: PointerInput, hitId: string | undefined): boolean {
    const last = this.lastClick
    return (
      last !== undefined &&
      last.id === hitId &&
      e.time - last.time < DOUBLE_CLICK_MS &&
      Math.hypot(e.screen.x - last.at.x, e.screen.y - last.at.y) < DOUBLE_CLICK_PX
    )
  }
}
