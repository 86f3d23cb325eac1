// Sharing and colours, in Chromium against the real server (open mode).
//
// The Share dialog copies an editor link and a view-only link: the view-only
// link opens a board that cannot be changed, and everyone's people list marks
// that member as a viewer; the editor link opens one that can. Then the room
// is filled to 12 members with lightweight signaling clients (WebSockets that
// only join, opened from a page): the 12 colours the server hands out are
// distinct, the pages show the ones they were given, and a client that
// reconnects with its token gets its colour back, though an earlier one is
// free, even when it rejoins before its old connection has left (a reload).
// With an auth secret the dialog offers no links and says who hands
// them out.

import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, describe, it } from 'node:test'

import { drawPath, elementsOf, launchChromium, openBoard, roomName, screenshot, startServer, waitForStatus, waitUntil } from './harness.mjs'

/** The palette's size: a room of this many people has no two alike. */
const PALETTE = 12

const rgb = (hex) => {
  const n = Number.parseInt(hex.slice(1), 16)
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`
}

/** The element focused inside the board's shadow root, described by its data attributes. */
const focused = (page) =>
  page.evaluate(() => {
    const active = document.querySelector('.inkmesh-board-host')?.shadowRoot?.activeElement
    return active ? { action: active.dataset.action ?? null, testid: active.dataset.testid ?? null, inDialog: active.closest('[role="dialog"]') !== null } : null
  })

const clipboard = (page) => page.evaluate(() => navigator.clipboard.readText())

/** Our own colour, as the server's welcome gave it. */
const ownColour = (page) => page.evaluate(() => window.__inkmesh.handle.collab.me?.colour)

/** The presence chips a page shows: name, colour, whether it is us, whether marked a viewer. */
const chips = (page) =>
  page.locator('[data-testid="presence"] .person').evaluateAll((els) =>
    els.map((el) => ({
      name: el.querySelector('.name').textContent,
      colour: el.querySelector('.avatar').style.backgroundColor,
      you: el.dataset.you === 'true',
      viewer: el.dataset.role === 'viewer',
      mark: el.querySelector('.role-mark')?.textContent ?? null,
    })),
  )

describe('the share dialog and room colours', () => {
  let server
  let browser
  const room = roomName('share')
  let ann
  let viewerLink
  let editorLink

  before(async () => {
    server = await startServer({ name: 'share' })
    browser = await launchChromium()
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } })
    await context.grantPermissions(['camera', 'microphone', 'clipboard-read', 'clipboard-write'], { origin: server.url })
    ann = await openBoard(browser, `${server.url}/b/${room}?name=Ann`, { context })
    await waitForStatus(ann, 'live', 30_000)
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
  })

  it('opens as a named dialog, copies both links with a confirmation, and gives focus back on Escape', async () => {
    const share = ann.locator('[data-action="share"]')
    await share.click()
    const dialog = ann.getByRole('dialog', { name: 'Share this board' })
    await dialog.waitFor({ state: 'visible', timeout: 10_000 })
    await ann.locator('[data-action="copy-editor-link"]').waitFor({ timeout: 10_000 })
    assert.equal((await focused(ann))?.inDialog, true, 'focus moves into the dialog')
    // Open mode's caveats, said plainly: view-only is no lock, and on a loopback address the links stay on this computer.
    assert.match(await dialog.locator('[data-testid="open-mode-note"]').textContent(), /--auth-secret/)
    assert.equal(new URL(server.url).hostname, '127.0.0.1')
    assert.match(await dialog.locator('[data-testid="loopback-note"]').textContent(), /only on this computer.*--allow-open-mode-on-network/)

    await ann.locator('[data-action="copy-editor-link"]').click()
    await waitUntil('the copy confirmation', async () => (await ann.locator('[data-testid="share-status"]').textContent()) === 'Link copied to the clipboard.')
    editorLink = await clipboard(ann)
    assert.equal(editorLink, `${server.url}/b/${room}`)
    assert.equal(await ann.locator('[data-testid="copy-editor-link-field"]').inputValue(), editorLink, 'the link is also shown, selectable')

    await ann.locator('[data-action="copy-viewer-link"]').click()
    viewerLink = await waitUntil('the view-only link in the clipboard', async () => {
      const text = await clipboard(ann)
      return text.startsWith(`${server.url}/b/${room}#token=`) ? text : null
    })
    // The token's own expiry, in words, not a fixed "24 hours".
    assert.match(await dialog.locator('[data-testid="copy-viewer-link-explanation"]').textContent(), /, for 24 hours \(until .+\)\.$/)
    await screenshot(ann, 'share-dialog')

    assert.equal((await focused(ann))?.inDialog, true, 'focus stays in the dialog after a click')
    await ann.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden', timeout: 5_000 })
    assert.equal((await focused(ann))?.action, 'share', 'focus returns to the Share button')
  })

  it('the view-only link opens a board that cannot be changed, and the people list marks the viewer', async () => {
    assert.ok(viewerLink, 'the previous test copied the link')
    await ann.locator('[data-tool="pen"]').click()
    await drawPath(ann, [
      { x: 300, y: 300 },
      { x: 360, y: 330 },
      { x: 420, y: 320 },
    ])
    const before = Object.keys(await waitUntil('Ann to hold her stroke', async () => {
      const els = await elementsOf(ann)
      return Object.keys(els).length === 1 ? els : null
    }))

    const viewer = await openBoard(browser, viewerLink)
    await waitForStatus(viewer, 'live', 30_000)
    assert.equal(await viewer.evaluate(() => window.__inkmesh.handle.collab.role), 'viewer')
    await waitUntil('the viewer to hold Ann\'s stroke', async () => Object.keys(await elementsOf(viewer)).length === 1)
    assert.equal(await viewer.locator('[data-testid="readonly-badge"]').isVisible(), true)
    assert.equal(await viewer.locator('[data-tool="pen"]').isVisible(), false, 'no drawing tools')
    assert.equal(await viewer.locator('[data-action="undo"]').isVisible(), false, 'no undo')

    // No gap where undo/redo were: the dock's first shown panel sits one dock
    // gap after the zoom panel, as the editor's undo/redo do.
    const gap = await viewer.evaluate(() => {
      const root = document.querySelector('.inkmesh-board-host').shadowRoot
      const dock = root.querySelector('.dock')
      const shown = [...dock.children].find((el) => getComputedStyle(el).display !== 'none')
      const zoomRight = root.querySelector('.zoom').getBoundingClientRect().right
      return shown.getBoundingClientRect().left - (zoomRight + Number.parseFloat(getComputedStyle(dock).columnGap))
    })
    assert.ok(Math.abs(gap) <= 1, `the first dock panel is ${gap}px off one gap after the zoom panel`)

    // Trying to draw anyway (the pen's shortcut, a drag) changes nothing, here or for Ann.
    await viewer.locator('[data-testid="board-canvas"]').click({ position: { x: 50, y: 50 } })
    await viewer.keyboard.press('p')
    await drawPath(viewer, [
      { x: 200, y: 200 },
      { x: 260, y: 240 },
      { x: 320, y: 220 },
    ])
    await viewer.keyboard.press('Delete')
    assert.deepEqual(Object.keys(await elementsOf(viewer)), before)

    // Both lists mark the viewer, in words; nobody else.
    await waitUntil('Ann to list the viewer, marked', async () => {
      const list = await chips(ann)
      return list.length === 2 && list.some((c) => !c.you && c.viewer && c.mark === 'view only') && list.some((c) => c.you && !c.viewer)
    })
    await waitUntil('the viewer to mark itself', async () => (await chips(viewer)).some((c) => c.you && c.viewer))
    // A viewer shares view-only.
    await viewer.locator('[data-action="share"]').click()
    await viewer.locator('[data-action="copy-viewer-link"]').waitFor({ timeout: 10_000 })
    assert.equal(await viewer.locator('[data-action="copy-editor-link"]').count(), 0, 'no editor link for a viewer')
    await viewer.keyboard.press('Escape')
    await screenshot(viewer, 'share-viewer')
    // A barrier: an editor draws after the viewer's attempts, and once Ann
    // has that stroke, anything the viewer sent would have reached her too.
    const barrier = await openBoard(browser, `${server.url}/b/${room}?name=Barrier`)
    await waitForStatus(barrier, 'live', 30_000)
    await waitUntil('the barrier page to hold Ann\'s stroke', async () => Object.keys(await elementsOf(barrier)).length === 1)
    await barrier.locator('[data-tool="pen"]').click()
    await drawPath(barrier, [
      { x: 500, y: 400 },
      { x: 560, y: 430 },
    ])
    const barrierKeys = await waitUntil('the barrier stroke to reach Ann', async () => {
      const keys = Object.keys(await elementsOf(ann)).filter((k) => !before.includes(k))
      return keys.length >= 1 ? keys : null
    })
    assert.equal(barrierKeys.length, 1, 'nothing of the viewer reached Ann, only the barrier stroke')
    await waitUntil('the viewer to hold the barrier stroke', async () => Object.keys(await elementsOf(viewer)).length === 2)
    await barrier.context().close()
    assert.deepEqual(viewer.problems, [])
  })

  it('the editor link opens a board that can be changed', async () => {
    assert.ok(editorLink, 'the first test copied the link')
    const carl = await openBoard(browser, `${editorLink}?name=Carl`)
    await waitForStatus(carl, 'live', 30_000)
    assert.equal(await carl.evaluate(() => window.__inkmesh.handle.collab.role), 'editor')
    await waitUntil('Carl to hold Ann\'s and the barrier\'s strokes', async () => Object.keys(await elementsOf(carl)).length === 2)
    await carl.locator('[data-tool="rect"]').click()
    await drawPath(carl, [
      { x: 500, y: 200 },
      { x: 600, y: 300 },
    ])
    await waitUntil('Ann to see Carl\'s rectangle', async () => Object.keys(await elementsOf(ann)).length === 3)
  })

  it('in a room of 12 no two members share a colour, the pages show theirs, and a member who reconnects gets its own', async () => {
    const pages = browser.contexts().flatMap((c) => c.pages())
    assert.equal(pages.length, 3, 'Ann, the viewer and Carl')
    const pageColours = await Promise.all(pages.map(ownColour))
    // Nine more members: signaling clients that join and stay, opened from Ann's page (an allowed origin).
    const joined = await ann.evaluate(
      async ({ room, count }) => {
        const join = async (token) => {
          const socket = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/api/signal`)
          const heard = []
          const welcome = await new Promise((resolve, reject) => {
            socket.onopen = () => socket.send(JSON.stringify({ type: 'join', room, token }))
            socket.onmessage = (m) => {
              const msg = JSON.parse(m.data)
              heard.push(msg)
              if (msg.type === 'welcome') resolve(msg)
              else if (msg.type === 'error') reject(new Error(msg.message))
            }
            socket.onerror = () => reject(new Error('the signaling socket failed'))
          })
          return { socket, welcome, heard }
        }
        const token = async (name) => {
          const response = await fetch(`/api/rooms/${room}/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name }),
          })
          return (await response.json()).token
        }
        const members = []
        for (let i = 0; i < count; i++) {
          const t = await token(`Bot ${i}`)
          members.push({ token: t, ...(await join(t)) })
        }
        // The first and the last of them leave. They joined one after another,
        // so the first holds the earlier colour in palette order: first-free
        // alone would give it to the last when it comes back.
        const first = members[0]
        const last = members[members.length - 1]
        const witness = members[1]
        for (const gone of [first, last]) {
          const closed = new Promise((resolve) => (gone.socket.onclose = resolve))
          gone.socket.close()
          await closed
        }
        const deadline = Date.now() + 10_000
        const leftIds = () => new Set(witness.heard.filter((m) => m.type === 'peer-left').map((m) => m.id))
        while (!(leftIds().has(first.welcome.me.id) && leftIds().has(last.welcome.me.id))) {
          if (Date.now() > deadline) throw new Error('the server did not report both leaves')
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        // A page reload: another joins again with its token while its old
        // connection is still in the room, and must keep its colour though
        // two earlier ones are free; then the old connection goes.
        const reloader = members[2]
        const reloaded = await join(reloader.token)
        reloader.socket.close()
        // The last reconnects with its token (the same user), then a stranger joins.
        const again = await join(last.token)
        const stranger = await join(await token('Stranger'))
        window.__shareBots = [...members.slice(1, -1).filter((m) => m !== reloader).map((m) => m.socket), reloaded.socket, again.socket, stranger.socket]
        return {
          colours: members.map((m) => m.welcome.me.colour),
          reloader: reloader.welcome.me.colour,
          reloaded: reloaded.welcome.me.colour,
          again: again.welcome.me.colour,
          stranger: stranger.welcome.me.colour,
          peers: stranger.welcome.peers.filter((p) => !p.keeper).map((p) => p.colour),
        }
      },
      { room, count: PALETTE - pages.length },
    )
    const all = [...pageColours, ...joined.colours]
    assert.equal(all.length, PALETTE)
    assert.equal(new Set(all).size, PALETTE, `12 members, 12 colours: ${all.join(' ')}`)
    assert.equal(joined.reloaded, joined.reloader, 'a reload that rejoins before its old connection left keeps its colour')
    assert.equal(joined.again, joined.colours.at(-1), 'the reconnected member has its colour back, though an earlier one is free')
    assert.equal(joined.stranger, joined.colours[0], 'a stranger gets the first free colour')
    assert.equal(new Set([...joined.peers, joined.stranger]).size, PALETTE, 'still 12 distinct after the reconnect')

    // What the pages show is what the server gave: each page's own chip, and
    // Ann's chips of the other two pages.
    for (const [i, page] of pages.entries()) {
      await waitUntil(`page ${i} to show its colour`, async () => (await chips(page)).some((c) => c.you && c.colour === rgb(pageColours[i])))
    }
    await waitUntil('Ann to show the other pages in their colours', async () => {
      const shown = new Set((await chips(ann)).filter((c) => !c.you).map((c) => c.colour))
      return pageColours.slice(1).every((c) => shown.has(rgb(c)))
    })
    await ann.evaluate(() => window.__shareBots.forEach((s) => s.close()))
  })
})

