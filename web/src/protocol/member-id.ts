// A member id on the data channels (docs/PROTOCOL.md, "Topology"): a lib0
// varstring, 1 to 64 bytes of UTF-8. Links reports and relayed cursor frames
// name members this way; an id that breaks these bounds disconnects its sender.

import { ProtocolError } from './error'
import { varuintLength, writeVarUint, type Reader } from './lib0'
import { MAX_MEMBER_ID_BYTES } from './limits'

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const encoder = new TextEncoder()

/** Reads one member id, refusing an empty one, one over MAX_MEMBER_ID_BYTES and one that is not UTF-8. */
export function readMemberId(reader: Reader): string {
  const raw = reader.varbuf()
  if (raw.length === 0) throw new ProtocolError('malformed member id: empty')
  if (raw.length > MAX_MEMBER_ID_BYTES) {
    throw new ProtocolError(`member id of ${raw.length} bytes exceeds the limit of ${MAX_MEMBER_ID_BYTES} bytes`, 'member_id_bytes')
  }
  try {
    return utf8.decode(raw)
  } catch {
    throw new ProtocolError('malformed member id: not UTF-8')
  }
}

/** A member id's UTF-8 bytes, refusing what readMemberId would refuse (the receiver would disconnect us). */
export function memberIdBytes(id: string): Uint8Array {
  const raw = encoder.encode(id)
  if (raw.length === 0 || raw.length > MAX_MEMBER_ID_BYTES) {
    throw new ProtocolError(`cannot send member id ${JSON.stringify(id)}: ${raw.length} bytes, outside 1..=${MAX_MEMBER_ID_BYTES}`, 'member_id_bytes')
  }
  return raw
}

/** Bytes a member id takes as a varstring. */
export function varstringLength(raw: Uint8Array): number {
  return varuintLength(raw.length) + raw.length
}

/** Writes a member id's bytes as a varstring at `at`; returns the next offset. */
export function writeVarstring(out: Uint8Array, at: number, raw: Uint8Array): number {
  const next = writeVarUint(out, at, raw.length)
  out.set(raw, next)
  return next + raw.length
}
