// A picture's pixels kept with its runs of fully transparent pixels counted
// rather than stored (a first view's image, early-picture.ts). A board's
// picture is mostly bare: the ~800 strokes of the 10,000-stroke benchmark
// board's first view leave ~3/4 of its pixels clear, a sketch far more.
// Unlike a general compressor (DecompressionStream took 30-65 ms for a
// 1000 × 700 picture in a page just starting), expanding it is one typed
// array copy a run, fast even in code not yet compiled.
//
//   words (u32): [clear₀, inked₀, pixel × inked₀, clear₁, inked₁, pixel × inked₁, …]
//
// Each pixel is one u32 over its RGBA bytes in the machine's byte order: the
// words never leave the browser that wrote them, and a clear pixel is 0 in
// any order.

/**
 * The shortest run of clear pixels counted: a shorter one is kept with the
 * inked pixels around it. Antialiased strokes leave many gaps of a few
 * pixels, and each run costs a step to expand; 16 pixels is 64 bytes.
 */
export const MIN_CLEAR_RUN = 16

/** `rgba` (4 bytes a pixel) as clear runs: each run of clear pixels counted, then the pixels up to the next. */
export function toClearRuns(rgba: Uint8ClampedArray): Uint32Array<ArrayBuffer> {
  const pixels = new Uint32Array(rgba.buffer, rgba.byteOffset, rgba.length >> 2)
  const n = pixels.length
  // At most: every pixel, and two words a run (a run takes at least two pixels, but the first).
  const out = new Uint32Array(n + Math.ceil(n / 2) + 4)
  let o = 0
  let i = 0
  while (i < n) {
    const clearFrom = i
    while (i < n && pixels[i] === 0) i++
    const inkedFrom = i
    // Inked pixels, and on through any gap too short to count.
    for (;;) {
      while (i < n && pixels[i] !== 0) i++
      let gapEnd = i
      while (gapEnd < n && pixels[gapEnd] === 0 && gapEnd - i < MIN_CLEAR_RUN) gapEnd++
      if (gapEnd === n || gapEnd - i === MIN_CLEAR_RUN) break
      i = gapEnd
    }
    out[o++] = inkedFrom - clearFrom
    out[o++] = i - inkedFrom
    out.set(pixels.subarray(inkedFrom, i), o)
    o += i - inkedFrom
  }
  return out.slice(0, o)
}

/** The `pixelCount` pixels `runs` holds, as RGBA bytes; null if it is damaged (runs past either end, or too few pixels). */
export function fromClearRuns(runs: Uint32Array, pixelCount: number): Uint8ClampedArray<ArrayBuffer> | null {
  const pixels = new Uint32Array(pixelCount)
  let o = 0
  let i = 0
  while (i < runs.length) {
    if (i + 2 > runs.length) return null
    const clear = runs[i++]!
    const inked = runs[i++]!
    if (clear > pixelCount - o || inked > pixelCount - o - clear || inked > runs.length - i) return null
    o += clear
    pixels.set(runs.subarray(i, i + inked), o)
    o += inked
    i += inked
  }
  if (o !== pixelCount) return null
  return new Uint8ClampedArray(pixels.buffer)
}
