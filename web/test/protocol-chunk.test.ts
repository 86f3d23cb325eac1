import { describe, expect, it } from 'vitest'
import { CHUNK_HEADER_BYTES, Chunker, Reassembler } from '../src/protocol/chunk'
import { DEFAULT_LIMITS, type Limits } from '../src/protocol/limits'
import { ProtocolError } from '../src/protocol/error'
import { hex } from './protocol-hex'
import { tripped } from './protocol-limit'

const FRAME = 64
const PAYLOAD = FRAME - CHUNK_HEADER_BYTES
const limits: Limits = {
  ...DEFAULT_LIMITS,
  maxFrameBytes: FRAME,
  maxMessageBytes: 1000,
  maxPartialMessages: 2,
  maxPartialBytes: 1500,
}

function message(len: number): Uint8Array {
  return Uint8Array.from({ length: len }, (_, i) => (i * 7 + len) & 0xff)
}

function chunk(id: number, index: number, count: number, payload: ArrayLike<number>): Uint8Array {
  const frame = new Uint8Array(CHUNK_HEADER_BYTES + payload.length)
  const view = new DataView(frame.buffer)
  view.setUint8(0, 1)
  view.setUint32(1, id, true)
  view.setUint16(5, index, true)
  view.setUint16(7, count, true)
  frame.set(payload, CHUNK_HEADER_BYTES)
  return frame
}

function reassemble(r: Reassembler, frames: Uint8Array[], now = 0): Uint8Array[] {
  const out: Uint8Array[] = []
  for (const f of frames) {
    const m = r.push(f, now)
    if (m) out.push(m)
  }
  return out
}

describe('chunking', () => {
  it('matches the PROTOCOL.md example with F = 20', () => {
    const chunker = new Chunker(20)
    const msg = Uint8Array.from({ length: 20 }, (_, i) => i)
    const frames = chunker.frames(msg)
    expect(frames.map(hex)).toEqual([
      '01 00 00 00 00 00 00 02 00 00 01 02 03 04 05 06 07 08 09 0a',
      '01 00 00 00 00 01 00 02 00 0b 0c 0d 0e 0f 10 11 12 13',
    ])
    expect(reassemble(new Reassembler({ ...DEFAULT_LIMITS, maxFrameBytes: 20 }), frames)).toEqual([msg])
    // The next chunked message takes the next id; 19 bytes fit whole.
    expect(Array.from(chunker.frames(new Uint8Array(30))[0]!.subarray(1, 5))).toEqual([1, 0, 0, 0])
    expect(hex(chunker.frames(new Uint8Array(19))[0]!)).toBe(hex(new Uint8Array(20)))
  })

  it('round-trips sizes around the boundaries in frames of at most F', () => {
    for (const len of [0, 1, PAYLOAD, FRAME - 2, FRAME - 1, FRAME, 2 * PAYLOAD, 2 * PAYLOAD + 1, 1000]) {
      const frames = new Chunker(FRAME).frames(message(len))
      expect(frames.length, `${len}`).toBe(len < FRAME ? 1 : Math.ceil(len / PAYLOAD))
      expect(frames.every((f) => f.length <= FRAME)).toBe(true)
      const r = new Reassembler(limits)
      expect(reassemble(r, frames)).toEqual([message(len)])
      expect(r.partialMessages()).toBe(0)
    }
  })

  it('uses P = F - 9 at the default F', () => {
    const frames = new Chunker(DEFAULT_LIMITS.maxFrameBytes).frames(new Uint8Array(16_384))
    expect(frames.map((f) => f.length)).toEqual([16_384, 9 + 16_384 - 16_375])
    expect(new Chunker(16_384).frames(new Uint8Array(16_383))).toHaveLength(1)
  })

  it('refuses a message needing more than 65,535 chunks', () => {
    const chunker = new Chunker(CHUNK_HEADER_BYTES + 1)
    expect(chunker.frames(new Uint8Array(65_535))).toHaveLength(65_535)
    expect(() => chunker.frames(new Uint8Array(65_536))).toThrow(ProtocolError)
  })

  it('wraps message ids at 2^32', () => {
    const chunker = new Chunker(FRAME)
    ;(chunker as unknown as { nextId: number }).nextId = 0xffff_ffff
    expect(hex(chunker.frames(message(100))[0]!.subarray(1, 5))).toBe('ff ff ff ff')
    expect(hex(chunker.frames(message(100))[0]!.subarray(1, 5))).toBe('00 00 00 00')
  })

  it('reassembles interleaved messages and whole frames', () => {
    const chunker = new Chunker(FRAME)
    const a = chunker.frames(message(150))
    const b = chunker.frames(message(120))
    const whole = chunker.frames(message(5))[0]!
    const order = [a[0]!, b[0]!, whole, a[1]!, b[1]!, b[2]!, whole, a[2]!]
    expect(reassemble(new Reassembler(limits), order)).toEqual([message(5), message(120), message(5), message(150)])
  })
})

