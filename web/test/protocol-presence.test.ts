import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import { MAX_NAME_CHARS, MAX_PRESENCE_JSON_BYTES } from '../src/protocol/limits'
import {
  decodeAwarenessUpdate,
  encodeAwarenessUpdate,
  parsePresence,
  trimPresence,
} from '../src/protocol/presence'
import { encodeMessage } from '../src/protocol/frame'
import { Chunker } from '../src/protocol/chunk'
import { ProtocolError } from '../src/protocol/error'
import { bytes, hex } from './protocol-hex'
import { tripped } from './protocol-limit'

const ANN_JSON = '{"name":"Ann","colour":"#e03131","selection":[]}'
const ann = { name: 'Ann', colour: '#e03131', selection: [] as string[], viewport: null }
const state = (client: number, clock: number, json: string) => encodeAwarenessUpdate([{ client, clock, json }])

describe('awareness updates', () => {
  it('matches the PROTOCOL.md examples through y-protocols awareness.js', () => {
    const doc = new Y.Doc()
    doc.clientID = 1234
    const awareness = new awarenessProtocol.Awareness(doc)
    try {
      awareness.setLocalState({ name: 'Ann', colour: '#e03131', selection: [] })
      const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [1234])
      expect(ANN_JSON.length).toBe(0x30)
      expect(hex(update.subarray(0, 5))).toBe('01 d2 09 01 30')
      expect(update).toEqual(state(1234, 1, ANN_JSON))
      const frame = new Chunker(16_384).frames(encodeMessage({ type: 'awareness', payload: update }))[0]!
      expect(hex(frame)).toBe(
        '00 01 35 01 d2 09 01 30 7b 22 6e 61 6d 65 22 3a ' +
          '22 41 6e 6e 22 2c 22 63 6f 6c 6f 75 72 22 3a 22 ' +
          '23 65 30 33 31 33 31 22 2c 22 73 65 6c 65 63 74 ' +
          '69 6f 6e 22 3a 5b 5d 7d',
      )
      awareness.setLocalState({ ...ann, selection: ['k3J9aQx0Lm2Z'], viewport: { x: 0, y: -50.5, w: 1280, h: 720 } })
      const second = decodeAwarenessUpdate(awarenessProtocol.encodeAwarenessUpdate(awareness, [1234]))
      expect(second[0]!.clock).toBe(2)
      awareness.setLocalState(null)
      expect(hex(awarenessProtocol.encodeAwarenessUpdate(awareness, [1234]))).toBe('01 d2 09 03 04 6e 75 6c 6c')
    } finally {
      awareness.destroy()
    }
  })

  it('reads the Rust JSON (0.0 floats), null, and JavaScript JSON with unknown fields', () => {
    const rust = '{"name":"Ann","colour":"#e03131","selection":["k3J9aQx0Lm2Z"],"viewport":{"x":0.0,"y":-50.5,"w":1280.0,"h":720.0}}'
    expect(decodeAwarenessUpdate(state(1234, 2, rust))[0]!.state).toEqual({
      ...ann,
      selection: ['k3J9aQx0Lm2Z'],
      viewport: { x: 0, y: -50.5, w: 1280, h: 720 },
    })
    expect(decodeAwarenessUpdate(bytes('01 d2 09 03 04 6e 75 6c 6c'))).toEqual([
      { client: 1234, clock: 3, json: 'null', state: null },
    ])
    const js = '{"colour":"#1e1e1e","name":"Bo","viewport":{"x":1,"y":2,"w":3,"h":4},"emoji":"🙂"}'
    expect(parsePresence(js)).toEqual({ name: 'Bo', colour: '#1e1e1e', selection: [], viewport: { x: 1, y: 2, w: 3, h: 4 } })
    expect(parsePresence('{"name":"A","colour":"#000000","viewport":null}')!.viewport).toBeNull()
  })

  it('reads `followMe`: only `true` asks, and anything else is no, never a refusal', () => {
    const base = '"name":"Ada","colour":"#1c7ed6"'
    expect(parsePresence(`{${base},"followMe":true}`)).toEqual({ name: 'Ada', colour: '#1c7ed6', selection: [], viewport: null, followMe: true })
    for (const value of ['false', '1', '"yes"', 'null', '{}']) {
      expect(parsePresence(`{${base},"followMe":${value}}`), value).toEqual({ name: 'Ada', colour: '#1c7ed6', selection: [], viewport: null })
    }
  })

  it('reads the sender’s peer id, ignores one that is not a string, and keeps ours when trimming', () => {
    expect(parsePresence('{"name":"A","colour":"#000000","peer":"p-1"}')!.peer).toBe('p-1')
    const odd = parsePresence('{"name":"A","colour":"#000000","peer":7}')!
    expect('peer' in odd).toBe(false)
    expect(trimPresence({ ...ann, peer: 'p-1' }).peer).toBe('p-1')
    expect('peer' in trimPresence(ann)).toBe(false)
  })

  it('refuses bad states, and one bad entry refuses the whole update', () => {
    for (const json of ['{}', '[]', '1', 'nul', '{"name":1,"colour":"#000000"}', '{"name":"a","colour":"#000000","selection":[1]}',
      '{"name":"a","colour":"#000000","selection":null}', '{"name":"a","colour":"#000000","viewport":{"x":1,"y":2,"w":3}}']) {
      expect(() => decodeAwarenessUpdate(state(1, 1, json)), json).toThrow(ProtocolError)
    }
    const two = encodeAwarenessUpdate([
      { client: 1, clock: 1, json: ANN_JSON },
      { client: 2, clock: 1, json: '{"name":"no colour"}' },
    ])
    expect(() => decodeAwarenessUpdate(two)).toThrow(/colour/)
  })

  it('enforces the entry count, state size, UTF-8 and trailing bytes', () => {
    expect(() => decodeAwarenessUpdate(bytes('81 08'))).toThrow(/1025 clients/)
    expect(tripped(() => decodeAwarenessUpdate(bytes('81 08')))).toBe('awareness_clients_per_update')
    const big = `"${'x'.repeat(MAX_PRESENCE_JSON_BYTES)}"`
    expect(() => decodeAwarenessUpdate(state(1, 1, big))).toThrow(/exceeds the limit/)
    expect(tripped(() => decodeAwarenessUpdate(state(1, 1, big)))).toBe('presence_state_bytes')
    const withTrailing = new Uint8Array([...state(1, 1, 'null'), 0])
    expect(() => decodeAwarenessUpdate(withTrailing)).toThrow(/trailing/)
    expect(() => decodeAwarenessUpdate(bytes('01 01 01 01 ff'))).toThrow(/UTF-8/)
    expect(() => decodeAwarenessUpdate(new Uint8Array())).toThrow(ProtocolError)
  })
})

