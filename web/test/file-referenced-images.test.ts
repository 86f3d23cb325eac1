// Opening a board file keeps and uploads only the images its board shows: a
// file may carry others (pictures deleted before it was written, or bytes
// put there to fill a room's image space), and those must not be stored.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { imageHash } from '../src/doc/image-ref'
import { readBoardFile, writeBoardFile, type FileImage } from '../src/file/board-file'
import { referencedImages } from '../src/file/referenced-images'

async function fileImage(n: number): Promise<FileImage> {
  const bytes = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, n)
  return { hash: await imageHash(bytes), mt: 'image/png', bytes }
}

describe('referencedImages', () => {
  it("keeps only the images the file's board references", async () => {
    const [shown, deleted, stray] = await Promise.all([fileImage(1), fileImage(2), fileImage(3)])
    const doc = new Y.Doc()
    const board = new Board(doc, 'writer')
    const ref = (i: FileImage) => ({ im: i.hash, mt: i.mt, iw: 1, ih: 1, ib: i.bytes.length })
    board.add({ t: 'image', x: 0, y: 0, w: 10, h: 10, image: ref(shown) })
    const gone = board.add({ t: 'image', x: 20, y: 0, w: 10, h: 10, image: ref(deleted) })
    board.add({ t: 'rect', x: 40, y: 0, w: 10, h: 10 })
    board.remove([gone])
    const bytes = writeBoardFile(Y.encodeStateAsUpdate(doc), [shown, deleted, stray])
    const file = await readBoardFile(bytes)
    expect(file.images).toHaveLength(3)
    expect(referencedImages(file)).toEqual([shown])
    board.destroy()
    doc.destroy()
  })

  it('keeps nothing of a file whose board shows no image', async () => {
    const bytes = writeBoardFile(Y.encodeStateAsUpdate(new Y.Doc()), [await fileImage(4)])
    expect(referencedImages(await readBoardFile(bytes))).toEqual([])
  })
})
