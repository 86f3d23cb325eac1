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

/** The kept picture of board `name`, if any. */
export async function readPicture(name: string): Promise<Uint8Array | undefined> {
  const db = await open()
  try {
    return await new Promise((resolve, reject) => {
      const get = db.transaction([STORE], 'readonly').objectStore(STORE).get(name)
      get.onsuccess = () => {
        if (!(get.result instanceof Uint8Array)) return resolve(undefined)
        markJoin('picture-bytes')
        resolve(get.result)
      }
      get.onerror = () => reject(get.error)
    })
  } finally {
    db.close()
  }
}

/** Keeps `stream` as the picture of board `name`; resolves once written. */
export async function keepPicture(name: string, stream: Uint8Array): Promise<void> {
  const db = await open()
  try {
    await new Promise<void>((resolve, reject) => {
      const txn = db.transaction([STORE], 'readwrite')
      txn.objectStore(STORE).put(stream, name)
      txn.oncomplete = () => resolve()
      txn.onerror = () => reject(txn.error)
    })
  } finally {
    db.close()
  }
}
