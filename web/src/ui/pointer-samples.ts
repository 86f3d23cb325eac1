// DOM pointer events as the editor reads them: canvas-relative screen points,
// board points through the camera, a pen's pressure, and every coalesced
// sample the browser merged into one event (fast strokes keep them all).

import type { PointerInput, PointerSample } from '../editor/types'
import type { Camera } from '../render/camera'

/** A client (CSS px, page) point in the canvas's screen coordinates. */
export function screenPoint(canvas: HTMLCanvasElement, clientX: number, clientY: number): { x: number; y: number } {
  const rect = canvas.getBoundingClientRect()
  return { x: clientX - rect.left, y: clientY - rect.top }
}

function sample(e: PointerEvent, rect: DOMRect, camera: Camera): PointerSample {
  const screen = { x: e.clientX - rect.left, y: e.clientY - rect.top }
  return { screen, board: camera.toBoard(screen), pressure: e.pointerType === 'pen' ? e.pressure : undefined }
}

export function pointerInput(e: PointerEvent, canvas: HTMLCanvasElement, camera: Camera): PointerInput {
  const rect = canvas.getBoundingClientRect()
  const coalesced = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : []
  const own = sample(e, rect, camera)
  return {
    ...own,
    pointerId: e.pointerId,
    pointerType: e.pointerType,
    buttons: e.buttons,
    shift: e.shiftKey,
    time: e.timeStamp,
    samples: coalesced.length > 0 ? coalesced.map((c) => sample(c, rect, camera)) : [own],
  }
}
