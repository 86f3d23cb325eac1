// The app page's first script, inlined into index.html by build.mjs: on a
// board link it asks for the room's snapshot and render stream (and a guest
// token first if needed) as the HTML is parsed, so the ~3.9 MB of a 10,000-stroke board
// come in while the app's bundle downloads, parses and builds the view (about
// 100-150 ms of the page's start), instead of after. The app (app.ts) takes
// the request and the token provider from window.__inkmeshEarly.

import { readBoardLink } from './board-link'
import { requestRender, requestSnapshot } from './net/snapshot-request'
import { guestTokens, type GuestTokens } from './token'

/** What the early script started, for the app to take over. */
export interface EarlyStart {
  room: string
  /** The guest token provider the snapshot request used; the app uses the same, so one token serves both. */
  tokens: GuestTokens
  snapshot: Promise<Response>
  /** The render stream, drawn while the snapshot is applied. */
  render: Promise<Response>
}

declare global {
  interface Window {
    __inkmeshEarly?: EarlyStart
  }
}

function startEarly(): void {
  const link = readBoardLink(location)
  if (link === undefined) return
  const tokens = guestTokens(location.origin, link.room, link.name)
  const token = link.token === undefined ? tokens.get(false) : Promise.resolve(link.token)
  const render = token.then((t) => requestRender(location.origin, link.room, t))
  // The snapshot is asked for once the render stream's answer has started:
  // both read the keeper's board under one lock and share the server's two
  // cores, and the stream is what the first render waits for.
  const snapshot = token.then(async (t) => {
    await render.catch(() => undefined)
    return requestSnapshot(location.origin, link.room, t)
  })
  // The mesh and mount() report a failed request when they take it; until then it is not unhandled.
  snapshot.catch(() => undefined)
  render.catch(() => undefined)
  window.__inkmeshEarly = { room: link.room, tokens, snapshot, render }
}

startEarly()
