import { describe, expect, it } from 'vitest'
import { attributePresence } from '../src/net/presence-peers'
import type { Presence } from '../src/protocol/presence'

const state = (peer?: string): Presence => ({ name: 'Guest', colour: '#1c7ed6', selection: [], viewport: null, ...(peer ? { peer } : {}) })

describe('attributePresence', () => {
  it('takes a directly linked client’s member from its link, a relayed one’s from its state, and ours from our welcome', () => {
    const states = new Map([
      [1, state('claimed-by-us')],
      [2, state('viewer-claims-to-be-the-editor')],
      [3, state('relayed-peer')],
      [4, state()],
    ])
    // Client 2 is owned by connection 10, a direct link to member "viewer"; 3 and 4 by the keeper (11).
    const owners = new Map([
      [2, 10],
      [3, 11],
      [4, 11],
    ])
    const direct = new Map([[10, 'viewer']])
    const out = attributePresence(states, 1, 'me', (c) => owners.get(c), (s) => direct.get(s))
    expect([...out].map(([c, s]) => [c, s.peer])).toEqual([
      [1, 'me'],
      [2, 'viewer'],
      [3, 'relayed-peer'],
      [4, undefined],
    ])
    expect(states.get(2)?.peer, 'the input is left alone').toBe('viewer-claims-to-be-the-editor')
  })

  it('leaves ours without a peer before the welcome', () => {
    const out = attributePresence(new Map([[1, state('stale')]]), 1, undefined, () => undefined, () => undefined)
    expect(out.get(1)?.peer).toBeUndefined()
  })
})
