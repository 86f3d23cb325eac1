// Board files with pictures (docs/SCHEMA.md, "Board files"): the snapshot
// envelope, then, when the board shows images, an image section holding each
// file's bytes, so a board opened on another server shows them. A board
// without images writes no section: its file is the envelope alone, byte for
// byte as before images existed.
//
// The section is bincode 2 with fixed-width little-endian integers (as the
// envelope), so `inkmesh-doc` reads it with the same machinery:
//
//   magic "IMGS", u64 count, then per image, in ascending hash order:
//   32-byte SHA-256, u64 type length, type (ASCII), u64 byte length, bytes.

import { hex, imageHash, isImageType } from '../doc/image-ref'
import { FILE_MAX_IMAGE_BYTES, FILE_MAX_IMAGES, FILE_MAX_TYPE_BYTES, IMAGE_MAX_BYTES } from '../image/limits'
import { HEADER, SnapshotError, readSnapshot, writeSnapshot } from './snapshot'

/** An image's file inside a board file. */
export interface FileImage {
  hash: string
  mt: string
  bytes: Uint8Array
}

export interface BoardFile {
  /** the board, a Yjs v1 update */
  update: Uint8Array
  images: FileImage[]
}

const SECTION_MAGIC = [0x49, 0x4d, 0x47, 0x53] // "IMGS"

/** The board file for `update` and the files of the images it shows (no section when there are none). */
export function writeBoardFile(update: Uint8Array, images: readonly FileImage[], createdMs = Date.now()): Uint8Array {
  const envelope = writeSnapshot(update, createdMs)
  if (images.length === 0) return envelope
  const sorted = [...new Map(images.map((i) => [i.hash, i])).values()].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))
  let size = envelope.length + 4 + 8
  for (const image of sorted) size += 32 + 8 + image.mt.length + 8 + image.bytes.length
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  out.set(envelope, 0)
  let at = envelope.length
  out.set(SECTION_MAGIC, at)
  view.setBigUint64(at + 4, BigInt(sorted.length), true)
  at += 12
  for (const image of sorted) {
    out.set(fromHex(image.hash), at)
    view.setBigUint64(at + 32, BigInt(image.mt.length), true)
    at += 40
    for (let i = 0; i < image.mt.length; i++) out[at + i] = image.mt.charCodeAt(i)
    at += image.mt.length
    view.setBigUint64(at, BigInt(image.bytes.length), true)
    out.set(image.bytes, at + 8)
    at += 8 + image.bytes.length
  }
  return out
}

/**
 * Reads a board file, with or without images. Every image is checked: its
 * type one of the four, its size within IMAGE_MAX_BYTES, all of them within
 * FILE_MAX_IMAGES and FILE_MAX_IMAGE_BYTES, in ascending hash order without
 * repeats, and its bytes hashing to its name. A SnapshotError says what is wrong.
 */
export async function readBoardFile(bytes: Uint8Array): Promise<BoardFile> {
  const end = envelopeEnd(bytes)
  const update = readSnapshot(bytes.subarray(0, end))
  if (end === bytes.length) return { update, images: [] }
  const r = new SectionReader(bytes, end)
  const tail = bytes.subarray(end, end + 4)
  if (!tail.every((b, i) => b === SECTION_MAGIC[i])) throw new SnapshotError('The board file has bytes after its end.')
  r.skip(4)
  const count = r.u64('image count')
  if (count > FILE_MAX_IMAGES) throw new SnapshotError(`The board file holds ${count} images; at most ${FILE_MAX_IMAGES} are read.`)
  const images: FileImage[] = []
  let total = 0
  for (let i = 0; i < count; i++) {
    const hash = hex(r.take(32, 'image hash'))
    const mtLength = r.u64('image type length')
    if (mtLength > FILE_MAX_TYPE_BYTES) throw new SnapshotError('An image in the board file has a malformed type.')
    const mt = String.fromCharCode(...r.take(mtLength, 'image type'))
    if (!isImageType(mt)) throw new SnapshotError(`An image in the board file has type “${mt}”, not PNG, JPEG, GIF or WebP.`)
    const length = r.u64('image length')
    if (length > IMAGE_MAX_BYTES) throw new SnapshotError('An image in the board file is larger than 10 MiB.')
    total += length
    if (total > FILE_MAX_IMAGE_BYTES) throw new SnapshotError('The images in the board file are larger than 256 MiB together.')
    const data = r.take(length, 'image bytes')
    const previous = images[images.length - 1]
    if (previous !== undefined && previous.hash >= hash) throw new SnapshotError('The images in the board file are out of order or repeated.')
    if ((await imageHash(data)) !== hash) throw new SnapshotError('An image in the board file is damaged (its hash does not match).')
    images.push({ hash, mt, bytes: data.slice() })
  }
  if (r.at !== bytes.length) throw new SnapshotError('The board file has bytes after its end.')
  return { update, images }
}

/** Where the envelope ends: its header's update length, or the whole input when that cannot be read (the envelope reader then says why). */
function envelopeEnd(bytes: Uint8Array): number {
  if (bytes.length < HEADER) return bytes.length
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(21, true)
  const end = BigInt(HEADER) + length
  return end < BigInt(bytes.length) ? Number(end) : bytes.length
}

class SectionReader {
  private readonly view: DataView

  constructor(
    private readonly bytes: Uint8Array,
    public at: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  skip(n: number): void {
    this.need(n, 'image section')
    this.at += n
  }

  u64(what: string): number {
    this.need(8, what)
    const v = this.view.getBigUint64(this.at, true)
    this.at += 8
    // Past any limit the caller checks: a safe number that fails those checks.
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v)
  }

  take(n: number, what: string): Uint8Array {
    this.need(n, what)
    const out = this.bytes.subarray(this.at, this.at + n)
    this.at += n
    return out
  }

  private need(n: number, what: string): void {
    if (this.bytes.length - this.at < n) throw new SnapshotError(`The board file is truncated (inside the ${what}).`)
  }
}

function fromHex(hash: string): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = parseInt(hash.slice(i * 2, i * 2 + 2), 16)
  return out
}
