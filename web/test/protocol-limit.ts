// Which PROTOCOL.md limit a refusal names, so tests assert the limit that
// tripped and not only that something did.

import { ProtocolError } from '../src/protocol/error'
import type { LimitName } from '../src/protocol/limits'

/** Runs `work`, which must throw a ProtocolError; returns the limit it names (undefined for a format error). */
export function tripped(work: () => unknown): LimitName | undefined {
  try {
    work()
  } catch (error) {
    if (error instanceof ProtocolError) return error.limit
    throw error
  }
  throw new Error('expected a ProtocolError, but nothing was thrown')
}
