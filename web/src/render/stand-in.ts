// What the renderer draws: the board, or until the board holds anything, a
// stand-in picture of it (the render stream, docs/PROTOCOL.md). A joining page
// draws the stream as soon as it arrives, while the much larger Yjs update is
// still applied; the board's own views then replace it in one frame, through
// the same renderer, so nothing moves.

import type { Board } from '../doc/board'
import type { BoardChange, ElementView } from '../doc/types'

/** The part of a board the renderer reads. */
export interface DrawnBoard {
  ordered(): ElementView[]
  get(id: string): ElementView | undefined
  onChange(listener: (change: BoardChange) => void): () => void
}

export class StandInBoard implements DrawnBoard {
  private standIn: ElementView[] | null = null
  private byId = new Map<string, ElementView>()
  private readonly listeners = new Set<(change: BoardChange) => void>()
  private readonly off: () => void
  private readonly dropListeners = new Set<() => void>()

  constructor(private readonly board: Board) {
    this.off = board.onChange((change) => {
      if (this.standIn !== null) {
        // The board's first content replaces the picture of it.
        if (board.size() > 0) this.drop()
        return
      }
      this.emit(change)
    })
  }

  /** True while the stand-in is what is drawn. */
  get showing(): boolean {
    return this.standIn !== null
  }

  /** Draws `views` in the board's place; ignored once the board holds anything. */
  show(views: ElementView[]): void {
    if (this.board.size() > 0 || this.standIn !== null) return
    this.standIn = views
    this.byId = new Map(views.map((v) => [v.id, v]))
    this.emit({ added: views.map((v) => v.id), changed: [], removed: [], local: false })
  }

  /** Goes back to drawing the board (it has loaded, or turned out empty). */
  drop(): void {
    const standIn = this.standIn
    if (standIn === null) return
    this.standIn = null
    this.byId = new Map()
    // Unsorted: sorting a big board's 10,000 ids by z took ~15 ms of the
    // snapshot's apply, and a change lists ids in no particular order.
    this.emit({ added: this.board.ids(), changed: [], removed: standIn.map((v) => v.id), local: false })
    for (const listener of this.dropListeners) listener()
  }

  /** Called once the stand-in is dropped. */
  onDrop(listener: () => void): () => void {
    this.dropListeners.add(listener)
    return () => this.dropListeners.delete(listener)
  }

  ordered(): ElementView[] {
    return this.standIn ?? this.board.ordered()
  }

  get(id: string): ElementView | undefined {
    return this.standIn === null ? this.board.get(id) : this.byId.get(id)
  }

  onChange(listener: (change: BoardChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  destroy(): void {
    this.off()
    this.listeners.clear()
    this.dropListeners.clear()
  }

  private emit(change: BoardChange): void {
    for (const listener of this.listeners) listener(change)
  }
}