describe('the share dialog with an auth secret', () => {
  const SECRET = 'share-test-secret-0123456789'
  let server
  let browser

  before(async () => {
    server = await startServer({ name: 'share-secret', extraArgs: ['--auth-secret', SECRET] })
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await server?.cleanup()
  })

  it('says the host application hands out links, with no copy button', async () => {
    const room = roomName('share-secret')
    const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url')
    const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ room, sub: 'ada', name: 'Ada', role: 'editor', exp: Math.floor(Date.now() / 1000) + 600 })}`
    const token = `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`
    const page = await openBoard(browser, `${server.url}/b/${room}#token=${token}`)
    await page.locator('[data-action="share"]').click()
    const dialog = page.getByRole('dialog', { name: 'Share this board' })
    await waitUntil('the explanation', async () => /application that embeds Inkmesh hands out links/.test((await dialog.textContent()) ?? ''))
    assert.equal(await dialog.locator('button[data-action^="copy-"]').count(), 0)
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden', timeout: 5_000 })
  })
})

// Viewers are marked by the member their presence names, not by name and
// colour: two viewers and an editor all called "Sam" are told apart, over
// direct links (the mesh) and through the keeper's relay (the star, with a
// mesh limit of 0).
for (const [topology, extraArgs] of [
  ['direct links', []],
  ['the keeper’s relay', ['--mesh-limit', '0']],
]) {
  describe(`viewer marks with repeated names, over ${topology}`, () => {
    let server
    let browser

    before(async () => {
      server = await startServer({ name: 'share-marks', extraArgs })
      browser = await launchChromium()
    })

    after(async () => {
      await browser?.close()
      await server?.cleanup()
    })

    it('marks the two viewers called Sam and not the editor called Sam', async () => {
      const room = roomName('share-marks')
      const token = async (role) => {
        const response = await fetch(`${server.url}/api/rooms/${room}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Sam', role }),
        })
        assert.equal(response.status, 200)
        return (await response.json()).token
      }
      const ann = await openBoard(browser, `${server.url}/b/${room}?name=Ann`)
      const sams = []
      for (const role of ['viewer', 'editor', 'viewer']) {
        const page = await openBoard(browser, `${server.url}/b/${room}#token=${await token(role)}`)
        // The role is the server's, known once it welcomes the page.
        await waitUntil(`the ${role} page to be welcomed as one`, async () => (await page.evaluate(() => window.__inkmesh.handle.collab.role)) === role)
        sams.push(page)
      }
      for (const page of [ann, ...sams]) await waitForStatus(page, 'live', 30_000)
      for (const [i, page] of [ann, ...sams].entries()) {
        await waitUntil(`page ${i} to list three Sams, two of them marked`, async () => {
          const others = (await chips(page)).filter((c) => c.name === 'Sam')
          return others.length === 3 && others.filter((c) => c.viewer).length === 2
        })
      }
      // Each marked chip is a viewer member's: presence names members by peer id, and the roles are the server's.
      const attributed = await ann.evaluate(() => {
        const collab = window.__inkmesh.handle.collab
        const roles = new Map(collab.members().map((m) => [m.id, m.role]))
        return [...collab.presence().values()].filter((s) => s.name === 'Sam').map((s) => roles.get(s.peer) ?? null)
      })
      assert.deepEqual(attributed.sort(), ['editor', 'viewer', 'viewer'])
      for (const page of [ann, ...sams]) assert.deepEqual(page.problems, [])
    })
  })
}
