// Meshes in one process: a fake signaling server (the PROTOCOL.md messages) and
// fake RTCPeerConnections whose negotiated channels deliver to each other. It
// checks the mesh's wiring (offers, who speaks first, sync, roles, presence,
// cursors, status, leaving); the real WebRTC stack is the lead's Playwright run.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { Mesh, type MeshOptions } from '../src/net/mesh'
import { KEEPER_HOLD_MS } from '../src/net/keeper-hold'
import { QUIET_AFTER_SEND_MS } from '../src/util/quiet-timer'
import { SignalingClient, type Signal } from '../src/net/signaling'
import { MAX_MEDIA_SECTIONS } from '../src/protocol/limits'
import { LOCAL_ORIGIN } from '../src/doc/origin'
import type { ConnectionStatus, Member, RemoteCursor } from '../src/collab/port'
import { encodeMessage } from '../src/protocol/frame'
import { encodeAwarenessUpdate } from '../src/protocol/presence'
import { encodeCursor } from '../src/protocol/cursor'
import { hex } from './protocol-hex'

type Json = Record<string, unknown>

class Hub {
  private next = 0
  /** Sent in welcome as meshLimit; undefined: an older server that sends none. */
  meshLimit: number | undefined
  /** The server is gone: sockets are refused. */
  down = false

  /** The server goes away: every socket drops, new ones are refused. */
  stop(): void {
    this.down = true
    for (const socket of this.sockets.values()) socket.drop()
    this.sockets.clear()
    this.members.clear()
  }
  readonly sockets = new Map<string, FakeWebSocket>()
  readonly members = new Map<string, Member>()

  handle(socket: FakeWebSocket, message: Json): void {
    if (message.type === 'join') {
      const token = String(message.token)
      const id = token === 'keeper' ? `keeper-${++this.next}` : `p-${++this.next}`
      const me: Member = {
        id,
        name: token,
        colour: '#1971c2',
        role: token.startsWith('viewer') ? 'viewer' : 'editor',
        keeper: token === 'keeper',
        // Repeated from the join, as the server does (PROTOCOL.md, `join`).
        ...(message.media === true ? { media: true } : {}),
      }
      const peers = [...this.members.values()].sort((a, b) => Number(b.keeper) - Number(a.keeper))
      for (const s of this.sockets.values()) s.deliver({ type: 'peer-joined', peer: me })
      socket.id = id
      this.sockets.set(id, socket)
      this.members.set(id, me)
      socket.deliver({ type: 'welcome', me, peers, iceServers: [], ...(this.meshLimit === undefined ? {} : { meshLimit: this.meshLimit }) })
    } else if (message.type === 'signal') {
      this.sockets.get(String(message.to))?.deliver({ type: 'signal', from: socket.id, signal: message.signal })
    } else if (message.type === 'ping') {
      socket.deliver({ type: 'pong' })
    }
  }

  leave(socket: FakeWebSocket): void {
    if (!socket.id || !this.sockets.delete(socket.id)) return
    this.members.delete(socket.id)
    for (const s of this.sockets.values()) s.deliver({ type: 'peer-left', id: socket.id })
  }
}

let hub: Hub

class FakeWebSocket {
  id: string | undefined
  readyState = 0
  onopen: (() => void) | null = null
  onmessage: ((e: { data: string }) => void) | null = null
  onclose: ((e: { code: number; reason: string }) => void) | null = null
  constructor(readonly url: string) {
    setTimeout(() => {
      if (hub.down) {
        this.drop()
        return
      }
      this.readyState = 1
      this.onopen?.()
    }, 0)
  }
  drop() {
    this.readyState = 3
    this.onclose?.({ code: 1006, reason: '' })
  }
  send(text: string) {
    hub.handle(this, JSON.parse(text) as Json)
  }
  close() {
    this.readyState = 3
    hub.leave(this)
  }
  deliver(message: Json) {
    setTimeout(() => this.onmessage?.({ data: JSON.stringify(message) }), 0)
  }
}

const pcs = new Map<string, FakePeerConnection>()
/** Channels open once the answerer has answered, before the offerer applies the answer (answers then come late). */
let openBeforeAnswer = false
let pcCount = 0
/** Every message a fake channel carried, in order: to which connection, on which channel. */
const carried: Array<{ to: string; label: string; bytes: Uint8Array }> = []

class FakeChannel {
  readyState: RTCDataChannelState = 'connecting'
  bufferedAmount = 0
  bufferedAmountLowThreshold = 0
  binaryType = 'blob'
  onopen: (() => void) | null = null
  onclose: (() => void) | null = null
  onmessage: ((e: { data: unknown }) => void) | null = null
  onbufferedamountlow: (() => void) | null = null
  constructor(readonly pc: FakePeerConnection, readonly label: string, readonly id: number) {}
  send(data: Uint8Array) {
    if (this.readyState !== 'open') throw new Error('InvalidStateError')
    const copy = data.slice().buffer
    const remote = this.pc.remote?.channels.find((c) => c.id === this.id)
    if (this.pc.remote) carried.push({ to: this.pc.remote.name, label: this.label, bytes: new Uint8Array(copy) })
    setTimeout(() => remote?.readyState === 'open' && remote.onmessage?.({ data: copy }), 0)
  }
  close() {
    this.readyState = 'closed'
  }
}

