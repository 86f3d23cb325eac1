// Board files: the snapshot envelope of docs/SCHEMA.md ("Snapshots"), the same
// bytes the server stores and `inkmesh-doc` reads. Downloaded boards are
// written in the v1 encoding (what every Yjs reads without conversion);
// both encodings are read.

import * as Y from 'yjs'

const MAGIC = [0x49, 0x4d, 0x53, 0x48] // "IMSH"
const SCHEMA_VERSION = 1
export const HEADER = 29
/** Readers' limit on the update inside a file. */
export const MAX_UPDATE_BYTES = 256 * 1024 * 1024

export class SnapshotError extends Error {
  override name = 'SnapshotError'
}

export function writeSnapshot(update: Uint8Array, createdMs = Date.now()): Uint8Array {
  const out = new Uint8Array(HEADER + update.length)
  const view = new DataView(out.buffer)
  out.set(MAGIC, 0)
  view.setUint32(4, SCHEMA_VERSION, true)
  out[8] = 1
  view.setBigUint64(9, BigInt(createdMs), true)
  view.setUint32(17, crc32(update), true)
  view.setBigUint64(21, BigInt(update.length), true)
  out.set(update, HEADER)
  return out
}

/** The board inside a snapshot file as a v1 update; a SnapshotError says what is wrong. */
export function readSnapshot(bytes: Uint8Array): Uint8Array {
  if (bytes.length < HEADER) throw new SnapshotError('This is not an Inkmesh board file (too short).')
  if (MAGIC.some((b, i) => bytes[i] !== b)) throw new SnapshotError('This is not an Inkmesh board file.')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const version = view.getUint32(4, true)
  if (version > SCHEMA_VERSION) {
    throw new SnapshotError(`This board file is from a newer Inkmesh (schema ${version}); update to open it.`)
  }
  const encoding = bytes[8]
  if (encoding !== 1 && encoding !== 2) throw new SnapshotError(`Unknown update encoding ${encoding} in the board file.`)
  const length = view.getBigUint64(21, true)
  if (length > BigInt(MAX_UPDATE_BYTES)) throw new SnapshotError('The board file is larger than 256 MiB.')
  if (Number(length) !== bytes.length - HEADER) {
    throw new SnapshotError(
      Number(length) > bytes.length - HEADER ? 'The board file is truncated.' : 'The board file has bytes after its end.',
    )
  }
  const update = bytes.subarray(HEADER)
  if (crc32(update) !== view.getUint32(17, true)) throw new SnapshotError('The board file is damaged (checksum mismatch).')
  try {
    const v1 = encoding === 2 ? Y.convertUpdateFormatV2ToV1(update) : update
    // Decode once into a scratch document so a bad update fails here, not in the board.
    Y.applyUpdate(new Y.Doc(), v1)
    return v1
  } catch (e) {
    throw new SnapshotError(`The board inside the file does not decode: ${(e as Error).message}`)
  }
}

let table: Uint32Array | undefined

/** CRC-32 (IEEE), as zlib's crc32. */
export function crc32(bytes: Uint8Array): number {
  if (table === undefined) {
    table = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      table[n] = c >>> 0
    }
  }
  let crc = 0xffffffff
  for (const b of bytes) crc = (table[(crc ^ b) & 0xff] as number) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}
