// The mesh: one room, one Y.Doc, a WebRTC connection to the server's keeper
// and, in mesh mode, to every other member (topology.ts decides which). It
// implements Collab for the UI and mirrors crates/transport/src/room.rs:
// signaling in, one PeerLink + PeerCore per linked member, local doc updates
// and presence out to every peer, peers' updates (and what the keeper relays)
// in with a RemoteOrigin. A peer that breaks docs/PROTOCOL.md is disconnected
// (logged); the room goes on.

import * as Y from 'yjs'
import { applyUpdate, applyWholeUpdate } from '../doc/apply-update'
import { RemoteOrigin, isRemote } from '../doc/origin'
import { ProtocolError, reason } from '../protocol/error'
import { isSendablePosition, type CursorFrame } from '../protocol/cursor'
import type { SyncState } from '../protocol/session'
import type { Collab, CollabEvents, ConnectionStatus, Member, PresenceState, Role } from '../collab/port'
import { TOOL_CODES } from '../collab/port'
import { PresenceBook, type Speaker } from './awareness'
import { backoffDelay } from './backoff'
import { PeerCore } from './core'
import { Emitter } from '../util/emitter'
import { PeerLink } from './peer'
import { RoomMediaHub } from './media'
import type { RoomMedia } from '../collab/media-port'
import { attributePresence } from './presence-peers'
import { SignalingClient, type Signal, type Welcome } from './signaling'
import { requestSnapshot } from './snapshot-request'
import { connectionStatus } from './status'
import { MemberTopology, type KeeperNotice, type RoomMode } from './topology'
import { KEEPER_HOLD_MS, KeeperHold } from './keeper-hold'
import { markJoin } from '../util/join-marks'
import { QuietTimer } from '../util/quiet-timer'

export interface MeshOptions {
  doc: Y.Doc
  /** http(s) origin of the Inkmesh server, e.g. location.origin. */
  server: string
  room: string
  /**
   * A room token, asked for every (re)connection and for the snapshot; it may
   * throw while offline. `refresh` is true when the server refused the last one.
   */
  token: (refresh: boolean) => Promise<string>
  /** How the server's snapshot goes into the doc (the local copy takes it without re-encoding); default applyWholeUpdate (doc/apply-update.ts). */
  applySnapshot?: (update: Uint8Array, origin: RemoteOrigin) => void
  /** The snapshot request, if someone made it already (the app page does, before its bundle runs). */
  snapshot?: Promise<Response>
  /** Resolves when the snapshot may go into the doc (the local copy has loaded and drawn first); default at once. */
  snapshotReady?: () => Promise<void>
  onLog?: (message: string) => void
  /** `'relay'`: links go only through the welcome's TURN servers (the member's addresses stay hidden). Default `'all'`. */
  iceTransportPolicy?: RTCIceTransportPolicy
  /** Voice, camera and screen share on the direct links (docs/PROTOCOL.md, "Renegotiation"). Default false. */
  media?: boolean
  /** Our role until the welcome says it: the token's, when the page can read it. Default editor. */
  role?: Role
}

export interface MeshDebug {
  me: Member | null
  status: ConnectionStatus
  /** mesh: every pair of members links directly; star: through the keeper only. */
  mode: RoomMode
  /** Members we have a live direct link with (what our last links report said, or will). */
  directlyLinked: string[]
  /** Board updates from viewers that we dropped, since start. */
  droppedFromViewers: number
  peers: Array<{
    id: string
    name: string
    keeper: boolean
    role: Role
    session: SyncState
    board: RTCDataChannelState
    cursor: RTCDataChannelState
  }>
}

/** How often stalled reassemblies and departed presence clocks are checked. */
const TICK_MS = 1000
/** An offerer whose open board channel has heard nothing from the answerer for this long gives up and offers again. */
const SILENT_ANSWERER_MS = 15_000
/** Cursor frames are at most this often (about one per 60 Hz frame, with slack for timer jitter). */
const CURSOR_INTERVAL_MS = 12
const MAX_TOOL = Math.max(...Object.values(TOOL_CODES))
/**
 * Links hold their first step 1 while the snapshot loads, at most this long:
 * one that has not come by then may never (a stalled request), and the links
 * sync the board themselves. Under SILENT_ANSWERER_MS, so an offerer hears
 * from us before it gives up.
 */
const SNAPSHOT_HOLD_MAX_MS = 10_000

interface Connection {
  member: Member
  /** We made the offer: we re-offer if the link fails and the member is still in the room. */
  offerer: boolean
  link: PeerLink
  core: PeerCore
  /** Who owns the presence clients this connection announces. */
  speaker: Speaker
  /** performance.now() when the board channel opened. */
  openedAt: number | null
}

