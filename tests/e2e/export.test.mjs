// Export and import from the board's file menu: the SVG parses and holds every
// element, the PNG has ink where the strokes are, and a downloaded board file
// opened into an empty board reproduces the board.

import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'

import { canonical, drawPath, elementsOf, launchChromium, openBoard, roomName, selectTool, startServer, waitForStatus, waitUntil } from './harness.mjs'
import { countInk, decodePng } from './png.mjs'

/** Clicks a file-menu action and returns the downloaded bytes. */
async function download(page, action) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-action="${action}"]`).click()])
  return readFile(await file.path())
}

describe('export and import', () => {
  let server
  let browser
  let page
  let drawn

  before(async () => {
    server = await startServer({ name: 'export' })
    browser = await launchChromium()
    page = await openBoard(browser, `${server.url}/b/${roomName('export')}?name=Ann`)
    await waitForStatus(page)
    await selectTool(page, 'pen')
    await drawPath(page, [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ x: 300 + i * 20, y: 320 + (i % 2) * 25 })))
    await selectTool(page, 'rect')
    await drawPath(page, [{ x: 560, y: 360 }, { x: 620, y: 420 }, { x: 680, y: 470 }])
    await selectTool(page, 'ellipse')
    await drawPath(page, [{ x: 300, y: 420 }, { x: 380, y: 480 }])
    await selectTool(page, 'arrow')
    await drawPath(page, [{ x: 450, y: 520 }, { x: 600, y: 560 }])
    drawn = await waitUntil('four elements, the stroke ended', async () => {
      const e = await elementsOf(page)
      return Object.keys(e).length === 4 && Object.values(e).every((el) => el.t !== 'stroke' || el.d) ? e : false
    })
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
  })

  it('exports an SVG that parses and holds every element', async () => {
    const svg = (await download(page, 'export-svg')).toString('utf8')
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml')
      return {
        error: doc.querySelector('parsererror')?.textContent ?? null,
        root: doc.documentElement.nodeName,
        ids: [...doc.querySelectorAll('[data-id]')].map((g) => [g.getAttribute('data-id'), g.getAttribute('data-kind')]),
      }
    }, svg)
    assert.equal(parsed.error, null)
    assert.equal(parsed.root, 'svg')
    assert.deepEqual(
      parsed.ids.sort(),
      Object.entries(drawn).map(([id, e]) => [id, e.t]).sort(),
    )
  })

  it('exports a PNG with ink where the elements are', async () => {
    const image = decodePng(await download(page, 'export-png'))
    const boxes = await page.evaluate((ids) => ids.map((id) => window.__inkmesh.handle.board.elementBounds(id)), Object.keys(drawn))
    const minX = Math.min(...boxes.map((b) => b.minX))
    const minY = Math.min(...boxes.map((b) => b.minY))
    // The export is the elements' drawing boxes plus a 16 px margin, at scale 2;
    // the check boxes allow for stroke widths around the bounds.
    const scale = 2
    const slack = 12
    for (const [i, b] of boxes.entries()) {
      const box = {
        x: (b.minX - minX + 16 - slack) * scale,
        y: (b.minY - minY + 16 - slack) * scale,
        w: (b.maxX - b.minX + 2 * slack) * scale,
        h: (b.maxY - b.minY + 2 * slack) * scale,
      }
      assert.ok(countInk(image, box) > 50, `ink for ${Object.values(drawn)[i].t} in ${JSON.stringify(box)}`)
    }
    // And white elsewhere: the top-right corner, away from every element.
    assert.equal(countInk(image, { x: image.width - 40, y: 0, w: 40, h: 40 }), 0)
  })

  it('a downloaded board file opened into an empty board reproduces it', async () => {
    const file = await download(page, 'download-board')
    assert.deepEqual([...file.subarray(0, 4)], [0x49, 0x4d, 0x53, 0x48], 'IMSH magic')
    const empty = await openBoard(browser, `${server.url}/b/${roomName('import')}?name=Bob`)
    await waitForStatus(empty)
    assert.deepEqual(await elementsOf(empty), {})
    await empty.locator('[data-testid="board-file-input"]').setInputFiles({ name: 'board.inkmesh', mimeType: 'application/octet-stream', buffer: file })
    await waitUntil('the imported board', async () => canonical(await elementsOf(empty)) === canonical(drawn))
    await waitUntil('the confirmation', async () => /Merged board\.inkmesh/.test((await empty.locator('[data-testid="file-message"]').textContent()) ?? ''))

    // A damaged file is refused with a reason, and the board is untouched.
    const damaged = Buffer.from(file)
    damaged[damaged.length - 1] ^= 0xff
    await empty.locator('[data-testid="board-file-input"]').setInputFiles({ name: 'bad.inkmesh', mimeType: 'application/octet-stream', buffer: damaged })
    await waitUntil('the refusal', async () => /damaged/.test((await empty.locator('[data-testid="file-message"]').textContent()) ?? ''))
    assert.equal(canonical(await elementsOf(empty)), canonical(drawn))
    await empty.context().close()
  })
})
