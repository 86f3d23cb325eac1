// What the renderer draws while a version is previewed (the history panel):
// that version's board, in the live board's place, through the same renderer.
// The live board keeps taking local and remote changes meanwhile; they are
// held back from the renderer, not lost, and going back draws the live board
// as it is by then in one change. The version's board is never edited: the
// editor is read-only while it shows.

import type { Board } from '../doc/board'
import type { BoardChange, ElementView } from '../doc/types'
import type { DrawnBoard } from './stand-in'

export class VersionPreview implements DrawnBoard {
  private version: Board | null = null
  private readonly listeners = new Set<(change: BoardChange) => void>()
  private readonly off: () => void

  constructor(private readonly live: DrawnBoard) {
    this.off = live.onChange((change) => {
      if (this.version === null) this.emit(change)
    })
  }

  /** True while a version is what is drawn. */
  get showing(): boolean {
    return this.version !== null
  }

  /** Draws `version` in the live board's place (replacing a version shown already). */
  show(version: Board): void {
    const before = this.ordered().map((v) => v.id)
    this.version = version
    this.emit({ added: version.ordered().map((v) => v.id), changed: [], removed: before, local: false })
  }

  /** Goes back to drawing the live board, with whatever it took meanwhile. */
  back(): void {
    const version = this.version
    if (version === null) return
    this.version = null
    const removed = version.ordered().map((v) => v.id)
    this.emit({ added: this.live.ordered().map((v) => v.id), changed: [], removed, local: false })
  }

  ordered(): ElementView[] {
    return this.version === null ? this.live.ordered() : this.version.ordered()
  }

  get(id: string): ElementView | undefined {
    return this.version === null ? this.live.get(id) : this.version.get(id)
  }

  onChange(listener: (change: BoardChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  destroy(): void {
    this.off()
    this.listeners.clear()
  }

  private emit(change: BoardChange): void {
    for (const listener of this.listeners) listener(change)
  }
}