export class Mesh implements Collab {
  /** Resolves once the doc holds what the server had: its snapshot or the keeper's step 2 applied. */
  readonly synced: Promise<void>
  private resolveSynced!: () => void
  private isSynced = false
  private droppedFromViewers = 0

  private readonly doc: Y.Doc
  private readonly emitter = new Emitter<CollabEvents>()
  private readonly signaling: SignalingClient
  private readonly book: PresenceBook
  private readonly connections = new Map<string, Connection>()
  /** Who is in the room, and which links we hold and report. */
  private readonly topology = new MemberTopology()
  private iceServers: RTCIceServer[] = []
  private meValue: Member | null = null
  /** Editor until the welcome says otherwise, so a board opened offline can be drawn on. */
  private roleValue: Role
  private welcomedOnce = false
  private statusValue: ConnectionStatus = 'connecting'
  /** The direct peers the last 'server-unreachable' event named. */
  private statusPeers = ''
  private presencePatch: Pick<PresenceState, 'selection' | 'viewport' | 'followMe'> = { selection: [], viewport: null }
  private readonly reofferAttempts = new Map<string, number>()
  private readonly reofferTimers = new Map<string, ReturnType<typeof setTimeout>>()
  private cursorPending: { x: number; y: number; buttons: number; tool: number } | null = null
  private cursorScheduled = false
  private cursorSentAt = -Infinity
  /** The next connection's presence speaker id. */
  private nextSpeaker = 0
  private tickTimer: ReturnType<typeof setInterval> | undefined
  private readonly unsubscribe: Array<() => void> = []
  private started = false
  private destroyed = false
  /** The HTTP snapshot is on its way: new links hold their step 1 until it is in (see releaseSync). */
  private snapshotPending = false
  private snapshotHoldTimer: ReturnType<typeof setTimeout> | undefined
  /** The server deleted the board: the status stays 'deleted' and no link is made again. */
  private boardDeleted = false
  private readonly mediaHub: RoomMediaHub | null
  /** Our updates held for the keeper while it would forward them to no one (keeper-hold.ts). */
  private readonly keeperHold = new KeeperHold()
  private readonly keeperHoldTimer = new QuietTimer(() => this.releaseKeeperHold())

  constructor(private readonly options: MeshOptions) {
    this.doc = options.doc
    this.roleValue = options.role ?? 'editor'
    this.mediaHub = options.media === true ? new RoomMediaHub((m) => this.log(m)) : null
    this.synced = new Promise((resolve) => (this.resolveSynced = resolve))
    this.book = new PresenceBook(options.doc)
    this.signaling = new SignalingClient(
      { server: options.server, room: options.room, token: options.token, media: options.media === true },
      {
        welcome: (w) => this.onWelcome(w),
        peerJoined: (m) => this.onPeerJoined(m),
        peerLeft: (id) => this.onPeerLeft(id),
        signal: (from, s) => this.onSignal(from, s),
        changed: () => this.updateStatus(),
        deleted: (m) => this.onBoardDeleted(m),
        log: (m) => this.log(m),
      },
    )
  }

  get me(): Member | null {
    return this.meValue
  }

  /** Voice, camera and screen share; null when the mesh was made without them. */
  get media(): RoomMedia | null {
    return this.mediaHub
  }

  get role(): Role {
    return this.roleValue
  }

  status(): ConnectionStatus {
    return this.statusValue
  }

  members(): Member[] {
    return this.topology.roomMembers()
  }

  directPeers(): Member[] {
    return [...this.topology.directlyLinked()].flatMap((id) => this.topology.member(id) ?? [])
  }

  presence(): Map<number, PresenceState> {
    const direct = new Map<number, string>()
    for (const conn of this.connections.values()) if (!conn.member.keeper) direct.set(conn.speaker.id, conn.member.id)
    return attributePresence(
      this.book.states(),
      this.book.clientID,
      this.meValue?.id,
      (client) => this.book.owner(client),
      (speaker) => direct.get(speaker),
    )
  }

  on<K extends keyof CollabEvents>(event: K, listener: (value: CollabEvents[K]) => void): () => void {
    return this.emitter.on(event, listener)
  }

