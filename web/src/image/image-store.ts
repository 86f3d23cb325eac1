// This browser's copy of a room's images (IndexedDB), next to the board's
// own copy (local-copy.ts): what an offline reload draws pictures from, and
// the persisted queue of images still to upload, so one added offline goes
// up after a reload too. One database per server and room, as the board's.

/** One image file as kept: its hash (the key), its type and its bytes. */
export interface StoredImage {
  hash: string
  mt: string
  bytes: Uint8Array
}

/** What the upload queue and the image provider need of a store. */
export interface ImageStore {
  get(hash: string): Promise<StoredImage | undefined>
  put(image: StoredImage): Promise<void>
  /** Hashes waiting for upload, oldest first. */
  queued(): Promise<string[]>
  enqueue(hash: string): Promise<void>
  dequeue(hash: string): Promise<void>
  close(): void
}

const IMAGES = 'images'
const UPLOADS = 'uploads'
const VERSION = 1

/** Opens (creating on first use) the image database `name`. */
export function openImageStore(name: string): Promise<ImageStore> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, VERSION)
    request.onupgradeneeded = () => {
      const db = request.result
      if (!db.objectStoreNames.contains(IMAGES)) db.createObjectStore(IMAGES, { keyPath: 'hash' })
      // Keyed by an increasing number so the queue keeps its order; the hash is indexed to find and drop entries.
      if (!db.objectStoreNames.contains(UPLOADS)) {
        db.createObjectStore(UPLOADS, { autoIncrement: true }).createIndex('hash', 'hash', { unique: true })
      }
    }
    request.onsuccess = () => resolve(new IndexedImageStore(request.result))
    request.onerror = () => reject(request.error)
  })
}

class IndexedImageStore implements ImageStore {
  constructor(private readonly db: IDBDatabase) {}

  get(hash: string): Promise<StoredImage | undefined> {
    return this.run(IMAGES, 'readonly', (s) => s.get(hash)).then((v) => (isStored(v) ? v : undefined))
  }

  async put(image: StoredImage): Promise<void> {
    await this.run(IMAGES, 'readwrite', (s) => s.put({ hash: image.hash, mt: image.mt, bytes: image.bytes }))
  }

  async queued(): Promise<string[]> {
    const rows = await this.run(UPLOADS, 'readonly', (s) => s.getAll())
    return (rows as Array<{ hash?: unknown }>).map((r) => r.hash).filter((h): h is string => typeof h === 'string')
  }

  // Look-up and write in one read-write transaction: two enqueues of the same
  // hash at once would otherwise both find none and the second add() fail
  // on the unique index (and a dequeue could delete a key re-used meanwhile).
  async enqueue(hash: string): Promise<void> {
    await this.run(UPLOADS, 'readwrite', (s) => {
      const lookup = s.index('hash').getKey(hash)
      lookup.onsuccess = () => {
        if (lookup.result === undefined) s.add({ hash })
      }
      return lookup
    })
  }

  async dequeue(hash: string): Promise<void> {
    await this.run(UPLOADS, 'readwrite', (s) => {
      const lookup = s.index('hash').getKey(hash)
      lookup.onsuccess = () => {
        if (lookup.result !== undefined) s.delete(lookup.result)
      }
      return lookup
    })
  }

  close(): void {
    this.db.close()
  }

  /** One operation in a transaction of its own (`make` may chain requests from its first's callback); resolves with the first request's result once the transaction is done (written, for writes). */
  private run(store: string, mode: IDBTransactionMode, make: (s: IDBObjectStore) => IDBRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const txn = this.db.transaction([store], mode)
      const request = make(txn.objectStore(store))
      txn.oncomplete = () => resolve(request.result)
      txn.onerror = () => reject(txn.error)
      txn.onabort = () => reject(txn.error)
    })
  }
}

/** A store in memory, for boards mounted without a local copy (`offline: false`). */
export function memoryImageStore(): ImageStore {
  const images = new Map<string, StoredImage>()
  const uploads: string[] = []
  return {
    get: async (hash) => images.get(hash),
    put: async (image) => void images.set(image.hash, image),
    queued: async () => [...uploads],
    enqueue: async (hash) => {
      if (!uploads.includes(hash)) uploads.push(hash)
    },
    dequeue: async (hash) => {
      const i = uploads.indexOf(hash)
      if (i >= 0) uploads.splice(i, 1)
    },
    close: () => undefined,
  }
}

function isStored(v: unknown): v is StoredImage {
  if (typeof v !== 'object' || v === null) return false
  const r = v as Record<string, unknown>
  return typeof r.hash === 'string' && typeof r.mt === 'string' && r.bytes instanceof Uint8Array
}
