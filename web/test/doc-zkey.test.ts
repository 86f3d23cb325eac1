// Z keys against tests/fixtures/zkeys.json (generateKeyBetween cases the Rust side reproduces).
import * as fs from 'node:fs'

import { describe, expect, it } from 'vitest'
import { compareZ, isValidKey, keyBackward, keyBetween, keyForward, keysAbove, keysBelow, readZ } from '../src/doc/zkey'

describe('z keys (SCHEMA.md "Z-order")', () => {
  it('reproduces every fixture case', () => {
    const cases = JSON.parse(fs.readFileSync(new URL('../../tests/fixtures/zkeys.json', import.meta.url), 'utf8')) as Array<{
      a: string | null
      b: string | null
      key: string
    }>
    expect(cases.length).toBeGreaterThan(400)
    for (const { a, b, key } of cases) {
      expect(keyBetween(a, b)).toBe(key)
      expect(isValidKey(key)).toBe(true)
      if (a !== null) expect(a < key).toBe(true)
      if (b !== null) expect(key < b).toBe(true)
    }
  })

  it('orders by key as plain strings, then by id', () => {
    const items = [
      { z: 'a1', id: 'b' },
      { z: 'a0', id: 'z' },
      { z: 'a1', id: 'a' },
      { z: '', id: 'q' },
      { z: 'Zz', id: 'c' },
    ]
    expect(items.sort(compareZ).map((e) => e.id)).toEqual(['q', 'c', 'z', 'a', 'b'])
  })

  it('reads missing or non-string z as the empty string', () => {
    expect(readZ(undefined)).toBe('')
    expect(readZ(5)).toBe('')
    expect(readZ('a0')).toBe('a0')
  })

  it('tells malformed keys apart', () => {
    for (const bad of ['', 'a', 'a00', 'a0-', 'é0', 'b0', '!x', 'A' + '0'.repeat(26)]) expect(isValidKey(bad), bad).toBe(false)
    for (const good of ['a0', 'az', 'b00', 'Zz', 'a0V', 'a01']) expect(isValidKey(good), good).toBe(true)
  })

  it('makes runs of keys above and below', () => {
    expect(keysAbove(null, 3)).toEqual(['a0', 'a1', 'a2'])
    expect(keysAbove('a5', 2)).toEqual(['a6', 'a7'])
    const below = keysBelow('a0', 3)
    expect(below).toEqual([...below].sort())
    expect(below.every((k) => k < 'a0')).toBe(true)
  })

  it('moves forward and backward past a tie to the next strictly greater key', () => {
    // The moving element is at 0; its two upper neighbours share a key.
    const order = [{ z: 'a0' }, { z: 'a1' }, { z: 'a1' }, { z: 'a3' }]
    const up = keyForward(order, 0) as string
    expect(up > 'a1' && up < 'a3').toBe(true)
    expect(keyForward(order, 3)).toBeNull()
    const down = keyBackward([{ z: 'a0' }, { z: 'a2' }, { z: 'a2' }, { z: 'a5' }], 3) as string
    expect(down > 'a0' && down < 'a2').toBe(true)
    expect(keyBackward(order, 0)).toBeNull()
  })
})
