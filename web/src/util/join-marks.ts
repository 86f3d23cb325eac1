// Performance marks along a page's join, so a slow first render splits into
// its steps: early requests, response, decode, show (tests/e2e/bench.mjs
// reads them; so does a browser's performance panel). A mark costs about a
// microsecond and each is made once per page: left in production on purpose.

/**
 * The steps a join marks, roughly in the order they happen: a returning
 * visitor's kept picture (`picture-bytes`) usually comes before the render
 * stream's, and the snapshot's steps come last.
 */
export type JoinStep =
  | 'boot'
  | 'app'
  | 'mount'
  | 'picture-bytes'
  | 'first-view-decoded'
  | 'render-headers'
  | 'render-bytes'
  | 'stand-in-decoded'
  | 'picture-painted'
  | 'picture-dropped'
  | 'stand-in-shown'
  | 'snapshot-bytes'
  | 'snapshot-applied'

/**
 * Marks `inkmesh:<step>` once per page: the first time is the one a join
 * waits for. `detail` goes with the mark (picture-painted: how many elements
 * the picture drew, so a benchmark knows it was the whole board). `at`
 * (performance.now() time) marks a step done before now, elsewhere: a
 * worker's picture painted while this thread was busy.
 */
export function markJoin(step: JoinStep, detail?: unknown, at?: number): void {
  const name = `inkmesh:${step}`
  if (typeof performance === 'undefined' || typeof performance.mark !== 'function') return
  if (performance.getEntriesByName(name, 'mark').length > 0) return
  performance.mark(name, { ...(detail === undefined ? {} : { detail }), ...(at === undefined ? {} : { startTime: at }) })
}
