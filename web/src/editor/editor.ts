// Editor state (tool, style, selection, read-only, text editing) and pointer
// routing to the active tool. It talks to the board and to the renderer's hit
// testing only; the DOM (events, textarea, toolbar) belongs to the view.

import type { Board } from '../doc/board'
import type { Box, ElementView, Patch } from '../doc/types'
import type { Camera } from '../render/camera'
import { Emitter } from '../util/emitter'
import { expandBox, unionAll } from '../doc/geometry'
import { handlePosition, HANDLES, SELECTION_PADDING } from './selection'
import type { Command } from './shortcuts'
import { TextSession, type TextTarget } from './text-session'
import { EraserTool } from './tools/eraser'
import { LaserTool } from './tools/laser'
import { PanTool } from './tools/pan'
import { PenTool } from './tools/pen'
import { SelectTool } from './tools/select'
import { ShapeTool } from './tools/shape'
import { StickyTool, TextTool } from './tools/text'
import { BOARD_FREE_TOOLS, DEFAULT_STYLE, READ_ONLY_TOOLS, type PointerInput, type Style, type Tool, type ToolId, type Vec } from './types'

/** What the editor needs from the renderer: hit testing and overlay redraws. */
export interface HitTester {
  hitTest(board: Vec, tolerancePx: number): string | undefined
  query(box: Box): string[]
  requestOverlay(): void
}

/** Animation-frame scheduling, injectable so tests drive frames by hand. */
export interface FrameScheduler {
  request(callback: () => void): number
  cancel(handle: number): void
}

export interface EditorEvents {
  tool: ToolId
  style: Style
  selection: readonly string[]
  readOnly: boolean
  /** the text edit that started, or undefined when it ended */
  textEditing: TextSession | undefined
}

/** Board px the duplicate is offset by (Ctrl/Cmd+D). */
export const DUPLICATE_OFFSET = 16

export class Editor {
  readonly events = new Emitter<EditorEvents>()
  private currentTool: Tool
  private readonly tools: Record<ToolId, Tool>
  private currentStyle: Style = { ...DEFAULT_STYLE }
  private selected: string[] = []
  private ro: boolean
  private session: TextSession | undefined
  /** The pointer a tool gesture belongs to; other pointers are ignored until it ends. */
  private activePointer: number | undefined
  /** The active pointer's last input, where finishGesture ends the gesture. */
  private lastInput: PointerInput | undefined
  private readonly offBoard: () => void

  constructor(
    readonly board: Board,
    readonly camera: Camera,
    readonly hits: HitTester,
    readonly frames: FrameScheduler,
    options: { readOnly: boolean },
  ) {
    this.ro = options.readOnly
    this.tools = {
      select: new SelectTool(this),
      pen: new PenTool(this),
      rect: new ShapeTool(this, 'rect'),
      ellipse: new ShapeTool(this, 'ellipse'),
      line: new ShapeTool(this, 'line'),
      arrow: new ShapeTool(this, 'arrow'),
      text: new TextTool(this),
      sticky: new StickyTool(this),
      eraser: new EraserTool(this),
      pan: new PanTool(),
      laser: new LaserTool(this),
    }
    this.currentTool = this.tools.select
    this.offBoard = board.onChange((change) => {
      // Undo, a peer or the eraser may remove selected elements.
      if (change.removed.length > 0) {
        const gone = new Set(change.removed)
        if (this.selected.some((id) => gone.has(id))) this.setSelection(this.selected.filter((id) => !gone.has(id)))
      }
      if (this.selected.length > 0) this.hits.requestOverlay()
    })
  }

  get tool(): ToolId {
    return this.currentTool.id
  }

  get style(): Style {
    return this.currentStyle
  }

  get selection(): readonly string[] {
    return this.selected
  }

  get readOnly(): boolean {
    return this.ro
  }

  get textEditing(): TextSession | undefined {
    return this.session
  }

  setTool(id: ToolId): void {
    if (this.ro && !READ_ONLY_TOOLS.includes(id)) return
    this.endTextEditing()
    if (id === this.currentTool.id) return
    this.cancelGesture()
    this.currentTool = this.tools[id]
    // Drawing tools start fresh, so a style change there does not restyle a forgotten selection.
    if (id !== 'select' && !BOARD_FREE_TOOLS.includes(id)) this.setSelection([])
    this.events.emit('tool', id)
    this.hits.requestOverlay()
  }

