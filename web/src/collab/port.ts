// What the UI sees of the network: connection status, members, presence and
// live cursors. Implemented by the mesh (net/mesh.ts); rendering and tools use
// only this interface, never sockets. It lives in neither ui/ nor net/ because
// both sides depend on it (net/ also types its wire messages with Member and
// ConnectionStatus): so neither imports the other (test/layering.test.ts).

import type { Presence } from '../protocol/presence'
import type { RoomMedia } from './media-port'

export type Role = 'editor' | 'viewer'

/**
 * offline: no signaling and no peer; we keep drawing locally.
 * server-unreachable: the server (signaling or its keeper) is gone, but direct
 * links to some members are live: we draw live with them (directPeers()).
 */
/** `deleted`: the server deleted the board (signaling error `board_deleted`); final: nothing reconnects, the local copy stays. */
export type ConnectionStatus = 'connecting' | 'syncing' | 'live' | 'reconnecting' | 'server-unreachable' | 'offline' | 'deleted'

/** A member as the server stamped it (docs/PROTOCOL.md, `welcome`). */
export interface Member {
  id: string
  name: string
  colour: string
  role: Role
  keeper: boolean
  /**
   * The member said in its join that it renegotiates links and takes voice and
   * video (docs/PROTOCOL.md, "Renegotiation"). Absent: it does not (the
   * keeper, native members, clients from before media or built without it).
   */
  media?: boolean
}

/** The latest accepted cursor frame of a peer (docs/PROTOCOL.md, cursor channel). */
export interface RemoteCursor {
  peerId: string
  name: string
  colour: string
  x: number
  y: number
  buttons: number
  tool: number
  /** performance.now() when it arrived, for interpolation */
  at: number
}

/**
 * A client's presence as the UI gets it: the wire's state (docs/PROTOCOL.md,
 * Presence; protocol/presence.ts), one type so that a field is added once.
 * Its `peer` is the member behind the client, as the mesh sets it: for one
 * heard over a direct link, that link's peer, as the server stamped it,
 * whatever the state says; for one relayed by the keeper, the peer id its
 * state carries. Absent when unknown (an older client). Look the member up
 * in members() for its role.
 */
export type PresenceState = Presence

export interface CollabEvents {
  /** The status changed, or (while server-unreachable) who we draw with did. */
  status: ConnectionStatus
  members: Member[]
  cursor: RemoteCursor
  /** a peer's cursor is gone (it left) */
  cursorGone: string
  /** every known presence state, keyed by Yjs client id, ours included */
  presence: Map<number, PresenceState>
  /** Once: the doc holds what the server had (its HTTP snapshot or the keeper's sync step 2 was applied). */
  synced: true
}

export interface Collab {
  /** Our member record, once the server welcomed us. */
  readonly me: Member | null
  /** The server's word once it welcomed us; until then the token's role if the page could read it, else editor. */
  readonly role: Role
  status(): ConnectionStatus
  /** Members connected now (keeper included, us excluded). */
  members(): Member[]
  /** Members whose edits reach us over a live direct link, whatever the server does. */
  directPeers(): Member[]
  presence(): Map<number, PresenceState>
  /** Voice, camera and screen share (net/media-port.ts); null or absent when the board was mounted with `media: false`. */
  readonly media?: RoomMedia | null
  on<K extends keyof CollabEvents>(event: K, listener: (value: CollabEvents[K]) => void): () => void
  /** Board coordinates; `tool` is the PROTOCOL.md tool code. Coalesced to one frame per animation frame. */
  sendCursor(x: number, y: number, buttons: number, tool: number): void
  setPresence(update: { selection?: string[]; viewport?: PresenceState['viewport']; followMe?: boolean }): void
  destroy(): void
}

/** PROTOCOL.md cursor tool codes. */
export const TOOL_CODES = {
  select: 0,
  pen: 1,
  rect: 2,
  ellipse: 3,
  line: 4,
  arrow: 5,
  text: 6,
  sticky: 7,
  eraser: 8,
  pan: 9,
  laser: 10,
} as const