  /** Connects: signaling, and in parallel the HTTP snapshot for a first paint before WebRTC is up. */
  start(): void {
    if (this.started || this.destroyed) return
    this.started = true
    this.doc.on('update', this.onDocUpdate)
    this.unsubscribe.push(
      () => this.doc.off('update', this.onDocUpdate),
      this.book.onLocalUpdate((update) => this.broadcast((c) => c.core.awareness(update))),
      this.book.onChange(() => this.emitter.emit('presence', this.presence())),
    )
    if (typeof window !== 'undefined') {
      window.addEventListener('online', this.onOnline)
      window.addEventListener('offline', this.onOffline)
      window.addEventListener('pagehide', this.onPageHide)
      window.addEventListener('pageshow', this.onPageShow)
      this.unsubscribe.push(() => {
        window.removeEventListener('online', this.onOnline)
        window.removeEventListener('offline', this.onOffline)
        window.removeEventListener('pagehide', this.onPageHide)
        window.removeEventListener('pageshow', this.onPageShow)
      })
    }
    if (typeof document !== 'undefined') {
      document.addEventListener('visibilitychange', this.onVisibilityChange)
      this.unsubscribe.push(() => document.removeEventListener('visibilitychange', this.onVisibilityChange))
    }
    this.tickTimer = setInterval(() => this.tick(), TICK_MS)
    this.snapshotPending = true
    this.snapshotHoldTimer = setTimeout(() => this.releaseSync(`no snapshot after ${SNAPSHOT_HOLD_MAX_MS} ms`), SNAPSHOT_HOLD_MAX_MS)
    this.signaling.start()
    void this.fetchSnapshot().finally(() => this.releaseSync('the snapshot is done'))
    this.updateStatus()
  }

  /**
   * At most one cursor frame per CURSOR_INTERVAL_MS: a move goes out at once
   * unless one just did, then the latest collapses into one sent when the
   * interval is over. A timer, not requestAnimationFrame: a page that asks for
   * a frame on every move makes Chromium hold back the next pointermove until
   * that frame, adding most of a frame to every cursor.
   */
  sendCursor(x: number, y: number, buttons: number, tool: number): void {
    if (!isSendablePosition(x, y)) return
    this.cursorPending = { x, y, buttons, tool }
    if (this.cursorScheduled) return
    const wait = this.cursorSentAt + CURSOR_INTERVAL_MS - performance.now()
    if (wait <= 0) {
      this.flushCursor(performance.now())
      return
    }
    this.cursorScheduled = true
    setTimeout(() => {
      this.cursorScheduled = false
      this.flushCursor(performance.now())
    }, wait)
  }

  private flushCursor(now: number): void {
    const c = this.cursorPending
    this.cursorPending = null
    if (!c || this.destroyed) return
    this.cursorSentAt = now
    // The keeper relays a cursor only to members we have no live direct link
    // with (PROTOCOL.md, "What a member sends the keeper"): while that is
    // nobody, a frame to it is a send, an encryption and a keeper's read for nothing.
    const keeperToo = !this.topology.everyoneLinkedDirectly()
    for (const conn of this.connections.values()) {
      if (keeperToo || !conn.member.keeper) conn.core.sendCursor(c.x, c.y, c.buttons, c.tool)
    }
  }

  setPresence(update: { selection?: string[]; viewport?: PresenceState['viewport']; followMe?: boolean }): void {
    const next = { ...this.presencePatch, ...update }
    if (JSON.stringify(next) === JSON.stringify(this.presencePatch)) return
    this.presencePatch = next
    this.announce()
  }

  /** Test hook: peers and their session states. */
  debug(): MeshDebug {
    return {
      me: this.meValue,
      status: this.statusValue,
      mode: this.topology.mode(),
      directlyLinked: [...this.topology.directlyLinked()],
      droppedFromViewers: this.droppedFromViewers,
      peers: [...this.connections.values()].map(({ member, core, link }) => ({
        id: member.id,
        name: member.name,
        keeper: member.keeper,
        role: member.role,
        session: core.state(),
        board: link.boardState(),
        cursor: link.cursorState(),
      })),
    }
  }

  /** Test hook: sends an update to every peer, bypassing our own viewer check (receivers must drop it). */
  sendRawUpdate(update: Uint8Array): void {
    this.broadcast((c) => c.core.update(update))
  }

  /** Leaves: a final presence `null` to every peer, then closes every link, the socket and the timers. */
  destroy(): void {
    if (this.destroyed) return
    this.book.leave()
    this.releaseKeeperHold()
    this.destroyed = true
    for (const off of this.unsubscribe.splice(0)) off()
    for (const conn of this.connections.values()) conn.link.closeGracefully()
    this.connections.clear()
    for (const timer of this.reofferTimers.values()) clearTimeout(timer)
    this.reofferTimers.clear()
    clearInterval(this.tickTimer)
    clearTimeout(this.snapshotHoldTimer)
    this.mediaHub?.destroy()
    this.signaling.stop()
    this.book.destroy()
    this.emitter.clear()
  }

