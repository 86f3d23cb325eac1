// What the server's (or a proxy's, or an older node's) answers to an image
// upload mean, against a real HTTP server on 127.0.0.1: only a refusal of
// the file itself is final; a full room is retried slowly; anything else,
// recognised or not, is retried. A final refusal takes the picture off
// everyone's board, so a wrong "final" loses a person's image.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IMAGE_MAX_BYTES } from '../src/image/limits'
import { putImage } from '../src/net/images'

interface Answer {
  status: number
  type: string
  body: string
  retryAfter?: string
}

const json = (status: number, code: string, message: string): Answer => ({ status, type: 'application/json', body: JSON.stringify({ code, message }) })

let server: Server
let base: string
let answer: Answer

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(answer.status, { 'Content-Type': answer.type, ...(answer.retryAfter === undefined ? {} : { 'Retry-After': answer.retryAfter }) }).end(answer.body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const small = { hash: 'a'.repeat(64), mt: 'image/png', bytes: new Uint8Array(16) }

async function outcome(given: Answer, image = small) {
  answer = given
  return putImage(base, 'room', 'token', image)
}

describe('putImage', () => {
  it('treats 200 and 201 as stored', async () => {
    expect(await outcome({ status: 201, type: 'application/json', body: '{}' })).toEqual({ kind: 'done' })
    expect(await outcome({ status: 200, type: 'application/json', body: '{}' })).toEqual({ kind: 'done' })
  })

  it('is final only for a refusal of the file itself', async () => {
    expect(await outcome(json(415, 'unsupported_type', 'Not SVG.'))).toEqual({ kind: 'refused', message: 'Not SVG.' })
    expect(await outcome(json(422, 'unprocessable', 'Damaged.'))).toEqual({ kind: 'refused', message: 'Damaged.' })
    const huge = { ...small, bytes: new Uint8Array(IMAGE_MAX_BYTES + 1) }
    expect(await outcome(json(413, 'too_large', 'Over 10 MiB.'), huge)).toEqual({ kind: 'refused', message: 'Over 10 MiB.' })
  })

  it('stops for good on a deleted board', async () => {
    expect(await outcome(json(410, 'board_deleted', 'This board was deleted.'))).toEqual({ kind: 'deleted' })
  })

  it("keeps a file within the limit that a full room refused, to retry later", async () => {
    const full = json(413, 'too_large', 'Room r holds 256 MiB of images; images no longer on the board are removed in time.')
    expect(await outcome(full)).toEqual({ kind: 'full', message: JSON.parse(full.body).message })
  })

  it('retries every answer it does not recognise as final', async () => {
    const answers: Answer[] = [
      { status: 413, type: 'text/html', body: '<html><body>413 Request Entity Too Large</body></html>' },
      { status: 404, type: 'text/plain', body: 'Not Found' },
      { status: 405, type: 'text/plain', body: '' },
      json(400, 'bad_request', 'The upload did not arrive whole: connection reset.'),
      json(404, 'not_found', 'No such route.'),
      json(403, 'forbidden', 'Only editors may add images.'),
      json(429, 'rate_limited', 'Two uploads at once in this room.'),
      json(503, 'unavailable', 'Busy.'),
      json(500, 'internal', 'Oops.'),
      json(422, 'a_code_from_the_future', 'Something new.'),
      { status: 415, type: 'application/json', body: '{"message": "no code"}' },
    ]
    for (const a of answers) expect(await outcome(a), `${a.status} ${a.body}`).toEqual({ kind: 'retry' })
  })

  it("waits as long as a busy server's Retry-After asks", async () => {
    expect(await outcome({ ...json(429, 'rate_limited', 'Two uploads at once in this room.'), retryAfter: '3' })).toEqual({ kind: 'retry', afterMs: 3000 })
    expect(await outcome({ ...json(503, 'unavailable', 'Busy.'), retryAfter: 'soon' })).toEqual({ kind: 'retry' })
  })

  it('asks for a fresh token after a 401', async () => {
    expect(await outcome(json(401, 'unauthorized', 'Expired.'))).toEqual({ kind: 'retry', tokenRefused: true })
  })

  it('retries when the server cannot be reached', async () => {
    expect(await putImage('http://127.0.0.1:1', 'room', 'token', small)).toEqual({ kind: 'retry' })
  })
})
