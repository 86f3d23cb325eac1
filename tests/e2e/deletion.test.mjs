// A deleted board in the browser: the operator deletes the board
// (`DELETE /api/rooms/{room}` with the admin token) while a page is on it;
// the page says "This board was deleted", stops reconnecting, keeps its copy
// (its strokes and pictures stay drawn) and offers it as a board file to
// download; the board's images are gone from the server.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'

import { drawPath, elementsOf, launchChromium, openBoard, roomName, screenshot, selectTool, startServer, waitForStatus, waitUntil } from './harness.mjs'

const ADMIN = 'e2e-admin-token-0123456789'

/** Runs in the page: a small PNG as a File. */
async function smallPng() {
  const canvas = new OffscreenCanvas(40, 30)
  const ctx = canvas.getContext('2d')
  ctx.fillStyle = 'rgb(224,49,49)'
  ctx.fillRect(0, 0, 40, 30)
  return new File([await canvas.convertToBlob({ type: 'image/png' })], 'red.png', { type: 'image/png' })
}

async function pasteSmallPng(page) {
  await page.evaluate(() => window.__inkmesh.handle.view.focus())
  await page.evaluate(async (make) => {
    const file = await new Function(`return (${make})()`)()
    const data = new DataTransfer()
    data.items.add(file)
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, smallPng.toString())
}

async function guestToken(server, room) {
  const { token } = await (await fetch(`${server.url}/api/rooms/${room}/token`, { method: 'POST' })).json()
  return token
}

async function imageStatus(server, room, hash) {
  const token = await guestToken(server, room)
  const answer = await fetch(`${server.url}/api/rooms/${room}/images/${hash}`, { headers: { authorization: `Bearer ${token}` } })
  await answer.body?.cancel()
  return answer.status
}

describe('board deletion', () => {
  let dataDir
  let server
  let browser

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'inkmesh-e2e-deletion-'))
    const adminFile = join(dataDir, 'admin-token')
    await writeFile(adminFile, `${ADMIN}\n`)
    server = await startServer({ name: 'deletion', dataDir, extraArgs: ['--admin-token-file', adminFile] })
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('a page whose board is deleted says so, keeps its copy and offers it for download', async () => {
    const room = roomName('deleted')
    const page = await openBoard(browser, `${server.url}/b/${room}?name=Ann`)
    await waitForStatus(page)
    await selectTool(page, 'pen')
    await drawPath(page, [{ x: 300, y: 300 }, { x: 400, y: 350 }, { x: 500, y: 320 }])
    await pasteSmallPng(page)
    const image = await waitUntil('the pasted image on the board', async () => Object.values(await elementsOf(page)).find((e) => e.t === 'image') ?? false)
    await waitUntil('the image to reach the server', async () => (await imageStatus(server, room, image.im)) === 200, 20_000, 100)

    // Only the operator's token deletes.
    const refused = await fetch(`${server.url}/api/rooms/${room}`, { method: 'DELETE', headers: { authorization: `Bearer ${await guestToken(server, room)}` } })
    assert.equal(refused.status, 403)
    const deleted = await fetch(`${server.url}/api/rooms/${room}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } })
    assert.equal(deleted.status, 204)

    const notice = page.locator('[data-testid="board-deleted"]')
    await notice.waitFor({ state: 'visible', timeout: 15_000 })
    assert.match(await notice.innerText(), /This board was deleted/)
    await waitForStatus(page, 'deleted')
    await screenshot(page, 'board-deleted')

    // The copy stays: both elements are still on the page's board.
    const kinds = Object.values(await elementsOf(page)).map((e) => e.t).sort()
    assert.deepEqual(kinds, ['image', 'stroke'].sort())

    // "Download your copy" is the board file, with the picture in it.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="download-copy"]').click()])
    const file = await readFile(await download.path())
    assert.ok(file.includes(Buffer.from('IMGS')), 'the board file has an image section')

    // The server no longer has the board's images, nor lets the room be read.
    assert.equal(await imageStatus(server, room, image.im), 404)
    const token = await guestToken(server, room)
    const snapshot = await fetch(`${server.url}/api/rooms/${room}/snapshot`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(snapshot.status, 410)
    assert.equal((await snapshot.json()).code, 'board_deleted')
    assert.deepEqual(page.problems.filter((p) => !p.includes('410')), [])
    await page.context().close()
  })

  it('after the tombstone is cleared, a browser that saw the deletion starts the new board empty', async () => {
    const room = roomName('reused')
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } })
    const url = `${server.url}/b/${room}?name=Ann`
    const page = await openBoard(browser, url, { context })
    await waitForStatus(page)
    await selectTool(page, 'pen')
    await drawPath(page, [{ x: 300, y: 300 }, { x: 400, y: 350 }, { x: 500, y: 320 }])
    await waitUntil('the stroke on the board', async () => Object.keys(await elementsOf(page)).length === 1)
    const deleted = await fetch(`${server.url}/api/rooms/${room}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } })
    assert.equal(deleted.status, 204)
    await waitForStatus(page, 'deleted')
    await page.close()

    // The operator frees the name (README, *Deleting a board*).
    execFileSync('sqlite3', [
      join(dataDir, 'inkmesh.db'),
      `DELETE FROM tombstones WHERE room = '${room}'; UPDATE leases SET holder = '', expires_ms = 0 WHERE room = '${room}';`,
    ])

    // The same browser comes back: its old copy never reaches the new board.
    const again = await openBoard(browser, url, { context })
    await waitForStatus(again)
    assert.deepEqual(await elementsOf(again), {})
    const other = await openBoard(browser, `${server.url}/b/${room}?name=Bo`)
    await waitForStatus(other)
    assert.deepEqual(await elementsOf(other), {}, 'nothing of the old board in the new one')
    await other.context().close()
    await context.close()
  })
})
