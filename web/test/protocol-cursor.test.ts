import { describe, expect, it } from 'vitest'
import { CursorFilter, CursorSequencer, decodeCursor, encodeCursor, isSendablePosition } from '../src/protocol/cursor'
import { ProtocolError } from '../src/protocol/error'
import { bytes, hex } from './protocol-hex'

const at = (seq: number) => ({ seq, x: 0, y: 0, buttons: 0, tool: 0 })

describe('cursor frames', () => {
  it('matches the PROTOCOL.md example: seq 258, 100.5, -20.25, primary, pen', () => {
    const frame = { seq: 258, x: 100.5, y: -20.25, buttons: 1, tool: 1 }
    const b = encodeCursor(frame)
    expect(hex(b)).toBe('02 01 00 00 00 00 c9 42 00 00 a2 c1 01 01')
    expect(decodeCursor(bytes('02 01 00 00 00 00 c9 42 00 00 a2 c1 01 01'))).toEqual(frame)
  })

  it('refuses every length but 14 (3 bytes, 13, 15, 0)', () => {
    for (const len of [0, 3, 13, 15]) expect(() => decodeCursor(new Uint8Array(len))).toThrow(ProtocolError)
  })

  it('refuses NaN and infinite positions', () => {
    for (const [x, y] of [[NaN, 0], [0, Infinity], [-Infinity, 1]] as const) {
      expect(() => decodeCursor(encodeCursor({ ...at(1), x, y }))).toThrow(/not finite/)
    }
    expect(isSendablePosition(1e39, 0)).toBe(false)
    expect(isSendablePosition(NaN, 0)).toBe(false)
    expect(isSendablePosition(-3e38, 3e38)).toBe(true)
  })

  it('reads a frame inside a larger buffer', () => {
    const big = new Uint8Array(20)
    big.set(encodeCursor({ seq: 7, x: 1.5, y: 2, buttons: 4, tool: 9 }), 3)
    expect(decodeCursor(big.subarray(3, 17))).toEqual({ seq: 7, x: 1.5, y: 2, buttons: 4, tool: 9 })
  })
})

describe('serial-number filter', () => {
  it('drops older and repeated frames', () => {
    const f = new CursorFilter()
    expect([5, 5, 3, 8, 6].map((s) => f.accept(s))).toEqual([true, false, false, true, false])
  })

  it('wraps at 2^32', () => {
    const f = new CursorFilter()
    const max = 0xffff_ffff
    expect([max - 1, max, 0, 1, max].map((s) => f.accept(s))).toEqual([true, true, true, true, false])
    expect(f.accept((1 + 2 ** 31) >>> 0)).toBe(false)
  })

  it('the sequencer counts from 0 and wraps', () => {
    const s = new CursorSequencer()
    expect([s.next(), s.next(), s.next()]).toEqual([0, 1, 2])
    const w = new CursorSequencer(0xffff_ffff)
    const f = new CursorFilter()
    expect([w.next(), w.next()]).toEqual([0xffff_ffff, 0])
    expect(f.accept(0xffff_ffff) && f.accept(0)).toBe(true)
  })
})
