// The image routes (docs/PROTOCOL.md, `PUT` and `GET
// /api/rooms/{room}/images/{sha256}`): the bytes of a room's pictures, stored
// by content hash. What the answers mean for the upload queue is decided
// here: 200 and 201 are both "stored" (an offline client may upload twice),
// a refusal carries the server's sentence for the person (its error body's
// `message`), and anything that
// may pass (network, 5xx, 429, an expired token) is retried.

import type { StoredImage } from '../image/image-store'
import type { UploadOutcome } from '../image/upload-queue'

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
  if (response.status >= 500 || response.status === 429 || response.status === 408) return { kind: 'retry' }
  return { kind: 'refused', message: await errorMessage(response) }
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

/** The refusal's sentence (the server's error body, `{"code", "message"}`), or the status when the body has none. */
async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { message?: unknown }
    if (typeof body.message === 'string' && body.message.length > 0) return body.message
  } catch {
    // Not JSON: say what the status says.
  }
  return `The server refused the image (HTTP ${response.status}).`
}