  // --- signaling ---

  /** The board is gone from the server: every link ends (nothing of this copy goes anywhere), the doc stays. */
  private onBoardDeleted(message: string): void {
    this.log(`the board was deleted: ${message}`)
    this.boardDeleted = true
    for (const conn of [...this.connections.values()]) this.drop(conn, 'the board was deleted', false)
    for (const timer of this.reofferTimers.values()) clearTimeout(timer)
    this.reofferTimers.clear()
    this.mediaHub?.boardDeleted()
    this.statusValue = 'deleted'
    this.emitter.emit('status', 'deleted')
  }

  private onWelcome(welcome: Welcome): void {
    // A (re)join gives us a new id: links made under the old one are dead to the others.
    for (const conn of [...this.connections.values()]) this.drop(conn, 'we rejoined the room', false)
    for (const timer of this.reofferTimers.values()) clearTimeout(timer)
    this.reofferTimers.clear()
    this.reofferAttempts.clear()
    this.meValue = welcome.me
    this.roleValue = welcome.me.role
    this.iceServers = welcome.iceServers
    const offers = this.topology.welcome(welcome.me, welcome.peers, welcome.meshLimit)
    this.welcomedOnce = true
    this.log(
      `joined as ${welcome.me.id} (${welcome.me.role}); ${welcome.peers.length} peer(s) in the room, ${this.topology.mode()} mode (mesh limit ${welcome.meshLimit ?? 'none'})`,
    )
    this.announce()
    this.roomChanged()
    // The newcomer offers: keeper first, then, in mesh mode, everyone else.
    for (const peer of offers) void this.offer(peer)
    this.updateStatus()
  }

  /** Existing members never offer to a newcomer; in star mode they close their direct links (the keeper relays). */
  private onPeerJoined(member: Member): void {
    // The keeper forwards to the newcomer until we link to it directly.
    this.releaseKeeperHold()
    if (this.topology.peerJoined(member)) {
      for (const conn of [...this.connections.values()]) {
        if (!conn.member.keeper) this.drop(conn, 'the room is in star mode: the keeper relays', false)
      }
    }
    this.roomChanged()
    this.updateStatus()
  }

  private onPeerLeft(id: string): void {
    clearTimeout(this.reofferTimers.get(id))
    this.reofferTimers.delete(id)
    this.reofferAttempts.delete(id)
    const conn = this.connections.get(id)
    if (conn) this.drop(conn, 'left the room', false)
    this.topology.peerLeft(id)
    // Its cursor may have come through the keeper, with no connection of its own.
    this.emitter.emit('cursorGone', id)
    this.roomChanged()
    this.updateStatus()
  }

  /** Members or the mode changed: the UI hears of it, and media follows the mode. */
  private roomChanged(): void {
    this.mediaHub?.setRoom(this.topology.mode(), this.topology.limit(), this.roleValue)
    this.emitter.emit('members', this.members())
  }

  private onSignal(from: string, signal: Signal): void {
    const conn = this.connections.get(from)
    switch (signal.type) {
      case 'offer':
        if (signal.renegotiate === true) void this.renegotiate(from, signal.sdp)
        else void this.answer(from, signal.sdp)
        break
      case 'answer':
        // The answer to our first offer, or to a renegotiation offer of either side's link.
        if (conn?.link.expectsAnswer()) {
          conn.link.acceptAnswer(signal.sdp).then(
            () => {
              // Chromium may open a negotiated channel before the answer's promise settles: then media is armed here.
              if (this.connections.get(from) === conn && conn.link.boardState() === 'open') this.armMedia(conn)
            },
            (e) => this.drop(conn, `bad answer: ${reason(e)}`, true),
          )
        }
        break
      case 'candidate':
        conn?.link.addCandidate(signal.candidate).catch((e) => this.log(`candidate from ${from} refused: ${reason(e)}`))
        break
    }
  }

  // --- connections ---

  private async offer(member: Member): Promise<void> {
    let conn: Connection | undefined
    try {
      conn = this.connect(member, true)
      const sdp = await conn.link.offer()
      if (this.connections.get(member.id) !== conn) return
      if (!this.signaling.send(member.id, { type: 'offer', sdp })) throw new Error('signaling is down')
      conn.link.signalled()
    } catch (e) {
      if (conn) this.drop(conn, `offer failed: ${reason(e)}`, true)
      else this.log(`cannot connect to ${member.id}: ${reason(e)}`)
    }
  }

