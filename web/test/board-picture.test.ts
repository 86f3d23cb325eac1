// The picture a page draws until its board loads (board-picture.ts): the
// views of a good stream, and nothing (never a throw) for everything else.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { boardPicture, renderBody } from '../src/board-picture'
import { Board } from '../src/doc/board'
import { encodeRenderStream } from '../src/doc/render-stream'

function stream(strokes: number): Uint8Array<ArrayBuffer> {
  const board = new Board(new Y.Doc(), 'u-picture')
  for (let i = 0; i < strokes; i++) {
    const id = board.beginStroke({ x: i * 10, y: 5 }, { sc: '#1e1e1e', sw: 2 })
    board.appendPoints(id, [{ x: i * 10, y: 5 }, { x: i * 10 + 4, y: 9 }])
    board.endStroke(id)
  }
  return new Uint8Array(encodeRenderStream(board.ordered()))
}

describe('board picture', () => {
  it('decodes a served stream into the views to draw', async () => {
    const bytes = stream(3)
    const views = await boardPicture(renderBody(Promise.resolve(new Response(bytes))))
    expect(views?.map((v) => [v.t, v.x, v.packed?.length])).toEqual([
      ['stroke', 0, 2],
      ['stroke', 10, 2],
      ['stroke', 20, 2],
    ])
  })

  it('draws nothing for an error answer, a failed request, a damaged stream, an empty board or no kept picture', async () => {
    const pictures = [
      boardPicture(renderBody(Promise.resolve(new Response(stream(3), { status: 503 })))),
      boardPicture(renderBody(Promise.reject(new TypeError('network down')))),
      boardPicture(Promise.resolve(stream(3).subarray(0, 40))),
      boardPicture(Promise.resolve(stream(0))),
      boardPicture(Promise.resolve(undefined)),
    ]
    expect(await Promise.all(pictures)).toEqual([null, null, null, null, null])
  })
})
