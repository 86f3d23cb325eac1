// A minimal PNG reader for screenshots (8-bit RGB or RGBA, not interlaced:
// what Chromium writes), so tests can check pixels without another package.

import { inflateSync } from 'node:zlib'

export function decodePng(buffer) {
  const bytes = new Uint8Array(buffer)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const signature = [137, 80, 78, 71, 13, 10, 26, 10]
  if (!signature.every((b, i) => bytes[i] === b)) throw new Error('not a PNG')
  let offset = 8
  let width = 0
  let height = 0
  let channels = 0
  const data = []
  while (offset < bytes.length) {
    const length = view.getUint32(offset)
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8))
    const body = bytes.subarray(offset + 8, offset + 8 + length)
    if (type === 'IHDR') {
      const b = new DataView(body.buffer, body.byteOffset, body.byteLength)
      width = b.getUint32(0)
      height = b.getUint32(4)
      const [depth, colour, , , interlace] = body.subarray(8, 13)
      if (depth !== 8 || interlace !== 0 || (colour !== 2 && colour !== 6)) {
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`)
      }
      channels = colour === 6 ? 4 : 3
    } else if (type === 'IDAT') {
      data.push(body)
    } else if (type === 'IEND') {
      break
    }
    offset += 12 + length
  }
  const raw = inflateSync(Buffer.concat(data))
  const stride = width * channels
  const pixels = new Uint8Array(width * height * 4)
  const prev = new Uint8Array(stride)
  const line = new Uint8Array(stride)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels] : 0
      const b = prev[i]
      const c = i >= channels ? prev[i - channels] : 0
      let v = src[i]
      if (filter === 1) v += a
      else if (filter === 2) v += b
      else if (filter === 3) v += (a + b) >> 1
      else if (filter === 4) {
        const p = a + b - c
        const pa = Math.abs(p - a)
        const pb = Math.abs(p - b)
        const pc = Math.abs(p - c)
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c
      }
      line[i] = v & 0xff
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4
      pixels[o] = line[x * channels]
      pixels[o + 1] = line[x * channels + 1]
      pixels[o + 2] = line[x * channels + 2]
      pixels[o + 3] = channels === 4 ? line[x * channels + 3] : 255
    }
    prev.set(line)
  }
  return { width, height, pixels }
}

/** Counts the pixels in `box` whose `[r, g, b]` satisfy `test`. */
function countPixels(image, box, test) {
  let n = 0
  const x0 = Math.max(0, Math.floor(box.x))
  const y0 = Math.max(0, Math.floor(box.y))
  const x1 = Math.min(image.width, Math.ceil(box.x + box.w))
  const y1 = Math.min(image.height, Math.ceil(box.y + box.h))
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const o = (y * image.width + x) * 4
      if (test(image.pixels[o], image.pixels[o + 1], image.pixels[o + 2])) n++
    }
  }
  return n
}

/** Counts pixels in the box whose colour is within `tolerance` of `[r, g, b]` (sum of channel differences). */
export function countColour(image, box, [r, g, b], tolerance = 40) {
  return countPixels(image, box, (pr, pg, pb) => Math.abs(pr - r) + Math.abs(pg - g) + Math.abs(pb - b) <= tolerance)
}

/** Counts pixels in the box darker than `threshold` (mean of r, g, b): ink on a light board. */
export function countInk(image, box, threshold = 160) {
  return countPixels(image, box, (r, g, b) => (r + g + b) / 3 < threshold)
}

export function hexColour(hex) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex)
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`)
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)]
}

/**
 * How many pixels of a `width` × `height` mask (1: the pixel differs) differ
 * with all eight neighbours: the inside of a patch, not a stray pixel or a
 * sliver. Self-contained, so a page can run it too (its source, through
 * page.evaluate).
 */
export function insidePatches(differs, width, height) {
  let inside = 0
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      let all = true
      for (let dy = -1; dy <= 1 && all; dy++) for (let dx = -1; dx <= 1 && all; dx++) all = differs[(y + dy) * width + x + dx] === 1
      if (all) inside++
    }
  }
  return inside
}
