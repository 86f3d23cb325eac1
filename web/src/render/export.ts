// SVG and PNG export of a whole board. Text, ids and colours come from other
// users' documents, so text and ids are XML-escaped and only `#rrggbb` colours
// are written. The output follows crates/doc's SVG export (a `<g data-id
// data-kind>` per element, 16 px margin), except that strokes are their
// perfect-freehand outline, as on screen.

import type { Board } from '../doc/board'
import { DEFAULT_STROKE } from '../doc/board'
import type { Box, ElementView } from '../doc/types'
import { expandBox, localBox, unionAll } from '../doc/geometry'
import { safeColor, safeFill } from './color'
import { drawElement, isDrawn, PLACEHOLDER_SVG, shapePathData, visualBounds, type Ctx2D } from './shapes'
import { FONT_FAMILY, LINE_HEIGHT, layoutText } from './text'
import { imageSource } from './image-source'
import { isImageHash, isImageType } from '../doc/image-ref'

/** Space around the drawing, px. */
const MARGIN = 16
/** Largest PNG side, px: browsers refuse bigger canvases. */
const MAX_PNG_SIDE = 8192

/** The exported area: every drawn element's drawing box, plus the margin. */
export function exportBounds(views: readonly ElementView[]): Box {
  const drawn = unionAll(views.map(visualBounds)) ?? { minX: 0, minY: 0, maxX: 0, maxY: 0 }
  return expandBox(drawn, MARGIN)
}

/**
 * The board as SVG. Images are embedded from `images` (hash to `data:` URI,
 * see imageDataURIs); one without an entry is drawn as its placeholder box.
 */
export function exportSVG(board: Board, options: { background?: string } = {}, images: ReadonlyMap<string, string> = new Map()): string {
  const views = board.ordered().filter(isDrawn)
  const b = exportBounds(views)
  const w = b.maxX - b.minX
  const h = b.maxY - b.minY
  let out = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${n(b.minX)} ${n(b.minY)} ${n(w)} ${n(h)}" width="${n(w)}" height="${n(h)}">`
  const background = safeFill(options.background)
  if (background !== undefined) {
    out += `<rect x="${n(b.minX)}" y="${n(b.minY)}" width="${n(w)}" height="${n(h)}" fill="${background}"/>`
  }
  for (const v of views) out += elementSVG(v, images)
  return out + '</svg>\n'
}

/** `data:` URIs of the files of the images among `views`, by hash, for those the image source can get. */
export async function imageDataURIs(views: readonly ElementView[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const v of views) {
    const ref = v.image
    if (ref === undefined || out.has(ref.im)) continue
    const blob = await imageSource.blob(ref)
    if (blob === null) continue
    const bytes = new Uint8Array(await blob.arrayBuffer())
    // Only a type the element may have: the URI goes into an attribute, and a browser trusts its type.
    out.set(ref.im, `data:${isImageType(blob.type) ? blob.type : 'image/png'};base64,${base64(bytes)}`)
  }
  return out
}

function base64(bytes: Uint8Array): string {
  let binary = ''
  const CHUNK = 0x8000
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK))
  return btoa(binary)
}

/** One element as a `<g>`; rotation and opacity on the group. */
function elementSVG(v: ElementView, images: ReadonlyMap<string, string>): string {
  const stroke = safeColor(v.sc, DEFAULT_STROKE)
  const fill = safeFill(v.fc) ?? 'none'
  let g = `<g data-id="${escapeXML(v.id)}" data-kind="${v.t}"`
  if (v.o < 1) g += ` opacity="${n(Math.max(0, v.o))}"`
  if (v.r !== 0) {
    const lb = localBox(v)
    g += ` transform="rotate(${n((v.r * 180) / Math.PI)} ${n((lb.minX + lb.maxX) / 2)} ${n((lb.minY + lb.maxY) / 2)})"`
  }
  g += '>'
  const line = `stroke="${stroke}" stroke-width="${n(Math.max(0, v.sw))}" stroke-linecap="round" stroke-linejoin="round"`
  switch (v.t) {
    case 'stroke':
      g += `<path d="${shapePathData(v)}" fill="${stroke}"/>`
      break
    case 'rect':
    case 'ellipse':
      g += `<path d="${shapePathData(v)}" fill="${fill}" ${line}/>`
      break
    case 'line':
    case 'arrow':
      g += `<path d="${shapePathData(v)}" fill="none" ${line}/>`
      break
    case 'sticky':
      g += `<path d="${shapePathData(v)}" fill="${safeFill(v.fc) ?? '#ffe066'}"/>`
      g += textSVG(v, stroke)
      break
    case 'text':
      g += textSVG(v, stroke)
      break
    case 'image': {
      const b = localBox(v)
      const at = `x="${n(b.minX)}" y="${n(b.minY)}" width="${n(b.maxX - b.minX)}" height="${n(b.maxY - b.minY)}"`
      // A malformed hash is never fetched nor embedded (SCHEMA: drawn as the placeholder).
      const uri = v.image === undefined || !isImageHash(v.image.im) ? undefined : images.get(v.image.im)
      g += uri === undefined ? `<rect ${at} ${PLACEHOLDER_SVG}/>` : `<image ${at} preserveAspectRatio="none" href="${uri}"/>`
      break
    }
  }
  return g + '</g>'
}

