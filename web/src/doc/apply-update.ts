// Y.applyUpdate, with the update's short strings read in JavaScript.
//
// A board's Yjs update is mostly map entries: per element, a dozen fields,
// each a struct with its key ('x', 'sc', ...) and, often, a string value.
// Yjs (through lib0) reads every string with TextDecoder.decode, a call into
// the browser that costs far more than the one- to ten-byte strings it reads
// here: V8's crossover with a JavaScript loop is around 32-48 bytes (measured
// by pbf and msgpack-javascript, which decode short strings in JavaScript for
// that reason). In Chromium, the benchmark's 10,000-stroke board (3.9 MB)
// applies in 132 ms against Y.applyUpdate's 153 (warm, alternating in one
// page), and a board like it in a fresh page in 180 against 212 ms.
//
// Only how strings are read differs (and, for a whole board, binary contents:
// applyWholeUpdate): a subclass of Yjs's own v1 decoder, so everything else
// about applying an update is Yjs's. A string holding any byte above 0x7f
// goes to the same strict UTF-8 decoder lib0 uses, so a malformed update
// fails exactly as it would with Y.applyUpdate.

import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'

/** Strings up to this many bytes are read byte by byte; longer ones by TextDecoder, faster there. */
export const SHORT_STRING_BYTES = 32

/** lib0's: strict (a malformed string throws), a leading byte order mark kept as text. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Applies v1 `update` to `doc` as Y.applyUpdate does. */
export function applyUpdate(doc: Y.Doc, update: Uint8Array, origin?: unknown): void {
  Y.applyUpdateV2(doc, update, origin, ShortStringDecoderV1)
}

/**
 * applyUpdate for a whole board read once (the server's snapshot, a
 * version): the document's binary contents (every stroke's points) are views
 * into `update` rather than copies of it. Allocating 10,000 small buffers
 * and copying into them took ~14 ms of a 10,000-stroke board's apply in a
 * fresh page. A view keeps all of `update`'s buffer alive, so this is for
 * updates made of what the board keeps anyway, taken once: never a peer's,
 * which could pin a large update with a small live part, nor a subarray of
 * a larger file.
 */
export function applyWholeUpdate(doc: Y.Doc, update: Uint8Array, origin?: unknown): void {
  Y.applyUpdateV2(doc, update, origin, WholeUpdateDecoderV1)
}

class ShortStringDecoderV1 extends Y.UpdateDecoderV1 {
  override readString(): string {
    return readString(this.restDecoder)
  }

  override readKey(): string {
    return readString(this.restDecoder)
  }

  override readAny(): unknown {
    return readAny(this.restDecoder)
  }
}

class WholeUpdateDecoderV1 extends ShortStringDecoderV1 {
  override readBuf(): Uint8Array {
    return readBytes(this.restDecoder)
  }
}

/** lib0's readVarUint8Array, refusing to read past the end of the decoder's bytes into the rest of their buffer. */
export function readBytes(decoder: decoding.Decoder): Uint8Array {
  const length = decoding.readVarUint(decoder)
  const start = decoder.pos
  const end = start + length
  if (end > decoder.arr.length) throw new Error('Unexpected end of array')
  decoder.pos = end
  return decoder.arr.subarray(start, end)
}

/** lib0's readVarString: a varuint length, then that many bytes of UTF-8. */
export function readString(decoder: decoding.Decoder): string {
  const length = decoding.readVarUint(decoder)
  const bytes = decoder.arr
  const start = decoder.pos
  const end = start + length
  if (end > bytes.length) throw new Error('Unexpected end of array')
  decoder.pos = end
  if (length > SHORT_STRING_BYTES) return utf8.decode(bytes.subarray(start, end))
  let text = ''
  for (let i = start; i < end; i++) {
    const byte = bytes[i] as number
    if (byte > 0x7f) return utf8.decode(bytes.subarray(start, end))
    text += String.fromCharCode(byte)
  }
  return text
}

/** lib0's readAny (its encoding of JSON-like values, with undefined, bigint and bytes), its strings read as above. */
export function readAny(decoder: decoding.Decoder): unknown {
  const tag = decoding.readUint8(decoder)
  switch (tag) {
    case 127:
      return undefined
    case 126:
      return null
    case 125:
      return decoding.readVarInt(decoder)
    case 124:
      return decoding.readFloat32(decoder)
    case 123:
      return decoding.readFloat64(decoder)
    case 122:
      return decoding.readBigInt64(decoder)
    case 121:
      return false
    case 120:
      return true
    case 119:
      return readString(decoder)
    case 118: {
      const entries = decoding.readVarUint(decoder)
      const object: Record<string, unknown> = {}
      for (let i = 0; i < entries; i++) {
        const key = readString(decoder)
        object[key] = readAny(decoder)
      }
      return object
    }
    case 117: {
      const length = decoding.readVarUint(decoder)
      const array: unknown[] = []
      for (let i = 0; i < length; i++) array.push(readAny(decoder))
      return array
    }
    case 116:
      return readBytes(decoder)
    default:
      throw new Error(`Unknown value type ${tag} in a Yjs update`)
  }
}
