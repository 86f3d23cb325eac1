// The board app page. `/` makes a new board and goes to `/b/{room}`; a board
// link mounts that board full-page. A token in the link (`#token=...`, kept out
// of server logs) is used as is; otherwise the server's open mode gives a guest
// token, with the name from `?name=` or the one this browser last chose
// (clicking your own name in the presence list changes it). `?view=1` opens it
// read-only; `?relay=1` links to others only through the server's TURN relay.
// Its Share button copies links to the board (share-links.ts).

import { mount, type BoardHandle } from './mount'
import { NAME_KEY, readBoardLink } from './board-link'
import { safeStorage } from './token'
import { shareLinks } from './share-links'
import { exposeTestHook } from './testing/hook'
import { markJoin } from './util/join-marks'
import { afterNextFrame } from './util/next-frame'
import { handOverEarlyPicture } from './early-picture-handover'
import { EARLY_PICTURE_ID, dropEarlyPicture } from './render/early-picture'

const ROOM_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'

function newRoomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10))
  return Array.from(bytes, (b) => ROOM_ALPHABET[b % ROOM_ALPHABET.length]).join('')
}

/** Asks for a new name, keeps it for every board in this browser, and rejoins under it. */
function rename(current: string | undefined): void {
  const answer = prompt('Your name, as others on the board see it:', current ?? '')
  const name = answer?.trim().slice(0, 64)
  if (!name) return
  safeStorage()?.setItem(NAME_KEY, name)
  const url = new URL(location.href)
  url.searchParams.delete('name')
  // A reload rejoins with a token for the new name; the board reloads from this browser's copy.
  location.replace(url)
}

async function start(): Promise<void> {
  markJoin('app')
  const link = readBoardLink(location)
  if (link === undefined) {
    location.replace(`/b/${newRoomId()}${location.search}${location.hash}`)
    return
  }
  const { room, token, name } = link
  // The snapshot and render requests index.html's early script (boot.ts) started, and its token provider.
  const early = window.__inkmeshEarly?.room === room ? window.__inkmeshEarly : undefined
  document.title = `${room} · Inkmesh`
  const element = document.getElementById('board')
  if (element === null) throw new Error('index.html has no #board element')
  // The early script's picture (boot.ts), if up, reaches the screen only
  // once the main thread yields; mount's start-up is one long task. Unless
  // a frame has painted it already (the page's first contentful paint: the
  // picture is its only content), one is let paint it first.
  if (document.visibilityState === 'visible' && document.getElementById(EARLY_PICTURE_ID) !== null && !contentPainted()) await afterNextFrame(PAINTED_FRAME_MAX_MS)
  // From here the early script paints no whole picture, only a first view
  // until the view has drawn; one painted already stays until then.
  if (early !== undefined) {
    early.viewStarted = true
    early.viewDrawn = false
  }
  let handle: BoardHandle
  try {
    handle = mount(element, {
      server: location.origin,
      room,
      ...(token === undefined ? {} : { token }),
      ...(name === undefined ? {} : { name }),
      readOnly: link.readOnly,
      relay: link.relay,
      share: shareLinks(location.origin, room),
      ...(early === undefined ? {} : { snapshot: early.snapshot, pictures: early.pictures, guestTokens: early.tokens }),
      // With a token from a link, the name is the token's.
      ...(token === undefined ? { onRename: () => rename(handle.collab.me?.name ?? name) } : {}),
    })
  } catch (e) {
    // No view will ever remove the picture: it must not stand in for a board that failed.
    if (early !== undefined) early.viewDrawn = true
    dropEarlyPicture(document)
    throw e
  }
  handOverEarlyPicture(handle, early)
  exposeTestHook(handle)
  // The board is the whole page: keys go to it without a click first.
  handle.view.focus()
  // Keeps the app itself available offline (boards are in IndexedDB already).
  navigator.serviceWorker?.register('/sw.js', { type: 'module', scope: '/' }).catch((e: unknown) => {
    console.info('[inkmesh] offline reloads unavailable:', e)
  })
}

/** Whether the page has painted content: an early picture, the only content before the app's, is on screen. */
function contentPainted(): boolean {
  return typeof performance.getEntriesByName === 'function' && performance.getEntriesByName('first-contentful-paint', 'paint').length > 0
}

/**
 * The longest the app waits for a painted frame before mounting: a hidden
 * page paints none (its rAF callbacks wait until it is shown), and must not
 * wait for that to start the board.
 */
const PAINTED_FRAME_MAX_MS = 100

void start()
