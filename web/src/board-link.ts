// What a board link of the app page says: `/b/{room}`, a token in the
// fragment (or query), `?name=`, `?view=1`, `?relay=1`. Read by the page's
// early script (boot.ts, to request the snapshot before the app's bundle
// runs) and by the app itself, so both ask for the same room with the same
// token.

import { safeStorage } from './token'

/** Where this browser keeps the name it last chose. */
export const NAME_KEY = 'inkmesh:name'

export interface BoardLink {
  room: string
  /** A room token from the link, used as is. */
  token?: string
  /** The display name asked for with guest tokens. */
  name?: string
  readOnly: boolean
  relay: boolean
}

/** The board a location links to, or undefined when it is no board link (`/`, which makes a new board). */
export function readBoardLink(location: Pick<Location, 'pathname' | 'search' | 'hash'>): BoardLink | undefined {
  const match = /^\/b\/([A-Za-z0-9._-]{1,128})\/?$/.exec(location.pathname)
  if (match === null) return undefined
  const params = new URLSearchParams(location.search)
  const fragment = new URLSearchParams(location.hash.slice(1))
  const token = fragment.get('token') ?? params.get('token') ?? undefined
  const name = params.get('name') ?? safeStorage()?.getItem(NAME_KEY) ?? undefined
  return {
    room: decodeURIComponent(match[1] as string),
    ...(token === undefined ? {} : { token }),
    ...(name === undefined ? {} : { name }),
    readOnly: params.get('view') === '1',
    relay: params.get('relay') === '1',
  }
}
