// The history panel's wording: when a version was kept and who edited since the one before.
import { describe, expect, it } from 'vitest'
import { editorsLabel, elementCount, relativeTime } from '../src/ui/history-format'

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0)
const MIN = 60_000

describe('relativeTime', () => {
  it('words each range at its boundaries', () => {
    expect(relativeTime(NOW, NOW)).toBe('just now')
    expect(relativeTime(NOW - 59_999, NOW)).toBe('just now')
    expect(relativeTime(NOW - MIN, NOW)).toBe('1 min ago')
    expect(relativeTime(NOW - 59 * MIN, NOW)).toBe('59 min ago')
    expect(relativeTime(NOW - 60 * MIN, NOW)).toBe('1 h ago')
    expect(relativeTime(NOW - 24 * 60 * MIN + 1, NOW)).toBe('23 h ago')
    expect(relativeTime(NOW - 24 * 60 * MIN, NOW)).toBe('yesterday')
    expect(relativeTime(NOW - 3 * 24 * 60 * MIN, NOW)).toBe('3 days ago')
  })

  it('says just now for a time ahead of the clock (server clock skew)', () => {
    expect(relativeTime(NOW + 5 * MIN, NOW)).toBe('just now')
  })
})

describe('editorsLabel', () => {
  it('joins names as a sentence', () => {
    expect(editorsLabel(['Ada'], false)).toBe('Ada')
    expect(editorsLabel(['Ada', 'Bob'], false)).toBe('Ada and Bob')
    expect(editorsLabel(['Ada', 'Bob', 'Cy'], false)).toBe('Ada, Bob and Cy')
  })

  it('says there were more than the server named', () => {
    expect(editorsLabel(['Ada', 'Bob'], true)).toBe('Ada, Bob and others')
    expect(editorsLabel([], true)).toBe('several people')
  })

  it('is empty when no one is recorded', () => {
    expect(editorsLabel([], false)).toBe('')
  })
})

describe('elementCount', () => {
  it('agrees in number', () => {
    expect(elementCount(0)).toBe('0 elements')
    expect(elementCount(1)).toBe('1 element')
    expect(elementCount(42)).toBe('42 elements')
  })
})
