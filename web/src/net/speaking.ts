// Who is speaking, from an audio level: the root mean square of the samples a
// Web Audio AnalyserNode holds, above a threshold, held for a moment so the
// indicator does not flicker between syllables.

/** RMS (samples in -1..1) above which a voice counts as speaking: well above a quiet room's hiss, below soft speech. */
export const SPEAKING_RMS = 0.02
/** The indicator stays on this long after the level last crossed the threshold. */
export const SPEAKING_HOLD_MS = 600

/** Root mean square of `samples`. */
export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0
  let sum = 0
  for (const s of samples) sum += s * s
  return Math.sqrt(sum / samples.length)
}

export class SpeakingDetector {
  private lastLoud = Number.NEGATIVE_INFINITY

  /** Takes the level measured at `now` (ms); returns whether the person counts as speaking. */
  sample(level: number, now: number): boolean {
    if (level > SPEAKING_RMS) this.lastLoud = now
    return now - this.lastLoud <= SPEAKING_HOLD_MS
  }
}
