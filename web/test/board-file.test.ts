// Board files with images (docs/SCHEMA.md, "Board files"): the layout is the
// worked example's byte for byte, a board without images writes the envelope
// alone (as before images), and a reader refuses every malformed section:
// wrong hash, unknown type, over the limits, out of order, truncated, extra bytes.

import { describe, expect, it } from 'vitest'
import { readBoardFile, writeBoardFile, type FileImage } from '../src/file/board-file'
import { SnapshotError, writeSnapshot } from '../src/file/snapshot'
import { imageHash } from '../src/doc/image-ref'
import { FILE_MAX_TYPE_BYTES, IMAGE_MAX_BYTES } from '../src/image/limits'

/** A 1×1 PNG of one red pixel (the SCHEMA example's image). */
const PNG = Uint8Array.from(
  Buffer.from(
    '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63786068f81f0005790242044516420000000049454e44ae426082',
    'hex',
  ),
)
const PNG_HASH = '090f7b46049c9e2c7724b836ab074b3df169688bf420b08e410678a7b6835ec2'
const EMPTY_BOARD = Uint8Array.of(0, 0)
const CREATED = 1_700_000_000_000

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** The SCHEMA.md example: the empty board's envelope, then the section with the PNG. */
const EXAMPLE =
  '494d534801000000' + '01' + '0068e5cf8b010000' + 'ff12d941' + '0200000000000000' + '0000' +
  '494d4753' + '0100000000000000' +
  PNG_HASH + '0900000000000000' + Buffer.from('image/png').toString('hex') + '4600000000000000' + hexOf(PNG)

describe('board files with images', () => {
  it('writes the worked example byte for byte, and reads it back', async () => {
    expect(await imageHash(PNG)).toBe(PNG_HASH)
    const file = writeBoardFile(EMPTY_BOARD, [{ hash: PNG_HASH, mt: 'image/png', bytes: PNG }], CREATED)
    expect(hexOf(file)).toBe(EXAMPLE)
    const back = await readBoardFile(file)
    expect(back.update).toEqual(EMPTY_BOARD)
    expect(back.images).toEqual([{ hash: PNG_HASH, mt: 'image/png', bytes: PNG }])
  })

  it('writes a board without images as the envelope alone, as before images', async () => {
    const file = writeBoardFile(EMPTY_BOARD, [], CREATED)
    expect(file).toEqual(writeSnapshot(EMPTY_BOARD, CREATED))
    expect((await readBoardFile(file)).images).toEqual([])
  })

  it('sorts images by hash and writes each once', async () => {
    const a = await image(Uint8Array.of(1, 2, 3))
    const b = await image(Uint8Array.of(4, 5))
    const file = writeBoardFile(EMPTY_BOARD, [b, a, b], CREATED)
    const back = await readBoardFile(file)
    expect(back.images.map((i) => i.hash)).toEqual([a.hash, b.hash].sort())
  })

  it('refuses malformed sections with a reason', async () => {
    const good = Buffer.from(EXAMPLE, 'hex')
    const section = 31
    const refused = async (bytes: Uint8Array, reason: RegExp) => {
      await expect(readBoardFile(bytes)).rejects.toThrow(SnapshotError)
      await expect(readBoardFile(bytes)).rejects.toThrow(reason)
    }
    const damaged = Uint8Array.from(good)
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 0xff
    await refused(damaged, /hash does not match/)
    const wrongMagic = Uint8Array.from(good)
    wrongMagic[section] = 0x58
    await refused(wrongMagic, /bytes after its end/)
    await refused(Uint8Array.from([...good, 0]), /bytes after its end/)
    for (const cut of [section + 2, section + 10, section + 20, section + 50, good.length - 1]) {
      await refused(good.subarray(0, cut), /truncated/)
    }
    const svg = Uint8Array.from(good)
    svg.set(Buffer.from('image/svg'), section + 12 + 40)
    await refused(svg, /not PNG, JPEG, GIF or WebP/)
    // A type length past FILE_MAX_TYPE_BYTES is refused before its bytes are read; one at it is read (and is no known type).
    const longType = Uint8Array.from(good)
    new DataView(longType.buffer).setBigUint64(section + 12 + 32, BigInt(FILE_MAX_TYPE_BYTES + 1), true)
    await refused(longType, /malformed type/)
    const atLimit = Uint8Array.from(good)
    new DataView(atLimit.buffer).setBigUint64(section + 12 + 32, BigInt(FILE_MAX_TYPE_BYTES), true)
    await refused(atLimit, /not PNG, JPEG, GIF or WebP/)
    const huge = Uint8Array.from(good)
    new DataView(huge.buffer).setBigUint64(section + 12 + 40 + 9, BigInt(IMAGE_MAX_BYTES + 1), true)
    await refused(huge, /larger than 10 MiB/)
    const many = Uint8Array.from(good)
    new DataView(many.buffer).setBigUint64(section + 4, 2n ** 40n, true)
    await refused(many, /at most 10000/)
    const a = await image(Uint8Array.of(1))
    const b = await image(Uint8Array.of(2))
    const [first, second] = [a, b].sort((x, y) => (x.hash < y.hash ? -1 : 1)) as [FileImage, FileImage]
    const ordered = writeBoardFile(EMPTY_BOARD, [first, second], CREATED)
    // Swap the two entries (same sizes): out of order.
    const entry = 32 + 8 + 9 + 8 + 1
    const swapped = Uint8Array.from(ordered)
    swapped.set(ordered.subarray(section + 12 + entry, section + 12 + 2 * entry), section + 12)
    swapped.set(ordered.subarray(section + 12, section + 12 + entry), section + 12 + entry)
    await refused(swapped, /out of order or repeated/)
    const repeated = Uint8Array.from(ordered)
    repeated.set(ordered.subarray(section + 12, section + 12 + entry), section + 12 + entry)
    await refused(repeated, /out of order or repeated/)
  })
})

async function image(bytes: Uint8Array): Promise<FileImage> {
  return { hash: await imageHash(bytes), mt: 'image/gif', bytes }
}

describe('board files with images across languages', () => {
  // tests/fixtures/yjs-board-images.inkmesh is the Yjs fixture board and the
  // example PNG as this code writes them; crates/doc/tests/crosslang.rs reads it.
  const fixtures = new URL('../../tests/fixtures/', import.meta.url)

  it('writes the committed board file with an image section', async () => {
    const { readFile } = await import('node:fs/promises')
    const update = new Uint8Array(await readFile(new URL('yjs-board.v1.bin', fixtures)))
    const file = new Uint8Array(await readFile(new URL('yjs-board-images.inkmesh', fixtures)))
    expect(writeBoardFile(update, [{ hash: PNG_HASH, mt: 'image/png', bytes: PNG }], CREATED)).toEqual(file)
    const back = await readBoardFile(file)
    expect(back.update).toEqual(update)
    expect(back.images.map((i) => i.hash)).toEqual([PNG_HASH])
  })
})
