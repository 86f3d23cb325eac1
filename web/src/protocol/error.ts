// Why a peer's bytes were refused. Every ProtocolError means "disconnect that
// peer" (docs/PROTOCOL.md, Conventions): the glue catches it, logs the reason
// and closes the connection; nothing a peer sends may crash the page.

import type { LimitName } from './limits'

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError'

  constructor(
    message: string,
    /** The named limit the peer exceeded (PROTOCOL.md, "Limits"); undefined when its bytes broke the format. */
    readonly limit?: LimitName,
  ) {
    super(message)
  }
}

/** The message of whatever was thrown, for logs. */
export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
