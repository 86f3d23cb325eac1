// The HTTP requests for a room's snapshot and render stream (docs/PROTOCOL.md,
// `GET /api/rooms/{room}/snapshot` and `/render`): the board as the server
// holds it, for a first paint before any WebRTC link is up. One place, because
// the app page makes them before its bundle runs (boot.ts) and the mesh and
// mount() make them otherwise.
//
// `token` undefined asks without one: a guest's first visit, before its guest
// token has come (an open-mode server reads without one; PROTOCOL.md, "Reading
// without a token in open mode"). A server with an auth secret answers 401.

/** Starts the request; the response is the board as one Yjs v1 update, or an HTTP error. */
export function requestSnapshot(server: string, room: string, token: string | undefined): Promise<Response> {
  const url = new URL(`/api/rooms/${encodeURIComponent(room)}/snapshot`, server)
  return read(url, token)
}

/**
 * The snapshot's answer with its body already read, for a taker that comes
 * later: unread, a big board's megabytes wait in the network's pipe, which
 * moves no more once full, so they only begin to come when it is read. An
 * error answer is passed on as it is, its body unread.
 */
export async function readAhead(answer: Response): Promise<Response> {
  if (!answer.ok) return answer
  const body = await answer.arrayBuffer()
  return new Response(body, { status: answer.status, statusText: answer.statusText, headers: answer.headers })
}

/** Starts the request for the render stream: what to draw while the snapshot is applied. */
export function requestRender(server: string, room: string, token: string | undefined): Promise<Response> {
  const url = new URL(`/api/rooms/${encodeURIComponent(room)}/render`, server)
  return read(url, token)
}

/** The widest and tallest window a first view may be asked for (docs/PROTOCOL.md, "A first view"). */
export const FIRST_VIEW_MAX_PX = 4096

/**
 * Starts the request for the render stream of a first view: the elements a
 * window of `width` × `height` CSS px shows of the board from its origin at
 * 100%, and in the `Inkmesh-Board-Elements` header how many the whole
 * stream holds.
 */
export function requestFirstView(server: string, room: string, token: string | undefined, width: number, height: number): Promise<Response> {
  const url = new URL(`/api/rooms/${encodeURIComponent(room)}/render`, server)
  url.searchParams.set('first', `${width}x${height}`)
  return read(url, token)
}

/** GETs `url` with `token`, if any; never from a cache: what the server holds now. */
function read(url: URL, token: string | undefined): Promise<Response> {
  return fetch(url, { ...(token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } }), cache: 'no-store' })
}