  /** Existing members answer the newcomer's offer; a new offer from a member replaces its old link. */
  private async answer(from: string, sdp: string): Promise<void> {
    const member = this.topology.member(from)
    if (!member) {
      this.log(`ignored an offer from ${from}, who is not in the room`)
      return
    }
    let conn: Connection | undefined
    try {
      conn = this.connect(member, false)
      const answer = await conn.link.answer(sdp)
      if (this.connections.get(from) !== conn) return
      if (!this.signaling.send(from, { type: 'answer', sdp: answer })) throw new Error('signaling is down')
      conn.link.signalled()
    } catch (e) {
      if (conn) this.drop(conn, e instanceof ProtocolError ? refusal(e) : `answer failed: ${reason(e)}`, false)
      else this.log(`cannot answer ${from}: ${reason(e)}`)
    }
  }

  /**
   * A renegotiation offer for a live direct link: answered on the same
   * connection. Ignored from the keeper, and when we have no such link (it
   * was replaced, or never was): the sender's link is gone too, or re-offered.
   */
  private async renegotiate(from: string, sdp: string): Promise<void> {
    const conn = this.connections.get(from)
    if (!conn || !this.renegotiates(conn.member)) {
      this.log(`ignored a renegotiation offer from ${from}: no direct link to renegotiate`)
      return
    }
    // The peer's board channel may open (and its media be offered) before ours does.
    this.armMedia(conn)
    try {
      const answer = await conn.link.renegotiationAnswer(sdp)
      if (this.connections.get(from) !== conn) return
      if (answer === null) {
        this.log(`ignored a renegotiation offer from ${from}: it collided with ours, which wins (we are impolite), or the link is not renegotiating yet`)
        return
      }
      if (!this.signaling.send(from, { type: 'answer', sdp: answer })) throw new Error('signaling is down')
    } catch (e) {
      this.drop(conn, e instanceof ProtocolError ? refusal(e) : `renegotiation failed: ${reason(e)}`, true)
    }
  }

  /**
   * A direct link may renegotiate and carry media from now on: its board
   * channel opened, or the peer's first renegotiation offer came (its end
   * opened first). Only when both sides said `media` (PROTOCOL.md,
   * "Renegotiation"): never the keeper's, a native member's or an older
   * client's, which would not answer or would answer from a new connection.
   * A viewer's media sections are refused: viewers listen only. Once per
   * link; the link refuses while its first offer/answer is unfinished (an
   * offerer's board channel can open before its answer is applied: the
   * answer's arrival arms it then).
   */
  private armMedia(conn: Connection): void {
    const { member, link } = conn
    if (!this.renegotiates(member) || !link.startRenegotiation(!conn.offerer, member.role !== 'viewer', (sdp) => {
      if (this.connections.get(member.id) !== conn) return
      // An offer that never left would hold the link in have-local-offer: as
      // for a first offer, the link goes and its offerer offers again.
      if (!this.signaling.send(member.id, { type: 'offer', sdp, renegotiate: true })) this.drop(conn, 'renegotiation offer not sent: signaling is down', true)
    })) {
      return
    }
    this.mediaHub?.linkOpened(member, link.peerConnection)
  }

  /** Both we and `member` said `media` in our joins, and it is a person's direct link. */
  private renegotiates(member: Member): boolean {
    return this.mediaHub !== null && member.media === true && !member.keeper
  }

  private connect(member: Member, offerer: boolean): Connection {
    const old = this.connections.get(member.id)
    if (old) this.drop(old, 'replaced by a new connection', false)
    const doc = this.doc
    const origin = new RemoteOrigin(member.id)
    // Assigned right below; the callbacks only run once the link exists.
    let conn!: Connection
    const link = new PeerLink({ iceServers: this.iceServers, iceTransportPolicy: this.options.iceTransportPolicy ?? 'all' }, {
      open: () => {
        conn.openedAt = performance.now()
        this.armMedia(conn)
        this.guard(conn, () => conn.core.open())
        this.afterFrame(conn, 'connecting', false)
      },
      board: (data) => this.onBoard(conn, data),
      cursor: (data) => this.onCursor(conn, data),
      candidate: (candidate) => void this.signaling.send(member.id, { type: 'candidate', candidate }),
      closed: (why) => this.drop(conn, why, true),
      track: (e) => this.mediaHub?.remoteTrack(member.id, e.track),
    })
    const speaker: Speaker = { id: this.nextSpeaker++, relay: member.keeper }
    const core = new PeerCore(
      { local: this.roleValue, remote: member.role, localKeeper: this.meValue?.keeper ?? false, remoteKeeper: member.keeper },
      offerer,
      {
        stateVector: () => Y.encodeStateVector(doc),
        diff: (sv) => Y.encodeStateAsUpdate(doc, sv),
        apply: (update) => applyUpdate(doc, update, origin),
        awareness: () => this.book.oursUpdate(),
        presence: (update) => this.book.apply(speaker, update),
      },
      {
        board: (frame) => link.sendBoard(frame),
        cursor: (frame) => link.sendCursor(frame),
        boardBytesSent: () => link.boardBytesSent(),
      },
    )
    // Asked now, our step 1 would have the peer send the whole board the snapshot is bringing.
    if (this.snapshotPending) core.holdSync()
    conn = { member, offerer, link, core, speaker, openedAt: null }
    this.connections.set(member.id, conn)
    if (member.keeper) this.topology.keeperLinkStarted()
    this.updateStatus()
    return conn
  }