class FakePeerConnection {
  readonly name = `pc${++pcCount}`
  readonly channels: FakeChannel[] = []
  remote: FakePeerConnection | undefined
  localDescription: { type: string; sdp: string } | null = null
  remoteSet = false
  connectionState = 'new'
  signalingState: RTCSignalingState = 'stable'
  /** Set by the mesh once the link may renegotiate (direct links only). */
  onnegotiationneeded: (() => void) | null = null
  ontrack: ((e: unknown) => void) | null = null
  onicecandidate: ((e: { candidate: unknown }) => void) | null = null
  onconnectionstatechange: (() => void) | null = null
  constructor() {
    pcs.set(this.name, this)
  }
  createDataChannel(label: string, init: { id: number; negotiated: boolean }) {
    expect(init.negotiated).toBe(true)
    const channel = new FakeChannel(this, label, init.id)
    this.channels.push(channel)
    return channel
  }
  /** No media in these tests: the renegotiation is what is checked. */
  getTransceivers(): RTCRtpTransceiver[] {
    return []
  }
  async createOffer() {
    return { type: 'offer', sdp: this.name }
  }
  async createAnswer() {
    return { type: 'answer', sdp: this.name }
  }
  /** Without a description: the offer or answer the state calls for, as browsers do. */
  async setLocalDescription(given?: { type: string; sdp: string }) {
    const d = given ?? { type: this.signalingState === 'have-remote-offer' ? 'answer' : 'offer', sdp: this.name }
    this.localDescription = d
    this.signalingState = d.type === 'offer' ? 'have-local-offer' : 'stable'
    setTimeout(() => this.onicecandidate?.({ candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.7 5000 typ host', toJSON: () => ({ candidate: 'candidate:1 1 udp 1 192.0.2.7 5000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null }) } }), 0)
    this.maybeConnect()
  }
  async setRemoteDescription(d: { type: string; sdp: string }) {
    this.signalingState = d.type === 'offer' ? 'have-remote-offer' : 'stable'
    this.remote = pcs.get(d.sdp)
    this.remoteSet = true
    this.maybeConnect()
  }
  async addIceCandidate(c: { candidate: string }) {
    expect(this.remoteSet).toBe(true)
    expect(c.candidate).toMatch(/^candidate:/)
  }
  close() {
    this.connectionState = 'closed'
    for (const c of this.channels) c.readyState = 'closed'
    const remote = this.remote
    if (remote && remote.connectionState !== 'closed') {
      setTimeout(() => remote.channels.find((c) => c.id === 0)?.onclose?.(), 0)
    }
  }
  private maybeConnect() {
    const remote = this.remote
    if (openBeforeAnswer && remote && this.localDescription?.type === 'answer' && this.remoteSet && !remote.remoteSet) {
      // As Chromium may: the offerer's channels open while its answer is still being applied.
      remote.remote = this
      for (const pc of [this, remote]) {
        pc.connectionState = 'connected'
        for (const c of pc.channels) c.readyState = 'open'
      }
      for (const pc of [this, remote]) setTimeout(() => pc.channels.forEach((c) => c.onopen?.()), 0)
      return
    }
    if (!remote || !this.localDescription || !remote.localDescription || !this.remoteSet || !remote.remoteSet) return
    // Opened already (openBeforeAnswer): the answer applied late changes nothing.
    if (this.connectionState === 'connected' && remote.connectionState === 'connected') return
    for (const pc of [this, remote]) {
      pc.connectionState = 'connected'
      for (const c of pc.channels) c.readyState = 'open'
    }
    // The answerer's side opens first, as with a real SCTP client.
    for (const pc of [this, remote]) setTimeout(() => pc.channels.forEach((c) => c.onopen?.()), 0)
  }
}

/** `media`: the client says `media` in its join and renegotiates its direct links. */
function mesh(token: string, logs: string[] = [], media = false) {
  const doc = new Y.Doc()
  const m = new Mesh({ doc, server: 'http://inkmesh.test', room: 'r', token: async () => token, onLog: (l) => logs.push(l), media })
  const statuses: ConnectionStatus[] = []
  const cursors: RemoteCursor[] = []
  m.on('status', (s) => statuses.push(s))
  m.on('cursor', (c) => cursors.push(c))
  m.start()
  return { m, doc, statuses, cursors, logs }
}

const settle = () => vi.advanceTimersByTimeAsync(200)
/** Whole board frames holding an `update` (00, then 00 02) carried to the end named `to` so far. */
const updateFramesTo = (to: string) => carried.filter((c) => c.to === to && c.label === 'board' && hex(c.bytes.subarray(0, 3)) === '00 00 02').length
const meshes: Mesh[] = []

