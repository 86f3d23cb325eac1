// A board file's images that its own board shows. The file may carry more
// (a writer that kept files of deleted pictures, or one made to fill a
// room's image space): those are neither kept in this browser nor uploaded.

import * as Y from 'yjs'
import { applyUpdate } from '../doc/apply-update'
import { Board } from '../doc/board'
import type { BoardFile, FileImage } from './board-file'

/** The images of `file` that an element of its board references. */
export function referencedImages(file: BoardFile): FileImage[] {
  const doc = new Y.Doc()
  try {
    applyUpdate(doc, file.update)
    const board = new Board(doc, 'board-file')
    const hashes = new Set<string>()
    for (const view of board.ordered()) if (view.image !== undefined) hashes.add(view.image.im)
    board.destroy()
    return file.images.filter((image) => hashes.has(image.hash))
  } finally {
    doc.destroy()
  }
}
