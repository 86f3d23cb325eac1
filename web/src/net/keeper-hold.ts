// Our board updates on their way to the keeper, held for a moment while it
// would forward them to no one: every other member of the room gets them
// from us directly, so the keeper only keeps them (PROTOCOL.md, *What a
// member sends the keeper*). A stroke makes ~60 updates a second; merged, the
// keeper gets ~20, and the page, the network stack and the server stop
// handling each chunk twice. Measured in the browser benchmark, that work
// competed on a 2-core machine with delivering the same chunk to the peer.
// Sans-I/O: the mesh sets the timer (a QuietTimer, so the batch does not go
// out right after a chunk) and sends.

import * as Y from 'yjs'

/** How long an update waits for the keeper, and QUIET_AFTER_SEND_MS more at most: the server's copy lags the board by that. */
export const KEEPER_HOLD_MS = 50
/** Past this many held updates they go at once, whatever the time: a bound on memory and on one merge's cost. */
export const KEEPER_HOLD_MAX_UPDATES = 64

export class KeeperHold {
  private held: Uint8Array[] = []

  /** Holds `update`. `first`: nothing was held before it (arm the timer); `full`: send what is held now. */
  add(update: Uint8Array): { first: boolean; full: boolean } {
    this.held.push(update)
    return { first: this.held.length === 1, full: this.held.length >= KEEPER_HOLD_MAX_UPDATES }
  }

  /** Everything held, merged into one v1 update (null: nothing), and the hold emptied. */
  take(): Uint8Array | null {
    const held = this.held
    this.held = []
    if (held.length === 0) return null
    return held.length === 1 ? (held[0] as Uint8Array) : Y.mergeUpdates(held)
  }
}
