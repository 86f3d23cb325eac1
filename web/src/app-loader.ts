// Runs the app's bundle from the page's early script (boot.ts). index.html
// only preloads it (modulepreload: fetched and compiled, not run), so the
// early script decides when it runs: at once, or once the frame showing a
// first view (a returning visitor's kept one, or the server's on a first
// visit) has been drawn. Run as the page's own module script, its
// evaluation (~30 ms) came between that first view painted and the frame
// that would show it, and held the frame back as long: traced, a returning
// visitor's picture was painted at 124 ms, the bundle ran from 137 to
// 173 ms, and the first contentful paint came at 188 ms. In the benchmark
// (`INKMESH_BENCH_PHASES=join`, two runs of five visits each way), the
// median first render went from 316 and 367 ms to 240 and 244 ms on a
// first visit, and the worst returning visit from 436 and 366 ms to 156 and
// 188 ms.

/** The app's bundle, as index.html preloads it. */
export const APP_BUNDLE = '/app.js'

/** The longest the app's bundle waits for a first view to show: a slow IndexedDB or network must not hold the board back. */
export const APP_HOLD_MAX_MS = 250

/**
 * Appends the module script of `src` to `doc`'s head once: at once without
 * `hold`, else when `hold` settles (either way) or after `maxMs`, whichever
 * comes first.
 */
export function loadApp(doc: Document, hold: Promise<unknown> | undefined, src = APP_BUNDLE, maxMs = APP_HOLD_MAX_MS): void {
  let loaded = false
  const load = (): void => {
    if (loaded) return
    loaded = true
    const script = doc.createElement('script')
    script.type = 'module'
    script.src = src
    doc.head.append(script)
  }
  if (hold === undefined) return load()
  setTimeout(load, maxMs)
  hold.then(load, load)
}
