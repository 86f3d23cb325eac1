// Before the server's snapshot is applied (hundreds of milliseconds of main
// thread for a big board), what the page shows meanwhile gets its frame: a
// returning visitor's local copy, or a joining page's stand-in picture.

/**
 * How long the snapshot waits for the local copy to load and for what is
 * shown to paint. A copy that never opens (IndexedDB broken or blocked) or a
 * hidden tab (no frames) must not hold the board back.
 */
export const PAINT_FIRST_MS = 1000

/** What a board shows before its snapshot. */
export interface ShownFirst {
  /** The local copy's loading (none: resolved); a failed one holds nothing to draw. */
  loaded: Promise<unknown>
  /** Whether anything is shown: the board's own content or a stand-in picture. */
  showing(): boolean
  /** Whether what is shown is not on screen yet: the renderer has a change still to paint. */
  unpainted(): boolean
  /** Resolves after the next frame has painted; undefined where there are no frames. */
  nextFrame?: () => Promise<void>
}

/**
 * Resolves once the local copy (if any) is loaded and what is shown has
 * painted. Applied first, the snapshot would hold back the frame of a
 * picture shown just before it; and applied before the copy's database
 * opens, it would make y-indexeddb encode the whole board once more when it
 * does. What has painted already waits for no frame, not even one asked for
 * to refine it (the stand-in's strokes outlined in idle time, ~50 ms, then
 * redrawn, ~50 ms): the snapshot's content replaces it anyway.
 */
export async function paintFirst(shown: ShownFirst, maxMs = PAINT_FIRST_MS): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  // One deadline for both steps: a hidden tab gets no frames at all.
  const gaveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, maxMs)))
  const drawn = (async () => {
    await shown.loaded.catch(() => undefined)
    if (!shown.showing() || !shown.unpainted() || shown.nextFrame === undefined) return
    await shown.nextFrame()
  })()
  await Promise.race([drawn, gaveUp])
  clearTimeout(timer)
}
