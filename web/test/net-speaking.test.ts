import { describe, expect, it } from 'vitest'

import { SPEAKING_HOLD_MS, SPEAKING_RMS, SpeakingDetector, rms } from '../src/net/speaking'

describe('speaking', () => {
  it('measures the root mean square of the samples', () => {
    expect(rms(new Float32Array([]))).toBe(0)
    expect(rms(new Float32Array([0.5, -0.5, 0.5, -0.5]))).toBeCloseTo(0.5)
    expect(rms(new Float32Array(100))).toBe(0)
  })

  it('a level above the threshold speaks, held for a moment, then stops', () => {
    const detector = new SpeakingDetector()
    expect(detector.sample(SPEAKING_RMS / 2, 0)).toBe(false)
    expect(detector.sample(SPEAKING_RMS * 2, 100)).toBe(true)
    // Quiet between syllables: still speaking within the hold.
    expect(detector.sample(0, 100 + SPEAKING_HOLD_MS)).toBe(true)
    expect(detector.sample(0, 101 + SPEAKING_HOLD_MS)).toBe(false)
  })

  it('silence from the start never speaks', () => {
    const detector = new SpeakingDetector()
    for (let t = 0; t < 5000; t += 80) expect(detector.sample(0, t)).toBe(false)
  })
})
