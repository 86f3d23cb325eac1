// The y-websocket baseline page for tests/e2e/bench.mjs: a bare Yjs document
// synced by y-websocket's WebsocketProvider (no board, no renderer), bundled
// by bench/baseline.mjs. `?auto=1` starts the provider for `?room` as the
// module runs (to time navigation → synced); the bench then calls
// window.__yws.start(room) in the loaded page (provider start → synced).

import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

const params = new URLSearchParams(location.search)
const room = params.get('room') ?? 'bench'
const server = params.get('server') ?? 'ws://127.0.0.1:1234'

const marks = { startAt: undefined, syncedAt: undefined, elements: 0 }

function start(name = room) {
  const doc = new Y.Doc()
  marks.startAt = performance.now()
  // No BroadcastChannel: every page syncs from the server, as a first visitor does.
  const provider = new WebsocketProvider(server, name, doc, { disableBc: true })
  return new Promise((resolve) => {
    provider.once('sync', () => {
      marks.syncedAt = performance.now()
      marks.elements = doc.getMap('elements').size
      resolve({ ...marks })
    })
  })
}

window.__yws = { marks, start }
if (params.get('auto') === '1') void start()