  private onBoard(conn: Connection, data: unknown): void {
    if (this.connections.get(conn.member.id) !== conn) return
    const before = conn.core.state()
    const wasSpeaking = conn.core.speaking
    this.guard(conn, () => {
      const result = conn.core.board(data, performance.now())
      if (result.droppedFromViewer) {
        this.droppedFromViewers++
        this.log(`dropped a board update from viewer ${conn.member.name} (${conn.member.id})`)
      }
      if (result.presenceUntracked > 0) {
        this.log(
          `presence table full: ${result.presenceUntracked} new client(s) from ${conn.member.name} (${conn.member.id}) not tracked [presence_table_clients]`,
        )
      }
      if (result.links) this.log(`links report from ${conn.member.name} (${conn.member.id}): [${result.links.join(', ')}]`)
    })
    this.afterFrame(conn, before, wasSpeaking)
  }

  /** What a frame (or the channel opening) changed in a connection's session: sync, and what the keeper must hear. */
  private afterFrame(conn: Connection, before: SyncState, wasSpeaking: boolean): void {
    if (this.connections.get(conn.member.id) !== conn) return
    const after = conn.core.state()
    if (conn.member.keeper && conn.core.speaking && !wasSpeaking) this.tellKeeper(this.topology.keeperLinkSpeaking())
    if (after === before) return
    if (conn.member.keeper && (after === 'synced' || after === 'live')) this.markSynced(`the keeper's sync step 2`)
    if (after === 'live') {
      this.reofferAttempts.delete(conn.member.id)
      if (!conn.member.keeper) this.tellKeeper(this.topology.directLinkLive(conn.member.id))
    }
    this.updateStatus()
  }

  /** Our links report, then a resync, to the keeper (if we have a link to it). */
  private tellKeeper(notice: KeeperNotice): void {
    const keeper = [...this.connections.values()].find((c) => c.member.keeper)
    if (!keeper) return
    this.guard(keeper, () => {
      if (notice.report) keeper.core.reportLinks(notice.report)
      if (notice.resync) keeper.core.resync(performance.now())
    })
  }

  private onCursor(conn: Connection, data: unknown): void {
    if (this.connections.get(conn.member.id) !== conn) return
    this.guard(conn, () => {
      const now = performance.now()
      for (const { origin, frame } of conn.core.cursor(data)) {
        if (origin === null) {
          this.showCursor(conn.member, frame)
          continue
        }
        const member = this.topology.relayedCursor(origin, frame, now)
        if (member) this.showCursor(member, frame)
      }
    })
  }

  private showCursor(member: Member, frame: CursorFrame): void {
    this.emitter.emit('cursor', {
      peerId: member.id,
      name: member.name,
      colour: member.colour,
      x: frame.x,
      y: frame.y,
      buttons: frame.buttons,
      // A tool code from a newer client shows as select.
      tool: frame.tool <= MAX_TOOL ? frame.tool : TOOL_CODES.select,
      at: performance.now(),
    })
  }

  /** Runs peer-driven work; a ProtocolError (or any other failure) ends that connection, not the room. */
  private guard(conn: Connection, work: () => void): void {
    try {
      work()
    } catch (error) {
      const why = error instanceof ProtocolError ? refusal(error) : `failed: ${reason(error)}`
      console.warn(`inkmesh: disconnecting ${conn.member.name} (${conn.member.id}): ${why}`)
      this.drop(conn, why, true)
    }
    this.updateStatus()
  }

  /** Sends something to every connection; one that cannot take it is dropped. */
  private broadcast(send: (conn: Connection) => void): void {
    for (const conn of [...this.connections.values()]) this.guard(conn, () => send(conn))
  }

