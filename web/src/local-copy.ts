// The board's copy in this browser (IndexedDB, through y-indexeddb): what
// makes offline drawing survive a reload. y-indexeddb stores every document
// update as it happens; this adds knowing when the writes are done, and taking
// a whole board (the server's snapshot) without re-encoding it.

import * as Y from 'yjs'
import { IndexeddbPersistence } from 'y-indexeddb'

/** y-indexeddb's object store of updates (its schema since v9). */
const UPDATES_STORE = 'updates'

export class LocalCopy {
  private readonly persistence: IndexeddbPersistence
  /** Resolves once the stored copy is loaded into the document. */
  readonly loaded: Promise<void>

  constructor(
    name: string,
    private readonly doc: Y.Doc,
  ) {
    this.persistence = new IndexeddbPersistence(name, doc)
    this.loaded = this.persistence.whenSynced.then(() => undefined)
  }

  /** Resolves once every change so far is written. */
  async whenSaved(): Promise<void> {
    await this.loaded
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
    const store = this.persistence._storeUpdate
    const db = this.persistence.db
    let changed = false
    const sawTransaction = (txn: Y.Transaction): void => {
      changed ||= txn.deleteSet.clients.size > 0 || !sameClocks(txn.beforeState, txn.afterState)
    }
    this.doc.off('update', store)
    this.doc.on('afterTransaction', sawTransaction)
    try {
      Y.applyUpdate(this.doc, update, origin)
    } finally {
      this.doc.off('afterTransaction', sawTransaction)
      this.doc.on('update', store)
    }
    // What Yjs holds back until missing updates come is only in the bytes: keep them.
    changed ||= this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null
    if (changed) db?.transaction([UPDATES_STORE], 'readwrite').objectStore(UPDATES_STORE).add(update)
  }

  destroy(): Promise<void> {
    return this.persistence.destroy()
  }
}

/** Two state vectors (client → clock) are equal. */
function sameClocks(a: Map<number, number>, b: Map<number, number>): boolean {
  if (a.size !== b.size) return false
  for (const [client, clock] of a) if (b.get(client) !== clock) return false
  return true
}
