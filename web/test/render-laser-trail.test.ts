// The laser trail: points fade over LASER_FADE_MS and are dropped when gone,
// pieces of trail do not join across a lift, memory is bounded, and a cursor
// frame turns a peer's laser on only with the laser tool and the button down.
import { describe, expect, it } from 'vitest'

import { TOOL_CODES } from '../src/collab/port'
import { LASER_FADE_MS, LASER_TRAIL_MAX_POINTS, LaserTrail, laserAlpha } from '../src/render/laser-trail'
import { laserOn } from '../src/ui/laser'

describe('laser trail', () => {
  it('fades from opaque to gone over LASER_FADE_MS', () => {
    expect(LASER_FADE_MS).toBe(1000)
    expect(laserAlpha(0)).toBe(1)
    expect(laserAlpha(-5)).toBe(1)
    expect(laserAlpha(LASER_FADE_MS / 4)).toBeCloseTo(0.75, 9)
    expect(laserAlpha(LASER_FADE_MS / 2)).toBeCloseTo(0.5, 9)
    expect(laserAlpha(LASER_FADE_MS)).toBe(0)
    expect(laserAlpha(LASER_FADE_MS * 5)).toBe(0)
  })

  it('drops faded points, oldest first, and is empty a fade after the last point', () => {
    const trail = new LaserTrail()
    trail.add(0, 0, 0)
    trail.add(10, 0, 300)
    trail.add(20, 0, 600)
    expect(trail.prune(900)).toBe(true)
    expect(trail.size).toBe(3)
    expect(trail.prune(1000)).toBe(true)
    expect(trail.size).toBe(2)
    expect(trail.prune(1599)).toBe(true)
    expect(trail.size).toBe(1)
    expect(trail.prune(1600)).toBe(false)
    expect(trail.size).toBe(0)
  })

  it('keeps at most LASER_TRAIL_MAX_POINTS, however fast points come', () => {
    const trail = new LaserTrail()
    for (let i = 0; i < LASER_TRAIL_MAX_POINTS * 3; i++) trail.add(i, 0, 0)
    expect(trail.size).toBe(LASER_TRAIL_MAX_POINTS)
  })

  it('ignores non-finite points', () => {
    const trail = new LaserTrail()
    trail.add(Number.NaN, 0, 0)
    trail.add(0, Number.POSITIVE_INFINITY, 0)
    expect(trail.size).toBe(0)
  })

  it('draws segments within one press and a dot where a press starts anew', () => {
    const trail = new LaserTrail()
    trail.add(0, 0, 0)
    trail.add(10, 0, 0)
    trail.lift()
    trail.add(50, 0, 0)
    const calls: string[] = []
    const ctx = new Proxy(
      {},
      {
        get: (_t, name) => (typeof name === 'string' && ['lineTo', 'arc'].includes(name) ? () => calls.push(name) : () => {}),
        set: () => true,
      },
    ) as unknown as CanvasRenderingContext2D
    const camera = { toScreen: (p: { x: number; y: number }) => p } as never
    trail.draw(ctx, camera, 0)
    // A dot at the first point, a segment to the second, a dot after the lift.
    expect(calls).toEqual(['arc', 'lineTo', 'arc'])
    calls.length = 0
    trail.draw(ctx, camera, LASER_FADE_MS)
    expect(calls).toEqual([])
  })

  it('is on for a frame with the laser tool and the primary button', () => {
    expect(laserOn({ tool: TOOL_CODES.laser, buttons: 1 })).toBe(true)
    expect(laserOn({ tool: TOOL_CODES.laser, buttons: 3 })).toBe(true)
    expect(laserOn({ tool: TOOL_CODES.laser, buttons: 0 })).toBe(false)
    expect(laserOn({ tool: TOOL_CODES.laser, buttons: 2 })).toBe(false)
    expect(laserOn({ tool: TOOL_CODES.pen, buttons: 1 })).toBe(false)
  })
})
