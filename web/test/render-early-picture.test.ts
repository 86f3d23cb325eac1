// The early picture's first view (render/early-picture.ts): the elements of
// a board that reach into the view the renderer starts at, in the board's
// order, and how many the whole board holds.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { decodeRenderStream } from '../src/doc/render-stream'
import { firstViewOf } from '../src/render/early-picture'

describe('early picture first view', () => {
  it('holds exactly the elements reaching into the box, in order, and counts the whole board', () => {
    const board = new Board(new Y.Doc(), 'u-early')
    const stroke = (x: number, y: number, sw: number): void => {
      const id = board.beginStroke({ x, y }, { sc: '#1e1e1e', sw })
      board.appendPoints(id, [{ x, y }, { x: x + 10, y: y + 4 }])
      board.endStroke(id)
    }
    stroke(100, 100, 2) // inside
    stroke(5000, 100, 2) // far right: out
    board.add({ t: 'rect', x: 790, y: 500, w: 100, h: 50, sc: '#1e1e1e', sw: 2 }) // straddles the right edge
    stroke(100, 812, 16) // below the box, but its width reaches in
    stroke(300, 840, 2) // below the box: out
    stroke(-400, -400, 2) // far above-left: out
    board.add({ t: 'ellipse', x: 0, y: 0, w: 20, h: 20, sc: '#e03131', sw: 2 }) // inside, last
    const views = board.ordered()
    const first = firstViewOf(views, 800)
    expect([first.width, first.height, first.elements]).toEqual([800, 800, 7])
    const shown = decodeRenderStream(first.stream)
    expect(shown?.map((v) => [v.t, v.x, v.y])).toEqual([
      ['stroke', 100, 100],
      ['rect', 790, 500],
      ['stroke', 100, 812],
      ['ellipse', 0, 0],
    ])
  })
})
