// Camera maths: board <-> screen, pan, zoom about a point, clamping, visible box.
import { describe, expect, it } from 'vitest'
import { Camera, MAX_ZOOM, MIN_ZOOM } from '../src/render/camera'

describe('Camera', () => {
  it('maps board to screen and back', () => {
    const cam = new Camera()
    cam.set(100, 50, 2)
    expect(cam.toScreen({ x: 110, y: 60 })).toEqual({ x: 20, y: 20 })
    expect(cam.toBoard({ x: 20, y: 20 })).toEqual({ x: 110, y: 60 })
    expect(cam.visibleBox(800, 600)).toEqual({ minX: 100, minY: 50, maxX: 500, maxY: 350 })
  })

  it('pans in screen px and zooms keeping the point under the cursor', () => {
    const cam = new Camera()
    let changes = 0
    cam.onChange(() => changes++)
    cam.panBy(0, 0)
    cam.panBy(30, -10)
    expect([cam.x, cam.y]).toEqual([-30, 10])
    const anchor = { x: 200, y: 150 }
    const before = cam.toBoard(anchor)
    cam.zoomAt(anchor, 3)
    const after = cam.toBoard(anchor)
    expect(after.x).toBeCloseTo(before.x, 9)
    expect(after.y).toBeCloseTo(before.y, 9)
    expect(cam.zoom).toBe(3)
    expect(changes).toBe(2)
  })

  it('clamps zoom to 0.05..20 and ignores non-finite factors', () => {
    const cam = new Camera()
    cam.zoomAt({ x: 0, y: 0 }, 1000)
    expect(cam.zoom).toBe(MAX_ZOOM)
    cam.zoomAt({ x: 0, y: 0 }, 1e-9)
    expect(cam.zoom).toBe(MIN_ZOOM)
    cam.set(0, 0, NaN)
    expect(cam.zoom).toBe(1)
  })

  it('fits a box in the viewport, centred', () => {
    const cam = new Camera()
    cam.fit({ minX: 0, minY: 0, maxX: 2000, maxY: 1000 }, 1096, 600, 48)
    expect(cam.zoom).toBeCloseTo(0.5, 9)
    const centre = cam.toScreen({ x: 1000, y: 500 })
    expect(centre.x).toBeCloseTo(548, 9)
    expect(centre.y).toBeCloseTo(300, 9)
  })
})