  setReadOnly(readOnly: boolean): void {
    if (readOnly === this.ro) return
    if (readOnly) {
      this.cancelGesture()
      this.endTextEditing()
      this.setSelection([])
    }
    this.ro = readOnly
    if (readOnly && !READ_ONLY_TOOLS.includes(this.currentTool.id)) {
      this.currentTool = this.tools.select
      this.events.emit('tool', 'select')
    }
    this.events.emit('readOnly', readOnly)
  }

  /** Sets the style for new elements and restyles the selection (one undo step). */
  setStyle(change: Partial<Style>): void {
    this.currentStyle = { ...this.currentStyle, ...change }
    this.events.emit('style', this.currentStyle)
    if (this.ro || this.selected.length === 0) return
    const patches: Array<[string, Patch]> = []
    for (const id of this.selected) {
      const el = this.board.get(id)
      const patch = el ? stylePatch(el, change) : {}
      if (Object.keys(patch).length > 0) patches.push([id, patch])
    }
    if (patches.length === 0) return
    this.board.beginAction()
    this.board.updateMany(patches)
  }

  setSelection(ids: readonly string[]): void {
    const next = [...new Set(ids)].filter((id) => this.board.get(id) !== undefined)
    if (next.length === this.selected.length && next.every((id, i) => id === this.selected[i])) return
    this.selected = next
    this.events.emit('selection', next)
    this.hits.requestOverlay()
  }

  /** Union of the selected elements' bounds, board px. */
  selectionBounds(): Box | undefined {
    return unionAll(this.selected.flatMap((id) => this.board.elementBounds(id) ?? []))
  }

  /** The selection box as drawn (padded), screen px. */
  selectionScreenBox(): Box | undefined {
    const b = this.selectionBounds()
    if (!b) return undefined
    const a = this.camera.toScreen({ x: b.minX, y: b.minY })
    const c = this.camera.toScreen({ x: b.maxX, y: b.maxY })
    return expandBox({ minX: a.x, minY: a.y, maxX: c.x, maxY: c.y }, SELECTION_PADDING)
  }

  // --- pointer routing -------------------------------------------------

  pointerDown(e: PointerInput): void {
    if (this.activePointer !== undefined) return
    if (this.session) {
      // A click outside the textarea only ends the edit.
      this.endTextEditing()
      return
    }
    if (this.ro && !BOARD_FREE_TOOLS.includes(this.currentTool.id)) return
    this.activePointer = e.pointerId
    this.lastInput = e
    this.currentTool.onPointerDown(e)
  }

  pointerMove(e: PointerInput): void {
    if (e.pointerId !== this.activePointer) return
    this.lastInput = e
    this.currentTool.onPointerMove(e)
  }

  pointerUp(e: PointerInput): void {
    if (e.pointerId !== this.activePointer) return
    this.activePointer = undefined
    this.lastInput = undefined
    this.currentTool.onPointerUp(e)
  }

  /**
   * Ends the current gesture as if its pointer lifted where it last was: a
   * second finger turned a real stroke into a pinch, and the stroke stays.
   */
  finishGesture(): void {
    const last = this.lastInput
    if (last === undefined) return
    this.pointerUp({ ...last, samples: [] })
  }

  /**
   * Stops the current gesture and keeps what it did so far (Escape, tool
   * switch, undo and redo, read-only, pointercancel): never an undo of its
   * own, so undo() steps back exactly once.
   */
  cancelGesture(): void {
    this.stopGesture((tool) => tool.cancel())
  }

  /**
   * Stops the current gesture and takes back what it added: the touch was a
   * palm the pen showed up, or a pinch's first finger, never meant to draw.
   */
  discardGesture(): void {
    this.stopGesture((tool) => (tool.discard ? tool.discard() : tool.cancel()))
  }

  private stopGesture(stop: (tool: Tool) => void): void {
    if (this.activePointer === undefined) return
    this.activePointer = undefined
    this.lastInput = undefined
    stop(this.currentTool)
    this.hits.requestOverlay()
  }

  get gestureActive(): boolean {
    return this.activePointer !== undefined
  }

  /** CSS cursor for hovering at `e`. */
  cursorAt(e: PointerInput | undefined): string {
    if (this.ro && !BOARD_FREE_TOOLS.includes(this.currentTool.id)) return 'default'
    return this.currentTool.cursor(e)
  }

  // --- text editing ----------------------------------------------------

  beginTextEditing(target: TextTarget): TextSession | undefined {
    if (this.ro) return undefined
    this.endTextEditing()
    this.session = new TextSession(this.board, target)
    if (target.kind === 'existing') this.setSelection([])
    this.events.emit('textEditing', this.session)
    return this.session
  }

  endTextEditing(): void {
    const session = this.session
    if (!session) return
    this.session = undefined
    session.end()
    this.events.emit('textEditing', undefined)
  }

