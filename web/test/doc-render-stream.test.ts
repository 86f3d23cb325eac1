// The render stream (docs/PROTOCOL.md, "The render stream"): the documented
// example, the Rust encoder's fixture, and that decoding draws what the board holds.
import * as fs from 'node:fs'

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { decodeRenderStream, encodeRenderStream } from '../src/doc/render-stream'
import { KINDS, type ElementView } from '../src/doc/types'
import { bytes, hex } from './protocol-hex'

const fixture = (name: string) => new Uint8Array(fs.readFileSync(new URL(`../../tests/fixtures/${name}`, import.meta.url)))

/** PROTOCOL.md's example, as crates/doc/src/render_stream.rs also asserts it. */
const DOC_EXAMPLE = `
49 4d 52 53 01 02 00 00 00
6a 00 00 00 00 02
00 00 00 00 00 00 24 40 00 00 00 00 00 00 34 40
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 f0 3f
00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 00 40
00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 34 40
07 00 00 00 23 31 65 31 65 31 65
00 00 00 00
05 00 00 00 00 00 00 30 07
72 00 00 00 06 03
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 59 40 00 00 00 00 00 00 49 40
00 00 00 00 00 00 00 00 00 00 00 00 00 00 f0 3f
00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 00 40
00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 34 40
07 00 00 00 23 31 65 31 65 31 65
07 00 00 00 23 66 66 65 30 36 36
02 00 00 00 68 69
00 00 00 00`

/**
 * What a stand-in must draw like the board's own view: everything but
 * identity and authorship, its points as objects (a stand-in builds them
 * from `packed` when read).
 */
function drawn(v: ElementView) {
  const { id: _id, z: _z, a: _a, c: _c, packed: _packed, ...rest } = v
  return { ...rest, points: v.points }
}

describe('render stream', () => {
  it('decodes the documented example and writes it back byte for byte', () => {
    const views = decodeRenderStream(bytes(DOC_EXAMPLE))
    expect(views).not.toBeNull()
    const [stroke, sticky] = views as ElementView[]
    expect(stroke).toMatchObject({ t: 'stroke', x: 10, y: 20, sw: 2, sc: '#1e1e1e', fc: undefined, done: true })
    expect(stroke?.points).toEqual([{ x: 0, y: 0 }, { x: 1.5, y: -0.25 }])
    expect(sticky).toMatchObject({ t: 'sticky', w: 100, h: 50, fc: '#ffe066', text: 'hi', points: [] })
    expect(hex(encodeRenderStream(views as ElementView[]))).toBe(hex(bytes(DOC_EXAMPLE)))
  })

  it('writes the Rust encoder bytes for the fixture board, and decodes to the board views in order', () => {
    const board = new Board(new Y.Doc(), 'u-ts')
    Y.applyUpdate(board.doc, fixture('yjs-board.v1.bin'))
    const stream = encodeRenderStream(board.ordered())
    expect(hex(stream)).toBe(hex(fixture('yjs-board.render.bin')))
    const known = board.ordered().filter((v) => (KINDS as readonly string[]).includes(v.t))
    expect(known.length).toBeGreaterThan(1)
    expect(decodeRenderStream(stream)?.map(drawn)).toEqual(known.map(drawn))
  })

  it('skips kinds it does not know and refuses damaged streams', () => {
    const stream = bytes(DOC_EXAMPLE)
    const unknown = stream.slice()
    unknown[13] = 200
    expect(decodeRenderStream(unknown)?.map((v) => v.t)).toEqual(['sticky'])
    for (let cut = 0; cut < stream.length; cut++) expect(decodeRenderStream(stream.subarray(0, cut))).toBeNull()
    const newer = stream.slice()
    newer[4] = 2
    expect(decodeRenderStream(newer)).toBeNull()
  })
})
