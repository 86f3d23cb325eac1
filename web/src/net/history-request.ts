// The HTTP requests for a room's versions (docs/PROTOCOL.md, `GET
// /api/rooms/{room}/history` and `/history/{id}`), with the snapshot's auth.
// The list is checked field by field: the history panel shows what it says,
// and a server of another version must not make it show garbage.

/** One stored version, as the history list gives it. */
export interface VersionSummary {
  id: number
  createdMs: number
  elements: number
  editors: string[]
  moreEditors: boolean
}

/** The room's versions, newest first; throws an Error saying what failed. */
export async function requestHistory(server: string, room: string, token: string): Promise<VersionSummary[]> {
  const url = new URL(`/api/rooms/${encodeURIComponent(room)}/history`, server)
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' })
  if (!response.ok) throw new Error(`the server answered ${response.status}`)
  return parseHistory(await response.json())
}

/** Version `id`'s board as one Yjs v1 update; throws an Error saying what failed. */
export async function requestVersion(server: string, room: string, token: string, id: number): Promise<Uint8Array> {
  const url = new URL(`/api/rooms/${encodeURIComponent(room)}/history/${id}`, server)
  // A version never changes: the server lets the browser cache it.
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } })
  if (response.status === 404) throw new Error('this version is no longer kept')
  if (!response.ok) throw new Error(`the server answered ${response.status}`)
  return new Uint8Array(await response.arrayBuffer())
}

/** The list from the route's JSON; entries that are not versions are dropped. */
export function parseHistory(json: unknown): VersionSummary[] {
  const snapshots = isRecord(json) && Array.isArray(json.snapshots) ? json.snapshots : undefined
  if (snapshots === undefined) throw new Error('the server sent no version list')
  const versions: VersionSummary[] = []
  for (const entry of snapshots) {
    if (!isRecord(entry) || typeof entry.id !== 'number' || typeof entry.createdMs !== 'number') continue
    versions.push({
      id: entry.id,
      createdMs: entry.createdMs,
      elements: typeof entry.elements === 'number' ? entry.elements : 0,
      editors: Array.isArray(entry.editors) ? entry.editors.filter((e): e is string => typeof e === 'string') : [],
      moreEditors: entry.moreEditors === true,
    })
  }
  return versions
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
