// The snapshot's answer read ahead for a taker that comes later (boot.ts).
import { describe, expect, it } from 'vitest'
import { readAhead } from '../src/net/snapshot-request'

/** An answer whose body comes in two parts, the second only once the first was read. */
function streamed(parts: Uint8Array[], init: ResponseInit): { answer: Response; pulled: () => number } {
  let pulls = 0
  const source: UnderlyingDefaultSource<Uint8Array> = {
    pull(controller) {
      const part = parts[pulls++]
      if (part === undefined) controller.close()
      else controller.enqueue(part)
    },
  }
  const body = new ReadableStream(source, { highWaterMark: 0 })
  return { answer: new Response(body, init), pulled: () => pulls }
}

describe('readAhead', () => {
  it('reads the whole body at once and hands on the same bytes, status and headers', async () => {
    const { answer, pulled } = streamed([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])], {
      status: 200,
      headers: { 'content-type': 'application/octet-stream' },
    })
    const read = await readAhead(answer)
    expect(answer.bodyUsed).toBe(true)
    expect(pulled()).toBe(3)
    expect(read.status).toBe(200)
    expect(read.ok).toBe(true)
    expect(read.headers.get('content-type')).toBe('application/octet-stream')
    expect(new Uint8Array(await read.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3, 4, 5]))
  })

  it('passes an error answer on unread, for its taker to look at', async () => {
    const { answer, pulled } = streamed([new TextEncoder().encode('{"code":"unauthorized"}')], { status: 401 })
    const read = await readAhead(answer)
    expect(read).toBe(answer)
    expect(answer.bodyUsed).toBe(false)
    expect(pulled()).toBe(0)
    expect(await read.json()).toEqual({ code: 'unauthorized' })
  })
})
