// The last render stream (docs/PROTOCOL.md) of each board this browser
// showed, kept in IndexedDB next to the board's copy: a returning visitor's
// page draws it at once, before the copy (a whole Yjs document to apply) has
// loaded. A picture only: replaced by the board as soon as the board loads,
// and rewritten from the board, never read into it.

import { markJoin } from './util/join-marks'

const DB_NAME = 'inkmesh-pictures'
const STORE = 'streams'

/** The key of the picture of `room` on `server` (an origin, no trailing slash). */
export function pictureName(server: string, room: string): string {
  return `inkmesh:${server}:${room}`
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1)
    request.onupgradeneeded = () => request.result.createObjectStore(STORE)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

/**
 * What of a kept picture a page's first view shows: the early picture
 * (render/early-picture.ts) paints it before the app's bundle has run, and
 * decoding a few hundred of a board's elements takes a fraction of decoding
 * them all.
 */
export interface FirstView {
  /** The board box it covers from the origin, board px: a view at 100% no larger shows nothing else. */
  width: number
  height: number
  /** Elements on the whole board (the stream holds only those reaching into the box). */
  elements: number
  /** A render stream of the elements reaching into the box, in the board's order. */
  stream: Uint8Array
}

/** A board's kept picture and its first view, each if kept, each as soon as read. */
export interface KeptPicture {
  picture: Promise<Uint8Array | undefined>
  /** Read first, so it is in before the picture (a tenth of its bytes, or less). */
  firstView: Promise<FirstView | undefined>
}

/** The key of a picture's first view, beside the picture's. */
function firstViewKey(name: string): string {
  return `${name}#first-view`
}

/** The kept picture of board `name` and its first view, read in one transaction (never one without the other's matching version). */
export function readKept(name: string): KeptPicture {
  const opened = open()
  const requests = opened.then((db) => {
    const store = db.transaction([STORE], 'readonly').objectStore(STORE)
    const firstView = store.get(firstViewKey(name))
    const picture = store.get(name)
    db.close()
    return { firstView, picture }
  })
  const firstView = requests.then(
    ({ firstView }) =>
      new Promise<FirstView | undefined>((resolve, reject) => {
        firstView.onsuccess = () => resolve(isFirstView(firstView.result) ? firstView.result : undefined)
        firstView.onerror = () => reject(firstView.error)
      }),
  )
  const picture = requests.then(
    ({ picture }) =>
      new Promise<Uint8Array | undefined>((resolve, reject) => {
        picture.onsuccess = () => {
          if (!(picture.result instanceof Uint8Array)) return resolve(undefined)
          markJoin('picture-bytes')
          resolve(picture.result)
        }
        picture.onerror = () => reject(picture.error)
      }),
  )
  return { picture, firstView }
}

/** The kept picture of board `name`, if any. */
export function readPicture(name: string): Promise<Uint8Array | undefined> {
  return readKept(name).picture
}

/**
 * Keeps `stream` as the picture of board `name`, and `firstView` as its
 * first view (none: an older one is dropped, never left beside a newer
 * picture); resolves once written.
 */
export async function keepPicture(name: string, stream: Uint8Array, firstView?: FirstView): Promise<void> {
  const db = await open()
  try {
    await new Promise<void>((resolve, reject) => {
      const txn = db.transaction([STORE], 'readwrite')
      const store = txn.objectStore(STORE)
      store.put(stream, name)
      if (firstView === undefined) store.delete(firstViewKey(name))
      else store.put(firstView, firstViewKey(name))
      txn.oncomplete = () => resolve()
      txn.onerror = () => reject(txn.error)
    })
  } finally {
    db.close()
  }
}

/** Whether `value`, read back from IndexedDB, is a FirstView (the database is the page's origin's to write). */
function isFirstView(value: unknown): value is FirstView {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return [v.width, v.height, v.elements].every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0) && v.stream instanceof Uint8Array
}
