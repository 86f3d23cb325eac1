// Text layout for text elements and sticky notes: greedy word wrap, shared by
// the renderer, the SVG export and the bounds used for culling, so they agree.

import type { ElementView } from '../doc/types'

export const LINE_HEIGHT = 1.25
export const STICKY_PADDING = 12
export const FONT_FAMILY = 'system-ui, sans-serif'

export interface TextLayout {
  lines: string[]
  /** top-left of the first line, board px (before rotation) */
  x: number
  y: number
  fs: number
  /** height of all lines, px */
  height: number
}

const layoutCache = new WeakMap<ElementView, TextLayout>()
let measurer: OffscreenCanvasRenderingContext2D | null | undefined

/** Width of `s` in px at font size `fs`: measured where a canvas exists, estimated otherwise (tests). */
function measure(s: string, fs: number): number {
  if (measurer === undefined) {
    measurer = typeof OffscreenCanvas === 'undefined' ? null : new OffscreenCanvas(1, 1).getContext('2d')
  }
  if (measurer === null) return s.length * fs * 0.55
  measurer.font = font(fs)
  return measurer.measureText(s).width
}

export function font(fs: number): string {
  return `${fs}px ${FONT_FAMILY}`
}

/** The wrapped lines of a text or sticky element (cached per view). */
export function layoutText(v: ElementView): TextLayout {
  let layout = layoutCache.get(v)
  if (layout === undefined) {
    const pad = v.t === 'sticky' ? STICKY_PADDING : 0
    const left = Math.min(v.x, v.x + v.w)
    const top = Math.min(v.y, v.y + v.h)
    const fs = v.fs > 0 ? v.fs : 20
    const width = Math.abs(v.w) - 2 * pad
    const lines = wrap(v.text, width, (s) => measure(s, fs))
    layout = { lines, x: left + pad, y: top + pad, fs, height: lines.length * fs * LINE_HEIGHT }
    layoutCache.set(v, layout)
  }
  return layout
}

/** Splits at newlines, then wraps words to `maxWidth` (no wrap if it is not positive); over-long words break anywhere. */
export function wrap(text: string, maxWidth: number, width: (s: string) => number): string[] {
  const out: string[] = []
  for (const paragraph of text.split('\n')) {
    if (maxWidth <= 0) {
      out.push(paragraph)
      continue
    }
    let line = ''
    for (const word of paragraph.split(/(?<=\s)/)) {
      const candidate = line + word
      if (line === '' || width(candidate.trimEnd()) <= maxWidth) {
        line = candidate
      } else {
        out.push(line.trimEnd())
        line = word
      }
      while (width(line.trimEnd()) > maxWidth && line.length > 1) {
        let cut = line.length - 1
        while (cut > 1 && width(line.slice(0, cut)) > maxWidth) cut--
        out.push(line.slice(0, cut))
        line = line.slice(cut)
      }
    }
    out.push(line.trimEnd())
  }
  return out
}
