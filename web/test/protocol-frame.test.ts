import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { decodeMessage, encodeMessage } from '../src/protocol/frame'
import { Reader } from '../src/protocol/lib0'
import { ProtocolError } from '../src/protocol/error'
import { Chunker } from '../src/protocol/chunk'
import { bytes, hex } from './protocol-hex'

const SV = bytes('01 d2 09 05') // {client 1234: clock 5}

describe('varuint', () => {
  const read = (b: Uint8Array) => {
    const r = new Reader(b)
    const v = r.varuint()
    r.finish()
    return v
  }
  it('reads the examples, over-long encodings and 2^53 - 1', () => {
    expect(read(bytes('d2 09'))).toBe(1234)
    expect(read(bytes('80 00'))).toBe(0)
    expect(read(bytes('ff ff ff ff ff ff ff 0f'))).toBe(Number.MAX_SAFE_INTEGER)
  })
  it('refuses 2^53, 9 bytes and truncation', () => {
    expect(() => read(bytes('80 80 80 80 80 80 80 10'))).toThrow(ProtocolError)
    expect(() => read(bytes('80 80 80 80 80 80 80 80 00'))).toThrow(/longer than 8/)
    expect(() => read(bytes('80'))).toThrow(/ends inside/)
    expect(() => read(new Uint8Array())).toThrow(ProtocolError)
  })
})

describe('board messages', () => {
  it('encodes the PROTOCOL.md examples', () => {
    expect(hex(encodeMessage({ type: 'step1', payload: bytes('00') }))).toBe('00 00 01 00')
    expect(hex(encodeMessage({ type: 'step1', payload: SV }))).toBe('00 00 04 01 d2 09 05')
    expect(hex(encodeMessage({ type: 'step2', payload: bytes('00 00') }))).toBe('00 01 02 00 00')
    expect(hex(encodeMessage({ type: 'update', payload: bytes('00 00') }))).toBe('00 02 02 00 00')
  })

  it('frames a fresh board step 1 and the SV step 1 as PROTOCOL.md shows', () => {
    const doc = new Y.Doc()
    const sv = Y.encodeStateVector(doc)
    expect(hex(sv)).toBe('00')
    const chunker = new Chunker(16_384)
    expect(hex(chunker.frames(encodeMessage({ type: 'step1', payload: sv }))[0]!)).toBe('00 00 00 01 00')
    expect(hex(chunker.frames(encodeMessage({ type: 'step1', payload: SV }))[0]!)).toBe('00 00 00 04 01 d2 09 05')
  })

  it('writes exactly what y-protocols writes, and the empty update is 00 00', () => {
    const doc = new Y.Doc()
    doc.getMap('m').set('k', 1)
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, 0)
    syncProtocol.writeSyncStep1(e, doc)
    expect(encodeMessage({ type: 'step1', payload: Y.encodeStateVector(doc) })).toEqual(encoding.toUint8Array(e))
    const e2 = encoding.createEncoder()
    encoding.writeVarUint(e2, 0)
    syncProtocol.writeSyncStep2(e2, doc, Y.encodeStateVector(new Y.Doc()))
    expect(encodeMessage({ type: 'step2', payload: Y.encodeStateAsUpdate(doc) })).toEqual(encoding.toUint8Array(e2))
    expect(hex(Y.encodeStateAsUpdate(new Y.Doc()))).toBe('00 00')
  })

  it('decodes what it encodes', () => {
    for (const type of ['step2', 'update', 'awareness'] as const) {
      const payload = bytes('00 00')
      expect(decodeMessage(encodeMessage({ type, payload }))).toEqual({ type, payload })
    }
    expect(decodeMessage(bytes('00 00 04 01 d2 09 05'))).toEqual({ type: 'step1', payload: SV })
  })

  it('refuses malformed messages (the Rust list)', () => {
    const bad = [
      '',
      '00',
      '00 03 00', // unknown sync type
      '00 02 05 00', // payload past the end
      '00 02 02 00 00 00', // trailing byte
      '00 00 02 01 01', // state vector missing a clock
      '00 00 03 00 00 00', // bytes after the state vector
      '00 00 05 80 80 80 80 10', // 2^32 entries in 5 bytes
      '00 00 0a 01 80 80 80 80 80 80 80 10 00', // client id 2^53
      '00 00 06 01 01 80 80 80 80 10', // clock 2^32
      '00 02 04 80 80 80 01', // update announcing 2^21 clients in 4 bytes
      '01',
      '01 01',
    ]
    for (const b of bad) expect(() => decodeMessage(bytes(b)), b).toThrow(ProtocolError)
  })

  it('refuses auth, awareness query and custom message types', () => {
    for (const b of ['02 00', '03', '07 02 01 02']) {
      expect(() => decodeMessage(bytes(b))).toThrow(/unsupported y-protocols message type/)
    }
  })

  it('bounds the update client count by a third of its bytes', () => {
    expect(() => decodeMessage(bytes('00 02 04 01 00 00 00'))).not.toThrow()
    expect(() => decodeMessage(bytes('00 02 03 01 00 00'))).toThrow(/more clients/)
  })
})
