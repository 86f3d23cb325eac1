// The baseline page for tests/e2e/bench.mjs: a bare Yjs document shared with
// y-webrtc (no board, no renderer), bundled by bench/baseline.mjs with esbuild.
// The bench drives it through window.__base.

import * as Y from 'yjs'
import { WebrtcProvider } from 'y-webrtc'

const params = new URLSearchParams(location.search)
const room = params.get('room') ?? 'bench'
const signaling = params.get('signaling') ?? 'ws://127.0.0.1:4444'

const doc = new Y.Doc()
const provider = new WebrtcProvider(room, doc, {
  signaling: [signaling],
  password: null,
  // Loopback only: no STUN servers to wait for.
  peerOpts: { config: { iceServers: [] } },
})

const now = () => performance.timeOrigin + performance.now()

const surface = document.getElementById('surface')

window.__base = {
  Y,
  doc,
  provider,
  now,
  surface,
  /** y-webrtc connections that are open, and those that finished the sync handshake. */
  conns() {
    const room = provider.room
    if (!room) return { open: 0, synced: 0, bc: 0 }
    const list = [...room.webrtcConns.values()]
    return { open: list.filter((c) => c.connected).length, synced: list.filter((c) => c.synced).length, bc: room.bcConns.size }
  },
}
