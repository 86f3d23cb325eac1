// Shared editor vocabulary: tool ids, drawing style and the pointer input the
// tools receive (already converted from DOM events, so tools and their tests
// never touch the DOM).

import type { Camera } from '../render/camera'

export const TOOL_IDS = ['select', 'pen', 'rect', 'ellipse', 'line', 'arrow', 'text', 'sticky', 'eraser', 'pan', 'laser'] as const
export type ToolId = (typeof TOOL_IDS)[number]

/** Tools a viewer keeps: they never edit the board. */
export const READ_ONLY_TOOLS: readonly ToolId[] = ['select', 'pan', 'laser']

/** Tools whose gestures never touch the board, so they work even while it cannot be edited. */
export const BOARD_FREE_TOOLS: readonly ToolId[] = ['pan', 'laser']

export interface Vec {
  x: number
  y: number
}

/** The style the next elements get; applying it also restyles the selection. */
export interface Style {
  stroke: string
  /** null = no fill */
  fill: string | null
  width: number
}

export const DEFAULT_STYLE: Style = { stroke: '#1e1e1e', fill: null, width: 2 }

/** One sample of a pointer, in both coordinate spaces. */
export interface PointerSample {
  screen: Vec
  board: Vec
  /** 0..1, only for pointerType 'pen' (mouse and touch report fake pressures) */
  pressure: number | undefined
}

export interface PointerInput extends PointerSample {
  pointerId: number
  pointerType: string
  /** DOM PointerEvent.buttons */
  buttons: number
  shift: boolean
  /** performance.now() */
  time: number
  /** Coalesced samples since the previous event, this one last (pen strokes use them all). */
  samples: PointerSample[]
}

/**
 * A tool handles one pointer gesture at a time. The editor routes events to the
 * active tool and calls cancel() when the gesture must stop and keep what it
 * did (Escape, tool switch, undo, read-only, pointercancel), or discard() when
 * the gesture was never meant (a palm's, or a pinch's first finger).
 */
export interface Tool {
  readonly id: ToolId
  onPointerDown(e: PointerInput): void
  onPointerMove(e: PointerInput): void
  onPointerUp(e: PointerInput): void
  cancel(): void
  /**
   * Stops the gesture and takes back what it added to the board; tools
   * without it add nothing a stray touch could leave behind, and just cancel.
   */
  discard?(): void
  /** CSS cursor for the canvas when hovering at `e` without a gesture. */
  cursor(e: PointerInput | undefined): string
  drawOverlay?(ctx: CanvasRenderingContext2D, camera: Camera): void
}
