// Images end to end: a PNG pasted in A (a real paste event carrying a file
// made in the page) is drawn in B with its own pixels where it sits; it
// survives a server restart and an offline reload of A (drawn from
// IndexedDB); one pasted while the server is down is drawn at once and
// uploaded when A reconnects, and B then sees it; one a full room refuses
// stays on the board and the person is told; SVG export embeds it and PNG export draws it; a downloaded
// board file opened into an empty board on another room shows it (and
// uploads it there); an oversized and a malformed image are refused with the
// reason shown and nothing stored; a viewer's paste adds nothing and says why;
// an image the server lost is uploaded again from the browser's copy.

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'

import { elementsOf, launchChromium, openBoard, openLiveBoards, roomName, screenshot, startServer, waitForStatus, waitUntil } from './harness.mjs'
import { countColour, decodePng } from './png.mjs'

/** The picture pasted: left half red, right half blue, so position and orientation both show. */
const RED = [224, 49, 49]
const BLUE = [25, 113, 194]
const IMAGE_W = 160
const IMAGE_H = 100

/** Dispatches a real paste event on the page holding `file` (made in the page by `make`), after focusing the board. */
async function paste(page, make, arg) {
  await page.evaluate(() => window.__inkmesh.handle.view.focus())
  await page.evaluate(
    async ({ make, arg }) => {
      const file = await new Function('arg', `return (${make})(arg)`)(arg)
      const data = new DataTransfer()
      data.items.add(file)
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
    },
    { make: make.toString(), arg },
  )
}

/** Runs in the page: the two-colour PNG as a File. */
async function twoColourPng({ w, h, red, blue }) {
  const canvas = new OffscreenCanvas(w, h)
  const ctx = canvas.getContext('2d')
  ctx.fillStyle = `rgb(${red.join(',')})`
  ctx.fillRect(0, 0, w / 2, h)
  ctx.fillStyle = `rgb(${blue.join(',')})`
  ctx.fillRect(w / 2, 0, w / 2, h)
  const blob = await canvas.convertToBlob({ type: 'image/png' })
  return new File([blob], 'two-colours.png', { type: 'image/png' })
}

/** Runs in the page: a file of `size` bytes that starts like a PNG and is not one. */
function fakePng({ size, name }) {
  const bytes = new Uint8Array(size)
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  for (let i = 8; i < size; i++) bytes[i] = (i * 31) & 0xff
  return new File([bytes], name, { type: 'image/png' })
}

/** The colour of the board canvas at a board point, as [r, g, b]. */
async function boardPixel(page, point) {
  return page.evaluate((p) => {
    const handle = window.__inkmesh.handle
    const canvas = document.querySelector('.inkmesh-board-host').shadowRoot.querySelector('[data-testid="board-canvas"]')
    const s = handle.view.camera.toScreen(p)
    const dpr = canvas.width / canvas.getBoundingClientRect().width
    const [r, g, b] = canvas.getContext('2d').getImageData(Math.round(s.x * dpr), Math.round(s.y * dpr), 1, 1).data
    return [r, g, b]
  }, point)
}

const near = (a, b, tolerance = 30) => a.every((v, i) => Math.abs(v - b[i]) <= tolerance)

/** Waits until the page draws the image element `el` with its red left and blue right halves. */
async function waitForPicture(page, el, who) {
  const left = { x: el.x + el.w * 0.25, y: el.y + el.h / 2 }
  const right = { x: el.x + el.w * 0.75, y: el.y + el.h / 2 }
  await waitUntil(`${who} to draw the picture (red left, blue right)`, async () => {
    const [l, r] = [await boardPixel(page, left), await boardPixel(page, right)]
    if (near(l, RED) && near(r, BLUE)) return true
    throw new Error(`left ${l}, right ${r}`)
  }, 20_000)
}

async function guestToken(server, room) {
  const { token } = await (await fetch(`${server.url}/api/rooms/${room}/token`, { method: 'POST' })).json()
  return token
}

