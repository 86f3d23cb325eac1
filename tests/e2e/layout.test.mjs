// The panels along the top stay clear of each other at the widths people
// use: name chips never slide under the centred tool bar, however long the
// names, from a phone-sized window to a wide one.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import { launchChromium, openBoard, roomName, startServer, waitForStatus, waitUntil } from './harness.mjs'

const NAMES = ['Alexandra', 'Bartholomew', 'Maximiliana']
const WIDTHS = [600, 720, 840, 900, 1100, 1400]

/** The page's board panels' boxes: the tool bar's and each name chip's. */
function boxes(page) {
  return page.evaluate(() => {
    const root = document.querySelector('.inkmesh-board-host')?.shadowRoot ?? document
    const box = (el) => {
      const b = el.getBoundingClientRect()
      return { left: b.left, top: b.top, right: b.right, bottom: b.bottom }
    }
    return { toolbar: box(root.querySelector('.toolbar')), chips: [...root.querySelectorAll('.person')].map(box), width: innerWidth }
  })
}

const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom

describe('layout of the top panels', () => {
  let server
  let browser
  const pages = []

  before(async () => {
    server = await startServer({ name: 'layout' })
    browser = await launchChromium()
    const room = roomName('layout')
    for (const name of NAMES) pages.push(await openBoard(browser, `${server.url}/b/${room}?name=${name}`))
    for (const page of pages) await waitForStatus(page)
    await waitUntil('every chip on the first page', async () => (await boxes(pages[0])).chips.length === NAMES.length)
  })

  after(async () => {
    const problems = pages.flatMap((page) => page.problems ?? [])
    await browser?.close()
    await server?.cleanup()
    assert.deepEqual(problems, [])
  })

  it('keeps every name chip off the tool bar and inside the window', async () => {
    const page = pages[0]
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 700 })
      await waitUntil(`the layout at ${width} px`, async () => (await boxes(page)).width === width)
      const { toolbar, chips } = await boxes(page)
      for (const chip of chips) {
        assert.ok(!overlaps(chip, toolbar), `at ${width} px a chip ${JSON.stringify(chip)} covers the tool bar ${JSON.stringify(toolbar)}`)
        assert.ok(chip.left >= 0 && chip.right <= width, `at ${width} px a chip ${JSON.stringify(chip)} leaves the window`)
      }
    }
  })
})