/** One `<tspan>` per wrapped line, top-aligned like the canvas (textBaseline 'top'). */
function textSVG(v: ElementView, colour: string): string {
  const layout = layoutText(v)
  let t = `<text x="${n(layout.x)}" y="${n(layout.y)}" font-family="${FONT_FAMILY}" font-size="${n(layout.fs)}" fill="${colour}" dominant-baseline="hanging">`
  layout.lines.forEach((text, i) => {
    t += `<tspan x="${n(layout.x)}" dy="${i === 0 ? 0 : n(layout.fs * LINE_HEIGHT)}">${escapeXML(text)}</tspan>`
  })
  return t + '</text>'
}

/** The board drawn at `scale` (clamped so no side exceeds 8192 px), as a PNG. */
export async function exportPNG(board: Board, options: { scale?: number; background?: string } = {}): Promise<Blob> {
  const views = board.ordered().filter(isDrawn)
  const b = exportBounds(views)
  const bw = Math.max(1, b.maxX - b.minX)
  const bh = Math.max(1, b.maxY - b.minY)
  const requested = options.scale !== undefined && options.scale > 0 ? options.scale : 1
  const scale = Math.min(requested, MAX_PNG_SIDE / bw, MAX_PNG_SIDE / bh)
  const w = Math.max(1, Math.ceil(bw * scale))
  const h = Math.max(1, Math.ceil(bh * scale))
  const { ctx, toBlob } = pngCanvas(w, h)
  const background = safeFill(options.background)
  if (background !== undefined) {
    ctx.fillStyle = background
    ctx.fillRect(0, 0, w, h)
  }
  ctx.setTransform(scale, 0, 0, scale, -b.minX * scale, -b.minY * scale)
  // Pictures are loaded first: a canvas draws only what is decoded.
  await Promise.all(views.map((v) => (v.image === undefined ? undefined : imageSource.load(v.image))))
  for (const v of views) drawElement(ctx, v)
  return toBlob()
}

function pngCanvas(w: number, h: number): { ctx: Ctx2D; toBlob: () => Promise<Blob> } {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(w, h)
    const ctx = canvas.getContext('2d')
    if (ctx === null) throw new Error('exportPNG: no 2D context')
    return { ctx, toBlob: () => canvas.convertToBlob({ type: 'image/png' }) }
  }
  const canvas = document.createElement('canvas')
  canvas.width = w
  canvas.height = h
  const ctx = canvas.getContext('2d')
  if (ctx === null) throw new Error('exportPNG: no 2D context')
  const toBlob = () =>
    new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob === null ? reject(new Error('exportPNG: encoding failed')) : resolve(blob)), 'image/png'),
    )
  return { ctx, toBlob }
}

/** Escapes XML's special characters and drops the control characters XML 1.0 forbids. */
export function escapeXML(s: string): string {
  return s.replace(/[&<>"']|[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;'
      case '<':
        return '&lt;'
      case '>':
        return '&gt;'
      case '"':
        return '&quot;'
      case "'":
        return '&#39;'
      default:
        return ''
    }
  })
}

/** A coordinate with at most two decimals, never `-0` or NaN. */
function n(v: number): string {
  if (!Number.isFinite(v)) return '0'
  const r = Math.round(v * 100) / 100
  return Object.is(r, -0) ? '0' : String(r)
}
