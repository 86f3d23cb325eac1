// Version history in the app: two people draw, the server keeps a version,
// both draw more; A previews the version (what the canvas draws is that
// version, while the live board keeps taking B's strokes) and restores it
// while B keeps drawing. Both end with the version's content plus what B drew
// after the restore, A's undo brings back what the restore removed, and the
// server's snapshot agrees. A view-only page sees the history but no Restore.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import * as Y from 'yjs'

import { canonical, drawPath, elementsOf, launchChromium, openBoard, openLiveBoards, roomName, screenshot, selectTool, startServer, waitForStatus, waitUntil } from './harness.mjs'
import { countInk, decodePng } from './png.mjs'

/** The page box around a stroke drawn by stroke() at (x, y). */
const strokeBox = (x, y) => ({ x: x - 4, y: y - 4, w: 4 * 15 + 8, h: 10 + 8 })

/** Draws a short stroke at (x, y) page px and returns its id once it ended. */
async function stroke(page, x, y) {
  const before = new Set(Object.keys(await elementsOf(page)))
  await selectTool(page, 'pen')
  await drawPath(page, [0, 1, 2, 3, 4].map((i) => ({ x: x + i * 15, y: y + (i % 2) * 10 })))
  return waitUntil(`a stroke at ${x},${y} to end`, async () => {
    const elements = await elementsOf(page)
    const fresh = Object.keys(elements).filter((id) => !before.has(id))
    return fresh.length === 1 && elements[fresh[0]].d === true ? fresh[0] : false
  })
}

async function ids(page) {
  return Object.keys(await elementsOf(page)).sort()
}

async function guestToken(server, room) {
  const response = await fetch(`${server.url}/api/rooms/${room}/token`, { method: 'POST' })
  return (await response.json()).token
}

/** Element ids of a board update (a snapshot or a version), decoded by Yjs; `ended`: only strokes that had ended in it. */
function idsOfUpdate(bytes, { ended = false } = {}) {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, new Uint8Array(bytes))
  return [...doc.getMap('elements')].filter(([, element]) => !ended || element.get('d') === true).map(([id]) => id).sort()
}

async function fetchIds(server, room, path, options) {
  const token = await guestToken(server, room)
  const response = await fetch(`${server.url}/api/rooms/${room}/${path}`, { headers: { authorization: `Bearer ${token}` } })
  assert.ok(response.ok, `GET ${path}: ${response.status}`)
  return idsOfUpdate(await response.arrayBuffer(), options)
}

/**
 * The id of a kept version whose content is exactly the strokes `wanted`
 * (sorted ids), each ended: a version kept while a stroke's last chunks were
 * still on their way holds only part of it, and the preview draws that part.
 */
async function versionHolding(server, room, wanted) {
  return waitUntil(`a version holding ${wanted.join(', ')}`, async () => {
    const token = await guestToken(server, room)
    const response = await fetch(`${server.url}/api/rooms/${room}/history`, { headers: { authorization: `Bearer ${token}` } })
    const { snapshots } = await response.json()
    for (const version of snapshots.filter((s) => s.elements === wanted.length)) {
      const content = await fetchIds(server, room, `history/${version.id}`, { ended: true })
      if (canonical(content) === canonical(wanted)) return version.id
    }
    return false
  }, 20_000, 200)
}

