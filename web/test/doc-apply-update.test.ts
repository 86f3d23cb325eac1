import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

import { SHORT_STRING_BYTES, applyUpdate, applyWholeUpdate, readAny, readBytes, readString } from '../src/doc/apply-update'
import { Board } from '../src/doc/board'
import { random } from './random'

/** Strings on both sides of the short-string cut, ASCII or not, and lib0's edge cases. */
const STRINGS = [
  '',
  'x',
  'sc',
  'a'.repeat(SHORT_STRING_BYTES),
  'b'.repeat(SHORT_STRING_BYTES + 1),
  'é',
  `${'c'.repeat(SHORT_STRING_BYTES - 2)}é`,
  '日本語のテキスト',
  '🖊️ ink',
  '\uFEFFbom kept',
  'a\u0000nul',
  '\u007f',
]

/** A document holding every kind of content the v1 decoder reads strings for: keys, values, text, formats, embeds, XML. */
function everyKindOfContent(): Y.Doc {
  const doc = new Y.Doc()
  const board = new Board(doc, 'author')
  board.add({ t: 'sticky', x: 1, y: 2, w: 100, h: 80, text: 'Notiz für später 📌' })
  const stroke = board.beginStroke({ x: 0, y: 0 }, { sc: '#e03131', sw: 4 })
  board.appendPoints(stroke, [{ x: 1, y: 1 }, { x: 2, y: 3 }])
  board.endStroke(stroke)
  const map = doc.getMap('kinds')
  STRINGS.forEach((s, i) => {
    map.set(s, i)
    map.set(`value ${i}`, s)
  })
  map.set('numbers', [0, -1, 2 ** 31, 1.5, -0.25, Number.MAX_SAFE_INTEGER])
  map.set('others', [null, true, false, new Uint8Array([0, 255, 7])])
  map.set('big', 2n ** 60n)
  map.set('nested', { é: { [STRINGS[4] as string]: ['日本', { k: 'v' }] }, plain: 'x' })
  const text = doc.getText('text')
  text.insert(0, 'plain ünïcödé text')
  text.format(0, 5, { bold: true, 'fönt': 'Sérif' })
  text.insertEmbed(3, { image: 'hash-é' })
  const xml = doc.getXmlFragment('xml')
  const element = new Y.XmlElement('päragraph')
  element.setAttribute('clâss', 'wide')
  xml.insert(0, [element])
  doc.getArray('list').insert(0, STRINGS)
  return doc
}

/** What applying `update` does to a fresh document: its state, or the error's kind. */
function outcome(apply: (doc: Y.Doc, update: Uint8Array) => void, update: Uint8Array): { threw: boolean; state?: Uint8Array; pending?: boolean } {
  const doc = new Y.Doc()
  try {
    apply(doc, update)
  } catch {
    return { threw: true }
  }
  return { threw: false, state: Y.encodeStateAsUpdate(doc), pending: doc.store.pendingStructs !== null || doc.store.pendingDs !== null }
}

const APPLIERS = { applyUpdate, applyWholeUpdate }

