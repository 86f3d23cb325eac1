// DOM pointer events as the editor reads them (ui/pointer-samples.ts), with
// stand-in events: every coalesced sample is kept, and only a pen's pressure.

import { describe, expect, it } from 'vitest'
import { Camera } from '../src/render/camera'
import { pointerInput } from '../src/ui/pointer-samples'

const canvas = { getBoundingClientRect: () => ({ left: 10, top: 20 }) } as unknown as HTMLCanvasElement

type Fields = { clientX: number; clientY: number; pressure: number }

function event(type: string, own: Fields, coalesced: Fields[] | undefined): PointerEvent {
  const base = { pointerId: 7, pointerType: type, buttons: 1, shiftKey: false, timeStamp: 123 }
  return {
    ...base,
    ...own,
    ...(coalesced === undefined ? {} : { getCoalescedEvents: () => coalesced.map((c) => ({ ...base, ...c })) }),
  } as unknown as PointerEvent
}

describe('pointerInput', () => {
  it('keeps every coalesced sample of a pen, with its pressure, in canvas and board coordinates', () => {
    const camera = new Camera()
    camera.set(100, 0, 2)
    const samples = [
      { clientX: 11, clientY: 20, pressure: 0.2 },
      { clientX: 12, clientY: 20, pressure: 0.4 },
      { clientX: 14, clientY: 22, pressure: 0.6 },
    ]
    const input = pointerInput(event('pen', samples[2] as Fields, samples), canvas, camera)
    expect(input.samples.map((s) => [s.screen.x, s.screen.y, s.pressure])).toEqual([
      [1, 0, 0.2],
      [2, 0, 0.4],
      [4, 2, 0.6],
    ])
    expect(input.samples.map((s) => s.board)).toEqual([
      { x: 100.5, y: 0 },
      { x: 101, y: 0 },
      { x: 102, y: 1 },
    ])
    expect(input).toMatchObject({ pointerId: 7, pointerType: 'pen', pressure: 0.6, time: 123 })
  })

  it('takes no pressure from a touch or a mouse, and the event itself when nothing was coalesced', () => {
    const camera = new Camera()
    const touch = pointerInput(event('touch', { clientX: 15, clientY: 25, pressure: 0.5 }, []), canvas, camera)
    expect(touch.samples).toEqual([{ screen: { x: 5, y: 5 }, board: { x: 5, y: 5 }, pressure: undefined }])
    const mouse = pointerInput(event('mouse', { clientX: 15, clientY: 25, pressure: 0.5 }, undefined), canvas, camera)
    expect(mouse.pressure).toBeUndefined()
    expect(mouse.samples).toHaveLength(1)
  })
})
