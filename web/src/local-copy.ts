// The board's copy in this browser (IndexedDB, through y-indexeddb): what
// makes offline drawing survive a reload. y-indexeddb loads the copy and
// compacts it; this writes the document's updates, batched, and adds knowing
// when the writes are done, and taking a whole board (the server's snapshot)
// without re-encoding it.

import * as Y from 'yjs'
import { IndexeddbPersistence, PREFERRED_TRIM_SIZE, storeState } from 'y-indexeddb'

import { applyWholeUpdate } from './doc/apply-update'
import { isRemote } from './doc/origin'
import { QuietTimer } from './util/quiet-timer'

/** y-indexeddb's object store of updates (its schema since v9). */
const UPDATES_STORE = 'updates'
/**
 * Updates are written at most this often, merged into one record. y-indexeddb
 * writes each in a transaction of its own: a stroke sends ~60 chunks a second,
 * and each transaction cost the drawing page main-thread time, and every 500
 * records a compaction that encodes the whole board. The write waits a few ms
 * more when a local update was just sent (QuietTimer). A tab that goes away
 * writes what is pending at once (hidden or pagehide), so a crash loses at
 * most this much and those few ms.
 */
export const SAVE_INTERVAL_MS = 250
/** How long y-indexeddb waits after the last write before compacting (its _storeTimeout). */
const COMPACT_AFTER_MS = 1000

export class LocalCopy {
  private readonly persistence: IndexeddbPersistence
  /** Resolves once the stored copy is loaded into the document. */
  readonly loaded: Promise<void>
  /** Updates not written yet, oldest first. */
  private pending: Uint8Array[] = []
  private readonly saveTimer = new QuietTimer(() => this.flush())
  private readonly unsubscribe: Array<() => void> = []

  constructor(
    name: string,
    private readonly doc: Y.Doc,
  ) {
    this.persistence = new IndexeddbPersistence(name, doc)
    this.loaded = this.persistence.whenSynced.then(() => undefined)
    // Its per-update writer steps aside for the batched one.
    doc.off('update', this.persistence._storeUpdate)
    doc.on('update', this.queue)
    this.unsubscribe.push(() => doc.off('update', this.queue))
    if (typeof addEventListener === 'function') {
      addEventListener('pagehide', this.flush)
      this.unsubscribe.push(() => removeEventListener('pagehide', this.flush))
    }
    // A hidden tab's timers are throttled (to a minute, in Chromium's intensive
    // throttling) and a discarded one gets no pagehide: write when hidden.
    if (typeof document !== 'undefined') {
      const onHidden = (): void => {
        if (document.visibilityState === 'hidden') this.flush()
      }
      document.addEventListener('visibilitychange', onHidden)
      this.unsubscribe.push(() => document.removeEventListener('visibilitychange', onHidden))
    }
  }

  /** Resolves once every change so far is written. */
  async whenSaved(): Promise<void> {
    await this.loaded
    this.flush()
    const db = this.persistence.db
    if (db === null) return
    // IndexedDB runs transactions on one store in order: a read made now
    // completes after every write y-indexeddb has queued before it.
    await new Promise<void>((resolve, reject) => {
      const read = db.transaction([UPDATES_STORE], 'readonly')
      read.oncomplete = () => resolve()
      read.onerror = () => reject(read.error)
    })
  }

  /**
   * Applies a whole board (v1 update) to the document and keeps it. Yjs
   * encodes every transaction again for the document's 'update' listeners,
   * which for a board of 10,000 strokes costs ~150 ms only for y-indexeddb to
   * store bytes we already have; so its listener steps aside and gets the
   * bytes as they came. (Before the database is open, y-indexeddb stores the
   * whole document when it opens anyway.) Other 'update' listeners still run.
   * A snapshot that brought nothing new (a returning visitor's copy was up to
   * date) is not stored again: every reload would add the whole board to what
   * the next reload reads.
   */
  applyWhole(update: Uint8Array, origin: unknown): void {
    const db = this.persistence.db
    let changed = false
    const sawTransaction = (txn: Y.Transaction): void => {
      changed ||= txn.deleteSet.clients.size > 0 || !sameClocks(txn.beforeState, txn.afterState)
    }
    this.doc.off('update', this.queue)
    this.doc.on('afterTransaction', sawTransaction)
    try {
      applyWholeUpdate(this.doc, update, origin)
    } finally {
      this.doc.off('afterTransaction', sawTransaction)
      this.doc.on('update', this.queue)
    }
    this.flush()
    // What Yjs holds back until missing updates come is only in the bytes: keep them.
    changed ||= this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null
    if (changed) db?.transaction([UPDATES_STORE], 'readwrite').objectStore(UPDATES_STORE).add(update)
  }

  /** Writes what is pending, then closes the database. */
  destroy(): Promise<void> {
    this.flush()
    for (const off of this.unsubscribe.splice(0)) off()
    return this.persistence.destroy()
  }

  private readonly queue = (update: Uint8Array, origin: unknown): void => {
    // Updates y-indexeddb itself applied came from the database.
    if (origin === this.persistence) return
    this.pending.push(update)
    // The mesh sends our update to the peers from its own listener, in this same task.
    if (!isRemote(origin)) this.saveTimer.sent()
    this.saveTimer.arm(SAVE_INTERVAL_MS)
  }

  /**
   * Writes the pending updates as one record in one transaction. Before the
   * database is open they are dropped: y-indexeddb stores the whole document
   * when it opens.
   */
  private readonly flush = (): void => {
    this.saveTimer.cancel()
    const updates = this.pending
    this.pending = []
    const db = this.persistence.db
    if (db === null || updates.length === 0) return
    const record = updates.length === 1 ? (updates[0] as Uint8Array) : Y.mergeUpdates(updates)
    db.transaction([UPDATES_STORE], 'readwrite').objectStore(UPDATES_STORE).add(record)
    // y-indexeddb's own bookkeeping: compact once enough records piled up and writing paused.
    const p = this.persistence
    if (++p._dbsize >= PREFERRED_TRIM_SIZE) {
      clearTimeout(p._storeTimeoutId)
      p._storeTimeoutId = setTimeout(() => {
        void storeState(p, false)
        p._storeTimeoutId = null
      }, COMPACT_AFTER_MS)
    }
  }
}

/** Two state vectors (client → clock) are equal. */
function sameClocks(a: Map<number, number>, b: Map<number, number>): boolean {
  if (a.size !== b.size) return false
  for (const [client, clock] of a) if (b.get(client) !== clock) return false
  return true
}
