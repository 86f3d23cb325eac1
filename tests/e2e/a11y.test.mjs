// Keyboard and screen reader, in Chromium against the real server, with no
// mouse event at all: Tab to the tool bar, pick the rectangle with the arrow
// keys and Enter, come back to the board with Escape, place a rectangle with
// Enter, move it with the arrows, walk to it with N, delete it and undo that,
// then Tab to Share, copy the editor link and close the dialog with Escape.
// A second person joining and leaving is announced in the people list's
// polite live region. axe-core (injected into the page) finds no serious or
// critical violation on the board (both themes, and view-only), with the
// share dialog open, and with the history panel open listing a kept version.

import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { after, before, describe, it } from 'node:test'

import { elementsOf, launchChromium, openBoard, roomName, screenshot, startServer, waitForStatus, waitUntil } from './harness.mjs'

const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** Tab presses allowed to reach a control from the board: every control once, with room to spare. */
const MAX_TABS = 60

/** What has focus: inside the board's shadow root, described by role and data attributes; `surface` is the board itself. */
const focused = (page) =>
  page.evaluate(() => {
    const root = document.querySelector('.inkmesh-board-host')?.shadowRoot
    const active = root?.activeElement
    if (!active) return null
    return {
      surface: active.classList.contains('board'),
      tool: active.dataset.tool ?? null,
      action: active.dataset.action ?? null,
      pressed: active.getAttribute('aria-pressed'),
      inDialog: active.closest('[role="dialog"]') !== null,
      textEditor: active.dataset.testid === 'text-editor',
      // Whatever shows focus: an outline, or the surface's ring drawn by ::after.
      ring: active.matches(':focus-visible'),
    }
  })

/** Presses Tab until `want(focused)` holds, at most MAX_TABS times. */
async function tabTo(page, what, want, key = 'Tab') {
  for (let i = 0; i < MAX_TABS; i++) {
    await page.keyboard.press(key)
    const now = await focused(page)
    if (now !== null && want(now)) return now
  }
  throw new Error(`${key} never reached ${what} in ${MAX_TABS} presses`)
}

/** The text of a live region in the board (its data-testid), without the repeat marker. */
const said = (page, testid) =>
  page.evaluate((id) => {
    const el = document.querySelector('.inkmesh-board-host').shadowRoot.querySelector(`[data-testid="${id}"]`)
    return el ? { text: el.textContent.trim(), live: el.getAttribute('aria-live') } : null
  }, testid)

const only = async (page) => {
  const elements = Object.entries(await elementsOf(page))
  assert.equal(elements.length, 1, `one element: ${JSON.stringify(elements)}`)
  return elements[0]
}

/** Runs axe-core in the page and returns its serious and critical violations, flattened for a message. */
async function seriousViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ content: AXE_SOURCE })
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations)
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.flat().join(' >> ')) }))
}

async function assertAxeClean(page, where) {
  const found = await seriousViolations(page)
  assert.deepEqual(
    found,
    [],
    `axe on ${where}: ${found.map((v) => `${v.id} (${v.impact}: ${v.help}) at ${v.targets.join(', ')}`).join('; ')}`,
  )
}

