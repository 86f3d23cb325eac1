// Presence on top of y-protocols' Awareness (docs/PROTOCOL.md, "Presence").
//
// awareness.js does the clocks, the 15 s renewal and the 30 s expiry, but it
// trusts what it applies. So every update from a peer is validated first
// (protocol/presence.ts), entries about our own client are dropped (peers that
// relay would otherwise overwrite or remove our state), and who may speak for
// a client is checked (PROTOCOL.md, "Who speaks for a client", mirroring
// crates/transport/src/protocol/presence.rs):
//
// - the first connection that announces a client owns it; entries about a
//   client another member's connection owns are ignored;
// - a member's connection owns at most MAX_CLIENTS_PER_PEER clients (more:
//   a ProtocolError, nothing applied); the keeper relays others' presence, so
//   it may update any client and own up to MAX_TRACKED_CLIENTS, and a client
//   first heard through it is taken over by the client's own connection;
// - the table tracks at most MAX_TRACKED_CLIENTS: when full, a new client is
//   not tracked, and nobody is disconnected for it;
// - when a connection closes, the clients it owns go at once and are no
//   longer owned (their clocks stay for the expiry period). The keeper then
//   relays such a client's state again with the clock it already had (the
//   member's direct link ended, not the member): that one entry is taken
//   from the keeper even though its clock is not newer.

import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import type * as Y from 'yjs'
import { ProtocolError } from '../protocol/error'
import { MAX_CLIENTS_PER_PEER, MAX_TRACKED_CLIENTS } from '../protocol/limits'
import {
  PRESENCE_EXPIRY_MS,
  decodeAwarenessUpdate,
  encodeAwarenessUpdate as encodeEntries,
  presenceFromValue,
  trimPresence,
  type AwarenessEntry,
  type Presence,
} from '../protocol/presence'
import type { PresenceApplied } from './core'

/** Shown for a peer whose colour is not a CSS `#rrggbb` (names and colours are untrusted). */
const FALLBACK_COLOUR = '#868e96'
const COLOUR = /^#[0-9a-fA-F]{6}$/

/** Who an awareness update came from: one peer connection. */
export interface Speaker {
  /** Unique among the connections of one book (the mesh numbers them). */
  id: number
  /** The peer relays others' presence: the server's keeper (`keeper: true`). */
  relay: boolean
}

/** The connection that owns a client. */
interface Owner {
  speaker: number
  /** Claimed by a relay: the client's own connection, speaking directly, takes it over. */
  relayed: boolean
}

/** Whether a speaker may write a client's entry, and whether writing it makes the speaker its owner. */
type Permission = 'owner' | 'claim' | 'relay' | 'refused'

export class PresenceBook {
  readonly awareness: Awareness
  /** Our state, once we have one to announce (awareness.js starts us at `{}`, which peers refuse). */
  private ours: Presence | null = null
  /** The owner of each client that has one (present, or gone and remembered for its clock). */
  private readonly owners = new Map<number, Owner>()
  /** How many clients each speaker owns. */
  private readonly owned = new Map<number, number>()
  /** Clients removed because their connection closed, not because they left: the keeper may restore them at the same clock. */
  private readonly droppedWithLink = new Set<number>()

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

