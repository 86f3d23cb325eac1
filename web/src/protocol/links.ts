// The links report (docs/PROTOCOL.md, "Topology"): a board-channel message a
// member sends the keeper whenever the set of members it has a live direct
// link with changes, so the keeper forwards exactly what the direct links do
// not carry.
//
//   04 | varuint n (at most 64) | n x varstring member id (1..=64 bytes of UTF-8)
//
// y-protocols uses message types 0 to 3; Inkmesh reserves 4 for this.

import { ProtocolError } from './error'
import { varuintLength, writeVarUint, type Reader } from './lib0'
import { MAX_LINKS_PER_REPORT } from './limits'
import { memberIdBytes, readMemberId, varstringLength, writeVarstring } from './member-id'

export const MSG_LINKS = 4

/** The whole message: type byte, count, ids. Refuses a report the keeper would refuse. */
export function encodeLinks(ids: readonly string[]): Uint8Array<ArrayBuffer> {
  if (ids.length > MAX_LINKS_PER_REPORT) {
    throw new ProtocolError(`cannot report ${ids.length} links: over the limit of ${MAX_LINKS_PER_REPORT}`, 'links_per_report')
  }
  const raws = ids.map(memberIdBytes)
  const size = 1 + varuintLength(raws.length) + raws.reduce((sum, raw) => sum + varstringLength(raw), 0)
  const out = new Uint8Array(size)
  out[0] = MSG_LINKS
  let at = writeVarUint(out, 1, raws.length)
  for (const raw of raws) at = writeVarstring(out, at, raw)
  return out
}

/** The ids after the type byte; the caller checks that nothing is left over. */
export function readLinks(reader: Reader): string[] {
  const count = reader.varuint()
  if (count > MAX_LINKS_PER_REPORT) {
    throw new ProtocolError(`links report lists ${count} members, over the limit of ${MAX_LINKS_PER_REPORT}`, 'links_per_report')
  }
  const ids: string[] = []
  for (let i = 0; i < count; i++) ids.push(readMemberId(reader))
  return ids
}
