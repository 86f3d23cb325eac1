// What other people have selected, outlined in their colour on our board.
// Their presence states name element ids; the outlines are drawn from the
// live board (never a previewed version) and redrawn when those elements
// change, so the outline follows an element someone else is moving.

import type { PresenceState } from '../collab/port'
import type { Board } from '../doc/board'
import { elementBounds } from '../doc/geometry'
import type { BoardChange } from '../doc/types'
import type { Camera } from '../render/camera'
import { safeColor } from '../render/color'
import type { Renderer } from '../render/renderer'
import type { VersionPreview } from '../render/version-preview'

/** Remote selections drawn per peer at most: a select-all on a huge board must not stall our frames. */
const MAX_REMOTE_SELECTION = 500

export class RemoteSelections {
  private others: Array<[number, PresenceState]> = []
  private count = 0

  constructor(
    private readonly board: Board,
    private readonly preview: VersionPreview,
    private readonly renderer: Renderer,
  ) {}

  /** Every known presence state, ours included (keyed by Yjs client id). */
  update(states: Map<number, PresenceState>): void {
    this.others = [...states].filter(([id]) => id !== this.board.doc.clientID)
    this.count = this.others.reduce((n, [, s]) => n + (Array.isArray(s.selection) ? s.selection.length : 0), 0)
    this.renderer.requestOverlay()
  }

  /** The board changed: outlines of changed or removed elements move with them. */
  boardChanged(change: BoardChange): void {
    if (this.count > 0 && (change.changed.length > 0 || change.removed.length > 0)) this.renderer.requestOverlay()
  }

  draw(ctx: CanvasRenderingContext2D, cam: Camera): void {
    // Selections are of the live board's elements, not of a previewed version's.
    if (this.count === 0 || this.preview.showing) return
    ctx.save()
    ctx.lineWidth = 1.5
    ctx.setLineDash([5, 3])
    for (const [, s] of this.others) {
      if (!Array.isArray(s.selection) || s.selection.length === 0) continue
      ctx.strokeStyle = safeColor(s.colour, '#868e96')
      for (const id of s.selection.slice(0, MAX_REMOTE_SELECTION)) {
        const el = typeof id === 'string' ? this.board.get(id) : undefined
        const b = el ? elementBounds(el) : undefined
        if (!el || !b) continue
        // Outside the ink: bounds exclude the stroke width.
        const pad = 4 + (el.sw / 2) * cam.zoom
        const a = cam.toScreen({ x: b.minX, y: b.minY })
        const c = cam.toScreen({ x: b.maxX, y: b.maxY })
        ctx.strokeRect(a.x - pad, a.y - pad, c.x - a.x + 2 * pad, c.y - a.y + 2 * pad)
      }
    }
    ctx.restore()
  }
}