describe('keyboard and screen reader', () => {
  let server
  let browser
  let context
  let ann
  const room = roomName('a11y')

  before(async () => {
    // A kept version a second after edits, so the history panel has one to list.
    server = await startServer({ name: 'a11y', extraArgs: ['--compact-secs', '1'] })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1000, height: 700 } })
    await context.grantPermissions(['camera', 'microphone', 'clipboard-read', 'clipboard-write'], { origin: server.url })
    // Counts every pointer and mouse event the page sees: the test must get by with none.
    await context.addInitScript(() => {
      window.__pointerEvents = 0
      for (const type of ['pointerdown', 'pointermove', 'pointerup', 'mousedown', 'mousemove', 'mouseup', 'click']) {
        addEventListener(type, (e) => {
          // A keyboard-pressed button fires click with detail 0; a pointer's has detail > 0 or a pointer type.
          if (type !== 'click' || e.detail > 0 || (e.pointerType ?? '') !== '') window.__pointerEvents++
        }, true)
      }
    })
    ann = await openBoard(browser, `${server.url}/b/${room}?name=Ann`, { context })
    await waitForStatus(ann, 'live', 30_000)
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
  })

  it('draws, moves, walks to and deletes a rectangle, and copies a link, with the keyboard alone', async () => {
    assert.equal((await focused(ann))?.surface, true, 'the app focuses the board on load')

    // Tab lands on the tool bar's one stop, the current tool; arrows go along it.
    const first = await tabTo(ann, 'the tool bar', (f) => f.tool !== null)
    assert.deepEqual([first.tool, first.pressed, first.ring], ['select', 'true', true])
    await ann.keyboard.press('ArrowRight')
    await ann.keyboard.press('ArrowRight')
    assert.deepEqual(await focused(ann), { surface: false, tool: 'rect', action: null, pressed: 'false', inDialog: false, textEditor: false, ring: true })
    await ann.keyboard.press('Enter')
    assert.equal((await focused(ann))?.pressed, 'true', 'Enter pressed the Rectangle button')
    assert.equal(await ann.evaluate(() => window.__inkmesh.handle.view.editor.tool), 'rect')

    // Escape from a control: back to the board, the tool kept.
    await ann.keyboard.press('Escape')
    assert.equal((await focused(ann))?.surface, true)
    assert.equal(await ann.evaluate(() => window.__inkmesh.handle.view.editor.tool), 'rect')

    await ann.keyboard.press('Enter')
    const [id, placed] = await waitUntil('the placed rectangle', async () => {
      const elements = Object.entries(await elementsOf(ann))
      return elements.length === 1 ? elements[0] : null
    })
    assert.equal(placed.t, 'rect')
    assert.deepEqual(await ann.evaluate(() => window.__inkmesh.handle.view.editor.selection), [id], 'the new rectangle is selected')
    assert.match((await said(ann, 'board-announcer')).text, /^Rectangle added in the middle of the view and selected/)
    await screenshot(ann, 'a11y-placed')

    // Arrows move the selection: 1 px, 10 with Shift.
    await ann.keyboard.press('ArrowRight')
    await ann.keyboard.press('ArrowRight')
    await ann.keyboard.press('Shift+ArrowDown')
    const [, moved] = await only(ann)
    assert.deepEqual([moved.x - placed.x, moved.y - placed.y], [2, 10], 'the rectangle moved right 2 and down 10')

    // Escape lets go of it; N walks back to it.
    await ann.keyboard.press('Escape')
    assert.deepEqual(await ann.evaluate(() => window.__inkmesh.handle.view.editor.selection), [])
    await ann.keyboard.press('n')
    assert.deepEqual(await ann.evaluate(() => window.__inkmesh.handle.view.editor.selection), [id])
    assert.equal((await said(ann, 'board-announcer')).text, 'Rectangle selected, 1 of 1.')

    // Delete removes it; Ctrl+Z brings it back where it was moved to (each one undo step).
    await ann.keyboard.press('Delete')
    assert.deepEqual(await elementsOf(ann), {})
    assert.equal((await said(ann, 'board-announcer')).text, 'Rectangle deleted.')
    await ann.keyboard.press('Control+z')
    const [, back] = await only(ann)
    assert.deepEqual([back.x, back.y], [moved.x, moved.y])

    // Text: T, Enter opens the editor in the middle of the view; Escape ends it and focus comes back to the board.
    await ann.keyboard.press('t')
    await ann.keyboard.press('Enter')
    assert.equal((await focused(ann))?.textEditor, true, 'typing goes to the text editor')
    await ann.keyboard.type('Hello')
    await ann.keyboard.press('Escape')
    assert.equal((await focused(ann))?.surface, true, 'the board has focus again')
    assert.deepEqual(Object.values(await elementsOf(ann)).filter((el) => el.t === 'text').map((el) => el.tx), ['Hello'])

    // Tab on to Share; Enter opens the dialog with focus on its first link.
    const share = await tabTo(ann, 'the Share button', (f) => f.action === 'share')
    assert.equal(share.ring, true, 'the Share button shows its focus')
    await ann.keyboard.press('Enter')
    const copy = await waitUntil('focus on the editor link button', async () => {
      const f = await focused(ann)
      return f?.action === 'copy-editor-link' ? f : null
    })
    assert.equal(copy.inDialog, true)
    await ann.keyboard.press('Enter')
    await waitUntil('the copy confirmation', async () => (await said(ann, 'share-status'))?.text === 'Link copied to the clipboard.')
    assert.equal(await ann.evaluate(() => navigator.clipboard.readText()), `${server.url}/b/${room}`)
    await ann.keyboard.press('Escape')
    await ann.getByRole('dialog', { name: 'Share this board' }).waitFor({ state: 'hidden', timeout: 5_000 })
    assert.equal((await focused(ann))?.action, 'share', 'focus returns to the Share button')
    assert.equal(await ann.evaluate(() => window.__pointerEvents), 0, 'no pointer or mouse event reached the page')
    assert.deepEqual(ann.problems, [])
  })

  it('announces people joining and leaving politely, and the status is a polite live region', async () => {
    assert.equal((await said(ann, 'presence-announcer')).live, 'polite')
    assert.equal((await said(ann, 'status')).live, 'polite')
    const bob = await openBoard(browser, `${server.url}/b/${room}?name=Bob`)
    await waitUntil('Ann to hear that Bob joined', async () => (await said(ann, 'presence-announcer')).text === 'Bob joined.', 30_000)
    await bob.context().close()
    await waitUntil('Ann to hear that Bob left', async () => (await said(ann, 'presence-announcer')).text === 'Bob left.', 30_000)
  })

  it('axe finds no serious or critical violation on the board, the share dialog and the history panel', async () => {
    await assertAxeClean(ann, 'the board page')
    await ann.evaluate(() => (document.querySelector('.inkmesh-board-host').shadowRoot.querySelector('.board').dataset.theme = 'dark'))
    await assertAxeClean(ann, 'the board page, dark theme')
    await ann.evaluate(() => (document.querySelector('.inkmesh-board-host').shadowRoot.querySelector('.board').dataset.theme = 'light'))

    // Focus is on the Share button (the first test left it there).
    assert.equal((await focused(ann))?.action, 'share')
    await ann.keyboard.press('Enter')
    await waitUntil('the dialog to show its links', async () => (await focused(ann))?.action === 'copy-editor-link')
    await screenshot(ann, 'a11y-share-dialog')
    await assertAxeClean(ann, 'the share dialog')
    // Escape closes it from outside too, and leaves focus where it was put.
    const outside = await tabTo(ann, 'a control outside the dialog', (f) => !f.inDialog, 'Shift+Tab')
    await ann.keyboard.press('Escape')
    await ann.getByRole('dialog', { name: 'Share this board' }).waitFor({ state: 'hidden', timeout: 5_000 })
    assert.deepEqual(await focused(ann), outside)
    await tabTo(ann, 'the Share button', (f) => f.action === 'share', 'Shift+Tab')

    // A version kept of the edits above (compaction runs a second after them), so the panel lists one.
    await waitUntil('a kept version', async () => {
      const { token } = await (await fetch(`${server.url}/api/rooms/${room}/token`, { method: 'POST' })).json()
      const response = await fetch(`${server.url}/api/rooms/${room}/history`, { headers: { authorization: `Bearer ${token}` } })
      return response.ok && (await response.json()).snapshots.length > 0
    }, 20_000, 200)
    // The History button is the control before Share.
    await tabTo(ann, 'the History button', (f) => f.action === 'history', 'Shift+Tab')
    await ann.keyboard.press('Enter')
    const panel = ann.getByRole('dialog', { name: 'Version history' })
    await panel.waitFor({ state: 'visible', timeout: 5_000 })
    await waitUntil('the kept version listed', async () => (await panel.locator('button.version').count()) > 0)
    await screenshot(ann, 'a11y-history-panel')
    await assertAxeClean(ann, 'the history panel')
    await ann.keyboard.press('Escape')
    await panel.waitFor({ state: 'hidden', timeout: 5_000 })
    assert.deepEqual(ann.problems, [])

    // A view-only page: fewer controls, the same rules.
    const viewer = await openBoard(browser, `${server.url}/b/${room}?view=1&name=Vi`)
    await waitForStatus(viewer, 'live', 30_000)
    await assertAxeClean(viewer, 'the board page, view only')
    await viewer.context().close()
  })
})
