// Following someone's view: the fit (all of their viewport in ours, centred,
// whatever the two aspect ratios), the glide there, and when following starts
// and stops (a click, a presenter's request, our own pan or zoom, they leave).
import { describe, expect, it } from 'vitest'

import type { Collab, CollabEvents, PresenceState } from '../src/collab/port'
import { Camera, MAX_ZOOM } from '../src/render/camera'
import { Follow } from '../src/ui/follow'
import { easeView, fitView, FOLLOW_EASE_TAU_MS, type CameraView } from '../src/ui/follow-view'
import { Emitter } from '../src/util/emitter'

describe('fitView', () => {
  it('fits a wider viewport by its width, centred, with margin above and below', () => {
    const view = fitView({ x: 100, y: 50, w: 1000, h: 500 }, { width: 500, height: 500 })
    expect(view.zoom).toBe(0.5)
    // 500 px at zoom 0.5 show 1000 board px across and down; centred on (600, 300).
    expect(view.x).toBe(100)
    expect(view.y).toBe(300 - 500)
  })

  it('fits a taller viewport by its height', () => {
    const view = fitView({ x: 0, y: 0, w: 200, h: 400 }, { width: 800, height: 600 })
    expect(view.zoom).toBe(1.5)
    expect(view.x + 800 / 2 / view.zoom).toBe(100)
    expect(view.y).toBe(0)
  })

  it('shows the whole viewport at any size', () => {
    const target = { x: -37, y: 812, w: 1234, h: 321 }
    for (const size of [{ width: 300, height: 900 }, { width: 1900, height: 400 }, { width: 640, height: 640 }]) {
      const v = fitView(target, size)
      const box = { minX: v.x, minY: v.y, maxX: v.x + size.width / v.zoom, maxY: v.y + size.height / v.zoom }
      expect(box.minX).toBeLessThanOrEqual(target.x + 1e-9)
      expect(box.minY).toBeLessThanOrEqual(target.y + 1e-9)
      expect(box.maxX).toBeGreaterThanOrEqual(target.x + target.w - 1e-9)
      expect(box.maxY).toBeGreaterThanOrEqual(target.y + target.h - 1e-9)
      // Touching on one side: as large as it fits.
      const touching = Math.min(box.maxX - box.minX - target.w, box.maxY - box.minY - target.h)
      expect(touching).toBeCloseTo(0, 6)
    }
  })

  it('keeps the zoom within the camera limits for a degenerate viewport', () => {
    expect(fitView({ x: 5, y: 5, w: 0, h: 0 }, { width: 800, height: 600 }).zoom).toBe(MAX_ZOOM)
  })
})

describe('easeView', () => {
  const size = { width: 800, height: 600 }
  const centre = (v: CameraView) => ({ x: v.x + size.width / 2 / v.zoom, y: v.y + size.height / 2 / v.zoom })

  it('moves part of the way each frame and arrives exactly', () => {
    const to = fitView({ x: 1000, y: 1000, w: 400, h: 300 }, size)
    let at: CameraView = { x: 0, y: 0, zoom: 1 }
    const first = easeView(at, to, size, FOLLOW_EASE_TAU_MS)
    // One time constant: 1 - 1/e of the way, in the centre and in log zoom.
    const share = 1 - Math.exp(-1)
    expect(centre(first).x).toBeCloseTo(centre(at).x + (centre(to).x - centre(at).x) * share, 6)
    expect(Math.log(first.zoom)).toBeCloseTo(Math.log(to.zoom) * share, 6)
    let frames = 0
    while (at !== to && frames < 1000) {
      at = easeView(at, to, size, 16)
      frames++
    }
    expect(at).toBe(to)
    // Under a second at 60 Hz for a jump across 1,000 px.
    expect(frames).toBeLessThan(60)
  })

  it('does not leap on a long frame (a background tab)', () => {
    const to = { x: 5000, y: 0, zoom: 1 }
    const step = easeView({ x: 0, y: 0, zoom: 1 }, to, size, 60_000)
    expect(step.x).toBeGreaterThan(0)
    expect(step.x).toBeLessThan(5000)
  })
})

/** A Collab with only what Follow uses: presence and its event. */
function fakeCollab(): { collab: Collab; set(states: Array<[number, PresenceState]>): void } {
  const events = new Emitter<CollabEvents>()
  let states = new Map<number, PresenceState>()
  const collab = {
    presence: () => states,
    on: <K extends keyof CollabEvents>(event: K, listener: (value: CollabEvents[K]) => void) => events.on(event, listener),
  } as unknown as Collab
  return {
    collab,
    set(next) {
      states = new Map(next)
      events.emit('presence', states)
    },
  }
}

/** A window whose animation frames run when the test says. */
function fakeWindow(): { win: Window; run(frames: number): void } {
  let queued: Array<(now: number) => void> = []
  let now = 0
  const win = {
    requestAnimationFrame: (cb: (now: number) => void) => queued.push(cb),
    cancelAnimationFrame: () => {
      queued = []
    },
  } as unknown as Window
  return {
    win,
    run(frames) {
      for (let i = 0; i < frames; i++) {
        now += 16
        const due = queued
        queued = []
        for (const cb of due) cb(now)
      }
    },
  }
}

