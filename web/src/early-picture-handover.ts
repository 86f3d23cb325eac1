// The app page's side of the early picture (render/early-picture.ts): the
// page's early script paints a picture decoded before the app's view exists,
// or a first view before the view has drawn; this removes it at the view's
// first frame with content, or once synced (an emptied board draws nothing,
// and may draw no frame), and tells the early script it is too late to
// paint one. A whole picture decoded after the view exists is not painted:
// the view shows it as its stand-in, and its frame would remove a canvas
// painted just before any frame could show it.

import type { EarlyStart } from './boot'
import type { BoardHandle } from './mount'
import { dropEarlyPicture } from './render/early-picture'

/** Watches the view of `handle` and removes the early picture once the view shows the board. */
export function handOverEarlyPicture(handle: BoardHandle, early: Pick<EarlyStart, 'viewDrawn'> | undefined): void {
  const { view, board, collab } = handle
  const offFrame = view.renderer.onFrame(() => {
    if (!view.standInShowing() && board.size() === 0) return
    if (early !== undefined) early.viewDrawn = true
    dropEarlyPicture(document)
    offFrame()
  })
  const offSynced = collab.on('synced', () => {
    offSynced()
    if (early !== undefined) early.viewDrawn = true
    // An empty board may draw no frame with content: the frame watch ends here.
    offFrame()
    // At the next animation frame, not now: the frame the sync asked the
    // renderer for (if any) runs its callback in that same animation frame,
    // before the browser paints, so the page never shows neither.
    requestAnimationFrame(() => dropEarlyPicture(document))
  })
}

