// The app page and its early script read the same board link: if they read it
// differently, the early snapshot request would be for another room or name.

import { afterEach, describe, expect, it, vi } from 'vitest'
import { NAME_KEY, readBoardLink } from '../src/board-link'

const at = (href: string) => new URL(href, 'https://board.example')

afterEach(() => vi.unstubAllGlobals())

describe('readBoardLink', () => {
  it('reads the room, a token from the fragment before the query, the name, view and relay', () => {
    expect(readBoardLink(at('/b/team.plan_1?name=Ann&view=1&relay=1&token=q#token=f'))).toEqual({
      room: 'team.plan_1',
      token: 'f',
      name: 'Ann',
      readOnly: true,
      relay: true,
    })
    expect(readBoardLink(at('/b/r/?token=q'))).toEqual({ room: 'r', token: 'q', readOnly: false, relay: false })
  })

  it('takes the name this browser chose last when the link has none', () => {
    const stored = new Map([[NAME_KEY, 'Bea']])
    vi.stubGlobal('localStorage', { getItem: (k: string) => stored.get(k) ?? null })
    expect(readBoardLink(at('/b/r'))?.name).toBe('Bea')
    expect(readBoardLink(at('/b/r?name=Ann'))?.name).toBe('Ann')
  })

  it('is no board link for the start page or other paths', () => {
    expect(readBoardLink(at('/'))).toBeUndefined()
    expect(readBoardLink(at('/b/'))).toBeUndefined()
    expect(readBoardLink(at('/b/a/b'))).toBeUndefined()
    expect(readBoardLink(at(`/b/${'x'.repeat(129)}`))).toBeUndefined()
  })
})
