// What an image element says about its file (docs/SCHEMA.md, the image
// element): the content hash that names the bytes on the server and in
// IndexedDB, the type, the natural size and the byte count. The bytes are
// never in the document: a board stays small however many pictures it shows.

/** The types the server stores (an SVG can carry script and external references: refused). */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const

export type ImageType = (typeof IMAGE_TYPES)[number]

export interface ImageRef {
  /** lowercase hex SHA-256 of the file's bytes; a malformed one is kept but never fetched */
  im: string
  /** MIME type as written; a reader checks it with isImageType before trusting it */
  mt: string
  /** natural width and height, px */
  iw: number
  ih: number
  /** the file's size in bytes */
  ib: number
}

const HASH = /^[0-9a-f]{64}$/

/** Whether `s` is a well-formed image hash: 64 lowercase hex characters. */
export function isImageHash(s: string): boolean {
  return HASH.test(s)
}

export function isImageType(s: string): s is ImageType {
  return (IMAGE_TYPES as readonly string[]).includes(s)
}

/** Lowercase hex of bytes (a SHA-256 digest, say). */
export function hex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

/** The hash that names `bytes`: SHA-256, lowercase hex. */
export async function imageHash(bytes: Uint8Array): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource)))
}
