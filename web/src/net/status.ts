// The connection status the UI shows (ConnectionStatus in collab/port.ts), as a
// pure function of what the mesh knows, so its rules are tested without sockets.
//
// "Live" means every member's edits reach this page (docs/PROTOCOL.md,
// "Topology"): through the keeper, which relays for every pair of members not
// directly linked, or, without a keeper link, over a live direct link to each
// of them. A keeper that announced no mesh limit (an older server) does not
// relay: then live needs every connected peer live, as it always did.

import type { ConnectionStatus } from '../collab/port'
import type { SyncState } from '../protocol/session'

export interface StatusInput {
  /** navigator.onLine (true where unknown). */
  online: boolean
  /** Signaling connection attempts in a row that did not end in a welcome. */
  failures: number
  welcomedOnce: boolean
  /** The signaling socket is welcomed right now. */
  welcomed: boolean
  /** Whether the room has a keeper member (it always should). */
  keeperInRoom: boolean
  /** The keeper relays for members not directly linked (the welcome announced a mesh limit). */
  keeperRelays: boolean
  /** Members in the room besides the keeper and us. */
  otherMembers: number
  peers: ReadonlyArray<{ keeper: boolean; boardOpen: boolean; state: SyncState }>
}

/** After this many failed reconnects in a row we say 'offline' (and keep retrying). */
export const OFFLINE_AFTER_FAILURES = 3

/**
 * server-unreachable: signaling or the keeper link is down, but direct links
 * to some members are live (we draw live with them; the rest is kept on this
 * device). offline: not connected to the server, no live direct link, and
 * either no network or signaling failed 3 times in a row (a socket the
 * server welcomed outranks navigator.onLine, which says false on hosts whose
 * only network is loopback); connecting: never welcomed yet; reconnecting:
 * signaling dropped after a welcome; live: see above; syncing otherwise
 * (including no peer yet: the keeper is always coming).
 */
export function connectionStatus(input: StatusInput): ConnectionStatus {
  const keeperLink = input.peers.find((p) => p.keeper)
  const keeperLive = keeperLink?.state === 'live'
  const directLive = input.peers.filter((p) => !p.keeper && p.state === 'live').length
  if (!input.welcomed) {
    if (!keeperLive && directLive > 0) return 'server-unreachable'
    if (!input.online || input.failures >= OFFLINE_AFTER_FAILURES) return 'offline'
    return input.welcomedOnce ? 'reconnecting' : 'connecting'
  }
  if (input.keeperRelays) {
    if (keeperLive) return 'live'
    if (input.otherMembers > 0 && directLive >= input.otherMembers) return 'live'
  } else {
    const connected = input.peers.filter((p) => p.boardOpen || p.state !== 'connecting')
    const allLive = connected.length > 0 && connected.every((p) => p.state === 'live')
    if ((keeperLive || !input.keeperInRoom) && allLive) return 'live'
  }
  // The keeper link ended (a new one waits for its re-offer): only the direct links carry edits.
  if (input.keeperInRoom && keeperLink === undefined && directLive > 0) return 'server-unreachable'
  return 'syncing'
}