beforeEach(() => {
  vi.useFakeTimers()
  hub = new Hub()
  pcs.clear()
  carried.length = 0
  openBeforeAnswer = false
  vi.stubGlobal('WebSocket', FakeWebSocket)
  vi.stubGlobal('RTCPeerConnection', FakePeerConnection)
  vi.stubGlobal('fetch', async () => new Response(null, { status: 404 }))
})
afterEach(() => {
  meshes.splice(0).forEach((m) => m.destroy())
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe('mesh', () => {
  it('syncs a newcomer with the keeper and peers, broadcasts edits, drops a viewer’s, shows presence and cursors', async () => {
    const keeper = mesh('keeper')
    meshes.push(keeper.m)
    keeper.doc.getMap('elements').set('k1', 'kept')
    await settle()
    expect(keeper.m.status()).toBe('syncing') // nobody else yet

    const ann = mesh('Ann')
    meshes.push(ann.m)
    expect(ann.m.status()).toBe('connecting')
    let synced = false
    void ann.m.synced.then(() => (synced = true))
    await settle()
    expect(ann.doc.getMap('elements').get('k1')).toBe('kept')
    expect(synced).toBe(true)
    expect(ann.m.status()).toBe('live')
    expect(ann.statuses).toEqual(['syncing', 'live'])
    expect(ann.m.debug().peers).toEqual([
      expect.objectContaining({ keeper: true, session: 'live', board: 'open', cursor: 'open' }),
    ])

    ann.doc.transact(() => ann.doc.getMap('elements').set('a1', 'drawn'), LOCAL_ORIGIN)
    await settle()
    expect(keeper.doc.getMap('elements').get('a1')).toBe('drawn')

    const viewer = mesh('viewer-Vi')
    meshes.push(viewer.m)
    await settle()
    expect(viewer.m.role).toBe('viewer')
    // Before its welcome, a page's role is the one it was given (the token's).
    const early = new Mesh({ doc: new Y.Doc(), server: 'http://inkmesh.test', room: 'r', token: async () => 'viewer-Vo', role: 'viewer' })
    expect(early.role).toBe('viewer')
    expect(new Mesh({ doc: new Y.Doc(), server: 'http://inkmesh.test', room: 'r', token: async () => 'Ed' }).role).toBe('editor')
    expect(viewer.m.status()).toBe('live')
    expect(viewer.doc.getMap('elements').toJSON()).toEqual({ k1: 'kept', a1: 'drawn' })
    // A viewer's client sends no updates; one sent anyway is dropped by everyone.
    viewer.doc.getMap('elements').set('v1', 'ignored')
    const raw = new Y.Doc()
    raw.getMap('elements').set('v2', 'forced')
    viewer.m.sendRawUpdate(Y.encodeStateAsUpdate(raw))
    await settle()
    expect(ann.doc.getMap('elements').has('v1')).toBe(false)
    expect(ann.doc.getMap('elements').has('v2')).toBe(false)
    expect(keeper.doc.getMap('elements').has('v2')).toBe(false)
    expect(ann.logs.some((l) => l.includes('dropped a board update from viewer'))).toBe(true)

    expect([...ann.m.presence().values()].map((p) => p.name).sort()).toEqual(['Ann', 'keeper', 'viewer-Vi'])
    ann.m.setPresence({ selection: ['a1'] })
    await settle()
    expect([...keeper.m.presence().values()].find((p) => p.name === 'Ann')?.selection).toEqual(['a1'])

    ann.m.sendCursor(10, 20, 1, 1) // the first move of a frame goes out at once
    ann.m.sendCursor(11, 21, 1, 1) // same frame: held back
    await settle()
    expect(viewer.cursors).toEqual([
      expect.objectContaining({ peerId: ann.m.me!.id, name: 'Ann', x: 10, y: 20, tool: 1 }),
      expect.objectContaining({ peerId: ann.m.me!.id, name: 'Ann', x: 11, y: 21, tool: 1 }),
    ])

    // Ann leaves: her presence and connection go everywhere.
    const annId = ann.m.me!.id
    ann.m.destroy()
    await settle()
    expect([...keeper.m.presence().values()].map((p) => p.name).sort()).toEqual(['keeper', 'viewer-Vi'])
    expect(keeper.m.members().map((m) => m.id)).not.toContain(annId)
    expect(keeper.m.debug().peers.map((p) => p.id)).not.toContain(annId)
  })

  it('renegotiates a live direct link on the same connection, both ways, and never the keeper link', async () => {
    const keeper = mesh('keeper')
    const ann = mesh('Ann', [], true)
    const bob = mesh('Bob', [], true)
    meshes.push(keeper.m, ann.m, bob.m)
    await settle()
    const made = pcs.size
    // Three links: Ann–keeper, Bob–keeper, Ann–Bob. Only the direct link is
    // armed, on both ends; neither end of a keeper link is.
    const armed = (pc: FakePeerConnection) => pc.onnegotiationneeded !== null
    const links = [...pcs.values()].filter((pc) => pc.connectionState === 'connected')
    expect(links).toHaveLength(6)
    const direct = links.filter((pc) => armed(pc) && armed(pc.remote!))
    expect(direct).toHaveLength(2)
    const keeperLinkEnds = links.filter((pc) => !armed(pc))
    expect(keeperLinkEnds).toHaveLength(4)
    const annToBob = direct[0]!
    const offers: Json[] = []
    const send = FakeWebSocket.prototype.send
    vi.spyOn(FakeWebSocket.prototype, 'send').mockImplementation(function (this: FakeWebSocket, text: string) {
      const message = JSON.parse(text) as Json
      if (message.type === 'signal' && (message.signal as Json).type === 'offer') offers.push(message)
      send.call(this, text)
    })
    // One end adds media, then the other (no collision: each offer is answered).
    for (const pc of [annToBob, annToBob.remote!]) {
      pc.onnegotiationneeded?.()
      await settle()
    }
    expect(offers.map((o) => (o.signal as Json).renegotiate)).toEqual([true, true])
    expect(pcs.size).toBe(made) // no new connection on either side
    for (const pc of [annToBob, annToBob.remote!]) expect(pc.signalingState).toBe('stable')
    expect(ann.m.debug().peers.map((p) => p.session)).toEqual(['live', 'live'])
    expect(bob.m.debug().peers.map((p) => p.session)).toEqual(['live', 'live'])
    // Only the two direct ends offered: no offer went to the keeper.
    expect(offers.map((o) => o.to).sort()).toEqual([ann.m.me!.id, bob.m.me!.id].sort())
  })

  it('arms media on a direct link whose board channel opened before its answer was applied, as Chromium may', async () => {
    openBeforeAnswer = true
    const keeper = mesh('keeper')
    const ann = mesh('Ann', [], true)
    meshes.push(keeper.m, ann.m)
    await settle()
    const bob = mesh('Bob', [], true)
    meshes.push(bob.m)
    await settle()
    expect(bob.m.debug().peers.map((p) => [p.name, p.session])).toEqual([
      ['keeper', 'live'],
      ['Ann', 'live'],
    ])
    // Bob offered: his channel opened while his link still awaited the answer, and could not be armed then.
    expect(bob.m.media!.state().peers.map((p) => p.name)).toEqual(['Ann'])
    expect(ann.m.media!.state().peers.map((p) => p.name)).toEqual(['Bob'])
  })

  it('settles a collision: the impolite offerer ignores the polite side’s offer, the polite side answers', async () => {
    const keeper = mesh('keeper')
    const ann = mesh('Ann', [], true)
    const bob = mesh('Bob', [], true)
    meshes.push(keeper.m, ann.m, bob.m)
    await settle()
    const armed = (pc: FakePeerConnection) => pc.onnegotiationneeded !== null
    const direct = [...pcs.values()].filter((pc) => pc.connectionState === 'connected' && armed(pc) && armed(pc.remote!))
    const signals: Array<{ from: string; type: string }> = []
    const send = FakeWebSocket.prototype.send
    vi.spyOn(FakeWebSocket.prototype, 'send').mockImplementation(function (this: FakeWebSocket, text: string) {
      const message = JSON.parse(text) as Json
      const signal = message.signal as Json | undefined
      if (message.type === 'signal' && signal?.type !== 'candidate') signals.push({ from: this.id!, type: String(signal!.type) })
      send.call(this, text)
    })
    // Both ends want to renegotiate in the same moment.
    for (const pc of direct) pc.onnegotiationneeded?.()
    await settle()
    const bobId = bob.m.me!.id
    const annId = ann.m.me!.id
    // Bob joined last, so he made the link's first offer: he is impolite and ignores Ann's offer; Ann rolls back and answers his.
    expect(signals.filter((s) => s.type === 'offer').map((s) => s.from).sort()).toEqual([annId, bobId].sort())
    expect(signals.filter((s) => s.type === 'answer')).toEqual([{ from: annId, type: 'answer' }])
    for (const pc of direct) expect(pc.signalingState).toBe('stable')
    expect(ann.m.debug().peers.map((p) => p.session)).toEqual(['live', 'live'])
    expect(bob.m.debug().peers.map((p) => p.session)).toEqual(['live', 'live'])
  })

  it('renegotiates only with members that said `media`: an older or native client is never offered media, nor listed', async () => {
    const keeper = mesh('keeper')
    const ann = mesh('Ann', [], true)
    const old = mesh('Old') // says nothing of media, as clients before it and native members do
    const bob = mesh('Bob', [], true)
    meshes.push(keeper.m, ann.m, old.m, bob.m)
    await settle()
    const offers: Json[] = []
    const send = FakeWebSocket.prototype.send
    vi.spyOn(FakeWebSocket.prototype, 'send').mockImplementation(function (this: FakeWebSocket, text: string) {
      const message = JSON.parse(text) as Json
      if (message.type === 'signal' && (message.signal as Json).type === 'offer') offers.push(message)
      send.call(this, text)
    })
    // Every connected end wants to renegotiate: only armed ones can.
    const armed = [...pcs.values()].filter((pc) => pc.connectionState === 'connected' && pc.onnegotiationneeded !== null)
    for (const pc of armed) pc.onnegotiationneeded?.()
    await settle()
    const oldId = old.m.me!.id
    expect(offers.length).toBeGreaterThan(0)
    expect(offers.filter((o) => o.to === oldId)).toEqual([])
    expect(offers.map((o) => o.to).sort()).toEqual([ann.m.me!.id, bob.m.me!.id].sort())
    expect(ann.m.media!.state().peers.map((p) => p.name)).toEqual(['Bob'])
    expect(bob.m.media!.state().peers.map((p) => p.name)).toEqual(['Ann'])
    expect(old.m.media).toBeNull()
    // The old client's links are whole, and it sent no renegotiation offer either.
    expect(old.m.debug().peers.map((p) => p.session)).toEqual(['live', 'live', 'live'])
  })

  it('drops a link whose renegotiation offer could not be sent, and the link is made again', async () => {
    const keeper = mesh('keeper')
    const ann = mesh('Ann', [], true)
    const bob = mesh('Bob', [], true)
    meshes.push(keeper.m, ann.m, bob.m)
    await settle()
    const send = SignalingClient.prototype.send
    const refused = vi.spyOn(SignalingClient.prototype, 'send').mockImplementation(function (this: SignalingClient, to: string, signal: Signal) {
      return signal.type === 'offer' && signal.renegotiate === true ? false : send.call(this, to, signal)
    })
    // One end of the Ann–Bob link (the only armed one) wants to renegotiate.
    const direct = [...pcs.values()].find((pc) => pc.connectionState === 'connected' && pc.onnegotiationneeded !== null)!
    direct.onnegotiationneeded?.()
    await settle()
    refused.mockRestore()
    const logs = [...ann.logs, ...bob.logs]
    expect(logs.some((l) => l.includes('renegotiation offer not sent: signaling is down'))).toBe(true)
    await vi.advanceTimersByTimeAsync(5_000)
    expect(ann.m.debug().peers.map((p) => p.session)).toEqual(['live', 'live'])
    expect(bob.m.debug().peers.map((p) => p.session)).toEqual(['live', 'live'])
  })

  it('refuses a renegotiation offer with more m-sections than media needs, and drops that link', async () => {
    const keeper = mesh('keeper')
    const ann = mesh('Ann', [], true)
    const bob = mesh('Bob', [], true)
    meshes.push(keeper.m, ann.m, bob.m)
    await settle()
    const sdp = Array.from({ length: MAX_MEDIA_SECTIONS + 1 }, (_, i) => `m=${i === 0 ? 'application' : 'audio'} 9 UDP/TLS/RTP/SAVPF 111\r\n`).join('')
    hub.sockets.get(ann.m.me!.id)!.deliver({ type: 'signal', from: bob.m.me!.id, signal: { type: 'offer', sdp, renegotiate: true } })
    await vi.advanceTimersByTimeAsync(50)
    expect(ann.logs.some((l) => l.includes('misbehaved: the offer has 8 m-sections') && l.includes('[media_sections]'))).toBe(true)
    expect(ann.m.debug().peers.map((p) => p.id)).not.toContain(bob.m.me!.id)
  })

  it('ignores a renegotiation offer from the keeper or for a link it does not have', async () => {
    const keeper = mesh('keeper')
    const ann = mesh('Ann')
    meshes.push(keeper.m, ann.m)
    await settle()
    const made = pcs.size
    const annSocket = hub.sockets.get(ann.m.me!.id)!
    annSocket.deliver({ type: 'signal', from: keeper.m.me!.id, signal: { type: 'offer', sdp: 'nothing', renegotiate: true } })
    await settle()
    expect(pcs.size).toBe(made)
    expect(ann.m.debug().peers).toEqual([expect.objectContaining({ keeper: true, session: 'live' })])
    expect(ann.logs.some((l) => l.includes('ignored a renegotiation offer'))).toBe(true)
  })

  it('sends a local update to direct peers at once, and holds it for the keeper while the keeper would forward it to no one', async () => {
    const { keeper, ann, keeperEnd } = await annWithKeeper()
    const bob = mesh('Bob')
    meshes.push(bob.m)
    await settle()
    expect(ann.m.debug().directlyLinked).toEqual([bob.m.me!.id])
    const updatesToKeeper = () => updateFramesTo(keeperEnd)
    const before = updatesToKeeper()
    const received: string[] = []
    bob.doc.on('update', () => received.push('Bob'))
    keeper.doc.on('update', () => received.push('keeper'))
    for (let i = 0; i < 5; i++) ann.doc.transact(() => ann.doc.getMap('elements').set(`a${i}`, 'drawn'), LOCAL_ORIGIN)
    await vi.advanceTimersByTimeAsync(KEEPER_HOLD_MS - 1)
    // Bob has each update; the keeper none yet.
    expect(received).toEqual(['Bob', 'Bob', 'Bob', 'Bob', 'Bob'])
    expect(updatesToKeeper()).toBe(before)
    await vi.advanceTimersByTimeAsync(1)
    // Then all five as one message.
    expect(updatesToKeeper()).toBe(before + 1)
    await vi.advanceTimersByTimeAsync(1)
    expect(Object.keys(keeper.doc.getMap('elements').toJSON()).sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4'])

    // Held when someone joins: the keeper forwards to the newcomer until we link to it, so what is held goes at once.
    ann.doc.transact(() => ann.doc.getMap('elements').set('a5', 'drawn'), LOCAL_ORIGIN)
    const cy = mesh('Cy')
    meshes.push(cy.m)
    await vi.advanceTimersByTimeAsync(5)
    expect(updatesToKeeper()).toBe(before + 2)
    expect(keeper.doc.getMap('elements').get('a5')).toBe('drawn')
  })

  it("holds the keeper's batch until QUIET_AFTER_SEND_MS after an update sent just before it was due", async () => {
    const { ann, keeperEnd } = await annWithKeeper()
    const bob = mesh('Bob')
    meshes.push(bob.m)
    await settle()
    const before = updateFramesTo(keeperEnd)
    ann.doc.transact(() => ann.doc.getMap('elements').set('a0', 'drawn'), LOCAL_ORIGIN)
    await vi.advanceTimersByTimeAsync(KEEPER_HOLD_MS - 1)
    ann.doc.transact(() => ann.doc.getMap('elements').set('a1', 'drawn'), LOCAL_ORIGIN)
    await vi.advanceTimersByTimeAsync(QUIET_AFTER_SEND_MS - 1)
    expect(updateFramesTo(keeperEnd)).toBe(before)
    await vi.advanceTimersByTimeAsync(1)
    expect(updateFramesTo(keeperEnd)).toBe(before + 1)
  })

  it('sends its cursor to the keeper only while the keeper would relay it to someone', async () => {
    const { keeper, ann, keeperEnd } = await annWithKeeper()
    const cursorsToKeeper = () => carried.filter((c) => c.to === keeperEnd && c.label === 'cursor').length
    // Alone with the keeper: nobody to relay to.
    ann.m.sendCursor(5, 5, 0, 0)
    await settle()
    expect(cursorsToKeeper()).toBe(0)

    const bob = mesh('Bob')
    meshes.push(bob.m)
    await settle()
    expect(ann.m.debug().directlyLinked).toEqual([bob.m.me!.id])
    ann.m.sendCursor(10, 20, 0, 0)
    await settle()
    expect(bob.cursors).toEqual([expect.objectContaining({ peerId: ann.m.me!.id, x: 10 })])
    expect(keeper.cursors).toEqual([])
    expect(cursorsToKeeper()).toBe(0)

    // Cy has joined and has no live direct link with Ann yet: the keeper relays Ann's cursor to Cy meanwhile.
    const cy = mesh('Cy')
    meshes.push(cy.m)
    await vi.advanceTimersByTimeAsync(1)
    expect(ann.m.members().map((m) => m.name)).toContain('Cy')
    expect(ann.m.debug().directlyLinked).toEqual([bob.m.me!.id])
    ann.m.sendCursor(30, 40, 0, 0)
    await vi.advanceTimersByTimeAsync(20)
    expect(cursorsToKeeper()).toBe(1)
    expect(keeper.cursors).toEqual([expect.objectContaining({ peerId: ann.m.me!.id, x: 30 })])

    // Linked with Cy too: the keeper gets none again.
    await settle()
    expect(ann.m.debug().directlyLinked.sort()).toEqual([bob.m.me!.id, cy.m.me!.id].sort())
    ann.m.sendCursor(50, 60, 0, 0)
    await settle()
    expect(cursorsToKeeper()).toBe(1)
    expect(cy.cursors.at(-1)).toEqual(expect.objectContaining({ peerId: ann.m.me!.id, x: 50 }))
  })

  it('sends the keeper each local update at once while it forwards them to a member we do not reach directly', async () => {
    hub.meshLimit = 1
    const keeper = mesh('keeper')
    const ann = mesh('Ann')
    meshes.push(keeper.m, ann.m)
    await settle()
    const bob = mesh('Bob')
    meshes.push(bob.m)
    await settle()
    // Star mode: Bob hears of Ann's updates only through the keeper.
    expect(ann.m.debug().directlyLinked).toEqual([])
    ann.doc.transact(() => ann.doc.getMap('elements').set('a1', 'drawn'), LOCAL_ORIGIN)
    await vi.advanceTimersByTimeAsync(1)
    expect(keeper.doc.getMap('elements').get('a1')).toBe('drawn')
  })

  it('says goodbye when the page goes away: peers drop our presence before any link closes, and get it back from the back/forward cache', async () => {
    const keeper = mesh('keeper')
    const ann = mesh('Ann')
    meshes.push(keeper.m, ann.m)
    await settle()
    // Only Bob's page has a window: its events must not reach the others.
    const page = new EventTarget()
    vi.stubGlobal('window', page)
    const bob = mesh('Bob')
    meshes.push(bob.m)
    await settle()
    const names = (m: Mesh) => [...m.presence().values()].map((p) => p.name).sort()
    expect(names(ann.m)).toEqual(['Ann', 'Bob', 'keeper'])

    page.dispatchEvent(new Event('pagehide'))
    await vi.advanceTimersByTimeAsync(1)
    expect(names(ann.m)).toEqual(['Ann', 'keeper'])
    expect(names(keeper.m)).toEqual(['Ann', 'keeper'])
    // Only the presence went: the links are still there.
    expect(ann.m.debug().peers.map((p) => p.id)).toContain(bob.m.me!.id)

    page.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }))
    await vi.advanceTimersByTimeAsync(1)
    expect(names(ann.m)).toEqual(['Ann', 'Bob', 'keeper'])
  })

  it('disconnects a peer that sends a text frame, and keeps the room', async () => {
    const keeper = mesh('keeper')
    meshes.push(keeper.m)
    await settle()
    const bob = mesh('Bob')
    meshes.push(bob.m)
    await settle()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    // Bob's end of his link to the keeper, and the keeper's board channel receiving from it.
    const fromBob = [...pcs.values()].find((pc) => pc.connectionState === 'connected' && pc.localDescription?.type === 'offer')!
    expect(keeper.m.debug().peers).toHaveLength(1)
    const text = fromBob.remote!.channels[0]!
    text.onmessage?.({ data: 'hello' })
    expect(keeper.m.debug().peers).toHaveLength(0)
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/misbehaved: text message on the board channel/))
    expect(keeper.logs.some((l) => /disconnected: misbehaved: text message/.test(l))).toBe(true)
    // Bob offered: he offers again and the room recovers.
    await vi.advanceTimersByTimeAsync(11_000)
    expect(bob.m.debug().peers[0]?.session).toBe('live')
    expect(keeper.m.debug().peers[0]?.session).toBe('live')
    // A text message on the cursor channel is refused the same way.
    const again = [...pcs.values()].find((pc) => pc.connectionState === 'connected' && pc.localDescription?.type === 'offer')!
    again.remote!.channels[1]!.onmessage?.({ data: 'hello' })
    expect(keeper.m.debug().peers).toHaveLength(0)
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/misbehaved: text message on the cursor channel/))
    warn.mockRestore()
  })

  it("answers a peer's step 1 again once the answer has left the queue, and disconnects it for asking while it is still queued", async () => {
    const keeper = mesh('keeper')
    meshes.push(keeper.m)
    keeper.doc.getMap('elements').set('k1', 'kept')
    await settle()
    const bob = mesh('Bob')
    meshes.push(bob.m)
    await settle()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const fromBob = [...pcs.values()].find((pc) => pc.connectionState === 'connected' && pc.localDescription?.type === 'offer')!
    // The keeper's end of the link: it hears Bob on it and sends to him through it.
    const keeperBoard = fromBob.remote!.channels[0]!
    const step1 = Uint8Array.of(0, 0, 0, 1, 0).buffer
    keeperBoard.onmessage?.({ data: step1 })
    keeperBoard.onmessage?.({ data: step1 })
    expect(keeper.m.debug().peers).toHaveLength(1)
    // The channel's buffer is full: the next answer stays in the keeper's queue.
    keeperBoard.bufferedAmount = 1 << 20
    keeperBoard.onmessage?.({ data: step1 })
    expect(keeper.m.debug().peers).toHaveLength(1)
    keeperBoard.onmessage?.({ data: step1 })
    expect(keeper.m.debug().peers).toHaveLength(0)
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/still queued \[sync_step1_repeat\]/))
    warn.mockRestore()
  })

  it('lets the keeper relay many presence clients, and disconnects a member that would speak for more than 4', async () => {
    const keeper = mesh('keeper')
    meshes.push(keeper.m)
    await settle()
    const ann = mesh('Ann')
    meshes.push(ann.m)
    await settle()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const awareness = (from: number, count: number) =>
      Uint8Array.of(
        0,
        ...encodeMessage({
          type: 'awareness',
          payload: encodeAwarenessUpdate(
            Array.from({ length: count }, (_, i) => ({ client: from + i, clock: 1, json: `{"name":"c${from + i}","colour":"#000000"}` })),
          ),
        }),
      ).buffer
    // Ann's link to the keeper: her board channel hears the keeper, the keeper's hears her.
    const fromAnn = [...pcs.values()].find((pc) => pc.connectionState === 'connected' && pc.localDescription?.type === 'offer')!
    fromAnn.channels[0]!.onmessage?.({ data: awareness(100, 20) })
    expect([...ann.m.presence().values()].filter((p) => p.name.startsWith('c'))).toHaveLength(20)
    expect(ann.m.debug().peers).toHaveLength(1)
    // Ann's connection owns her own client already: 4 more make 5.
    fromAnn.remote!.channels[0]!.onmessage?.({ data: awareness(200, 4) })
    expect(keeper.m.debug().peers).toHaveLength(0)
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/speak for 5 clients, over the limit of 4 \[awareness_clients_per_peer\]/))
    expect([...keeper.m.presence().values()].map((p) => p.name)).toEqual(['keeper'])
    warn.mockRestore()
  })
})

