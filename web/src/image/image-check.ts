// What the server would refuse, refused here first with the reason (the
// routes' checks in docs/PROTOCOL.md): over 10 MiB, not one of the four
// types by its bytes, not decoding, or too many pixels. The type is read from
// the bytes, never from the file name or the browser's guess.

import type { ImageType } from '../doc/image-ref'
import { IMAGE_MAX_BYTES, IMAGE_MAX_PIXELS } from './limits'

/** The image type its first bytes say, or null for anything else. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  const at = (offset: number, sig: number[]): boolean => sig.every((b, i) => bytes[offset + i] === b)
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (at(0, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (at(0, [0x47, 0x49, 0x46, 0x38]) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) return 'image/gif'
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return 'image/webp'
  return null
}

export type CheckedImage =
  | { ok: true; mt: ImageType; bytes: Uint8Array; bitmap: ImageBitmap }
  | { ok: false; message: string }

/** Reads and checks one file; a refusal says why in a sentence for the person. */
export async function checkImage(file: Blob, name: string): Promise<CheckedImage> {
  const label = name === '' ? 'The image' : `“${name}”`
  if (file.size > IMAGE_MAX_BYTES) {
    return { ok: false, message: `${label} is ${mebibytes(file.size)} MiB; images may be at most ${mebibytes(IMAGE_MAX_BYTES)} MiB.` }
  }
  const bytes = new Uint8Array(await file.arrayBuffer())
  const mt = sniffImageType(bytes)
  if (mt === null) {
    if (file.type === 'image/svg+xml') {
      return { ok: false, message: `${label} is an SVG: SVG images are not accepted (they can carry scripts and links to elsewhere). Export it as PNG first.` }
    }
    return { ok: false, message: `${label} is not a PNG, JPEG, GIF or WebP image.` }
  }
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart], { type: mt }))
  } catch {
    return { ok: false, message: `${label} does not decode as an image: the file is damaged or not really ${mt.slice(6).toUpperCase()}.` }
  }
  if (bitmap.width * bitmap.height > IMAGE_MAX_PIXELS) {
    bitmap.close()
    return { ok: false, message: `${label} has more than ${IMAGE_MAX_PIXELS / 1_000_000} megapixels.` }
  }
  return { ok: true, mt, bytes, bitmap }
}

function mebibytes(n: number): string {
  return (n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')
}
