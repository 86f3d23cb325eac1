// Previewing a version: the renderer sees the version in the board's place,
// the live board's changes meanwhile are held back, not lost, and going back
// shows the live board as it is by then.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import type { BoardChange } from '../src/doc/types'
import { RemoteOrigin } from '../src/doc/origin'
import { StandInBoard } from '../src/render/stand-in'
import { VersionPreview } from '../src/render/version-preview'

function rect(board: Board, x: number): string {
  return board.add({ t: 'rect', x, y: 0, w: 10, h: 10, sc: '#1e1e1e', sw: 2 })
}

describe('VersionPreview', () => {
  it('draws the version in place of the live board, then the live board with what it took meanwhile', () => {
    const live = new Board(new Y.Doc(), 'ada')
    const kept = rect(live, 0)
    const version = new Board(new Y.Doc(), 'reader')
    Y.applyUpdate(version.doc, Y.encodeStateAsUpdate(live.doc))
    const later = rect(live, 20)
    const preview = new VersionPreview(new StandInBoard(live))
    const changes: BoardChange[] = []
    preview.onChange((c) => changes.push(c))

    preview.show(version)
    expect(preview.showing).toBe(true)
    expect(preview.ordered().map((v) => v.id)).toEqual([kept])
    expect(preview.get(later)).toBeUndefined()
    expect(changes.at(-1)).toMatchObject({ added: [kept], removed: expect.arrayContaining([kept, later]) })

    // A peer's stroke and a local edit while previewing: not drawn on the preview.
    const peer = new Board(new Y.Doc(), 'bob')
    const remote = rect(peer, 40)
    Y.applyUpdate(live.doc, Y.encodeStateAsUpdate(peer.doc), new RemoteOrigin('bob'))
    expect(changes).toHaveLength(1)
    expect(preview.get(remote)).toBeUndefined()

    preview.back()
    expect(preview.showing).toBe(false)
    expect(preview.ordered().map((v) => v.id).sort()).toEqual([kept, later, remote].sort())
    expect(changes.at(-1)).toMatchObject({ removed: [kept] })
    expect(changes.at(-1)?.added.sort()).toEqual([kept, later, remote].sort())

    // Live changes reach the renderer again.
    const after = rect(live, 60)
    expect(changes.at(-1)?.added).toEqual([after])
  })
})
