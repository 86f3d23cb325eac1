// Replays the shared fixtures (tests/fixtures/peer-core/*.json, described in
// its README) through the web peer core; crates/transport/tests/peer_core.rs
// replays the same files through the Rust core, so both follow one script.

import * as fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { PeerCore } from '../src/net/core'
import { ProtocolError } from '../src/protocol/error'
import { DEFAULT_LIMITS } from '../src/protocol/limits'
import type { Role } from '../src/protocol/session'
import { bytes, hex } from './protocol-hex'

interface Step {
  action: 'open' | 'board' | 'cursor' | 'text' | 'update' | 'sendCursor' | 'drain' | 'hold' | 'release'
  hex?: string
  channel?: string
  x?: number
  y?: number
  buttons?: number
  tool?: number
  out?: string[]
  cursorOut?: string[]
  cursors?: number[]
  state?: string
  dropped?: boolean
  error?: { limit: string | null; says: string }
}

interface Fixture {
  about: string
  offerer: boolean
  local: Role
  remote: Role
  board?: string
  maxQueuedBytes?: number
  steps: Step[]
}

const dir = new URL('../../tests/fixtures/peer-core/', import.meta.url)
const fixtures = fs
  .readdirSync(dir)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => [name, JSON.parse(fs.readFileSync(new URL(name, dir), 'utf8')) as Fixture] as const)

/** The message as a channel delivers it. */
const message = (hexText: string) => bytes(hexText).slice().buffer

/** Runs `work`; returns the ProtocolError it threw, or null. */
function refusal(work: () => void): ProtocolError | null {
  try {
    work()
    return null
  } catch (error) {
    if (error instanceof ProtocolError) return error
    throw error
  }
}

describe('the shared peer core fixtures', () => {
  it('are all here', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(8)
  })

  for (const [name, fixture] of fixtures) {
    it(`${name}: ${fixture.about}`, () => {
      const doc = new Y.Doc()
      doc.clientID = 1
      if (fixture.board !== undefined) Y.applyUpdate(doc, bytes(fixture.board))
      let board: string[] = []
      let cursor: string[] = []
      let queued = 0
      let sent = 0
      const core = new PeerCore(
        { local: fixture.local, remote: fixture.remote, localKeeper: false, remoteKeeper: false },
        fixture.offerer,
        {
          stateVector: () => Y.encodeStateVector(doc),
          diff: (sv) => Y.encodeStateAsUpdate(doc, sv),
          apply: (u) => Y.applyUpdate(doc, u),
          awareness: () => null,
          presence: () => ({ untracked: 0 }),
        },
        {
          board: (f) => {
            board.push(hex(f))
            queued += f.length
          },
          cursor: (f) => cursor.push(hex(f)),
          boardBytesSent: () => sent,
        },
        { ...DEFAULT_LIMITS, maxQueuedBytes: fixture.maxQueuedBytes ?? DEFAULT_LIMITS.maxQueuedBytes },
      )
      fixture.steps.forEach((step, i) => {
        const at = `step ${i} (${step.action})`
        board = []
        cursor = []
        let cursors: number[] = []
        let dropped = false
        const error = refusal(() => {
          switch (step.action) {
            case 'open':
              core.open()
              break
            case 'board':
              dropped = core.board(message(step.hex!), 0).droppedFromViewer
              break
            case 'cursor':
              cursors = core.cursor(message(step.hex!)).map((c) => c.frame.seq)
              break
            case 'text':
              if (step.channel === 'cursor') core.cursor('text')
              else core.board('text', 0)
              break
            case 'update':
              core.update(bytes(step.hex!))
              break
            case 'sendCursor':
              core.sendCursor(step.x!, step.y!, step.buttons!, step.tool!)
              break
            case 'drain':
              sent = queued
              break
            case 'hold':
              core.holdSync()
              break
            case 'release':
              core.releaseSync()
              break
          }
        })
        if (step.error !== undefined) {
          expect(error, at).not.toBeNull()
          expect(error!.limit ?? null, `${at}: the limit`).toBe(step.error.limit)
          expect(error!.message, at).toContain(step.error.says)
          expect(i + 1, `${at}: no step follows an error`).toBe(fixture.steps.length)
          return
        }
        expect(error, at).toBeNull()
        if (step.out !== undefined) expect(board, `${at}: board frames out`).toEqual(step.out)
        if (step.cursorOut !== undefined) expect(cursor, `${at}: cursor frames out`).toEqual(step.cursorOut)
        if (step.cursors !== undefined) expect(cursors, `${at}: cursors accepted`).toEqual(step.cursors)
        if (step.state !== undefined) expect(core.state(), `${at}: state`).toBe(step.state)
        if (step.dropped !== undefined) expect(dropped, `${at}: dropped`).toBe(step.dropped)
      })
    })
  }
})