describe('reassembly limits', () => {
  it('refuses empty, unknown, truncated and empty-payload frames', () => {
    const r = new Reassembler(limits)
    expect(() => r.push(new Uint8Array(), 0)).toThrow('empty frame')
    expect(() => r.push(Uint8Array.of(2, 1), 0)).toThrow('unknown frame type 0x02')
    expect(() => r.push(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 2), 0)).toThrow(/shorter than its 9-byte header/)
    expect(() => r.push(chunk(0, 0, 2, []), 0)).toThrow(/no payload/)
  })

  it('refuses counts below 2 and an index out of range', () => {
    const r = new Reassembler(limits)
    for (const count of [0, 1]) expect(() => r.push(chunk(0, 0, count, [1]), 0)).toThrow(/below 2/)
    expect(() => r.push(chunk(0, 3, 3, [1]), 0)).toThrow(/out of range/)
  })

  it('refuses a wrong index: unknown id mid-message, skipped, repeated, completed', () => {
    expect(() => new Reassembler(limits).push(chunk(9, 1, 3, [1]), 0)).toThrow(/chunk 1 of message 9 .* chunk 0/)
    for (const bad of [0, 2]) {
      const r = new Reassembler(limits)
      r.push(chunk(1, 0, 3, [1]), 0)
      expect(() => r.push(chunk(1, bad, 3, [1]), 0)).toThrow(/where chunk 1 was expected/)
    }
    const r = new Reassembler(limits)
    r.push(chunk(4, 0, 2, [97]), 0)
    expect(Array.from(r.push(chunk(4, 1, 2, [98]), 0)!)).toEqual([97, 98])
    expect(() => r.push(chunk(4, 1, 2, [98]), 0)).toThrow(/chunk 0 was expected/)
  })

  it('refuses a changed count', () => {
    const r = new Reassembler(limits)
    r.push(chunk(1, 0, 3, [1]), 0)
    expect(() => r.push(chunk(1, 1, 4, [1]), 0)).toThrow(/changed its chunk count from 3 to 4/)
  })

  it('refuses a declared count over ceil(M / P) (4,099 by default, 65 at a viewer\'s V; 65,535 claimed)', () => {
    const r = new Reassembler(limits) // ceil(1000 / 55) = 19
    r.push(chunk(1, 0, 19, [1]), 0)
    expect(() => r.push(chunk(2, 0, 20, [1]), 0)).toThrow(/20 chunks exceeds the limit of 19/)
    const d = new Reassembler(DEFAULT_LIMITS)
    d.push(chunk(1, 0, 4099, [1]), 0)
    expect(tripped(() => d.push(chunk(2, 0, 65_535, [1]), 0))).toBe('message_bytes')
    expect(() => new Reassembler(DEFAULT_LIMITS).push(chunk(2, 0, 4100, [1]), 0)).toThrow(/4100 chunks exceeds the limit of 4099/)
    const viewer = new Reassembler({ ...DEFAULT_LIMITS, maxMessageBytes: DEFAULT_LIMITS.viewerMaxMessageBytes })
    viewer.push(chunk(1, 0, 65, [1]), 0)
    expect(() => viewer.push(chunk(2, 0, 66, [1]), 0)).toThrow(/66 chunks exceeds the limit of 65/)
  })

  it('bounds message bytes, whole or chunked', () => {
    const r = new Reassembler(limits)
    expect(reassemble(r, new Chunker(FRAME).frames(message(1000)))).toHaveLength(1)
    const whole = new Uint8Array(1001)
    expect(r.push(whole.subarray(0, 1001), 0)).toHaveLength(1000)
    expect(() => r.push(new Uint8Array(1002), 0)).toThrow(/1001 bytes exceeds/)
    r.push(chunk(1, 0, 2, new Uint8Array(600)), 0)
    expect(() => r.push(chunk(1, 1, 2, new Uint8Array(600)), 0)).toThrow(/1200 bytes exceeds/)
    expect(tripped(() => r.push(chunk(2, 0, 2, new Uint8Array(1001)), 0))).toBe('message_bytes')
  })

  it('refuses a 3rd partial message at the default limit of 2', () => {
    const r = new Reassembler(DEFAULT_LIMITS)
    for (let id = 0; id < 2; id++) r.push(chunk(id, 0, 2, [1]), 0)
    expect(r.partialMessages()).toBe(2)
    expect(tripped(() => r.push(chunk(2, 0, 2, [1]), 0))).toBe('partial_messages')
    expect(() => new Reassembler(DEFAULT_LIMITS).push(chunk(0, 0, 2, [1]), 0)).not.toThrow()
    // Finishing one makes room.
    const ok = new Reassembler(DEFAULT_LIMITS)
    for (let id = 0; id < 2; id++) ok.push(chunk(id, 0, 2, [1]), 0)
    ok.push(chunk(0, 1, 2, [2]), 0)
    expect(() => ok.push(chunk(2, 0, 2, [1]), 0)).not.toThrow()
  })

  it('bounds the bytes of all partial messages together, not each one', () => {
    // Two messages of up to 1,000 bytes each, but 1,500 bytes in all.
    const r = new Reassembler(limits)
    r.push(chunk(1, 0, 2, new Uint8Array(800)), 0)
    r.push(chunk(2, 0, 2, new Uint8Array(700)), 0)
    expect(r.partialBytes()).toBe(1500)
    expect(tripped(() => r.push(chunk(2, 1, 2, new Uint8Array(1)), 0))).toBe('partial_bytes')
    expect(() => {
      const s = new Reassembler(limits)
      s.push(chunk(1, 0, 2, new Uint8Array(800)), 0)
      s.push(chunk(2, 0, 2, new Uint8Array(701)), 0)
    }).toThrow(/would hold 1501 bytes, over the limit of 1500 bytes/)
    // A completed message gives its bytes back; so does one that stalled.
    const t = new Reassembler(limits)
    t.push(chunk(1, 0, 2, new Uint8Array(800)), 0)
    t.push(chunk(1, 1, 2, new Uint8Array(200)), 0)
    expect(t.partialBytes()).toBe(0)
    t.push(chunk(2, 0, 2, new Uint8Array(900)), 0)
    t.push(chunk(3, 0, 2, new Uint8Array(600)), 5000)
    expect(t.partialBytes()).toBe(1500)
    expect(() => t.tick(limits.reassemblyTimeoutMs + 1)).toThrow(/stalled/)
    expect(t.partialBytes()).toBe(600)
    expect(() => t.push(chunk(4, 0, 2, new Uint8Array(900)), limits.reassemblyTimeoutMs + 1)).not.toThrow()
    // At the defaults, M in all: one whole board fits, two nearly whole ones do not.
    const d = new Reassembler(DEFAULT_LIMITS)
    const half = DEFAULT_LIMITS.maxMessageBytes / 2
    d.push(chunk(1, 0, 4000, new Uint8Array(half)), 0)
    d.push(chunk(2, 0, 4000, new Uint8Array(half)), 0)
    expect(tripped(() => d.push(chunk(1, 1, 4000, [1]), 0))).toBe('partial_bytes')
  })

  it('times out a stalled message on tick and on frame arrival; each chunk restarts the clock', () => {
    const t = limits.reassemblyTimeoutMs
    const r = new Reassembler(limits)
    r.push(chunk(1, 0, 3, [1]), 0)
    r.push(chunk(1, 1, 3, [2]), t)
    expect(() => r.tick(2 * t)).not.toThrow()
    expect(tripped(() => r.tick(2 * t + 1))).toBe('reassembly_timeout')
    expect(r.partialMessages()).toBe(0)
    const late = new Reassembler(limits)
    late.push(chunk(1, 0, 3, [1]), 0)
    expect(() => late.push(Uint8Array.of(0), t + 1)).toThrow(/stalled/)
  })

  it('never throws anything but ProtocolError on random frames', () => {
    let seed = 1
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
    for (let run = 0; run < 300; run++) {
      const r = new Reassembler(limits)
      for (let i = 0; i < 20; i++) {
        const frame =
          rand() < 0.5
            ? Uint8Array.from({ length: Math.floor(rand() * 80) }, () => Math.floor(rand() * 256))
            : chunk(Math.floor(rand() * 3), Math.floor(rand() * 4), Math.floor(rand() * 4), new Uint8Array(Math.floor(rand() * 80)))
        try {
          const m = r.push(frame, i * 1000)
          if (m) expect(m.length).toBeLessThanOrEqual(1000)
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError)
        }
        expect(r.partialMessages()).toBeLessThanOrEqual(2)
      }
    }
  })
})