async function serverImage(server, room, hash) {
  const token = await guestToken(server, room)
  return fetch(`${server.url}/api/rooms/${room}/images/${hash}`, { headers: { authorization: `Bearer ${token}` } })
}

/** Waits until the server holds the image (its upload is asynchronous), and answers its GET. */
async function uploaded(server, room, hash, ms = 20_000) {
  const token = await guestToken(server, room)
  return waitUntil(`image ${hash.slice(0, 8)} to reach the server`, async () => {
    const answer = await fetch(`${server.url}/api/rooms/${room}/images/${hash}`, { headers: { authorization: `Bearer ${token}` } })
    return answer.status === 200 ? answer : (await answer.body?.cancel(), false)
  }, ms, 100)
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex')

/**
 * A PUT that sends its body only once the server asks for it (`Expect:
 * 100-continue`): the server refuses an oversized upload by its
 * Content-Length without reading it and closes the connection, which a
 * client still writing the body sees as a failed write instead of the answer.
 */
function putWithContinue(url, headers, body) {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'PUT', headers: { ...headers, 'content-length': body.length, expect: '100-continue' } })
    request.on('continue', () => request.end(body))
    request.on('response', (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk) => (text += chunk))
      response.on('end', () => {
        resolve({ status: response.statusCode, body: text })
        request.destroy()
      })
    })
    request.on('error', reject)
    request.flushHeaders()
  })
}

async function imageElement(page) {
  return waitUntil('an image element', async () => Object.values(await elementsOf(page)).find((e) => e.t === 'image') ?? false)
}

