// A picture of a board to draw until the board itself loads: a render
// stream (docs/PROTOCOL.md), the server's or the one this browser kept
// (local-picture.ts), decoded into stand-in views. The app page decodes it
// from its HTML (boot.ts) as soon as the bytes are in, often before the
// app's bundle has run, so the view's first frame can already show it;
// mount() does the same for embeds.

import { decodeRenderStream } from './doc/render-stream'
import type { ElementView } from './doc/types'
import { markJoin } from './util/join-marks'

/** Stand-in views of a board; null when there is nothing to draw (no stream, a damaged one, an empty board). */
export type BoardPicture = Promise<ElementView[] | null>

/** Decodes `bytes` once they come; a stream that fails to come or to decode just means waiting for the board. */
export async function boardPicture(bytes: Promise<Uint8Array | undefined>): BoardPicture {
  try {
    const stream = await bytes
    if (stream === undefined) return null
    const views = decodeRenderStream(stream)
    markJoin('stand-in-decoded')
    return views !== null && views.length > 0 ? views : null
  } catch (error) {
    console.info('[inkmesh] board picture:', error)
    return null
  }
}

/** The body of a render stream answer, or undefined for an error answer. */
export async function renderBody(answer: Promise<Response>): Promise<Uint8Array | undefined> {
  const response = await answer
  if (!response.ok) return undefined
  const bytes = new Uint8Array(await response.arrayBuffer())
  markJoin('render-bytes')
  return bytes
}
