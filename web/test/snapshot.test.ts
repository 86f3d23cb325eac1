import { readFile } from 'node:fs/promises'

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { crc32, readSnapshot, writeSnapshot } from '../src/file/snapshot'

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
