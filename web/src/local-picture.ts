// The last render stream (docs/PROTOCOL.md) of each board this browser
// showed, kept in IndexedDB next to the board's copy: a returning visitor's
// page draws it at once, before the copy (a whole Yjs document to apply) has
// loaded. A picture only: replaced by the board as soon as the board loads,
// and rewritten from the board, never read into it.

import type { FirstView, FirstViewImage } from './render/early-picture'
import { markJoin } from './util/join-marks'
import { safeStorage } from './token'

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

/** A board's kept picture and its first view, each if kept, each as soon as read. */
export interface KeptPicture {
  picture: Promise<Uint8Array | undefined>
  /** Read first, so it is in before the picture (a tenth of its bytes, or less). */
  firstView: Promise<FirstView | undefined>
}

/**
 * The keys of a board's picture and of its first view. Neither is the
 * board's name, the key code before first views wrote the picture alone
 * under (an old tab, or the service worker's cached app.js, still may): a
 * picture written there never sits beside a first view of a newer one.
 */
function streamKey(name: string): string {
  return `${name}#stream`
}
function firstViewKey(name: string): string {
  return `${name}#first-view`
}
/** Every key of board `name`'s picture, those of older code included. */
function pictureKeys(name: string): string[] {
  return [name, streamKey(name), firstViewKey(name)]
}

/**
 * The kept picture of board `name` and its first view, read in one
 * transaction (never one without the other's matching version). Without a
 * picture kept by this code, one older code kept (under the board's name) is
 * read, with no first view.
 */
export function readKept(name: string): KeptPicture {
  const opened = open()
  const requests = opened.then((db) => {
    const store = db.transaction([STORE], 'readonly').objectStore(STORE)
    const firstView = store.get(firstViewKey(name))
    const picture = store.get(streamKey(name))
    const older = store.get(name)
    db.close()
    return { firstView, picture, older }
  })
  const firstView = requests.then(
    ({ firstView }) =>
      new Promise<FirstView | undefined>((resolve, reject) => {
        firstView.onsuccess = () => resolve(isFirstView(firstView.result) ? firstView.result : undefined)
        firstView.onerror = () => reject(firstView.error)
      }),
  )
  const picture = requests.then(
    ({ picture, older }) =>
      new Promise<Uint8Array | undefined>((resolve, reject) => {
        // Requests of one transaction answer in the order made: `older` last.
        older.onsuccess = () => {
          const bytes = picture.result instanceof Uint8Array ? picture.result : older.result instanceof Uint8Array ? older.result : undefined
          if (bytes !== undefined) markJoin('picture-bytes')
          resolve(bytes)
        }
        picture.onerror = () => reject(picture.error)
        older.onerror = () => reject(older.error)
      }),
  )
  return { picture, firstView }
}

/**
 * Whether this browser has kept a picture of board `name`, as far as
 * localStorage knows: read at once, where IndexedDB answers in tens of ms,
 * so a page can tell whether to ask the server for a first view of its own.
 * Set once a picture is written, cleared once dropped.
 */
export function mayHavePicture(name: string): boolean {
  return safeStorage()?.getItem(keptKey(name)) === '1'
}

function keptKey(name: string): string {
  return `${name}#kept`
}

/** The kept picture of board `name`, if any. */
export function readPicture(name: string): Promise<Uint8Array | undefined> {
  return readKept(name).picture
}

/**
 * Keeps `stream` as the picture of board `name`, and `firstView` as its
 * first view (none: an older one is dropped, never left beside a newer
 * picture); resolves once written, with the first view kept. That keeps the
 * image of the one it replaces if both show the same elements: a page
 * closing keeps its picture, but may not live to paint an image again. A
 * picture older code kept is dropped: this one is newer.
 */
export async function keepPicture(name: string, stream: Uint8Array, firstView?: FirstView): Promise<FirstView | undefined> {
  let kept: FirstView | undefined = firstView
  await change((store) => {
    store.put(stream, streamKey(name))
    store.delete(name)
    if (firstView === undefined) {
      store.delete(firstViewKey(name))
      return
    }
    const before = store.get(firstViewKey(name))
    before.onsuccess = () => {
      const old: unknown = before.result
      if (firstView.image === undefined && isFirstView(old) && old.image !== undefined && sameBytes(old.stream, firstView.stream)) {
        kept = { ...firstView, image: old.image }
      }
      store.put(kept, firstViewKey(name))
    }
  })
  safeStorage()?.setItem(keptKey(name), '1')
  return kept
}

/**
 * Adds `image` (a painting of `firstView`: firstViewImage) to board `name`'s
 * kept first view, if that is still `firstView`: a picture kept meanwhile
 * (another tab, this one's next save) has a first view of its own, which an
 * image of an older one must never stand for. Resolves once written or
 * passed over.
 */
export async function keepFirstViewImage(name: string, firstView: FirstView, image: FirstViewImage): Promise<void> {
  await change((store) => {
    const kept = store.get(firstViewKey(name))
    kept.onsuccess = () => {
      const current: unknown = kept.result
      if (isFirstView(current) && sameBytes(current.stream, firstView.stream)) store.put({ ...current, image }, firstViewKey(name))
    }
  })
}

/** Drops every record of board `name`'s picture (a deleted board's must never be painted again); resolves once gone. */
export async function dropPicture(name: string): Promise<void> {
  await change((store) => {
    for (const key of pictureKeys(name)) store.delete(key)
  })
  safeStorage()?.removeItem(keptKey(name))
}

/** Runs `write` in one read-write transaction of the store; resolves once committed. */
async function change(write: (store: IDBObjectStore) => void): Promise<void> {
  const db = await open()
  try {
    await new Promise<void>((resolve, reject) => {
      const txn = db.transaction([STORE], 'readwrite')
      write(txn.objectStore(STORE))
      txn.oncomplete = () => resolve()
      txn.onerror = () => reject(txn.error)
    })
  } finally {
    db.close()
  }
}

/** Whether `value`, read back from IndexedDB, is a FirstView, with a FirstViewImage if any (the database is the page's origin's to write). */
function isFirstView(value: unknown): value is FirstView {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return sizes(v.width, v.height, v.elements) && v.stream instanceof Uint8Array && (v.image === undefined || isFirstViewImage(v.image))
}

function isFirstViewImage(value: unknown): value is FirstViewImage {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return sizes(v.dpr, v.width, v.height, v.pixelWidth, v.pixelHeight) && (v.dpr as number) > 0 && v.runs instanceof Uint32Array
}

/** Whether every one of `values` is a finite number, 0 or more. */
function sizes(...values: unknown[]): boolean {
  return values.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
