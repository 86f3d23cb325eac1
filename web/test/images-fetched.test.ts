// A picture fetched from the server is drawn (and written into a board file)
// even when this browser cannot keep it: IndexedDB's quota full must not make
// every fetched image a placeholder. The server is a real HTTP server on
// 127.0.0.1 serving the image route.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { imageHash } from '../src/doc/image-ref'
import { memoryImageStore, type ImageStore } from '../src/image/image-store'
import { BoardImages } from '../src/images'

const BYTES = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3)
let hash: string
let server: Server
let base: string

beforeAll(async () => {
  hash = await imageHash(BYTES)
  server = createServer((req, res) => {
    if (req.url?.endsWith(`/images/${hash}`)) res.writeHead(200, { 'Content-Type': 'image/png' }).end(BYTES)
    else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe('BoardImages', () => {
  it('gives a fetched image even when keeping it locally fails', async () => {
    const full: ImageStore = { ...memoryImageStore(), put: () => Promise.reject(new DOMException('quota', 'QuotaExceededError')) }
    const doc = new Y.Doc()
    const board = new Board(doc, 'a')
    const images = new BoardImages({ server: base, room: 'r', token: async () => 't', board, keep: true, canEdit: () => false, store: full })
    const id = board.add({ t: 'image', x: 0, y: 0, w: 10, h: 10, image: { im: hash, mt: 'image/png', iw: 1, ih: 1, ib: BYTES.length } })
    const files = await images.filesOf([board.get(id)!])
    expect(files).toEqual([{ hash, mt: 'image/png', bytes: BYTES }])
    images.destroy()
    board.destroy()
    doc.destroy()
  })
})
