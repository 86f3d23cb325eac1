// Plain views of board elements, read out of the Yjs document (docs/SCHEMA.md).
// The editor and the renderer work on these; only `Board` touches Y types.

import type { PackedPoints } from './packed-points'

import type { ImageRef } from './image-ref'

export type Kind = 'stroke' | 'rect' | 'ellipse' | 'line' | 'arrow' | 'text' | 'sticky' | 'image'

/**
 * The kinds the render stream carries, its kind codes in order
 * (docs/PROTOCOL.md): images are not among them, so a stand-in picture leaves
 * them out until the board itself is drawn.
 */
export const KINDS: readonly Kind[] = ['stroke', 'rect', 'ellipse', 'line', 'arrow', 'text', 'sticky']

/** Every kind this client draws. */
export const DRAWN_KIND_LIST: readonly Kind[] = [...KINDS, 'image']

/** A stroke point relative to its element's origin, in px; `p` is pressure 0..1. */
export interface Point {
  x: number
  y: number
  p?: number
}

/**
 * One element as the schema reads it, defaults applied. `t` is a string because
 * unknown kinds from newer clients are kept (and not drawn).
 */
export interface ElementView {
  id: string
  t: Kind | string
  z: string
  x: number
  y: number
  w: number
  h: number
  r: number
  sx: number
  sy: number
  sc: string
  fc: string | undefined
  sw: number
  o: number
  a: string | undefined
  c: number | undefined
  /** text and sticky: the text's current content */
  text: string
  fs: number
  /**
   * stroke: every decodable point, relative to (x, y), unscaled. While a
   * stroke only grows, its successive views share this array, which grows
   * with them (an append must not cost the stroke's length): a view replaced
   * since may see the newer points. Read a view's points while it is current.
   */
  points: Point[]
  /**
   * The same points packed in typed arrays, on views decoded from a render
   * stream: the renderer's hot paths (bounds, polylines) read these, and
   * `points` builds its objects only when something else asks for them.
   */
  packed?: PackedPoints
  /** stroke: true once ended */
  done: boolean
  /** image: which file it shows (SCHEMA "Images"); absent on other kinds and on images missing `im` */
  image?: ImageRef
}

/** Fields an edit may set; `fc: null` removes the fill. */
export interface Patch {
  x?: number
  y?: number
  w?: number
  h?: number
  r?: number
  sx?: number
  sy?: number
  sc?: string
  fc?: string | null
  sw?: number
  o?: number
  fs?: number
}

export interface NewElement extends Patch {
  t: Kind
  text?: string
  /** image: the file it shows */
  image?: ImageRef
}

/** Axis-aligned box in board px. */
export interface Box {
  minX: number
  minY: number
  maxX: number
  maxY: number
}

/** What one transaction changed, as element ids. */
export interface BoardChange {
  added: string[]
  changed: string[]
  removed: string[]
  /** true when made by this client (a local edit, undo or redo) */
  local: boolean
}
