// The links report (PROTOCOL.md "Topology"): topology.md's hex examples byte
// for byte, and every refusal with the limit name the Rust side uses.

import { describe, expect, it } from 'vitest'
import { decodeMessage, encodeMessage } from '../src/protocol/frame'
import { SyncSession, type Ends, type SessionHost } from '../src/protocol/session'
import { bytes, hex } from './protocol-hex'
import { tripped } from './protocol-limit'

const host: SessionHost = {
  stateVector: () => Uint8Array.of(0),
  diff: () => Uint8Array.of(0, 0),
  apply: () => {},
  awareness: () => null,
}

/** A session that has spoken (the answerer, opened). */
function speaking(ends: Partial<Ends> = {}): SyncSession {
  const session = new SyncSession({ local: 'editor', remote: 'editor', localKeeper: false, remoteKeeper: false, ...ends }, false)
  session.open(host)
  return session
}

const REPORT = '00 04 01 0e 70 2d 30 6b 33 6a 35 78 39 71 32 6d 31 61'

describe('links report', () => {
  it('matches the examples as whole frames: empty, and p-0k3j5x9q2m1a', () => {
    const member = speaking({ remoteKeeper: true })
    expect(member.localLinks([]).map(hex)).toEqual(['00 04 00'])
    expect(member.localLinks(['p-0k3j5x9q2m1a']).map(hex)).toEqual([REPORT])
    expect(decodeMessage(bytes(REPORT).subarray(1))).toEqual({ type: 'links', ids: ['p-0k3j5x9q2m1a'] })
    expect(decodeMessage(bytes('04 00'))).toEqual({ type: 'links', ids: [] })
  })

  it('is not sent before we may speak: the report waits for the answerer', () => {
    const offerer = new SyncSession({ local: 'editor', remote: 'editor', localKeeper: false, remoteKeeper: true }, true)
    expect(offerer.open(host)).toEqual([])
    expect(offerer.localLinks(['p-1'])).toEqual([])
  })

  it('the keeper takes a member’s report; a member refuses one, and the keeper refuses one from another keeper', () => {
    const keeper = speaking({ localKeeper: true })
    expect(keeper.receive(bytes(REPORT), host, 0).links).toEqual(['p-0k3j5x9q2m1a'])
    const member = speaking()
    expect(() => member.receive(bytes('00 04 00'), host, 0)).toThrow(/links report from a peer that is not a member to the keeper/)
    const fromKeeper = speaking({ localKeeper: true, remoteKeeper: true })
    expect(() => fromKeeper.receive(bytes('00 04 00'), host, 0)).toThrow(/not a member to the keeper/)
  })

  it('refuses more than 64 ids [links_per_report], and we never send one', () => {
    const ids = Array.from({ length: 65 }, (_, i) => `p-${i}`)
    const message = Uint8Array.of(0x04, 65, ...ids.flatMap((id) => [id.length, ...new TextEncoder().encode(id)]))
    expect(tripped(() => decodeMessage(message))).toBe('links_per_report')
    expect(tripped(() => encodeMessage({ type: 'links', ids }))).toBe('links_per_report')
    expect(encodeMessage({ type: 'links', ids: ids.slice(0, 64) }).length).toBeGreaterThan(64)
  })

  it('refuses an id over 64 bytes [member_id_bytes], an empty one, one that is not UTF-8, and bytes left over', () => {
    const long = 'x'.repeat(65)
    expect(tripped(() => decodeMessage(Uint8Array.of(0x04, 1, 65, ...new TextEncoder().encode(long))))).toBe('member_id_bytes')
    expect(tripped(() => encodeMessage({ type: 'links', ids: [long] }))).toBe('member_id_bytes')
    expect(decodeMessage(Uint8Array.of(0x04, 1, 64, ...new TextEncoder().encode('x'.repeat(64))))).toEqual({ type: 'links', ids: ['x'.repeat(64)] })
    expect(tripped(() => decodeMessage(bytes('04 01 00')))).toBeUndefined()
    expect(() => decodeMessage(bytes('04 01 00'))).toThrow(/empty/)
    expect(() => decodeMessage(bytes('04 01 02 c3 28'))).toThrow(/not UTF-8/)
    expect(() => decodeMessage(bytes('04 00 00'))).toThrow(/trailing bytes/)
    expect(() => decodeMessage(bytes('04 02 01 61'))).toThrow(/ends inside a varuint|past the end/)
  })
})
