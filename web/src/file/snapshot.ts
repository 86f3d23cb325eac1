// Board files: the snapshot envelope of docs/SCHEMA.md ("Snapshots"), the same
// bytes the server stores and `inkmesh-doc` reads. Downloaded boards are
// written in the v1 encoding (what every Yjs reads without conversion);
// both encodings are read, v2 only after a walk that bounds the structs it
// stands for (maxV2Structs).

import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { applyUpdate } from '../doc/apply-update'

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
  if (encoding === 2) checkV2StructCount(update)
  try {
    const v1 = encoding === 2 ? Y.convertUpdateFormatV2ToV1(update) : update
    // Decode once into a scratch document so a bad update fails here, not in the board.
    applyUpdate(new Y.Doc(), v1)
    return v1
  } catch (e) {
    throw new SnapshotError(`The board inside the file does not decode: ${(e as Error).message}`)
  }
}

/**
 * The most structs a v2 update of `length` bytes may stand for (docs/SCHEMA.md,
 * "Updates a board refuses"): as many as a v1 update of that size could hold,
 * 2 bytes each, or 65,536 for small boards. v2's run-length encoded columns
 * let a few bytes stand for billions of structs, which Yjs would build.
 */
export function maxV2Structs(length: number): number {
  return Math.max(65_536, Math.floor(length / 2))
}

/** Content refs (Yjs `contentRefs`) and the shared types whose content carries a name. */
const CONTENT = { deleted: 1, json: 2, binary: 3, string: 4, embed: 5, format: 6, type: 7, any: 8, doc: 9 } as const
const XML_ELEMENT = 3
const XML_HOOK = 5

/**
 * Walks a v2 update's structs as Yjs reads them, building none, and throws a
 * SnapshotError once they are more than maxV2Structs allows, or hold JSON
 * content (no board holds it, and its strings would cost a run each). A
 * malformed update is left for Yjs to report.
 */
function checkV2StructCount(update: Uint8Array): void {
  const limit = maxV2Structs(update.length)
  const tooMany = () => new SnapshotError(`The board inside the file stands for more than ${limit} structs, more than its size allows.`)
  let structs = 0
  try {
    const decoder = new Y.UpdateDecoderV2(decoding.createDecoder(update))
    const clients = decoding.readVarUint(decoder.restDecoder)
    for (let c = 0; c < clients; c++) {
      const count = decoding.readVarUint(decoder.restDecoder)
      decoder.readClient()
      decoding.readVarUint(decoder.restDecoder) // first clock
      for (let i = 0; i < count; i++) {
        if (++structs > limit) throw tooMany()
        skipStruct(decoder, decoder.readInfo())
      }
    }
  } catch (e) {
    if (e instanceof SnapshotError) throw e
  }
}

/** Reads one struct's fields after its info byte, as Yjs's readClientsStructRefs does. */
function skipStruct(decoder: Y.UpdateDecoderV2, info: number): void {
  const ref = info & 0x1f
  if (ref === 0) {
    decoder.readLen() // GC
    return
  }
  if (ref === 10) {
    decoding.readVarUint(decoder.restDecoder) // skip
    return
  }
  const cantCopyParentInfo = (info & 0xc0) === 0
  if (info & 0x80) decoder.readLeftID()
  if (info & 0x40) decoder.readRightID()
  if (cantCopyParentInfo) {
    if (decoder.readParentInfo()) decoder.readString()
    else decoder.readLeftID()
    if (info & 0x20) decoder.readString()
  }
  switch (ref) {
    case CONTENT.deleted:
      decoder.readLen()
      break
    case CONTENT.json:
      throw new SnapshotError('The board inside the file holds JSON content, which no board holds.')
    case CONTENT.binary:
      decoder.readBuf()
      break
    case CONTENT.string:
      decoder.readString()
      break
    case CONTENT.embed:
      decoder.readJSON()
      break
    case CONTENT.format:
      decoder.readKey()
      decoder.readJSON()
      break
    case CONTENT.type: {
      const type = decoder.readTypeRef()
      if (type === XML_ELEMENT || type === XML_HOOK) decoder.readKey()
      break
    }
    case CONTENT.any:
      for (let n = decoder.readLen(); n > 0; n--) decoder.readAny()
      break
    case CONTENT.doc:
      decoder.readString()
      decoder.readAny()
      break
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
