// The member side of the room's topology (docs/PROTOCOL.md, "Topology"), as
// decisions without sockets: which links to open, close and re-offer, what to
// tell the keeper, and which relayed cursors to show. The mesh feeds it
// signaling and link events and carries out what it returns.
//
// Every member links to the keeper, which relays for every pair of members
// not directly linked. Small rooms (at most meshLimit members besides the
// keeper) also link every pair directly: lowest latency, and drawing goes on
// between linked members while the server is unreachable. Larger rooms go
// through the keeper only.

import { CursorFilter, type CursorFrame } from '../protocol/cursor'
import type { Member } from '../collab/port'

export type RoomMode = 'mesh' | 'star'

/**
 * A member's relayed cursors seen after this long without one are numbered
 * afresh: its seq restarts at 0 when its keeper link re-forms (same member
 * id), and the seq filter would otherwise hide it until the new numbering
 * passed the old one. A re-formed link takes longer than this.
 */
export const RELAYED_CURSOR_RENUMBER_MS = 500

/** What to tell the keeper after a change in our direct links, in this order. */
export interface KeeperNotice {
  /** Our new links report, or null if the keeper already has it (or we may not speak to it yet). */
  report: readonly string[] | null
  /** Send the keeper a new sync step 1: a live direct link ended, and the keeper did not forward what it carried. */
  resync: boolean
}

/** One member's relayed cursor filter: its seq, and when a frame of it was last accepted. */
interface RelayedCursorState {
  filter: CursorFilter
  acceptedAt: number
}

export class MemberTopology {
  /** Everyone in the room but us, keeper included. */
  private members = new Map<string, Member>()
  /** We are the keeper (the test rooms run one in a page): we link to whoever offers, and never count or close. */
  private keeper = false
  /** From welcome; null (an older server): no limit, mesh mode always. */
  private meshLimit: number | null = null
  /** Members we have a live direct link with (both sides' step 2 exchanged). */
  private readonly live = new Set<string>()
  /** The links report the current keeper link last carried; empty until the first (as the keeper assumes). */
  private reported = new Set<string>()
  /** We may speak on the current keeper link (the answerer's first frame arrived). */
  private keeperSpeaking = false
  /** Per member in the room, bounded by its size. */
  private readonly relayed = new Map<string, RelayedCursorState>()

  /** Joined (or rejoined, under a new id): the links to offer, the keeper first, then, in mesh mode, every other member. */
  welcome(me: Member, peers: readonly Member[], meshLimit: number | null): Member[] {
    this.keeper = me.keeper
    this.members = new Map(peers.map((p) => [p.id, p]))
    this.meshLimit = meshLimit
    this.live.clear()
    this.reported.clear()
    this.keeperSpeaking = false
    this.relayed.clear()
    const keepers = peers.filter((p) => p.keeper)
    const others = peers.filter((p) => !p.keeper)
    return this.mode() === 'mesh' ? [...keepers, ...others] : keepers
  }

  /** Members of the room other than the keeper, us included. */
  memberCount(): number {
    return this.otherMemberCount() + (this.keeper ? 0 : 1)
  }

  /** Members of the room other than the keeper and us. */
  otherMemberCount(): number {
    let count = 0
    for (const m of this.members.values()) if (!m.keeper) count++
    return count
  }

  /** The mesh limit from the welcome; null: none. */
  limit(): number | null {
    return this.meshLimit
  }

  mode(): RoomMode {
    return this.meshLimit === null || this.memberCount() <= this.meshLimit ? 'mesh' : 'star'
  }

  /** Whether the server relays (it announced a mesh limit); an older one does not. */
  get keeperRelays(): boolean {
    return this.meshLimit !== null
  }

  /** Someone joined. True: the room is in star mode now, so close every direct link (the keeper's stays). */
  peerJoined(member: Member): boolean {
    this.members.set(member.id, member)
    return !this.keeper && this.mode() === 'star'
  }

  peerLeft(id: string): void {
    this.members.delete(id)
    this.relayed.delete(id)
  }

  member(id: string): Member | undefined {
    return this.members.get(id)
  }

  /** Everyone in the room but us. */
  roomMembers(): Member[] {
    return [...this.members.values()]
  }

  /** A link we offered ended: offer again (with backoff) to the keeper, and to a member only while the room is in mesh mode. */
  shouldReoffer(id: string): boolean {
    const member = this.members.get(id)
    if (member === undefined) return false
    return member.keeper || this.mode() === 'mesh'
  }

  /** Members we reach directly now. */
  directlyLinked(): ReadonlySet<string> {
    return this.live
  }

  /** We reach every other member of the room directly (or are alone with the keeper): the keeper forwards what we send to no one. */
  everyoneLinkedDirectly(): boolean {
    for (const m of this.members.values()) if (!m.keeper && !this.live.has(m.id)) return false
    return true
  }

  /** A link to the keeper was made: it has no report from this link yet, and we may not speak on it yet. */
  keeperLinkStarted(): void {
    this.reported = new Set()
    this.keeperSpeaking = false
  }

  /** We may speak on the keeper link now: it gets our report if we have direct links. */
  keeperLinkSpeaking(): KeeperNotice {
    this.keeperSpeaking = true
    return { report: this.takeReport(), resync: false }
  }

  keeperLinkEnded(): void {
    this.keeperSpeaking = false
  }

  /** A direct link went live: the keeper stops relaying for the pair once both of us report it. */
  directLinkLive(id: string): KeeperNotice {
    this.live.add(id)
    return { report: this.takeReport(), resync: false }
  }

  /**
   * A direct link ended (failed, closed, star mode, the member left). If it
   * was live, the keeper gets our new report, then a new step 1 for what the
   * link carried and the keeper did not forward.
   */
  directLinkEnded(id: string): KeeperNotice {
    if (!this.live.delete(id)) return { report: null, resync: false }
    return { report: this.takeReport(), resync: this.keeperSpeaking && this.keeperRelays }
  }

  /**
   * A cursor the keeper relayed: the member to show it for, or null when it is
   * ignored (a member we link to directly sends us its cursor itself; an id
   * not in the room is unknown to us) or stale (seq filter per member).
   */
  relayedCursor(origin: string, frame: CursorFrame, now: number): Member | null {
    const member = this.members.get(origin)
    if (member === undefined || member.keeper || this.live.has(origin)) return null
    let state = this.relayed.get(origin)
    if (state === undefined || now - state.acceptedAt > RELAYED_CURSOR_RENUMBER_MS) {
      state = { filter: new CursorFilter(), acceptedAt: now }
      this.relayed.set(origin, state)
    }
    if (!state.filter.accept(frame.seq)) return null
    state.acceptedAt = now
    return member
  }

  /**
   * The report to send now, if the keeper's copy differs and we may speak to
   * it; remembered as sent. Never to an older keeper: it disconnects a peer
   * for a message type it does not know.
   */
  private takeReport(): string[] | null {
    if (!this.keeperSpeaking || !this.keeperRelays) return null
    if (this.live.size === this.reported.size && [...this.live].every((id) => this.reported.has(id))) return null
    this.reported = new Set(this.live)
    return [...this.live]
  }
}
