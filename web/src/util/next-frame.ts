// Waiting for the page to paint: the app page's early script, the app, and
// the server's snapshot each let a picture reach the screen before a long
// task of theirs starts.

/**
 * Resolves after the next frame has painted: a task queued from an
 * animation frame callback runs after that frame's paint. A hidden page runs
 * no animation frames, so with `maxMs`, after at most that long.
 */
export function afterNextFrame(maxMs?: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = maxMs === undefined ? undefined : setTimeout(resolve, maxMs)
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(timer)
        resolve()
      }, 0),
    )
  })
}
