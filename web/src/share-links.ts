// The app page's links to a board, for its Share dialog: `/b/{room}` for
// editors (whoever opens it gets a guest token of their own), and the same
// with a viewer token in the fragment (`#token=`, kept out of server logs)
// for view-only. Both need open mode; `GET /healthz` says whether the server
// is in it (docs/PROTOCOL.md).

import type { ShareActions, ShareLink, ShareMode } from './ui/share-dialog'

/** The token route's `expiresAt` is in seconds. */
const MS_PER_SECOND = 1000

export function shareLinks(server: string, room: string): ShareActions {
  const page = `${server}/b/${encodeURIComponent(room)}`
  return {
    async mode(): Promise<ShareMode> {
      const response = await fetch(`${server}/healthz`, { cache: 'no-store' })
      if (!response.ok) throw new Error(`the server answered ${response.status}`)
      const health = (await response.json()) as { openMode?: unknown }
      return health.openMode === true ? 'open' : 'host'
    },
    editorLink: () => page,
    async viewerLink(): Promise<ShareLink> {
      const response = await fetch(`${server}/api/rooms/${encodeURIComponent(room)}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'viewer' }),
      })
      const body = (await response.json().catch(() => ({}))) as { token?: unknown; expiresAt?: unknown; message?: unknown }
      if (!response.ok || typeof body.token !== 'string') {
        throw new Error(typeof body.message === 'string' ? body.message : `the server refused a viewer token (${response.status})`)
      }
      const url = `${page}#token=${body.token}`
      return typeof body.expiresAt === 'number' ? { url, expiresAt: body.expiresAt * MS_PER_SECOND } : { url }
    },
  }
}
