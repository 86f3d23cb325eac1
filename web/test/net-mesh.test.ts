// Meshes in one process: a fake signaling server (the PROTOCOL.md messages) and
// fake RTCPeerConnections whose negotiated channels deliver to each other. It
// checks the mesh's wiring (offers, who speaks first, sync, roles, presence,
// cursors, status, leaving); the real WebRTC stack is the lead's Playwright run.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { Mesh } from '../src/net/mesh'
import { LOCAL_ORIGIN } from '../src/doc/origin'
import type { ConnectionStatus, Member, RemoteCursor } from '../src/net/collab'
import { encodeMessage } from '../src/protocol/frame'
import { encodeAwarenessUpdate } from '../src/protocol/presence'

type Json = Record<string, unknown>

class Hub {
  private next = 0
  readonly sockets = new Map<string, FakeWebSocket>()
  readonly members = new Map<string, Member>()

  handle(socket: FakeWebSocket, message: Json): void {
    if (message.type === 'join') {
      const token = String(message.token)
      const id = token === 'keeper' ? `keeper-${++this.next}` : `p-${++this.next}`
      const me: Member = { id, name: token, colour: '#1971c2', role: token.startsWith('viewer') ? 'viewer' : 'editor', keeper: token === 'keeper' }
      const peers = [...this.members.values()].sort((a, b) => Number(b.keeper) - Number(a.keeper))
      for (const s of this.sockets.values()) s.deliver({ type: 'peer-joined', peer: me })
      socket.id = id
      this.sockets.set(id, socket)
      this.members.set(id, me)
      socket.deliver({ type: 'welcome', me, peers, iceServers: [] })
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
      this.readyState = 1
      this.onopen?.()
    }, 0)
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
let pcCount = 0

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
  async createOffer() {
    return { type: 'offer', sdp: this.name }
  }
  async createAnswer() {
    return { type: 'answer', sdp: this.name }
  }
  async setLocalDescription(d: { type: string; sdp: string }) {
    this.localDescription = d
    setTimeout(() => this.onicecandidate?.({ candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.7 5000 typ host', toJSON: () => ({ candidate: 'candidate:1 1 udp 1 192.0.2.7 5000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null }) } }), 0)
    this.maybeConnect()
  }
  async setRemoteDescription(d: { sdp: string }) {
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
    if (!remote || !this.localDescription || !remote.localDescription || !this.remoteSet || !remote.remoteSet) return
    for (const pc of [this, remote]) {
      pc.connectionState = 'connected'
      for (const c of pc.channels) c.readyState = 'open'
    }
    // The answerer's side opens first, as with a real SCTP client.
    for (const pc of [this, remote]) setTimeout(() => pc.channels.forEach((c) => c.onopen?.()), 0)
  }
}

function mesh(token: string, logs: string[] = []) {
  const doc = new Y.Doc()
  const m = new Mesh({ doc, server: 'http://inkmesh.test', room: 'r', token: async () => token, onLog: (l) => logs.push(l) })
  const statuses: ConnectionStatus[] = []
  const cursors: RemoteCursor[] = []
  m.on('status', (s) => statuses.push(s))
  m.on('cursor', (c) => cursors.push(c))
  m.start()
  return { m, doc, statuses, cursors, logs }
}

const settle = () => vi.advanceTimersByTimeAsync(200)
const meshes: Mesh[] = []

beforeEach(() => {
  vi.useFakeTimers()
  hub = new Hub()
  pcs.clear()
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
    expect(keeper.cursors).toEqual([
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