async function download(page, action) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-action="${action}"]`).click()])
  return readFile(await file.path())
}

describe('images', () => {
  let dataDir
  let server
  let browser

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'inkmesh-e2e-images-'))
    server = await startServer({ name: 'images', dataDir })
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('a pasted image shows in B, survives a restart and an offline reload, exports, and travels in a board file', async () => {
    const room = roomName('images')
    const url = `${server.url}/b/${room}`
    const [ann, bob] = await openLiveBoards(browser, url, ['Ann', 'Bob'])
    await ann.waitForFunction(() => navigator.serviceWorker.ready.then(() => true), null, { timeout: 10_000 })

    await paste(ann, twoColourPng, { w: IMAGE_W, h: IMAGE_H, red: RED, blue: BLUE })
    const el = await imageElement(ann)
    assert.match(el.im, /^[0-9a-f]{64}$/)
    assert.deepEqual([el.mt, el.iw, el.ih], ['image/png', IMAGE_W, IMAGE_H])
    // Small images keep their size; the view centre is where it lands.
    assert.deepEqual([el.w, el.h], [IMAGE_W, IMAGE_H])
    await waitForPicture(ann, el, 'A')

    // Uploaded: the server holds exactly these bytes under their hash.
    const stored = await uploaded(server, room, el.im)
    assert.equal(stored.headers.get('content-type'), 'image/png')
    const bytes = Buffer.from(await stored.arrayBuffer())
    assert.equal(sha256(bytes), el.im)
    assert.equal(bytes.length, el.ib)

    await imageElement(bob)
    await waitForPicture(bob, el, 'B')
    await screenshot(bob, 'images-b')

    // A server restart: a newcomer (empty browser storage) gets it from the server.
    await server.stop()
    server = await startServer({ name: 'images-restarted', dataDir, port: server.port })
    const cy = await openBoard(browser, `${url}?name=Cy`)
    await waitForStatus(cy)
    await waitForPicture(cy, await imageElement(cy), 'C after the restart')
    await cy.context().close()
    await bob.context().close()

    // An offline reload of A: server down, the page reloaded, drawn from IndexedDB.
    await ann.evaluate(() => window.__inkmesh.handle.whenSaved())
    await server.stop()
    await ann.reload()
    await ann.waitForFunction(() => window.__inkmesh !== undefined, null, { timeout: 15_000 })
    await ann.evaluate(() => window.__inkmesh.handle.localCopyLoaded)
    await waitForPicture(ann, await imageElement(ann), 'A after an offline reload')
    await screenshot(ann, 'images-offline-reload')
    server = await startServer({ name: 'images-restarted-2', dataDir, port: server.port })
    await waitForStatus(ann, 'live', 30_000)

    // SVG export embeds the file itself.
    const svg = (await download(ann, 'export-svg')).toString('utf8')
    const href = /<image [^>]*href="data:image\/png;base64,([^"]+)"/.exec(svg)
    assert.ok(href, 'the SVG has an <image> with a data: URI')
    assert.equal(sha256(Buffer.from(href[1], 'base64')), el.im)
    const parsed = await ann.evaluate((text) => new DOMParser().parseFromString(text, 'image/svg+xml').querySelector('parsererror') === null, svg)
    assert.ok(parsed, 'the SVG parses')

    // PNG export draws it: the export is the image's box plus a 16 px margin, at scale 2.
    const png = decodePng(await download(ann, 'export-png'))
    const margin = 16 * 2
    const half = { w: IMAGE_W, h: IMAGE_H * 2 }
    const leftHalf = { x: margin + 8, y: margin + 8, w: half.w - 16, h: half.h - 16 }
    const rightHalf = { x: margin + half.w + 8, y: margin + 8, w: half.w - 16, h: half.h - 16 }
    const area = leftHalf.w * leftHalf.h
    assert.ok(countColour(png, leftHalf, RED) > area * 0.9, 'the PNG is red where the left half is')
    assert.ok(countColour(png, rightHalf, BLUE) > area * 0.9, 'the PNG is blue where the right half is')

    // The board file carries the image; opened into an empty board of another room, it shows and is uploaded there.
    const file = await download(ann, 'download-board')
    assert.ok(file.includes(Buffer.from('IMGS')), 'the board file has an image section')
    assert.ok(file.includes(bytes), 'the board file holds the image bytes')
    const otherRoom = roomName('images-file')
    const dee = await openBoard(browser, `${server.url}/b/${otherRoom}?name=Dee`)
    await waitForStatus(dee)
    await dee.locator('[data-testid="board-file-input"]').setInputFiles({ name: 'board.inkmesh', mimeType: 'application/octet-stream', buffer: file })
    const opened = await imageElement(dee)
    assert.equal(opened.im, el.im)
    await waitForPicture(dee, opened, 'D after opening the board file')
    // The file's image is uploaded to the new room.
    await uploaded(server, otherRoom, el.im)
    assert.deepEqual(ann.problems.filter((p) => !/Failed to load resource|ERR_CONNECTION_REFUSED|WebSocket/.test(p)), [])
    await dee.context().close()
    await ann.context().close()
  })

  it('an image added offline is drawn at once and uploads on reconnect, and B then sees it', async () => {
    const room = roomName('images-offline')
    const url = `${server.url}/b/${room}`
    const ann = await openBoard(browser, `${url}?name=Ann`)
    const bob = await openBoard(browser, `${url}?name=Bob`)
    try {
      await waitForStatus(ann)
      await waitForStatus(bob)
      // Offline: the server is gone (signaling, snapshot and image routes alike).
      await server.stop()
      await waitUntil('A to see it is offline', async () => (await ann.evaluate(() => window.__inkmesh.handle.collab.status())) !== 'live', 20_000)
      await paste(ann, twoColourPng, { w: 80, h: 50, red: RED, blue: BLUE })
      const el = await imageElement(ann)
      await waitForPicture(ann, el, 'A while offline')

      server = await startServer({ name: 'images-offline-back', dataDir, port: server.port })
      await waitForStatus(ann, 'live', 30_000)
      const stored = await uploaded(server, room, el.im, 30_000)
      assert.equal(sha256(Buffer.from(await stored.arrayBuffer())), el.im, 'the server holds the bytes A pasted offline')
      await waitForStatus(bob, 'live', 30_000)
      const seen = await imageElement(bob)
      assert.equal(seen.im, el.im)
      await waitForPicture(bob, seen, 'B after A came back')
    } finally {
      await ann.context().close()
      await bob.context().close()
    }
  })

  it("keeps on the board an image a full room refused, and tells the person", async () => {
    const fullDir = await mkdtemp(join(tmpdir(), 'inkmesh-e2e-images-full-'))
    // No image space at all: every upload is refused as over the room's quota (413 too_large).
    const full = await startServer({ name: 'images-full', dataDir: fullDir, extraArgs: ['--room-image-max-mib', '0'] })
    const room = roomName('images-full')
    const page = await openBoard(browser, `${full.url}/b/${room}?name=Gus`)
    try {
      await waitForStatus(page)
      await paste(page, twoColourPng, { w: 40, h: 30, red: RED, blue: BLUE })
      const el = await imageElement(page)
      const message = page.locator('[data-testid="image-message"]')
      await waitUntil('the full-room message', async () => /no space for another image now.*stays on the board/.test((await message.textContent()) ?? ''))
      assert.equal((await serverImage(full, room, el.im)).status, 404, 'the full room stored nothing')
      assert.deepEqual(Object.values(await elementsOf(page)).filter((e) => e.t === 'image').map((e) => e.im), [el.im], 'the image stays on the board')
      await waitForPicture(page, el, 'the kept picture')
    } finally {
      await page.context().close()
      await full.cleanup()
      await rm(fullDir, { recursive: true, force: true })
    }
  })

  it("uploads again an image the server lost but the browser's copy holds", async () => {
    const lostDir = await mkdtemp(join(tmpdir(), 'inkmesh-e2e-images-lost-'))
    const freshDir = await mkdtemp(join(tmpdir(), 'inkmesh-e2e-images-fresh-'))
    let lost = await startServer({ name: 'images-lost', dataDir: lostDir })
    const room = roomName('images-lost')
    const page = await openBoard(browser, `${lost.url}/b/${room}?name=Fay`)
    try {
      await waitForStatus(page)
      await paste(page, twoColourPng, { w: 40, h: 30, red: RED, blue: BLUE })
      const el = await imageElement(page)
      await uploaded(lost, room, el.im)
      await page.evaluate(() => window.__inkmesh.handle.whenSaved())
      // The server comes back on the same address with empty storage: the board and the image are gone from it.
      await lost.stop()
      lost = await startServer({ name: 'images-lost-fresh', dataDir: freshDir, port: lost.port })
      assert.equal((await serverImage(lost, room, el.im)).status, 404)
      await page.reload()
      await page.waitForFunction(() => window.__inkmesh !== undefined, null, { timeout: 15_000 })
      await waitForPicture(page, await imageElement(page), 'the picture from the browser copy')
      await waitUntil('the image to be uploaded again', async () => (await serverImage(lost, room, el.im)).status === 200, 20_000)
    } finally {
      await page.context().close()
      await lost.cleanup()
      await rm(lostDir, { recursive: true, force: true })
      await rm(freshDir, { recursive: true, force: true })
    }
  })

  it('refuses an oversized and a malformed image with the reason shown and nothing stored; a viewer cannot paste', async () => {
    const room = roomName('images-refused')
    const page = await openBoard(browser, `${server.url}/b/${room}?name=Eve`)
    await waitForStatus(page)
    const message = page.locator('[data-testid="image-message"]')

    await paste(page, fakePng, { size: 10 * 1024 * 1024 + 1, name: 'huge.png' })
    await waitUntil('the size refusal', async () => /at most 10 MiB/.test((await message.textContent()) ?? ''))
    await paste(page, fakePng, { size: 2000, name: 'broken.png' })
    await waitUntil('the decode refusal', async () => /“broken\.png” does not decode/.test((await message.textContent()) ?? ''))
    assert.ok(await message.isVisible())
    assert.deepEqual(Object.values(await elementsOf(page)).filter((e) => e.t === 'image'), [], 'no image was added')

    // Nothing of them reached the server; and the server refuses them itself too.
    const token = await guestToken(server, room)
    for (const [size, status] of [[10 * 1024 * 1024 + 1, 413], [2000, 422]]) {
      const body = Buffer.alloc(size)
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(body)
      for (let i = 8; i < size; i++) body[i] = (i * 31) & 0xff
      const hash = sha256(body)
      assert.equal((await serverImage(server, room, hash)).status, 404, 'the refused file was never stored')
      const put = await putWithContinue(`${server.url}/api/rooms/${room}/images/${hash}`, { authorization: `Bearer ${token}`, 'content-type': 'image/png' }, body)
      assert.equal(put.status, status)
      assert.equal(typeof JSON.parse(put.body).message, 'string', "the server's sentence for the person")
      assert.equal((await serverImage(server, room, hash)).status, 404, 'a refused upload stores nothing')
    }

    // A drop lands centred where it was dropped.
    const dropAt = { x: 320, y: 420 }
    await page.evaluate(
      async ({ make, arg, at }) => {
        const file = await new Function('arg', `return (${make})(arg)`)(arg)
        const data = new DataTransfer()
        data.items.add(file)
        const canvas = document.querySelector('.inkmesh-board-host').shadowRoot.querySelector('[data-testid="board-canvas"]')
        const init = { dataTransfer: data, bubbles: true, cancelable: true, clientX: at.x, clientY: at.y }
        canvas.dispatchEvent(new DragEvent('dragover', init))
        canvas.dispatchEvent(new DragEvent('drop', init))
      },
      { make: twoColourPng.toString(), arg: { w: 60, h: 40, red: RED, blue: BLUE }, at: dropAt },
    )
    const dropped = await imageElement(page)
    const centre = await page.evaluate((at) => {
      const canvas = document.querySelector('.inkmesh-board-host').shadowRoot.querySelector('[data-testid="board-canvas"]')
      const rect = canvas.getBoundingClientRect()
      return window.__inkmesh.handle.view.camera.toBoard({ x: at.x - rect.left, y: at.y - rect.top })
    }, dropAt)
    assert.ok(Math.abs(dropped.x + dropped.w / 2 - centre.x) < 0.01 && Math.abs(dropped.y + dropped.h / 2 - centre.y) < 0.01, 'centred on the drop point')
    await waitForPicture(page, dropped, 'the dropped picture')
    // Adding it was one undo step.
    await page.evaluate(() => window.__inkmesh.handle.view.focus())
    await page.keyboard.press('Control+z')
    await waitUntil('undo to take the picture away', async () => Object.values(await elementsOf(page)).every((e) => e.t !== 'image'))
    await page.keyboard.press('Control+Shift+z')
    await waitUntil('redo to bring it back', async () => Object.values(await elementsOf(page)).some((e) => e.t === 'image'))

    // A viewer: no Insert image button, and a paste adds nothing but says why.
    const viewer = await openBoard(browser, `${server.url}/b/${room}?name=Vic&view=1`)
    await waitForStatus(viewer)
    assert.equal(await viewer.locator('[data-action="insert-image"]').isVisible(), false)
    await paste(viewer, twoColourPng, { w: 20, h: 20, red: RED, blue: BLUE })
    await waitUntil("the viewer's refusal", async () => /view-only/.test((await viewer.locator('[data-testid="image-message"]').textContent()) ?? ''))
    await waitUntil('the viewer to see the one dropped image', async () => Object.values(await elementsOf(viewer)).filter((e) => e.t === 'image').length === 1)
    assert.deepEqual(Object.values(await elementsOf(viewer)).filter((e) => e.t === 'image').map((e) => e.im), [dropped.im], 'the paste added nothing')
    await viewer.context().close()
    await page.context().close()
  })
})
