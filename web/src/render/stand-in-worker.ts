// The worker that paints a joining board's stand-in picture (off-thread-stand-in.ts):
// it decodes the server's render stream of the first view and paints it, as
// the early picture does, on a canvas the page handed over. Built on its own
// by build.mjs and carried inside the page's bundle as source.

import { decodeRenderStream } from '../doc/render-stream'
import { paintPicture } from './early-picture'
import type { StandInAnswer, StandInRequest } from './off-thread-stand-in'

const scope = self as unknown as { onmessage: ((event: MessageEvent<StandInRequest>) => void) | null; postMessage(answer: StandInAnswer): void }

scope.onmessage = (event) => {
  const { id, canvas, stream, dpr } = event.data
  let elements = 0
  try {
    const views = decodeRenderStream(stream)
    const ctx = canvas.getContext('2d')
    if (views !== null && ctx !== null) {
      paintPicture(ctx, views, dpr, canvas.width, canvas.height)
      elements = views.length
    }
  } catch (error) {
    // A stream that fails to decode or paint just means waiting for the board, as on the main thread.
    console.info('[inkmesh] stand-in picture:', error)
  }
  // When the picture was done, on the page's clock: the worker's own starts when the worker does.
  scope.postMessage({ id, elements, paintedAt: performance.timeOrigin + performance.now() })
}
