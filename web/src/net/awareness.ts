// Presence on top of y-protocols' Awareness (docs/PROTOCOL.md, "Presence").
//
// awareness.js does the clocks, the 15 s renewal and the 30 s expiry, but it
// trusts what it applies. So every update from a peer is validated first
// (protocol/presence.ts), entries about our own client are dropped (peers that
// relay would otherwise overwrite or remove our state), the tracked-client
// bound is enforced, and we remember which clients each peer spoke for, so
// they can be removed at once when that peer disconnects.

import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import type * as Y from 'yjs'
import { ProtocolError } from '../protocol/error'
import { MAX_TRACKED_CLIENTS } from '../protocol/limits'
import {
  PRESENCE_EXPIRY_MS,
  decodeAwarenessUpdate,
  encodeAwarenessUpdate as encodeEntries,
  presenceFromValue,
  trimPresence,
  type Presence,
} from '../protocol/presence'

/** Shown for a peer whose colour is not a CSS `#rrggbb` (names and colours are untrusted). */
const FALLBACK_COLOUR = '#868e96'
const COLOUR = /^#[0-9a-fA-F]{6}$/

export class PresenceBook {
  readonly awareness: Awareness
  /** Our state, once we have one to announce (awareness.js starts us at `{}`, which peers refuse). */
  private ours: Presence | null = null
  private readonly byPeer = new Map<string, Set<number>>()

  constructor(doc: Y.Doc) {
    this.awareness = new Awareness(doc)
  }

  get clientID(): number {
    return this.awareness.clientID
  }

  /** Sets our whole state (trimmed to what receivers accept); the 'update' listener sends it. */
  setOurs(presence: Presence): void {
    this.ours = trimPresence(presence)
    this.awareness.setLocalState({ ...this.ours })
  }

  /** Our awareness update with the current clock, for a peer we start speaking to; null before we have a state. */
  oursUpdate(): Uint8Array | null {
    if (this.ours === null || this.awareness.getLocalState() === null) return null
    return encodeAwarenessUpdate(this.awareness, [this.clientID])
  }

  /** Called with our awareness update whenever awareness.js changes or renews our state. */
  onLocalUpdate(send: (update: Uint8Array) => void): () => void {
    const listener = (_: unknown, origin: unknown) => {
      if (origin === 'local' && this.ours !== null) send(encodeAwarenessUpdate(this.awareness, [this.clientID]))
    }
    this.awareness.on('update', listener)
    return () => this.awareness.off('update', listener)
  }

  onChange(listener: () => void): () => void {
    this.awareness.on('change', listener)
    return () => this.awareness.off('change', listener)
  }

  /** Validates and applies a peer's awareness update; throws a ProtocolError (nothing applied) if it is bad. */
  apply(peerId: string, update: Uint8Array): void {
    const entries = decodeAwarenessUpdate(update).filter(
      // Our own id echoed back, and a newcomer's null (nothing to remove, no clock worth keeping).
      (e) => e.client !== this.clientID && !(e.state === null && !this.awareness.meta.has(e.client)),
    )
    const newcomers = new Set(entries.filter((e) => e.state !== null && !this.awareness.meta.has(e.client)).map((e) => e.client))
    const tracked = this.awareness.meta.size - (this.awareness.meta.has(this.clientID) ? 1 : 0)
    if (tracked + newcomers.size > MAX_TRACKED_CLIENTS) {
      throw new ProtocolError(`presence table is full (${MAX_TRACKED_CLIENTS} clients)`)
    }
    if (entries.length === 0) return
    let spoken = this.byPeer.get(peerId)
    if (!spoken) this.byPeer.set(peerId, (spoken = new Set()))
    for (const e of entries) {
      if (e.state === null) spoken.delete(e.client)
      else spoken.add(e.client)
    }
    applyAwarenessUpdate(this.awareness, encodeEntries(entries), peerId)
  }

  /** The peer disconnected: its clients go at once. */
  removePeer(peerId: string): void {
    const clients = this.byPeer.get(peerId)
    this.byPeer.delete(peerId)
    if (clients && clients.size > 0) removeAwarenessStates(this.awareness, [...clients], 'disconnected')
  }

  /**
   * Forgets the clocks of clients gone for the expiry period (awareness.js
   * keeps them forever, which a peer inventing clients could abuse); until
   * then a stale copy of a departed client's state cannot bring it back.
   */
  prune(now: number = Date.now()): void {
    for (const [client, meta] of this.awareness.meta) {
      if (client !== this.clientID && !this.awareness.states.has(client) && now - meta.lastUpdated >= PRESENCE_EXPIRY_MS) {
        this.awareness.meta.delete(client)
      }
    }
  }

  /** Every known state, ours included, keyed by Yjs client id, with colours safe for CSS. */
  states(): Map<number, Presence> {
    const out = new Map<number, Presence>()
    for (const [client, value] of this.awareness.getStates()) {
      let presence: Presence | null
      try {
        presence = client === this.clientID ? this.ours : presenceFromValue(value)
      } catch {
        presence = null
      }
      if (presence) out.set(client, { ...presence, colour: COLOUR.test(presence.colour) ? presence.colour : FALLBACK_COLOUR })
    }
    return out
  }

  /** We leave: a final `null` (clock + 1) goes to every peer through onLocalUpdate. */
  leave(): void {
    if (this.awareness.getLocalState() !== null) this.awareness.setLocalState(null)
  }

  /** Stops awareness.js's timers. Unsubscribe onLocalUpdate first: this sets our state to null once more. */
  destroy(): void {
    this.awareness.destroy()
  }
}