describe('version history', () => {
  let server
  let browser
  let room
  let ann
  let bob

  before(async () => {
    // A compaction (a kept version) a second after updates, so the test need not draw 1,000 updates.
    server = await startServer({ name: 'history', extraArgs: ['--compact-secs', '1'] })
    browser = await launchChromium()
    room = roomName('history')
    ;[ann, bob] = await openLiveBoards(browser, `${server.url}/b/${room}`, ['Ann', 'Bob'])
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
  })

  it('previews a version and restores it while another person keeps drawing; undo takes it back', async () => {
    const kept = [await stroke(ann, 260, 200), await stroke(bob, 260, 280)].sort()
    await waitUntil('both pages to hold the first strokes', async () => canonical(await ids(ann)) === canonical(kept) && canonical(await ids(bob)) === canonical(kept))
    const versionId = await versionHolding(server, room, kept)

    const later = [await stroke(ann, 260, 360), await stroke(bob, 260, 440)]
    await waitUntil('both pages to hold the later strokes', async () => (await ids(ann)).length === 4 && (await ids(bob)).length === 4)
    // B's cursor rests where its stroke ended, inside a box the pixel check
    // below wants empty, until it idles out 10 s later: move it clear.
    await bob.mouse.move(700, 120)

    // A opens the history and previews the version.
    await ann.locator('[data-action="history"]').click()
    const item = ann.locator(`[data-version-id="${versionId}"]`)
    await item.waitFor({ timeout: 10_000 })
    assert.match(await item.getAttribute('aria-label'), /^.+, .+ · 2 elements\. Preview the version of .+$/)
    await item.click()
    const bar = ann.locator('[data-testid="preview-bar"]')
    await bar.waitFor({ timeout: 10_000 })
    assert.match(await bar.textContent(), /Previewing version of /)
    const drawn = () => ann.evaluate(() => window.__inkmesh.handle.view.drawnIds().sort())
    assert.deepEqual(await drawn(), kept)
    // Pixels: the canvas shows the version's strokes and not the later ones.
    await waitUntil('the canvas to draw the version', async () => {
      const image = decodePng(await ann.screenshot())
      const versionInk = [strokeBox(260, 200), strokeBox(260, 280)].map((box) => countInk(image, box))
      const laterInk = [strokeBox(260, 360), strokeBox(260, 440)].map((box) => countInk(image, box))
      return versionInk.every((n) => n > 20) && laterInk.every((n) => n === 0)
    })
    await screenshot(ann, 'history-preview')

    // B draws while A previews: A's live board takes it, the preview does not show it.
    const duringPreview = await stroke(bob, 420, 200)
    await waitUntil('A to receive B\'s stroke under the preview', async () => (await ids(ann)).includes(duringPreview))
    assert.deepEqual(await drawn(), kept)
    assert.equal(await ann.evaluate(() => window.__inkmesh.handle.view.editor.readOnly), true, 'nothing on a preview can be edited')

    // B keeps drawing; A restores in the middle of it. B notes when the restore reaches it.
    await bob.evaluate(() => {
      const log = (window.__historyLog = { added: [], restoreSeenAt: -1 })
      window.__inkmesh.handle.board.onChange((change) => {
        if (change.local) log.added.push(...change.added)
        else if (change.removed.length > 0 && log.restoreSeenAt < 0) log.restoreSeenAt = log.added.length
      })
    })
    const bobLog = () => bob.evaluate(() => window.__historyLog)
    let drawing = true
    const bobKeepsDrawing = (async () => {
      let n = 0
      // Until the restore reached B and B drew two strokes after it (bounded).
      for (; n < 24 && drawing; n++) {
        await selectTool(bob, 'pen')
        await drawPath(bob, [0, 1, 2, 3].map((i) => ({ x: 560 + (n % 4) * 30 + i * 6, y: 200 + Math.floor(n / 4) * 40 + (i % 2) * 8 })))
        const log = await bobLog()
        if (log.restoreSeenAt >= 0 && log.added.length - log.restoreSeenAt >= 2) break
      }
      return n
    })()
    await waitUntil('B to have drawn a stroke before the restore', async () => (await bobLog()).added.length >= 1)
    await ann.locator('[data-action="restore-version"]').click()
    const message = ann.locator('[data-testid="history-message"]')
    await waitUntil('the restore message', async () => /^Restored the version of .+ — undo to take it back$/.test(await message.textContent()))
    assert.equal(await bar.isVisible(), false, 'the preview bar is gone after a restore')
    await waitUntil('B to see the restore and draw after it', () => bobKeepsDrawing.then(() => true), 60_000)
    drawing = false
    const strokes = await bobLog()
    const afterRestore = strokes.added.slice(strokes.restoreSeenAt)
    assert.ok(afterRestore.length >= 2, `B drew ${afterRestore.length} strokes after the restore reached it`)

    // Both converge: the version's content, plus B's strokes the restore did not remove (all those drawn after it reached B).
    const converged = await waitUntil('both pages to agree after the restore', async () => {
      const [a, b] = [await ids(ann), await ids(bob)]
      return canonical(a) === canonical(b) && afterRestore.every((id) => a.includes(id)) ? a : false
    }, 20_000)
    for (const id of kept) assert.ok(converged.includes(id), `the version's ${id} is on the board`)
    for (const id of [...later, duringPreview]) assert.ok(!converged.includes(id), `${id}, drawn after the version and before the restore, is gone`)
    for (const id of converged) assert.ok(kept.includes(id) || strokes.added.includes(id), `${id} is the version's or B's concurrent stroke`)
    assert.deepEqual(await ann.evaluate(() => window.__inkmesh.handle.view.drawnIds().sort()), converged, 'A draws the live board again')

    // A's undo brings back what the restore removed; B's strokes stay.
    await ann.locator('div.board').focus()
    await ann.keyboard.press('Control+z')
    const undone = await waitUntil('both pages to agree after the undo', async () => {
      const [a, b] = [await ids(ann), await ids(bob)]
      return canonical(a) === canonical(b) && [...later, duringPreview].every((id) => a.includes(id)) ? a : false
    }, 20_000)
    for (const id of [...kept, ...afterRestore]) assert.ok(undone.includes(id), `${id} stays after the undo`)

    // The server's snapshot agrees.
    await waitUntil('the server snapshot to agree', async () => canonical(await fetchIds(server, room, 'snapshot')) === canonical(undone), 20_000, 200)
    assert.deepEqual(ann.problems, [])
    assert.deepEqual(bob.problems, [])
  })

  it('shows a view-only page the history and a preview, but no Restore; Escape leaves the preview, then the panel', async () => {
    const viewer = await openBoard(browser, `${server.url}/b/${room}?name=Vic&view=1`)
    await waitForStatus(viewer)
    const history = viewer.locator('[data-action="history"]')
    // Keyboard only.
    await history.focus()
    await viewer.keyboard.press('Enter')
    const panel = viewer.locator('[data-testid="history-panel"]')
    await panel.waitFor({ timeout: 10_000 })
    assert.equal(await panel.getAttribute('aria-label'), 'Version history')
    const first = viewer.locator('.version').first()
    await first.waitFor({ timeout: 10_000 })
    await waitUntil('the first version to have focus', () => first.evaluate((b) => b.getRootNode().activeElement === b))
    await viewer.keyboard.press('Enter')
    const bar = viewer.locator('[data-testid="preview-bar"]')
    await bar.waitFor({ timeout: 10_000 })
    assert.equal(await viewer.locator('[data-action="restore-version"]').isVisible(), false, 'a viewer sees no Restore')
    assert.equal(await viewer.locator('[data-action="preview-back"]').isVisible(), true)
    await viewer.keyboard.press('Escape')
    await waitUntil('Escape to leave the preview', async () => !(await bar.isVisible()))
    assert.equal(await panel.isVisible(), true, 'the list stays open after the preview')
    await viewer.keyboard.press('Escape')
    await waitUntil('Escape to close the panel', async () => !(await panel.isVisible()))
    assert.equal(await history.getAttribute('aria-expanded'), 'false')
    assert.deepEqual(viewer.problems, [])
    await viewer.context().close()
  })
})