/** A relayed cursor frame (PROTOCOL.md "Topology") holding one member's cursor. */
function relayedCursor(origin: string, seq: number, x: number): ArrayBuffer {
  const id = new TextEncoder().encode(origin)
  return Uint8Array.of(1, id.length, ...id, ...encodeCursor({ seq, x, y: 0, buttons: 0, tool: 1 })).buffer
}

/** Ann alone with the keeper in a mesh-mode room, and the keeper's end of her link (to count what she sends it). */
async function annWithKeeper() {
  hub.meshLimit = 6
  const keeper = mesh('keeper')
  const ann = mesh('Ann')
  meshes.push(keeper.m, ann.m)
  await settle()
  return { keeper, ann, keeperEnd: newestOffer().remote!.name }
}

/** The connection a member just offered to the keeper (the newest connected offer). */
function newestOffer(): FakePeerConnection {
  return [...pcs.values()].filter((pc) => pc.connectionState === 'connected' && pc.localDescription?.type === 'offer').at(-1)!
}

describe('mesh and star', () => {
  it('in star mode each member holds one link, to the keeper, is live through it, and shows relayed cursors per member', async () => {
    hub.meshLimit = 1
    const keeper = mesh('keeper')
    meshes.push(keeper.m)
    await settle()
    const ann = mesh('Ann')
    meshes.push(ann.m)
    await settle()
    const annToKeeper = newestOffer()
    const bob = mesh('Bob')
    meshes.push(bob.m)
    await settle()
    // Two members over a limit of 1: star. Bob offered to the keeper only; Ann never offers to a newcomer.
    expect(ann.m.debug().peers.map((p) => p.keeper)).toEqual([true])
    expect(bob.m.debug().peers.map((p) => p.keeper)).toEqual([true])
    expect(ann.m.status()).toBe('live')
    expect(bob.m.status()).toBe('live')

    const bobId = bob.m.me!.id
    annToKeeper.channels[1]!.onmessage?.({ data: relayedCursor(bobId, 9, 40) })
    annToKeeper.channels[1]!.onmessage?.({ data: relayedCursor(bobId, 8, 30) }) // older: dropped
    annToKeeper.channels[1]!.onmessage?.({ data: relayedCursor('p-unknown', 1, 1) }) // not in the room: ignored
    expect(ann.cursors).toEqual([expect.objectContaining({ peerId: bobId, name: 'Bob', x: 40, tool: 1 })])
    // Bob leaves: his relayed cursor goes too.
    const gone: string[] = []
    ann.m.on('cursorGone', (id) => gone.push(id))
    bob.m.destroy()
    await settle()
    expect(gone).toContain(bobId)
  })

  it('in mesh mode links every pair and reports them; a join into star mode closes them, reports, resyncs, and never re-offers', async () => {
    hub.meshLimit = 2
    const keeper = mesh('keeper')
    meshes.push(keeper.m)
    await settle()
    const ann = mesh('Ann')
    meshes.push(ann.m)
    await settle()
    const annToKeeper = newestOffer()
    const bob = mesh('Bob')
    meshes.push(bob.m)
    await settle()
    const [annId, bobId] = [ann.m.me!.id, bob.m.me!.id]
    expect(ann.m.debug().peers.map((p) => [p.id, p.session])).toEqual([
      [keeper.m.me!.id, 'live'],
      [bobId, 'live'],
    ])
    expect(keeper.logs).toContain(`links report from Ann (${annId}): [${bobId}]`)
    expect(keeper.logs).toContain(`links report from Bob (${bobId}): [${annId}]`)
    // Bob's cursor comes directly: the keeper's copy of it is ignored.
    annToKeeper.channels[1]!.onmessage?.({ data: relayedCursor(bobId, 1, 99) })
    expect(ann.cursors).toEqual([])

    const mark = carried.length
    const cy = mesh('Cy')
    meshes.push(cy.m)
    await settle()
    // Three members over a limit of 2: star. Ann and Bob dropped their direct link; Cy linked to the keeper only.
    for (const m of [ann, bob, cy]) expect(m.m.debug().peers.map((p) => p.keeper)).toEqual([true])
    expect(keeper.logs).toContain(`links report from Ann (${annId}): []`)
    // Ann told the keeper the link ended, then asked it again for what she lacks.
    const fromAnn = carried.slice(mark).filter((c) => c.to === annToKeeper.remote!.name && c.label === 'board').map((c) => hex(c.bytes.subarray(0, 3)))
    expect(fromAnn.slice(0, 2)).toEqual(['00 04 00', '00 00 00'])
    expect(ann.m.status()).toBe('live')
    annToKeeper.channels[1]!.onmessage?.({ data: relayedCursor(bobId, 2, 50) })
    expect(ann.cursors).toEqual([expect.objectContaining({ peerId: bobId, x: 50 })])
    // The room stays a star: nobody re-offers a direct link.
    await vi.advanceTimersByTimeAsync(11_000)
    for (const m of [ann, bob, cy]) expect(m.m.debug().peers).toHaveLength(1)
  })

  it('says the server is unreachable while direct links are live, and is live again within a second or two of its return', async () => {
    hub.meshLimit = 6
    const keeper = mesh('keeper')
    meshes.push(keeper.m)
    await settle()
    const ann = mesh('Ann')
    meshes.push(ann.m)
    await settle()
    const bob = mesh('Bob')
    meshes.push(bob.m)
    await settle()
    expect(ann.m.status()).toBe('live')

    // The server (signaling and its keeper) goes away; Ann and Bob stay linked.
    hub.stop()
    keeper.m.destroy()
    await vi.advanceTimersByTimeAsync(5000)
    expect(ann.m.status()).toBe('server-unreachable')
    expect(ann.m.directPeers().map((m) => m.name)).toEqual(['Bob'])
    expect(ann.statuses.at(-1)).toBe('server-unreachable')

    // Ann draws meanwhile: Bob gets it directly.
    ann.doc.transact(() => ann.doc.getMap('elements').set('a1', 'offline'), LOCAL_ORIGIN)
    await settle()
    expect(bob.doc.getMap('elements').get('a1')).toBe('offline')

    // It comes back (a fresh keeper); both pages are live again within 2 s, and it has Ann's stroke.
    hub.down = false
    const restarted = mesh('keeper')
    meshes.push(restarted.m)
    await vi.advanceTimersByTimeAsync(2000)
    expect(ann.m.status()).toBe('live')
    expect(bob.m.status()).toBe('live')
    expect(restarted.doc.getMap('elements').get('a1')).toBe('offline')
  })
})


