// The history list as the panel reads it: checked field by field.
import { describe, expect, it } from 'vitest'
import { parseHistory } from '../src/net/history-request'

describe('parseHistory', () => {
  it('reads the route example of docs/PROTOCOL.md', () => {
    const json = { snapshots: [{ id: 3, createdMs: 1700000000000, size: 1234, elements: 42, editors: ['Ada', 'Bob'], moreEditors: false }] }
    expect(parseHistory(json)).toEqual([{ id: 3, createdMs: 1700000000000, elements: 42, editors: ['Ada', 'Bob'], moreEditors: false }])
  })

  it('drops entries without an id or a time, and fields of the wrong type', () => {
    const json = {
      snapshots: [
        { id: '3', createdMs: 1 },
        { id: 4 },
        null,
        { id: 5, createdMs: 2, elements: 'many', editors: ['Ada', 7], moreEditors: 'yes' },
      ],
    }
    expect(parseHistory(json)).toEqual([{ id: 5, createdMs: 2, elements: 0, editors: ['Ada'], moreEditors: false }])
  })

  it('refuses an answer that is not a version list', () => {
    expect(() => parseHistory({ versions: [] })).toThrow(/no version list/)
    expect(() => parseHistory(null)).toThrow(/no version list/)
  })
})
