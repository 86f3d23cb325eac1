// window.__inkmesh: what end-to-end tests and benchmarks read from a page (the
// document state, the connection, cursors seen) and the few things they
// trigger that a user cannot (sending updates a viewer's UI would never send).
// Read-only views and one escape hatch; nothing here changes normal behaviour.

import * as Y from 'yjs'

import { applyWholeUpdate } from '../doc/apply-update'
import type { BoardHandle } from '../mount'
import type { RemoteCursor } from '../collab/port'
import { PALM_REJECTION_MS, STRAY_STROKE_MS, STRAY_STROKE_PX } from '../ui/gestures'

export interface TestHook {
  handle: BoardHandle
  Y: typeof Y
  /** How the board applies the server's snapshot (doc/apply-update.ts), for benchmarks to set beside Y.applyUpdate. */
  applyWholeUpdate: typeof applyWholeUpdate
  /** Every cursor frame received, per peer: the latest, and how many arrived. */
  cursors: Map<string, { cursor: RemoteCursor; count: number }>
  /** ui/gestures.ts's time and distance rules, so touch tests never copy them. */
  gestures: { STRAY_STROKE_MS: number; STRAY_STROKE_PX: number; PALM_REJECTION_MS: number }
  state(): unknown
  ids(): string[]
}

declare global {
  interface Window {
    __inkmesh?: TestHook
  }
}

export function exposeTestHook(handle: BoardHandle): TestHook {
  const cursors = new Map<string, { cursor: RemoteCursor; count: number }>()
  handle.collab.on('cursor', (cursor) => {
    const seen = cursors.get(cursor.peerId)
    cursors.set(cursor.peerId, { cursor, count: (seen?.count ?? 0) + 1 })
  })
  const hook: TestHook = {
    handle,
    Y,
    applyWholeUpdate,
    cursors,
    gestures: { STRAY_STROKE_MS, STRAY_STROKE_PX, PALM_REJECTION_MS },
    state: () => handle.board.toJSON(),
    ids: () => handle.board.ordered().map((e) => e.id),
  }
  window.__inkmesh = hook
  return hook
}
