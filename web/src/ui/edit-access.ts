// Whether the board can be edited now. Two things decide: our role (a viewer
// never edits; the role may only be known after the server's welcome) and
// what is drawn (a stand-in or a previewed version is a picture, so nothing on
// it can be edited). The role is kept so a picture going away restores it.

import type { Editor } from '../editor/editor'
import type { StandInBoard } from '../render/stand-in'
import type { VersionPreview } from '../render/version-preview'
import type { CanvasCursor } from './canvas-cursor'

export class EditAccess {
  /** Whether our role is read-only (a viewer): kept so a picture going away restores it. */
  private viewer: boolean
  private readonly offDrop: () => void

  constructor(
    private readonly container: HTMLElement,
    private readonly editor: Editor,
    private readonly drawn: StandInBoard,
    private readonly preview: VersionPreview,
    private readonly canvasCursor: CanvasCursor,
    readOnly: boolean,
    /** Whether a picture painted off the main thread lies over the board (render/off-thread-stand-in.ts). */
    private readonly pictureShowing: () => boolean = () => false,
  ) {
    this.viewer = readOnly
    this.offDrop = drawn.onDrop(() => this.refresh())
  }

  /** Whether our role is read-only (a viewer), whatever is drawn. */
  get readOnlyRole(): boolean {
    return this.viewer
  }

  /** Our role changed. */
  setReadOnly(readOnly: boolean): void {
    this.viewer = readOnly
    this.container.dataset.readonly = String(readOnly)
    // A stand-in or a previewed version is a picture: nothing on it can be edited.
    this.editor.setReadOnly(readOnly || this.drawn.showing || this.pictureShowing() || this.preview.showing)
    this.canvasCursor.show(undefined)
  }

  /** What is drawn changed (a stand-in or a preview came or went). */
  refresh(): void {
    this.setReadOnly(this.viewer)
  }

  destroy(): void {
    this.offDrop()
  }
}
