// The relayed cursor frame (PROTOCOL.md "Topology"): topology.md's hex example
// byte for byte, and every refusal, as a member's core meets them.

import { describe, expect, it } from 'vitest'
import { PeerCore } from '../src/net/core'
import { decodeRelayedCursors } from '../src/protocol/relayed-cursor'
import { encodeCursor } from '../src/protocol/cursor'
import { bytes } from './protocol-hex'
import { tripped } from './protocol-limit'

const EXAMPLE = `01
  0e 70 2d 39 7a 7a 30 61 31 62 32 63 33 64 34
  02 01 00 00 00 00 c9 42 00 00 a2 c1 01 01`

const encoder = new TextEncoder()

/** A relayed frame built by hand: n, then each id as a varstring and its 14-byte frame. */
function relayed(entries: Array<[string, Uint8Array]>, count = entries.length): Uint8Array {
  const parts = entries.flatMap(([id, frame]) => [encoder.encode(id).length, ...encoder.encode(id), ...frame])
  return Uint8Array.of(count, ...parts)
}

const cursorAt = (seq: number, x = 1) => encodeCursor({ seq, x, y: 2, buttons: 0, tool: 1 })

function core(remoteKeeper: boolean): PeerCore {
  return new PeerCore(
    { local: 'editor', remote: 'editor', localKeeper: false, remoteKeeper },
    false,
    {
      stateVector: () => Uint8Array.of(0),
      diff: () => Uint8Array.of(0, 0),
      apply: () => {},
      awareness: () => null,
      presence: () => ({ untracked: 0 }),
    },
    { board: () => {}, cursor: () => {}, boardBytesSent: () => 0 },
  )
}

describe('relayed cursor frame', () => {
  it('matches the example: p-9zz0a1b2c3d4 at seq 258, 100.5, -20.25, primary, pen', () => {
    expect(decodeRelayedCursors(bytes(EXAMPLE))).toEqual([
      { origin: 'p-9zz0a1b2c3d4', frame: { seq: 258, x: 100.5, y: -20.25, buttons: 1, tool: 1 } },
    ])
  })

  it('holds up to 64 cursors; 0 or 65 is refused [relayed_cursors_per_frame]', () => {
    const many = Array.from({ length: 65 }, (_, i): [string, Uint8Array] => [`p-${i}`, cursorAt(i)])
    expect(decodeRelayedCursors(relayed(many.slice(0, 64))).map((c) => c.origin)).toEqual(many.slice(0, 64).map(([id]) => id))
    expect(tripped(() => decodeRelayedCursors(relayed(many)))).toBe('relayed_cursors_per_frame')
    expect(tripped(() => decodeRelayedCursors(Uint8Array.of(0)))).toBeUndefined()
    expect(() => decodeRelayedCursors(Uint8Array.of(0))).toThrow(/no entries/)
  })

  it('refuses a truncated entry, bytes left over, a non-finite position, and an id over 64 bytes [member_id_bytes]', () => {
    const good = relayed([['p-a', cursorAt(1)]])
    expect(() => decodeRelayedCursors(good.subarray(0, good.length - 1))).toThrow(/ends inside/)
    expect(() => decodeRelayedCursors(relayed([['p-a', cursorAt(1)]], 2))).toThrow(/ends inside|past the end/)
    expect(() => decodeRelayedCursors(Uint8Array.of(...good, 0))).toThrow(/trailing bytes/)
    expect(() => decodeRelayedCursors(relayed([['p-a', cursorAt(1)], ['p-b', encodeCursor({ seq: 1, x: NaN, y: 0, buttons: 0, tool: 0 })]]))).toThrow(
      /not finite/,
    )
    expect(tripped(() => decodeRelayedCursors(relayed([['x'.repeat(65), cursorAt(1)]])))).toBe('member_id_bytes')
  })

  it("a member's core reads any other length from the keeper as relayed, its 14 bytes as the keeper's own, and refuses other lengths from a member", () => {
    const toKeeper = core(true)
    expect(toKeeper.cursor(bytes(EXAMPLE))).toEqual([{ origin: 'p-9zz0a1b2c3d4', frame: expect.objectContaining({ seq: 258 }) }])
    expect(toKeeper.cursor(cursorAt(3))).toEqual([{ origin: null, frame: expect.objectContaining({ seq: 3 }) }])
    expect(() => toKeeper.cursor(new Uint8Array(0))).toThrow(/empty/)
    const toMember = core(false)
    expect(() => toMember.cursor(bytes(EXAMPLE))).toThrow(/bad cursor frame: 30 bytes/)
  })
})
