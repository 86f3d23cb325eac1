// The connection status the UI shows (ConnectionStatus in collab.ts), as a
// pure function of what the mesh knows, so its rules are tested without sockets.

import type { ConnectionStatus } from './collab'
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
  peers: ReadonlyArray<{ keeper: boolean; boardOpen: boolean; state: SyncState }>
}

/** After this many failed reconnects in a row we say 'offline' (and keep retrying). */
export const OFFLINE_AFTER_FAILURES = 3

/**
 * offline: not connected to the server and either no network or signaling
 * failed 3 times in a row (a socket the server welcomed outranks
 * navigator.onLine, which says false on hosts whose only network is
 * loopback); connecting: never welcomed yet; reconnecting: signaling dropped after a welcome; live: the
 * keeper and every peer whose board channel is open have exchanged everything;
 * syncing otherwise (including no peer yet: the keeper is always coming).
 */
export function connectionStatus(input: StatusInput): ConnectionStatus {
  if (!input.welcomed && (!input.online || input.failures >= OFFLINE_AFTER_FAILURES)) return 'offline'
  if (!input.welcomedOnce) return 'connecting'
  if (!input.welcomed) return 'reconnecting'
  const connected = input.peers.filter((p) => p.boardOpen || p.state !== 'connecting')
  const keeperLive = !input.keeperInRoom || input.peers.some((p) => p.keeper && p.state === 'live')
  const allLive = connected.length > 0 && connected.every((p) => p.state === 'live')
  return keeperLive && allLive ? 'live' : 'syncing'
}
