// The image routes (docs/PROTOCOL.md, `PUT` and `GET
// /api/rooms/{room}/images/{sha256}`): the bytes of a room's pictures, stored
// by content hash. What the answers mean for the upload queue is decided
// here, on the error body's `code` rather than the status: a 413 may be the
// file (never storable) or the room's full quota (space frees up later), and
// a proxy or an older node answers statuses of its own. 200 and 201 are both
// "stored" (an offline client may upload twice); only the codes that say this
// file can never be stored are final, and `board_deleted` stops the queue;
// a full room is retried slowly; every
// other answer (network, 5xx, 429, 400, 404, an expired token, a body that is
// not the server's JSON) is retried, no sooner than its Retry-After.

import type { StoredImage } from '../image/image-store'
import { IMAGE_MAX_BYTES } from '../image/limits'
import type { UploadOutcome } from '../image/upload-queue'

/** Refusals of the file itself (PROTOCOL.md): another attempt gets the same answer. */
const FINAL_CODES: ReadonlySet<string> = new Set(['unsupported_type', 'unprocessable'])

function imageUrl(server: string, room: string, hash: string): URL {
  return new URL(`/api/rooms/${encodeURIComponent(room)}/images/${hash}`, server)
}

export async function putImage(server: string, room: string, token: string, image: StoredImage): Promise<UploadOutcome> {
  let response: Response
  try {
    response = await fetch(imageUrl(server, room, image.hash), {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': image.mt },
      body: image.bytes as BodyInit,
    })
  } catch {
    return { kind: 'retry' }
  }
  if (response.status === 200 || response.status === 201) return { kind: 'done' }
  if (response.status === 401) return { kind: 'retry', tokenRefused: true }
  const refusal = await errorBody(response)
  if (refusal === null) return retry(response)
  const message = refusal.message ?? `The server refused the image (HTTP ${response.status}).`
  if (FINAL_CODES.has(refusal.code)) return { kind: 'refused', message }
  // The board is gone (410): no upload of this room can succeed any more.
  if (refusal.code === 'board_deleted') return { kind: 'deleted' }
  // `too_large` is both the file over the server's limit (ours too) and the
  // room's images over its quota: the file's size tells which.
  if (refusal.code === 'too_large') return image.bytes.length > IMAGE_MAX_BYTES ? { kind: 'refused', message } : { kind: 'full', message }
  return retry(response)
}

/** Retry, no sooner than the answer's `Retry-After` (seconds) when it gives one (a busy server's 429 or 503). */
function retry(response: Response): UploadOutcome {
  const seconds = Number(response.headers.get('Retry-After') ?? '')
  return Number.isFinite(seconds) && seconds > 0 ? { kind: 'retry', afterMs: seconds * 1000 } : { kind: 'retry' }
}

/** The server's answer for an image: its bytes, 'missing' (404), 'unauthorized' (401: the token expired or the server's keys changed), or 'failed' (try again later). */
export type FetchedImage = { kind: 'found'; blob: Blob } | { kind: 'missing' } | { kind: 'unauthorized' } | { kind: 'failed' }

export async function getImage(server: string, room: string, token: string, hash: string, method: 'GET' | 'HEAD' = 'GET'): Promise<FetchedImage> {
  try {
    const response = await fetch(imageUrl(server, room, hash), { method, headers: { Authorization: `Bearer ${token}` } })
    if (response.status === 404) return { kind: 'missing' }
    if (response.status === 401) return { kind: 'unauthorized' }
    if (!response.ok) return { kind: 'failed' }
    return { kind: 'found', blob: method === 'HEAD' ? new Blob() : await response.blob() }
  } catch {
    return { kind: 'failed' }
  }
}

/** The server's error body, `{"code", "message"}`, or null when the answer is not one (a proxy's page, say). */
async function errorBody(response: Response): Promise<{ code: string; message?: string } | null> {
  try {
    const body = (await response.json()) as { code?: unknown; message?: unknown }
    if (typeof body !== 'object' || body === null || typeof body.code !== 'string') return null
    return typeof body.message === 'string' && body.message.length > 0 ? { code: body.code, message: body.message } : { code: body.code }
  } catch {
    return null
  }
}
