// The defaults are PROTOCOL.md's "Limits" tables, number for number.

import { describe, expect, it } from 'vitest'
import {
  DEFAULT_LIMITS,
  MAX_CLIENTS_PER_PEER,
  MAX_CLIENTS_PER_UPDATE,
  MAX_LINKS_PER_REPORT,
  MAX_MEDIA_SECTIONS,
  MAX_MEMBER_ID_BYTES,
  MAX_NAME_CHARS,
  MAX_PRESENCE_JSON_BYTES,
  MAX_QUEUED_BYTES,
  MAX_RELAYED_CURSORS,
  MAX_TRACKED_CLIENTS,
} from '../src/protocol/limits'

describe('limits', () => {
  it('default to the PROTOCOL.md table', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxFrameBytes: 16_384,
      maxMessageBytes: 67_108_864,
      viewerMaxMessageBytes: 1_048_576,
      maxPartialMessages: 2,
      maxPartialBytes: 67_108_864,
      reassemblyTimeoutMs: 10_000,
      maxQueuedBytes: 67_108_864 + 16 * 1_048_576,
    })
    expect(MAX_QUEUED_BYTES).toBe(DEFAULT_LIMITS.maxQueuedBytes)
    expect([MAX_CLIENTS_PER_UPDATE, MAX_PRESENCE_JSON_BYTES, MAX_CLIENTS_PER_PEER, MAX_TRACKED_CLIENTS, MAX_NAME_CHARS]).toEqual([
      1024, 65_536, 4, 4096, 256,
    ])
    expect([MAX_LINKS_PER_REPORT, MAX_MEMBER_ID_BYTES, MAX_RELAYED_CURSORS]).toEqual([64, 64, 64])
    expect(MAX_MEDIA_SECTIONS).toBe(7)
  })
})