  /**
   * Validates and applies an awareness update from `speaker`. The whole update
   * is checked before any of it is applied: a bad entry, or one that would make
   * the speaker own more than its quota, throws a ProtocolError (disconnect
   * it). Entries about a client another member owns are skipped, and so are
   * new clients when the table is full (counted in `untracked`).
   */
  apply(speaker: Speaker, update: Uint8Array): PresenceApplied {
    const entries = decodeAwarenessUpdate(update).filter((e) => e.client !== this.clientID)
    const claims = new Set(entries.filter((e) => announces(e) && this.permission(speaker, e.client) === 'claim').map((e) => e.client))
    const count = (this.owned.get(speaker.id) ?? 0) + claims.size
    const quota = speaker.relay ? MAX_TRACKED_CLIENTS : MAX_CLIENTS_PER_PEER
    if (count > quota) {
      throw new ProtocolError(
        `awareness update would make this peer speak for ${count} clients, over the limit of ${quota}`,
        'awareness_clients_per_peer',
      )
    }
    const accepted: AwarenessEntry[] = []
    let untracked = 0
    let added = 0
    for (const e of entries) {
      const permission = this.permission(speaker, e.client)
      if (permission === 'refused') continue
      let meta = this.awareness.meta.get(e.client)
      if (speaker.relay && e.state !== null && this.droppedWithLink.delete(e.client) && meta?.clock === e.clock) {
        // awareness.js applies only a newer clock: forgetting the equal one lets the relayed state back in.
        this.awareness.meta.delete(e.client)
        meta = undefined
      }
      if (meta === undefined) {
        // A newcomer's null or clock 0 changes nothing: awareness.js would only keep a clock for it.
        if (!announces(e)) continue
        if (!this.makeRoom(added)) {
          untracked++
          continue
        }
        added++
      }
      accepted.push(e)
      // The entry wins (awareness.js's rule for a state): the speaker claims the client.
      if (permission === 'claim' && announces(e) && (meta?.clock ?? 0) < e.clock) this.setOwner(e.client, speaker)
    }
    if (accepted.length > 0) applyAwarenessUpdate(this.awareness, encodeEntries(accepted), speaker)
    return { untracked }
  }

  /** The connection that owns `client`, present or recently gone; undefined if none. */
  owner(client: number): number | undefined {
    return this.owners.get(client)?.speaker
  }

  /** Clients tracked (present, or gone and remembered for their clock), ours excluded. */
  tracked(): number {
    return this.awareness.meta.size - (this.awareness.meta.has(this.clientID) ? 1 : 0)
  }

  /** The connection closed: the clients it owns go at once and are no longer owned (their clocks stay until expiry). */
  removePeer(speaker: number): void {
    if (!this.owned.delete(speaker)) return
    const clients: number[] = []
    for (const [client, owner] of this.owners) if (owner.speaker === speaker) clients.push(client)
    for (const client of clients) {
      this.owners.delete(client)
      if (this.awareness.states.has(client)) this.droppedWithLink.add(client)
    }
    removeAwarenessStates(this.awareness, clients, 'disconnected')
  }

  /**
   * Forgets the clocks of clients gone for the expiry period (awareness.js
   * keeps them forever, which a peer inventing clients could abuse), and
   * their owners; until then a stale copy of a departed client's state cannot
   * bring it back.
   */
  prune(now: number = Date.now()): void {
    for (const [client, meta] of this.awareness.meta) {
      if (client !== this.clientID && !this.awareness.states.has(client) && now - meta.lastUpdated >= PRESENCE_EXPIRY_MS) {
        this.awareness.meta.delete(client)
        this.droppedWithLink.delete(client)
        this.release(client)
      }
    }
  }

  private permission(speaker: Speaker, client: number): Permission {
    const owner = this.owners.get(client)
    if (owner === undefined) return 'claim'
    if (owner.speaker === speaker.id) return 'owner'
    if (speaker.relay) return 'relay'
    return owner.relayed ? 'claim' : 'refused'
  }

  private setOwner(client: number, speaker: Speaker): void {
    this.release(client)
    this.owners.set(client, { speaker: speaker.id, relayed: speaker.relay })
    this.owned.set(speaker.id, (this.owned.get(speaker.id) ?? 0) + 1)
  }

  /** `client` has no owner any more. */
  private release(client: number): void {
    const owner = this.owners.get(client)
    if (owner === undefined) return
    this.owners.delete(client)
    const count = (this.owned.get(owner.speaker) ?? 1) - 1
    if (count > 0) this.owned.set(owner.speaker, count)
    else this.owned.delete(owner.speaker)
  }

  /**
   * Whether one more new client fits, with `adding` new ones already accepted
   * from this update. When the table is full, the clock of a client gone and
   * no longer owned is forgotten early to make room.
   */
  private makeRoom(adding: number): boolean {
    if (this.tracked() + adding < MAX_TRACKED_CLIENTS) return true
    for (const client of this.awareness.meta.keys()) {
      if (client !== this.clientID && !this.awareness.states.has(client) && !this.owners.has(client)) {
        this.awareness.meta.delete(client)
        this.droppedWithLink.delete(client)
        return true
      }
    }
    return false
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

/** The entry announces a state a receiver records: a state, with a clock above 0. */
function announces(entry: AwarenessEntry): boolean {
  return entry.state !== null && entry.clock > 0
}