  // --- commands ----------------------------------------------------------

  undo(): void {
    if (this.ro) return
    this.endTextEditing()
    this.cancelGesture()
    this.board.undo()
  }

  redo(): void {
    if (this.ro) return
    this.endTextEditing()
    this.cancelGesture()
    this.board.redo()
  }

  deleteSelection(): void {
    if (this.ro || this.selected.length === 0) return
    const ids = this.selected
    this.setSelection([])
    this.board.remove(ids)
  }

  duplicateSelection(): void {
    if (this.ro || this.selected.length === 0) return
    this.setSelection(this.board.duplicate(this.selected, DUPLICATE_OFFSET, DUPLICATE_OFFSET))
  }

  bringToFront(): void {
    if (!this.ro && this.selected.length > 0) this.board.bringToFront(this.selected)
  }

  sendToBack(): void {
    if (!this.ro && this.selected.length > 0) this.board.sendToBack(this.selected)
  }

  nudge(dx: number, dy: number): void {
    if (this.ro || this.selected.length === 0) return
    this.board.beginAction()
    this.board.updateMany(this.selected.flatMap((id) => {
      const el = this.board.get(id)
      return el ? [[id, { x: el.x + dx, y: el.y + dy }] as [string, Patch]] : []
    }))
  }

  /** Runs an editing command; returns false for commands the view handles (zoom) or that did nothing. */
  run(cmd: Command): boolean {
    switch (cmd.kind) {
      case 'tool':
        this.setTool(cmd.tool)
        return true
      case 'undo':
        this.undo()
        return true
      case 'redo':
        this.redo()
        return true
      case 'delete':
        if (this.selected.length === 0) return false
        this.deleteSelection()
        return true
      case 'duplicate':
        this.duplicateSelection()
        return true
      case 'bringToFront':
        this.bringToFront()
        return true
      case 'sendToBack':
        this.sendToBack()
        return true
      case 'selectAll':
        if (this.ro) return false
        this.setTool('select')
        this.setSelection(this.board.ordered().map((el) => el.id))
        return true
      case 'escape':
        if (this.gestureActive) this.cancelGesture()
        else if (this.selected.length > 0) this.setSelection([])
        else if (this.tool !== 'select') this.setTool('select')
        return true
      case 'nudge':
        if (this.selected.length === 0) return false
        this.nudge(cmd.dx, cmd.dy)
        return true
      default:
        return false
    }
  }

  // --- overlay -----------------------------------------------------------

  /** Selection box, handles and the active tool's feedback; ctx is in screen CSS px. */
  drawOverlay(ctx: CanvasRenderingContext2D, camera: Camera, accent: string): void {
    const box = this.selectionScreenBox()
    if (box && !this.session) {
      ctx.save()
      ctx.strokeStyle = accent
      ctx.lineWidth = 1
      if (this.selected.length > 1) {
        // Thin outlines show which elements a multi-selection holds.
        ctx.globalAlpha = 0.5
        for (const id of this.selected) {
          const b = this.board.elementBounds(id)
          if (!b) continue
          const a = camera.toScreen({ x: b.minX, y: b.minY })
          const c = camera.toScreen({ x: b.maxX, y: b.maxY })
          ctx.strokeRect(a.x, a.y, c.x - a.x, c.y - a.y)
        }
        ctx.globalAlpha = 1
      }
      ctx.strokeRect(box.minX, box.minY, box.maxX - box.minX, box.maxY - box.minY)
      if (this.currentTool.id === 'select' && !this.ro) {
        ctx.fillStyle = '#ffffff'
        for (const h of HANDLES) {
          const p = handlePosition(box, h)
          ctx.beginPath()
          ctx.rect(p.x - 4, p.y - 4, 8, 8)
          ctx.fill()
          ctx.stroke()
        }
      }
      ctx.restore()
    }
    this.currentTool.drawOverlay?.(ctx, camera)
  }

  destroy(): void {
    this.cancelGesture()
    this.endTextEditing()
    this.offBoard()
    this.events.clear()
  }
}

/** The fields of a style change that apply to an element of this kind. */
export function stylePatch(el: ElementView, change: Partial<Style>): Patch {
  const patch: Patch = {}
  if (change.stroke !== undefined) patch.sc = change.stroke
  if (change.width !== undefined && el.t !== 'text' && el.t !== 'sticky') patch.sw = change.width
  if (change.fill !== undefined && (el.t === 'rect' || el.t === 'ellipse' || el.t === 'sticky')) patch.fc = change.fill
  return patch
}
