// The image element (docs/SCHEMA.md): adding one writes the contract's fields
// (and no ink fields), is one undo step, reads back as the view's `image`;
// a malformed hash is kept as written. And the client's type check reads the
// type from the bytes, never from a name.

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { isImageHash } from '../src/doc/image-ref'
import { sniffImageType } from '../src/image/image-check'

const image = { im: 'c0'.repeat(32), mt: 'image/jpeg', iw: 640, ih: 480, ib: 51_234 }

describe('image elements', () => {
  it('writes the contract fields, reads them back, and undoes in one step', () => {
    const board = new Board(new Y.Doc(), 'u-a')
    const id = board.add({ t: 'image', x: 10, y: 20, w: 320, h: 240, image })
    const json = board.toJSON().elements[id] as Record<string, unknown>
    expect(json).toMatchObject({ t: 'image', x: 10, y: 20, w: 320, h: 240, ...image, a: 'u-a' })
    expect(json).not.toHaveProperty('sc')
    expect(json).not.toHaveProperty('sw')
    expect(board.get(id)?.image).toEqual(image)
    board.update(id, { x: 50, w: 160, h: 120 })
    expect(board.get(id)).toMatchObject({ x: 50, w: 160, h: 120, image })
    const [copy] = board.duplicate([id], 10, 10)
    expect(board.get(copy as string)?.image).toEqual(image)
    board.undo()
    board.undo()
    board.undo()
    expect(board.size()).toBe(0)
  })

  it('keeps a malformed hash as written (drawn as a placeholder, never fetched)', () => {
    const doc = new Y.Doc()
    doc.getMap('elements').set('bad', new Y.Map<unknown>([['t', 'image'], ['z', 'a0'], ['im', 'ZZ'], ['w', 5], ['h', 5]]))
    const board = new Board(doc, 'u')
    expect(board.get('bad')?.image?.im).toBe('ZZ')
    expect(isImageHash('ZZ')).toBe(false)
    expect(isImageHash('C0'.repeat(32))).toBe(false)
    expect(isImageHash(image.im)).toBe(true)
  })

  it('reads the type from the magic bytes', () => {
    const b = (...xs: number[]) => Uint8Array.from(xs)
    expect(sniffImageType(b(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0))).toBe('image/png')
    expect(sniffImageType(b(0xff, 0xd8, 0xff, 0xe0))).toBe('image/jpeg')
    expect(sniffImageType(new TextEncoder().encode('GIF89a...'))).toBe('image/gif')
    expect(sniffImageType(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp')
    expect(sniffImageType(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe(null)
    expect(sniffImageType(b(0x89, 0x50, 0x4e))).toBe(null)
  })
})
