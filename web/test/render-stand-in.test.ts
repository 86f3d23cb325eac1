// The stand-in the renderer draws from a render stream until the board holds
// anything: it gives way to the board's own views, and only to them.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { decodeRenderStream, encodeRenderStream } from '../src/doc/render-stream'
import type { BoardChange, ElementView } from '../src/doc/types'
import { StandInBoard } from '../src/render/stand-in'

function source(): Board {
  const board = new Board(new Y.Doc(), 'u-src')
  board.add({ t: 'rect', x: 1, y: 2, w: 30, h: 40 })
  board.add({ t: 'sticky', x: 5, y: 5, w: 100, h: 50, text: 'hi' })
  return board
}

describe('StandInBoard', () => {
  it('draws the stream until the board loads, then the board, telling the renderer both times', () => {
    const src = source()
    const views = decodeRenderStream(encodeRenderStream(src.ordered())) as ElementView[]
    const live = new Board(new Y.Doc(), 'u-live')
    const drawn = new StandInBoard(live)
    const changes: BoardChange[] = []
    drawn.onChange((c) => changes.push(c))
    let dropped = 0
    drawn.onDrop(() => dropped++)

    drawn.show(views)
    expect(drawn.showing).toBe(true)
    expect(drawn.ordered().map((v) => v.t)).toEqual(['rect', 'sticky'])
    expect(drawn.get(views[1]?.id as string)?.text).toBe('hi')
    expect(changes.at(-1)?.added).toEqual(views.map((v) => v.id))

    Y.applyUpdate(live.doc, Y.encodeStateAsUpdate(src.doc))
    expect(drawn.showing).toBe(false)
    expect(dropped).toBe(1)
    expect(drawn.ordered()).toBe(live.ordered())
    expect(changes.at(-1)?.removed).toEqual(views.map((v) => v.id))
    expect(changes.at(-1)?.added).toEqual(live.ordered().map((v) => v.id))

    // Later changes pass through; a late stream is not drawn over the board.
    live.add({ t: 'ellipse', x: 0, y: 0, w: 1, h: 1 })
    expect(changes.at(-1)?.added.length).toBe(1)
    drawn.show(views)
    expect(drawn.showing).toBe(false)
    drawn.destroy()
  })
})