  private drop(conn: Connection, why: string, retry: boolean): void {
    const { id, name } = conn.member
    if (this.connections.get(id) !== conn) return
    this.connections.delete(id)
    this.mediaHub?.linkClosed(id)
    conn.link.close()
    this.book.removePeer(conn.speaker.id)
    this.emitter.emit('cursorGone', id)
    this.log(`peer ${name} (${id}) disconnected: ${why}`)
    if (conn.member.keeper) {
      this.topology.keeperLinkEnded()
      // The cursors it relayed stop here.
      const direct = this.topology.directlyLinked()
      for (const m of this.topology.roomMembers()) if (!m.keeper && !direct.has(m.id)) this.emitter.emit('cursorGone', m.id)
    } else {
      this.tellKeeper(this.topology.directLinkEnded(id))
      // The keeper forwards to that member now.
      this.releaseKeeperHold()
    }
    if (retry && conn.offerer) this.scheduleReoffer(id)
    this.updateStatus()
  }

  /** We offered, the link ended, the member is still here: offer again, with backoff (to a member only in mesh mode). */
  private scheduleReoffer(id: string): void {
    if (this.destroyed || !this.signaling.welcomed || !this.topology.shouldReoffer(id)) return
    const attempt = this.reofferAttempts.get(id) ?? 0
    this.reofferAttempts.set(id, attempt + 1)
    clearTimeout(this.reofferTimers.get(id))
    const delay = backoffDelay(attempt)
    this.log(`re-offering to ${id} in ${delay} ms`)
    this.reofferTimers.set(
      id,
      setTimeout(() => {
        this.reofferTimers.delete(id)
        const member = this.topology.member(id)
        if (member && this.topology.shouldReoffer(id) && !this.destroyed && this.signaling.welcomed && !this.connections.has(id)) {
          void this.offer(member)
        }
      }, delay),
    )
  }

  // --- local changes ---