describe('trimming our own state', () => {
  it('cuts the name, drops a non-finite viewport, keeps the selected ids that fit', () => {
    const huge = {
      name: '🙂'.repeat(10_000),
      colour: '#e03131',
      selection: Array.from({ length: 10_000 }, (_, i) => `element${String(i).padStart(5, '0')}`),
      viewport: { x: NaN, y: 0, w: 1, h: 1 },
    }
    const trimmed = trimPresence(huge)
    expect(Array.from(trimmed.name)).toHaveLength(MAX_NAME_CHARS)
    expect(trimmed.viewport).toBeNull()
    expect(trimmed.selection.length).toBeGreaterThan(1000)
    expect(trimmed.selection.length).toBeLessThan(10_000)
    expect(trimmed.selection[0]).toBe('element00000')
    const json = JSON.stringify(trimmed)
    expect(new TextEncoder().encode(json).length).toBeLessThanOrEqual(MAX_PRESENCE_JSON_BYTES)
    expect(decodeAwarenessUpdate(state(1, 1, json))[0]!.state).toEqual(trimmed)
  })

  it('leaves a small state alone', () => {
    expect(trimPresence(ann)).toEqual(ann)
  })

  it('writes `followMe` only while asking, so a state that does not ask is as before', () => {
    const plain = JSON.stringify(trimPresence(ann))
    expect(JSON.stringify(trimPresence({ ...ann, followMe: false }))).toBe(plain)
    expect(JSON.stringify(trimPresence({ ...ann, followMe: true }))).toBe(`${plain.slice(0, -1)},"followMe":true}`)
  })
})
