// Other people's cursors as small canvases of their own, one per peer, moved
// with a CSS transform.
//
// A remote cursor moves up to 60 times a second per peer. Drawn on the
// overlay, each move redrew a canvas the size of the view, which Chromium
// then copied and composited whole: ~1.3 ms of CPU a move in all (software
// compositing, the bench's cursor run). A sprite is drawn again only when its
// look changes (name, colour, pressed, speaking, pixel ratio); a move only
// changes its transform, which the compositor applies.

import type { Camera } from '../render/camera'
import { cursorBounds, drawCursor, tagWidth, type ShownCursor } from './cursors'

interface Sprite {
  canvas: HTMLCanvasElement
  ctx: CanvasRenderingContext2D
  /** What it shows, as drawn last; a change draws it again. */
  look: string
  /** Its offset from the tip: the top left of what drawCursor may ink, CSS px. */
  x0: number
  y0: number
  transform: string
}

export class CursorSprites {
  private readonly sprites = new Map<string, Sprite>()

  constructor(
    private readonly container: HTMLElement,
    private readonly labelFont: string,
  ) {}

  /** Shows exactly `cursors`, each with its tip at its board point in `camera`'s view; `dpr` is the device pixel ratio. */
  place(cursors: Iterable<ShownCursor>, camera: Camera, dpr: number): void {
    const seen = new Set<string>()
    for (const c of cursors) {
      seen.add(c.peerId)
      const sprite = this.sprites.get(c.peerId) ?? this.create(c.peerId)
      const look = [c.name, c.colour, c.buttons & 1, c.speaking, dpr].join('\n')
      if (sprite.look !== look) {
        this.draw(sprite, c, dpr)
        sprite.look = look
      }
      const p = camera.toScreen(c)
      const transform = `translate(${Math.round(p.x) + sprite.x0}px, ${Math.round(p.y) + sprite.y0}px)`
      if (sprite.transform !== transform) {
        sprite.canvas.style.transform = transform
        sprite.transform = transform
      }
    }
    for (const [peerId, sprite] of this.sprites) {
      if (seen.has(peerId)) continue
      sprite.canvas.remove()
      this.sprites.delete(peerId)
    }
  }

  destroy(): void {
    for (const sprite of this.sprites.values()) sprite.canvas.remove()
    this.sprites.clear()
  }

  private create(peerId: string): Sprite {
    const canvas = this.container.ownerDocument.createElement('canvas')
    const ctx = canvas.getContext('2d')
    if (ctx === null) throw new Error('CursorSprites: no 2D context')
    canvas.dataset.testid = 'remote-cursor'
    canvas.dataset.peer = peerId
    canvas.setAttribute('aria-hidden', 'true')
    // Not the board canvases' full-size box: its own size, at the view's top left, moved by its transform.
    Object.assign(canvas.style, { inset: 'auto', left: '0', top: '0', pointerEvents: 'none', willChange: 'transform' })
    this.container.append(canvas)
    const sprite: Sprite = { canvas, ctx, look: '', x0: 0, y0: 0, transform: '' }
    this.sprites.set(peerId, sprite)
    return sprite
  }

  private draw(sprite: Sprite, c: ShownCursor, dpr: number): void {
    const { canvas, ctx } = sprite
    ctx.font = this.labelFont
    const bounds = cursorBounds(tagWidth(ctx, c.name))
    const width = Math.ceil(bounds.x1 - bounds.x0)
    const height = Math.ceil(bounds.y1 - bounds.y0)
    // Resizing resets the context, font included.
    canvas.width = Math.ceil(width * dpr)
    canvas.height = Math.ceil(height * dpr)
    canvas.style.width = `${width}px`
    canvas.style.height = `${height}px`
    ctx.setTransform(dpr, 0, 0, dpr, -bounds.x0 * dpr, -bounds.y0 * dpr)
    ctx.font = this.labelFont
    drawCursor(ctx, c)
    sprite.x0 = bounds.x0
    sprite.y0 = bounds.y0
  }
}
