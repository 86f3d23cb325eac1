import { readFile } from 'node:fs/promises'

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import * as encoding from 'lib0/encoding'

import { crc32, maxV2Structs, readSnapshot, writeSnapshot } from '../src/file/snapshot'

const hex = (s: string) => Uint8Array.from(s.split(/\s+/).filter(Boolean).map((b) => parseInt(b, 16)))

describe('board files (SCHEMA.md "Snapshots")', () => {
  it('writes the worked example byte for byte', () => {
    const expected = hex(`49 4d 53 48  01 00 00 00  01  00 68 e5 cf 8b 01 00 00
      ff 12 d9 41  02 00 00 00 00 00 00 00  00 00`)
    expect(writeSnapshot(hex('00 00'), 1700000000000)).toEqual(expected)
  })

  it('round-trips a board and reads the v2 encoding too', () => {
    const doc = new Y.Doc()
    doc.getMap('elements').set('abc', new Y.Map([['t', 'rect']]))
    const back = new Y.Doc()
    Y.applyUpdate(back, readSnapshot(writeSnapshot(Y.encodeStateAsUpdate(doc))))
    expect(back.getMap('elements').toJSON()).toEqual({ abc: { t: 'rect' } })

    const v2 = Y.encodeStateAsUpdateV2(doc)
    const file = writeSnapshot(v2)
    file[8] = 2
    new DataView(file.buffer).setUint32(17, crc32(v2), true)
    const fromV2 = new Y.Doc()
    Y.applyUpdate(fromV2, readSnapshot(file))
    expect(fromV2.getMap('elements').toJSON()).toEqual({ abc: { t: 'rect' } })
  })

  it('refuses bad files with a reason', () => {
    const good = writeSnapshot(hex('00 00'))
    expect(() => readSnapshot(good.subarray(0, 10))).toThrow(/too short/)
    expect(() => readSnapshot(hex('50 4b 03 04'.padEnd(29 * 3, ' 00')))).toThrow(/not an Inkmesh board/)
    const flipped = good.slice()
    flipped[29] = 7
    expect(() => readSnapshot(flipped)).toThrow(/checksum/)
    expect(() => readSnapshot(Uint8Array.from([...good, 0]))).toThrow(/after its end/)
    expect(() => readSnapshot(good.subarray(0, good.length - 1))).toThrow(/truncated/)
    const newer = good.slice()
    newer[4] = 2
    expect(() => readSnapshot(newer)).toThrow(/newer Inkmesh/)
    const garbage = writeSnapshot(hex('05 ff ff ff'))
    expect(() => readSnapshot(garbage)).toThrow(/does not decode/)
  })
})

/** A board file around a v2 update. */
function v2File(update: Uint8Array): Uint8Array {
  const file = writeSnapshot(update)
  file[8] = 2
  new DataView(file.buffer).setUint32(17, crc32(update), true)
  return file
}

/**
 * Client 1's first `structs` structs, all garbage collected, in about 25
 * bytes of v2: the info column's one value repeats forever, the length
 * column holds one run (as crates/doc/src/bounded_v2.rs builds it).
 */
function gcRun(structs: number): Uint8Array {
  const lengths = encoding.createEncoder()
  encoding.writeUint8(lengths, 0x41) // a run of 1s...
  encoding.writeVarUint(lengths, structs - 2) // ...of `structs`
  const runs = encoding.toUint8Array(lengths)
  const update = encoding.createEncoder()
  for (const b of [0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0, runs.length]) encoding.writeUint8(update, b)
  encoding.writeUint8Array(update, runs)
  encoding.writeVarUint(update, 1) // one client...
  encoding.writeVarUint(update, structs) // ...with this many structs...
  encoding.writeVarUint(update, 0) // ...from clock 0
  encoding.writeVarUint(update, 0) // an empty delete set
  return encoding.toUint8Array(update)
}

describe('v2 board files stand for no more structs than their size allows (SCHEMA.md)', () => {
  it('refuses a few bytes standing for millions of structs, before Yjs builds them', () => {
    const bomb = gcRun(70_000_000)
    expect(bomb.length).toBeLessThan(32)
    expect(() => readSnapshot(v2File(bomb))).toThrow(/more than 65536 structs/)
    expect(() => readSnapshot(v2File(gcRun(maxV2Structs(0) + 1)))).toThrow(/more than 65536 structs/)
    const atTheFloor = new Y.Doc()
    Y.applyUpdate(atTheFloor, readSnapshot(v2File(gcRun(maxV2Structs(0)))))
    expect(Y.decodeStateVector(Y.encodeStateVector(atTheFloor)).get(1)).toBe(maxV2Structs(0))
  })

  it('refuses JSON content, whose strings cost a run each', () => {
    // One JSON item under root "m" holding 1,000 strings "0": the string
    // column's lengths are 1 for "m", then one run of 1s.
    const strings = encoding.createEncoder()
    encoding.writeVarString(strings, 'm' + '0'.repeat(1000))
    for (const b of [0x01, 0x41]) encoding.writeUint8(strings, b)
    encoding.writeVarUint(strings, 1000 - 2)
    const stringColumn = encoding.toUint8Array(strings)
    const update = encoding.createEncoder()
    for (const b of [0, 0, 1, 1, 0, 0, 1, 2]) encoding.writeUint8(update, b) // ...info column: JSON, no origins
    encoding.writeVarUint8Array(update, stringColumn)
    for (const b of [1, 1, 0, 2, 0xa8, 0x0f]) encoding.writeUint8(update, b) // a root's name; no type; length 1,000
    for (const b of [1, 1, 0, 0]) encoding.writeUint8(update, b) // one client, one struct, clock 0; no deletions
    const json = encoding.toUint8Array(update)
    expect(() => Y.convertUpdateFormatV2ToV1(json)).not.toThrow()
    expect(() => readSnapshot(v2File(json))).toThrow(/JSON content/)
  })

  it('opens a real board written in v2', async () => {
    const fixtures = new URL('../../tests/fixtures/', import.meta.url)
    const v2 = new Uint8Array(await readFile(new URL('yjs-board.v2.bin', fixtures)))
    const doc = new Y.Doc()
    Y.applyUpdate(doc, readSnapshot(v2File(v2)))
    expect(doc.getMap('elements').size).toBeGreaterThan(0)
  })
})

describe('board files across languages', () => {
  // tests/fixtures/yjs-board.inkmesh is the Yjs fixture board wrapped by this
  // code; crates/doc/tests/crosslang.rs opens it with the Rust reader.
  const fixtures = new URL('../../tests/fixtures/', import.meta.url)

  it('wraps the Yjs fixture board into the committed board file', async () => {
    const update = new Uint8Array(await readFile(new URL('yjs-board.v1.bin', fixtures)))
    const file = new Uint8Array(await readFile(new URL('yjs-board.inkmesh', fixtures)))
    expect(writeSnapshot(update, 1700000000000)).toEqual(file)
    expect(readSnapshot(file)).toEqual(update)
  })
})