/** Ann's mesh, started with a snapshot request made before it (as the app page's), and `options` over the defaults. */
function withSnapshot(snapshot: Promise<Response>, options: Partial<MeshOptions> = {}) {
  const doc = new Y.Doc()
  const logs: string[] = []
  const m = new Mesh({ doc, server: 'http://inkmesh.test', room: 'r', token: async () => 'Ann', snapshot, onLog: (l) => logs.push(l), ...options })
  meshes.push(m)
  m.start()
  return { m, doc, logs }
}

/** A snapshot answer holding `update`. */
const snapshotOf = (update: Uint8Array) => new Response(new Blob([update as Uint8Array<ArrayBuffer>]))

describe('mesh snapshot', () => {
  it('takes a snapshot request made before it started instead of making its own, and is synced from it', async () => {
    const board = new Y.Doc()
    board.getMap('elements').set('s1', 'from the snapshot')
    const bytes = Y.encodeStateAsUpdate(board)
    const requested: string[] = []
    vi.stubGlobal('fetch', async (url: URL | string) => {
      requested.push(String(url))
      return new Response(null, { status: 404 })
    })
    const { m, doc, logs } = withSnapshot(Promise.resolve(snapshotOf(bytes)))
    await m.synced
    expect(doc.getMap('elements').get('s1')).toBe('from the snapshot')
    expect(requested.filter((u) => u.includes('/snapshot'))).toEqual([])
    expect(logs).toContain(`synced from the snapshot (${bytes.length} bytes)`)
  })

  it('applies the snapshot only once snapshotReady resolves (the local copy draws first)', async () => {
    const board = new Y.Doc()
    board.getMap('elements').set('s1', 'from the snapshot')
    let ready!: () => void
    const { m, doc } = withSnapshot(Promise.resolve(snapshotOf(Y.encodeStateAsUpdate(board))), {
      snapshotReady: () => new Promise<void>((resolve) => (ready = resolve)),
    })
    await vi.waitFor(() => expect(ready).toBeTypeOf('function'))
    expect(doc.getMap('elements').size).toBe(0)
    ready()
    await m.synced
    expect(doc.getMap('elements').get('s1')).toBe('from the snapshot')
  })

  it('holds its step 1 while the snapshot loads, so the keeper never sends the board the snapshot brings', async () => {
    const keeper = mesh('keeper')
    meshes.push(keeper.m)
    keeper.doc.getMap('elements').set('k1', 'kept by the keeper')
    await settle()
    let arrive!: (r: Response) => void
    const { m: ann, doc, logs } = withSnapshot(new Promise<Response>((resolve) => (arrive = resolve)))
    await settle()
    const text = new TextDecoder()
    const boardCarried = () => carried.filter((c) => c.label === 'board').map((c) => text.decode(c.bytes))
    // The link is up and speaking (presence went both ways), but no step 1 of ours asked for the board.
    expect(ann.debug().peers).toEqual([expect.objectContaining({ keeper: true, session: 'awaitingStep2', board: 'open' })])
    expect([...ann.presence().values()].some((p) => p.name === 'keeper')).toBe(true)
    expect(boardCarried().some((t) => t.includes('kept by the keeper'))).toBe(false)

    arrive(snapshotOf(Y.encodeStateAsUpdate(keeper.doc)))
    await ann.synced
    await settle()
    expect(doc.getMap('elements').get('k1')).toBe('kept by the keeper')
    expect(ann.status()).toBe('live')
    expect(logs).toContain('sync step 1 to 1 peer(s): the snapshot is done')
    // The board crossed once, over HTTP: the keeper's step 2 had nothing left to send.
    expect(boardCarried().some((t) => t.includes('kept by the keeper'))).toBe(false)
  })

  it('sends its held step 1 when the snapshot is slow, and syncs from the keeper', async () => {
    const keeper = mesh('keeper')
    meshes.push(keeper.m)
    keeper.doc.getMap('elements').set('k1', 'kept')
    await settle()
    const { m: ann, doc, logs } = withSnapshot(new Promise<Response>(() => undefined))
    await settle()
    expect(doc.getMap('elements').get('k1')).toBeUndefined()
    await vi.advanceTimersByTimeAsync(10_000)
    await ann.synced
    expect(doc.getMap('elements').get('k1')).toBe('kept')
    expect(logs).toContain('sync step 1 to 1 peer(s): no snapshot after 10000 ms')
  })

  it('asks again with a new token when the early request’s kept token is refused', async () => {
    const board = new Y.Doc()
    board.getMap('elements').set('s1', 'from the snapshot')
    const bytes = Y.encodeStateAsUpdate(board)
    const asked: Array<{ url: string; auth: string | null }> = []
    vi.stubGlobal('fetch', async (url: URL | string, init?: RequestInit) => {
      asked.push({ url: String(url), auth: new Headers(init?.headers).get('authorization') })
      return String(url).includes('/snapshot') ? snapshotOf(bytes) : new Response(null, { status: 404 })
    })
    const refreshes: boolean[] = []
    const { m, doc } = withSnapshot(Promise.resolve(new Response(null, { status: 401 })), {
      token: async (refresh) => {
        refreshes.push(refresh)
        return refresh ? 'new' : 'kept'
      },
    })
    await m.synced
    expect(doc.getMap('elements').get('s1')).toBe('from the snapshot')
    expect(asked.filter((a) => a.url.includes('/snapshot'))).toEqual([{ url: 'http://inkmesh.test/api/rooms/r/snapshot', auth: 'Bearer new' }])
    expect(refreshes).toContain(true)
  })

  it('waits for the keeper when the early request failed', async () => {
    const failed = Promise.reject(new Error('offline'))
    failed.catch(() => undefined)
    const { logs } = withSnapshot(failed)
    await settle()
    expect(logs).toContain("snapshot: offline; waiting for the keeper's sync instead")
  })
})
