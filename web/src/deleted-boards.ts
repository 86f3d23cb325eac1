// Boards the server told this browser were deleted (`board_deleted`). The
// copy kept here (the board in IndexedDB, its pictures and their upload
// queue) must never be synced again: an operator may clear the tombstone
// (README, "Deleting a board"), and a browser that still held the old board
// would join the new one under the same name and bring the old strokes and
// pictures back into it. So the deletion is recorded per room, and the next
// visit starts from an empty copy, dropping the old one first.
//
// Dropped rather than kept aside: a copy nobody can reach is storage nobody
// frees, and the page that learned of the deletion offered the download for
// as long as it stayed open (its notice says so).

import { safeStorage } from './token'

/** The marker of the room whose local copy is `copyName`. */
function markerKey(copyName: string): string {
  return `inkmesh-deleted:${copyName}`
}

/** Records that the board whose local copy is `copyName` was deleted on the server. */
export function markDeleted(copyName: string, storage: Storage | undefined = safeStorage()): void {
  try {
    storage?.setItem(markerKey(copyName), String(Date.now()))
  } catch {
    // Storage full or blocked: this visit still syncs nothing (the page has
    // stopped for good); the next one may bring the copy back if the
    // tombstone is cleared, as before there was a marker.
  }
}

/** Whether the board whose local copy is `copyName` was recorded as deleted. */
export function wasDeleted(copyName: string, storage: Storage | undefined = safeStorage()): boolean {
  try {
    return storage?.getItem(markerKey(copyName)) != null
  } catch {
    return false
  }
}

/**
 * If the board was recorded as deleted, drops the IndexedDB databases
 * `databases` (its copy, its images) and runs `dropRecords` (its records in
 * databases other boards share: its kept picture), then the marker. Call
 * before opening them: IndexedDB runs a deletion and a later open of one
 * name in order, so what opens is empty. The marker goes only once every
 * one is gone (while it stays, the page's early script paints no picture of
 * the board): a page closed meanwhile drops them on the next visit.
 */
export function dropDeletedCopy(
  copyName: string,
  databases: readonly string[],
  dropRecords: () => Promise<void> = () => Promise.resolve(),
  storage: Storage | undefined = safeStorage(),
): Promise<boolean> {
  if (!wasDeleted(copyName, storage) || typeof indexedDB === 'undefined') return Promise.resolve(false)
  const records = dropRecords()
  const drops = databases.map(
    (name) =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.deleteDatabase(name)
        request.onsuccess = () => resolve()
        request.onerror = () => reject(request.error)
      }),
  )
  return Promise.all([...drops, records]).then(
    () => {
      try {
        storage?.removeItem(markerKey(copyName))
      } catch {
        // Kept: the next visit drops the (empty) copy again, harmlessly.
      }
      return true
    },
    () => false,
  )
}