  /**
   * Every local doc update goes to every peer; a viewer's client sends none
   * (receivers would drop them). Direct peers get it first: each
   * RTCDataChannel.send holds the page for ~0.1-0.2 ms (Chromium, measured
   * on a loaded 2-core machine), and a peer's pen shows what a person waits
   * for. The keeper stores it, and forwards it only to members we do not
   * reach directly: while there are none, it waits up to KEEPER_HOLD_MS with
   * the updates after it, merged into one.
   */
  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (isRemote(origin) || this.roleValue === 'viewer') return
    for (const conn of [...this.connections.values()]) if (!conn.member.keeper) this.guard(conn, () => conn.core.update(update))
    this.keeperHoldTimer.sent()
    if (!this.mayHoldForKeeper()) {
      this.releaseKeeperHold()
      this.sendToKeeper(update)
      return
    }
    const { first, full } = this.keeperHold.add(update)
    if (full) this.releaseKeeperHold()
    else if (first) this.keeperHoldTimer.arm(KEEPER_HOLD_MS)
  }

  /** The keeper would forward our updates to no one, and the page's timers run on time (it is not hidden). */
  private mayHoldForKeeper(): boolean {
    const hidden = typeof document !== 'undefined' && document.visibilityState === 'hidden'
    return !hidden && this.topology.everyoneLinkedDirectly()
  }

  /** Sends the keeper what is held; with no keeper link, drops it: the next link's sync carries the whole board. */
  private releaseKeeperHold(): void {
    this.keeperHoldTimer.cancel()
    const held = this.keeperHold.take()
    if (held !== null) this.sendToKeeper(held)
  }

  private sendToKeeper(update: Uint8Array): void {
    for (const conn of [...this.connections.values()]) if (conn.member.keeper) this.guard(conn, () => conn.core.update(update))
  }

  private tick(): void {
    const now = performance.now()
    for (const conn of [...this.connections.values()]) {
      this.guard(conn, () => conn.core.tick(now))
      if (conn.offerer && !conn.core.speaking && conn.openedAt !== null && now - conn.openedAt > SILENT_ANSWERER_MS) {
        this.drop(conn, 'the answerer never spoke on the open board channel', true)
      }
    }
    this.book.prune()
  }

  // --- first paint, status ---

  private async fetchSnapshot(): Promise<void> {
    try {
      const ask = (refresh: boolean) => this.options.token(refresh).then((token) => requestSnapshot(this.options.server, this.options.room, token))
      let response = await (this.options.snapshot ?? ask(false))
      // A request made early that the server refused (a kept token it no longer takes, or none where it has an auth secret): once more, with a new one.
      if (response.status === 401 && this.options.snapshot !== undefined) response = await ask(true)
      if (!response.ok) {
        this.log(`snapshot: HTTP ${response.status}; waiting for the keeper's sync instead`)
        return
      }
      const update = new Uint8Array(await response.arrayBuffer())
      markJoin('snapshot-bytes')
      await this.options.snapshotReady?.()
      if (this.destroyed) return
      const apply = this.options.applySnapshot ?? ((u, origin) => applyWholeUpdate(this.doc, u, origin))
      // Our 'update' listener ignores remote updates; detached, it does not
      // make Yjs encode the whole board again for nothing.
      this.doc.off('update', this.onDocUpdate)
      try {
        apply(update, new RemoteOrigin('snapshot'))
        markJoin('snapshot-applied')
      } finally {
        this.doc.on('update', this.onDocUpdate)
      }
      this.markSynced(`the snapshot (${update.length} bytes)`)
    } catch (error) {
      this.log(`snapshot: ${reason(error)}; waiting for the keeper's sync instead`)
    }
  }

  /**
   * The snapshot is applied, failed, or is taking too long: links that held
   * their step 1 send it now, asking only for what the board still lacks.
   */
  private releaseSync(why: string): void {
    if (!this.snapshotPending || this.destroyed) return
    this.snapshotPending = false
    clearTimeout(this.snapshotHoldTimer)
    const held = [...this.connections.values()]
    if (held.length > 0) this.log(`sync step 1 to ${held.length} peer(s): ${why}`)
    for (const conn of held) this.guard(conn, () => conn.core.releaseSync())
  }

  private markSynced(what: string): void {
    if (this.isSynced || this.destroyed) return
    this.isSynced = true
    this.log(`synced from ${what}`)
    this.resolveSynced()
    this.emitter.emit('synced', true)
  }

  private readonly onOnline = (): void => {
    this.signaling.retryNow()
    this.updateStatus()
  }

  private readonly onOffline = (): void => this.updateStatus()

  /** A hidden tab's reconnects slow down (see backoff.ts); shown again, it retries at once. */
  /** Our presence as the welcome named us, with the selection and viewport we last set. */
  private announce(): void {
    if (this.meValue) this.book.setOurs({ name: this.meValue.name, colour: this.meValue.colour, peer: this.meValue.id, ...this.presencePatch })
  }

  /**
   * The page is going away (closed, reloaded, navigated): a presence `null`
   * to every peer now, so the others see us leave at once rather than when
   * each link or the keeper notices, and no stale copy of our state can be
   * relayed back to them meanwhile.
   */
  private readonly onPageHide = (): void => {
    this.releaseKeeperHold()
    this.book.leave()
  }

  /** Back from the back/forward cache: announce ourselves again. */
  private readonly onPageShow = (e: Event): void => {
    if ((e as PageTransitionEvent).persisted) this.announce()
  }

  /** Shown again, it reconnects at once; hidden, its timers slow down, so what it holds for the keeper goes now. */
  private readonly onVisibilityChange = (): void => {
    if (document.visibilityState === 'visible') this.signaling.retryNow()
    else this.releaseKeeperHold()
  }

  private updateStatus(): void {
    if (this.destroyed || this.boardDeleted) return
    const status = connectionStatus({
      online: typeof navigator === 'undefined' || navigator.onLine !== false,
      failures: this.signaling.failures,
      welcomedOnce: this.welcomedOnce,
      welcomed: this.signaling.welcomed,
      keeperInRoom: this.topology.roomMembers().some((m) => m.keeper),
      keeperRelays: this.topology.keeperRelays,
      otherMembers: this.topology.otherMemberCount(),
      peers: [...this.connections.values()].map((c) => ({
        keeper: c.member.keeper,
        boardOpen: c.link.boardState() === 'open',
        state: c.core.state(),
      })),
    })
    const peers = status === 'server-unreachable' ? this.directPeers().map((m) => m.id).join(' ') : ''
    if (status === this.statusValue && peers === this.statusPeers) return
    this.statusValue = status
    this.statusPeers = peers
    this.emitter.emit('status', status)
  }

  private log(message: string): void {
    this.options.onLog?.(message)
  }
}

/** Why a peer was refused, naming the PROTOCOL.md limit it exceeded, if any. Too slow is not misbehaving. */
function refusal(error: ProtocolError): string {
  const what = error.limit === 'peer_queue_bytes' ? error.message : `misbehaved: ${error.message}`
  return error.limit === undefined ? what : `${what} [${error.limit}]`
}