describe('applyUpdate: Y.applyUpdate with short strings read in JavaScript', () => {
  it.each(Object.entries(APPLIERS))('%s builds the same document as Y.applyUpdate from every kind of content', (_, apply) => {
    const update = Y.encodeStateAsUpdate(everyKindOfContent())
    const ours = new Y.Doc()
    const yjs = new Y.Doc()
    apply(ours, update)
    Y.applyUpdate(yjs, update)
    expect(Y.encodeStateAsUpdate(ours)).toEqual(Y.encodeStateAsUpdate(yjs))
    expect(ours.getMap('kinds').toJSON()).toEqual(yjs.getMap('kinds').toJSON())
    expect(ours.getMap('kinds').get('big')).toBe(2n ** 60n)
    expect(ours.getText('text').toDelta()).toEqual(yjs.getText('text').toDelta())
    expect(ours.getXmlFragment('xml').toString()).toBe(yjs.getXmlFragment('xml').toString())
    expect(ours.getArray('list').toArray()).toEqual(STRINGS)
    expect(new Board(ours, 'reader').ordered()).toEqual(new Board(yjs, 'reader').ordered())
  })

  it("applyWholeUpdate's binary contents are views into the update; applyUpdate's are copies", () => {
    const source = new Y.Doc()
    const chunk = Uint8Array.from([1, 2, 3, 4])
    source.getArray('p').push([chunk])
    const update = Y.encodeStateAsUpdate(source)
    const whole = new Y.Doc()
    applyWholeUpdate(whole, update)
    const copied = new Y.Doc()
    applyUpdate(copied, update)
    const viewed = whole.getArray<Uint8Array>('p').get(0)
    expect(viewed).toEqual(chunk)
    expect(viewed.buffer).toBe(update.buffer)
    expect(copied.getArray<Uint8Array>('p').get(0).buffer).not.toBe(update.buffer)
  })

  it('passes the origin to the transaction, as Y.applyUpdate does', () => {
    const update = Y.encodeStateAsUpdate(everyKindOfContent())
    const doc = new Y.Doc()
    const origins: unknown[] = []
    doc.on('afterTransaction', (txn: Y.Transaction) => origins.push(txn.origin))
    const origin = { from: 'peer' }
    applyUpdate(doc, update, origin)
    expect(origins).toEqual([origin])
  })

  it('reads each string as lib0 does', () => {
    for (const s of STRINGS) {
      const encoder = encoding.createEncoder()
      encoding.writeVarString(encoder, s)
      encoding.writeAny(encoder, { [s]: [s, 1] })
      const bytes = encoding.toUint8Array(encoder)
      const ours = decoding.createDecoder(bytes)
      const lib0 = decoding.createDecoder(bytes)
      expect(readString(ours)).toBe(decoding.readVarString(lib0))
      expect(readAny(ours)).toEqual(decoding.readAny(lib0))
      expect(ours.pos).toBe(bytes.length)
    }
  })

  it('reads bytes as lib0 does, never past the end of the bytes it was given', () => {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint8Array(encoder, Uint8Array.from([9, 8, 7]))
    const bytes = encoding.toUint8Array(encoder)
    expect(readBytes(decoding.createDecoder(bytes))).toEqual(decoding.readVarUint8Array(decoding.createDecoder(bytes)))
    // The length says 3, but only 2 of them are these bytes: the third is the rest of the buffer.
    const cut = Uint8Array.from([3, 9, 8, 7]).subarray(0, 3)
    expect(() => readBytes(decoding.createDecoder(cut))).toThrow(/end of array/)
  })

  it('refuses malformed UTF-8 and a string past the end, short or long', () => {
    for (const body of [[0xff], [0x61, 0xc3], Array(SHORT_STRING_BYTES + 4).fill(0xc0)]) {
      expect(() => readString(decoding.createDecoder(Uint8Array.from([body.length, ...body])))).toThrow()
    }
    expect(() => readString(decoding.createDecoder(Uint8Array.from([5, 0x61, 0x62])))).toThrow(/end of array/)
    expect(() => readString(decoding.createDecoder(Uint8Array.from([SHORT_STRING_BYTES + 9, 0x61])))).toThrow(/end of array/)
    expect(() => readAny(decoding.createDecoder(Uint8Array.from([100])))).toThrow(/Unknown value type 100/)
  })

  it('fails, holds back or applies exactly as Y.applyUpdate on cut and damaged updates', () => {
    const update = Y.encodeStateAsUpdate(everyKindOfContent())
    const next = random(1307)
    const damaged: Uint8Array[] = []
    for (let cut = 0; cut < update.length; cut += 7) damaged.push(update.slice(0, cut))
    for (let i = 0; i < 400; i++) {
      const bytes = update.slice()
      for (let flips = 1 + Math.floor(next() * 3); flips > 0; flips--) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256)
      damaged.push(bytes)
    }
    let threw = 0
    for (const bytes of damaged) {
      const yjs = outcome((doc, u) => Y.applyUpdate(doc, u), bytes)
      expect(outcome(applyUpdate, bytes)).toEqual(yjs)
      expect(outcome(applyWholeUpdate, bytes)).toEqual(yjs)
      if (yjs.threw) threw++
    }
    // Both ways of going wrong were tried: some inputs fail, others still apply.
    expect(threw).toBeGreaterThan(0)
    expect(threw).toBeLessThan(damaged.length)
  })
})
