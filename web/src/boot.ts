// The app page's first script, inlined into index.html by build.mjs: on a
// board link it asks for the room's snapshot and render stream (and a guest
// token first if needed) as the HTML is parsed, so the ~3.9 MB of a 10,000-stroke board
// come in while the app's bundle downloads, parses and builds the view (about
// 100-150 ms of the page's start), instead of after. The app (app.ts) takes
// the request and the token provider from window.__inkmeshEarly.

import { readBoardLink } from './board-link'
import { boardPicture, renderBody, type BoardPicture } from './board-picture'
import { pictureName, readPicture } from './local-picture'
import { requestRender, requestSnapshot } from './net/snapshot-request'
import { guestTokens, type GuestTokens } from './token'
import { markJoin } from './util/join-marks'

/** What the early script started, for the app to take over. */
export interface EarlyStart {
  room: string
  /** The guest token provider the snapshot request used; the app uses the same, so one token serves both. */
  tokens: GuestTokens
  snapshot: Promise<Response>
  /** Pictures to draw while the snapshot is applied: this browser's kept one, and the server's render stream. */
  pictures: BoardPicture[]
}

declare global {
  interface Window {
    __inkmeshEarly?: EarlyStart
  }
}

function startEarly(): void {
  markJoin('boot')
  const link = readBoardLink(location)
  if (link === undefined) return
  const tokens = guestTokens(location.origin, link.room, link.name)
  const token = link.token === undefined ? tokens.get(false) : Promise.resolve(link.token)
  const answered = token.then(async (t) => {
    const response = await requestRender(location.origin, link.room, t)
    markJoin('render-headers')
    return response
  })
  // The snapshot is asked for once the render stream's answer has started:
  // both read the keeper's board under one lock and share the server's two
  // cores, and the stream is what the first render waits for.
  const snapshot = token.then(async (t) => {
    await answered.catch(() => undefined)
    return requestSnapshot(location.origin, link.room, t)
  })
  // A returning visitor's picture needs no network: IndexedDB answers sooner
  // asked now than behind the app's bundle and its local copy's reads.
  const kept = boardPicture(readPicture(pictureName(location.origin, link.room)))
  let keptDrawn = false
  void kept.then((views) => (keptDrawn = views !== null))
  // The stream's body is read and decoded as soon as it comes, not when the
  // app asks: unread, its 2-3 MB wait in the network's pipe while the app's
  // bundle runs. Only the first picture is drawn, so the stream is not
  // decoded when the kept picture was read before its body arrived (the
  // usual case: IndexedDB answers long before 2-3 MB do).
  const served = boardPicture(renderBody(answered).then((bytes) => (keptDrawn ? undefined : bytes)))
  // The mesh reports a failed snapshot request when it takes it; until then it is not unhandled.
  snapshot.catch(() => undefined)
  window.__inkmeshEarly = { room: link.room, tokens, snapshot, pictures: [kept, served] }
}

startEarly()