const OURS = 1
const size = { width: 800, height: 600 }
const state = (name: string, viewport: PresenceState['viewport'], followMe = false): PresenceState => ({
  name,
  colour: '#1c7ed6',
  selection: [],
  viewport,
  ...(followMe ? { followMe: true } : {}),
})

function setup() {
  const camera = new Camera()
  const collab = fakeCollab()
  const frames = fakeWindow()
  const follow = new Follow(frames.win, collab.collab, camera, () => size, OURS)
  const seen: Array<string | undefined> = []
  follow.onChange((f) => seen.push(f?.name))
  return { camera, collab, frames, follow, seen }
}

describe('Follow', () => {
  const adaView = { x: 1000, y: 500, w: 400, h: 300 }

  it("glides to fit their viewport, and keeps following it as it moves", () => {
    const { camera, collab, frames, follow } = setup()
    collab.set([[OURS, state('Me', null)], [2, state('Ada', adaView)]])
    follow.follow(2)
    expect(follow.current?.name).toBe('Ada')
    frames.run(60)
    expect({ x: camera.x, y: camera.y, zoom: camera.zoom }).toEqual(fitView(adaView, size))
    const moved = { x: -300, y: 40, w: 1600, h: 900 }
    collab.set([[OURS, state('Me', null)], [2, state('Ada', moved)]])
    frames.run(60)
    expect({ x: camera.x, y: camera.y, zoom: camera.zoom }).toEqual(fitView(moved, size))
  })

  it('stops at our own pan or zoom, and their moves no longer move us', () => {
    const { camera, collab, frames, follow, seen } = setup()
    collab.set([[OURS, state('Me', null)], [2, state('Ada', adaView)]])
    follow.follow(2)
    frames.run(5)
    camera.panBy(10, 0)
    expect(follow.current).toBeUndefined()
    expect(seen).toEqual(['Ada', undefined])
    const ours = { x: camera.x, y: camera.y, zoom: camera.zoom }
    collab.set([[OURS, state('Me', null)], [2, state('Ada', { x: 9000, y: 9000, w: 10, h: 10 })]])
    frames.run(60)
    expect({ x: camera.x, y: camera.y, zoom: camera.zoom }).toEqual(ours)
  })

  it('never follows us, and stops when they leave', () => {
    const { collab, follow } = setup()
    collab.set([[OURS, state('Me', adaView)], [2, state('Ada', adaView)]])
    follow.follow(OURS)
    expect(follow.current).toBeUndefined()
    follow.toggle(2)
    expect(follow.current?.clientId).toBe(2)
    collab.set([[OURS, state('Me', null)]])
    expect(follow.current).toBeUndefined()
  })

  it('toggles from the chip', () => {
    const { collab, follow } = setup()
    collab.set([[2, state('Ada', adaView)]])
    follow.toggle(2)
    expect(follow.current?.clientId).toBe(2)
    follow.toggle(2)
    expect(follow.current).toBeUndefined()
  })

  it('says whether stopping stopped anything (Escape is left to others when not)', () => {
    const { collab, follow } = setup()
    collab.set([[2, state('Ada', adaView)]])
    expect(follow.stop()).toBe(false)
    follow.follow(2)
    expect(follow.stop()).toBe(true)
    expect(follow.stop()).toBe(false)
  })

  it('follows a presenter who asks, lets us stop without pulling us back, and lets go when they stop asking', () => {
    const { collab, follow } = setup()
    collab.set([[OURS, state('Me', null)], [2, state('Ada', adaView, true)]])
    expect(follow.current).toEqual({ clientId: 2, name: 'Ada', colour: '#1c7ed6', asked: true })
    follow.stop()
    // Still asking (a renewal, a pan): we stay stopped.
    collab.set([[OURS, state('Me', null)], [2, state('Ada', { ...adaView, x: 0 }, true)]])
    expect(follow.current).toBeUndefined()
    // Asking again after a pause pulls us in again.
    collab.set([[OURS, state('Me', null)], [2, state('Ada', adaView)]])
    collab.set([[OURS, state('Me', null)], [2, state('Ada', adaView, true)]])
    expect(follow.current?.asked).toBe(true)
    // They stop presenting: those they pulled in stop following.
    collab.set([[OURS, state('Me', null)], [2, state('Ada', adaView)]])
    expect(follow.current).toBeUndefined()
  })

  it('keeps following someone we chose when they stop presenting', () => {
    const { collab, follow } = setup()
    collab.set([[2, state('Ada', adaView)]])
    follow.follow(2)
    collab.set([[2, state('Ada', adaView, true)]])
    collab.set([[2, state('Ada', adaView)]])
    expect(follow.current).toEqual({ clientId: 2, name: 'Ada', colour: '#1c7ed6', asked: false })
  })

  it('moves to the newest presenter', () => {
    const { collab, follow } = setup()
    collab.set([[2, state('Ada', adaView, true)]])
    collab.set([[2, state('Ada', adaView, true)], [3, state('Cy', adaView, true)]])
    expect(follow.current?.name).toBe('Cy')
  })
})
