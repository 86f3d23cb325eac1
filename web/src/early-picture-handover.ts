// The app page's side of the early picture (render/early-picture.ts). The
// page's early script paints a picture decoded before the app's view exists;
// one decoded after (a first visit's render stream, usually) is painted here,
// as soon as it is decoded and before the view takes it as its stand-in:
// showing a 10,000-element stand-in (indexing it) and the renderer's frame
// take ~50-80 ms more. Either way the picture goes at the view's first frame
// with content, or once synced (an emptied board draws nothing, and may draw
// no frame).

import type { BoardPicture } from './board-picture'
import type { BoardHandle } from './mount'
import { EARLY_PICTURE_ID, dropEarlyPicture, paintEarlyPicture } from './render/early-picture'
import { markJoin } from './util/join-marks'

export class EarlyPictureHandover {
  private handle: BoardHandle | undefined
  /** The view has drawn the board or a stand-in: no picture is painted over it any more. */
  private viewDrew = false
  private synced = false

  /**
   * `pictures` for mount(), each painted at once when it is decoded while
   * the view has drawn nothing yet; mount() then shows the same views as its
   * stand-in (it shows one under the same conditions), whose frame removes it.
   */
  pictures(pictures: BoardPicture[]): BoardPicture[] {
    return pictures.map((picture) =>
      picture.then((views) => {
        if (views !== null && this.mayPaint()) {
          if (paintEarlyPicture(document, views)) markJoin('picture-painted', views.length)
        }
        return views
      }),
    )
  }

  /** Watches the view of `handle`, the board mount() returned for these pictures. */
  attach(handle: BoardHandle): void {
    this.handle = handle
    const { view, board, collab } = handle
    const off = view.renderer.onFrame(() => {
      if (!view.standInShowing() && board.size() === 0) return
      this.viewDrew = true
      dropEarlyPicture(document)
      off()
    })
    const offSynced = collab.on('synced', () => {
      offSynced()
      this.synced = true
      // rAF callbacks run in the order asked: a frame the sync asked for draws first.
      requestAnimationFrame(() => dropEarlyPicture(document))
    })
  }

  /** Whether a picture painted now would be taken as the view's stand-in: none painted yet, and nothing else drawn or coming. */
  private mayPaint(): boolean {
    const handle = this.handle
    if (handle === undefined || this.viewDrew || this.synced) return false
    if (handle.board.size() > 0 || handle.view.standInShowing()) return false
    return document.getElementById(EARLY_PICTURE_ID) === null
  }
}
