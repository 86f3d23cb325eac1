// Why a peer's bytes were refused. Every ProtocolError means "disconnect that
// peer" (docs/PROTOCOL.md, Conventions): the glue catches it, logs the reason
// and closes the connection; nothing a peer sends may crash the page.

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError'
}

/** The message of whatever was thrown, for logs. */
export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
