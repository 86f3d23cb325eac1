// A board's pictures: the glue between the board, this browser's image store
// (IndexedDB), the upload queue, the server's image routes and the render
// image source. Adding an image: checked, stored locally, put on the board
// (one undo step), then uploaded, so offline it is drawn at once and goes up
// on reconnect. Drawing one: the local copy first, then the server (what is
// fetched is kept). A picture the server lacks but this browser holds (its
// upload was lost, or the server's storage was reset) is uploaded again.

import type { Board } from './doc/board'
import { imageHash, isImageHash, isImageType, type ImageRef } from './doc/image-ref'
import type { ElementView } from './doc/types'
import { checkImage } from './image/image-check'
import { memoryImageStore, openImageStore, type ImageStore, type StoredImage } from './image/image-store'
import { IMAGE_VIEW_SHARE, UPLOAD_MAX_RETRY_MS } from './image/limits'
import { UploadQueue } from './image/upload-queue'
import { backoffDelay } from './net/backoff'
import { getImage, putImage, type FetchedImage } from './net/images'
import { imageSource } from './render/image-source'
import type { FileImage } from './file/board-file'

export interface BoardImagesOptions {
  server: string
  room: string
  token: (refresh: boolean) => Promise<string>
  board: Board
  /** Keep pictures in IndexedDB (the board's `offline` option). */
  keep: boolean
  /** Whether this member may upload (an editor). */
  canEdit: () => boolean
  /** Where pictures are kept; default: IndexedDB when `keep` (memory when it will not open), else memory. */
  store?: ImageStore
}

/** Where a new image goes and how large it may be: board px. */
export interface Placement {
  at: { x: number; y: number }
  view: { width: number; height: number }
}

/** The IndexedDB database that keeps a room's pictures and their upload queue. */
export function imageStoreName(server: string, room: string): string {
  return `inkmesh-images:${server}:${room}`
}

/** The store `options` ask for: given, IndexedDB (memory when it will not open), or memory. */
function openStore(options: BoardImagesOptions): Promise<ImageStore> {
  if (options.store !== undefined) return Promise.resolve(options.store)
  if (!options.keep || typeof indexedDB === 'undefined') return Promise.resolve(memoryImageStore())
  return openImageStore(imageStoreName(options.server, options.room)).catch(() => memoryImageStore())
}

/** Space between images added together, board px. */
const CASCADE_PX = 24

export class BoardImages {
  private readonly store: Promise<ImageStore>
  private readonly queue: Promise<UploadQueue>
  private readonly listeners = new Set<(message: string) => void>()
  /** Retry timers of hashes the server could not give (404: their upload may be on its way; or unreachable): asked again with backoff. */
  private readonly missing = new Map<string, ReturnType<typeof setTimeout>>()
  /** How often each image was asked for in vain, for the backoff; one entry per image the board shows at most. */
  private readonly missingAttempts = new Map<string, number>()
  /** Hashes served from the local copy whose presence on the server was checked this session. */
  private readonly checked = new Set<string>()
  /** Hashes whose check could not reach the server: checked again on reconnect. */
  private readonly recheck = new Set<string>()
  private readonly offProvider: () => void
  private destroyed = false

  constructor(private readonly options: BoardImagesOptions) {
    const { server, room, token } = options
    this.store = openStore(options)
    // A token the server refused (expired) is asked for afresh on the next attempt.
    let refreshToken = false
    this.queue = this.store.then((store) => {
      const queue = new UploadQueue({
        store,
        upload: async (image) => {
          const outcome = await putImage(server, room, await token(refreshToken), image)
          refreshToken = outcome.kind === 'retry' && outcome.tokenRefused === true
          return outcome
        },
        onRefused: (hash, message) => this.refused(hash, message),
        onFull: (_hash, message) => this.say(`The room has no space for another image now: ${message} The image stays on the board and is uploaded again later.`),
      })
      if (options.canEdit()) queue.kick()
      return queue
    })
    this.offProvider = imageSource.addProvider((ref) => this.provide(ref))
  }

  /** Sentences for the person that arrive later (an upload the server refused). */
  onMessage(listener: (message: string) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Adds image files to the board, centred at `place.at` and at most
   * IMAGE_VIEW_SHARE of the view, each one undo step. Resolves with a
   * sentence for each file refused.
   */
  async add(files: readonly Blob[], place: Placement): Promise<string[]> {
    const refusals: string[] = []
    let added = 0
    for (const file of files) {
      const checked = await checkImage(file, file instanceof File ? file.name : '')
      if (!checked.ok) {
        refusals.push(checked.message)
        continue
      }
      const { mt, bytes, bitmap } = checked
      const hash = await imageHash(bytes)
      const store = await this.store
      // Kept and queued before the board shows it, so no reload can find the element without its bytes or its upload.
      await store.put({ hash, mt, bytes })
      await (await this.queue).add(hash)
      imageSource.put(hash, bitmap)
      const scale = Math.min(1, (place.view.width * IMAGE_VIEW_SHARE) / bitmap.width, (place.view.height * IMAGE_VIEW_SHARE) / bitmap.height)
      const w = bitmap.width * scale
      const h = bitmap.height * scale
      const offset = added * CASCADE_PX
      added++
      const image: ImageRef = { im: hash, mt, iw: bitmap.width, ih: bitmap.height, ib: bytes.length }
      this.options.board.add({ t: 'image', x: place.at.x - w / 2 + offset, y: place.at.y - h / 2 + offset, w, h, image })
    }
    return refusals
  }

  /** The bytes of every well-formed image `views` reference that this browser has or can fetch (a board file's). */
  async filesOf(views: readonly ElementView[]): Promise<FileImage[]> {
    const refs = new Map<string, ImageRef>()
    for (const v of views) if (v.image !== undefined && isImageHash(v.image.im)) refs.set(v.image.im, v.image)
    const out: FileImage[] = []
    for (const ref of refs.values()) {
      const stored = await this.bytesOf(ref)
      if (stored !== null) out.push({ hash: stored.hash, mt: stored.mt, bytes: stored.bytes })
    }
    return out
  }

  /** Keeps images a board file brought (checked against their hashes, and referenced by its board) and uploads them. */
  async keep(images: readonly FileImage[]): Promise<void> {
    const store = await this.store
    const queue = await this.queue
    for (const image of images) {
      await store.put(image)
      imageSource.retry(image.hash)
      if (this.options.canEdit()) await queue.add(image.hash)
    }
  }

  /** The page is back online or reconnected: upload now, ask again for pictures the server lacked, and check those it could not be asked about. */
  reconnected(): void {
    if (this.options.canEdit()) void this.queue.then((q) => q.kick())
    const recheck = [...this.recheck]
    this.recheck.clear()
    void this.store.then(async (store) => {
      for (const hash of recheck) {
        const kept = await store.get(hash)
        if (kept !== undefined) this.checkServerHas(kept)
      }
    })
    for (const [hash, timer] of this.missing) {
      clearTimeout(timer)
      this.missing.delete(hash)
      imageSource.retry(hash)
    }
  }

  /** The server deleted the board: nothing goes up any more (the pictures stay in this browser, for the board file). */
  stopUploads(): void {
    void this.queue.then((q) => q.destroy())
  }

  destroy(): void {
    this.destroyed = true
    this.offProvider()
    for (const timer of this.missing.values()) clearTimeout(timer)
    this.missing.clear()
    void this.queue.then((q) => q.destroy())
    void this.store.then((s) => s.close())
  }

  /** The render source's provider: this browser's copy, then the server (kept once fetched). */
  private async provide(ref: ImageRef): Promise<Blob | null> {
    const image = await this.bytesOf(ref)
    return image === null ? null : new Blob([image.bytes as BlobPart], { type: image.mt })
  }

  private async bytesOf(ref: ImageRef): Promise<StoredImage | null> {
    const store = await this.store
    const kept = await store.get(ref.im)
    if (kept !== undefined) {
      this.checkServerHas(kept)
      return kept
    }
    const fetched = await this.ask(ref.im, 'GET')
    if (fetched.kind !== 'found') {
      this.askAgainLater(ref.im)
      return null
    }
    const bytes = new Uint8Array(await fetched.blob.arrayBuffer())
    // Content-addressed: bytes that do not hash to their name are not this image.
    if ((await imageHash(bytes)) !== ref.im) return null
    const mt = isImageType(fetched.blob.type) ? fetched.blob.type : isImageType(ref.mt) ? ref.mt : 'image/png'
    const image = { hash: ref.im, mt, bytes }
    // Kept for offline use when there is room; drawn either way (a full quota must not make it a placeholder).
    store.put(image).catch(() => undefined)
    this.missingAttempts.delete(ref.im)
    return image
  }

  /** Once a session per image drawn from the local copy: if the server lacks it, an editor uploads it again. */
  private checkServerHas(image: StoredImage): void {
    if (this.checked.has(image.hash) || !this.options.canEdit()) return
    this.checked.add(image.hash)
    void (async () => {
      const answer = await this.ask(image.hash, 'HEAD')
      if (answer.kind === 'missing' && !this.destroyed) await (await this.queue).add(image.hash)
      // Unknown (offline, server down): asked again on reconnect.
      if (answer.kind === 'failed' || answer.kind === 'unauthorized') {
        this.checked.delete(image.hash)
        this.recheck.add(image.hash)
      }
    })()
  }

  /** Asks the server for an image; a refused token (expired, or the server's keys changed) is replaced once. */
  private async ask(hash: string, method: 'GET' | 'HEAD'): Promise<FetchedImage> {
    const { server, room, token } = this.options
    try {
      const answer = await getImage(server, room, await token(false), hash, method)
      return answer.kind === 'unauthorized' ? await getImage(server, room, await token(true), hash, method) : answer
    } catch {
      // No token to be had (a guest token needs the server): as unreachable.
      return { kind: 'failed' }
    }
  }

  /**
   * The server refused a picture for good (its type, or a damaged file):
   * no member can ever fetch it, so the elements showing it come off
   * the board (one undo step) rather than stay placeholders for everyone.
   */
  private refused(hash: string, message: string): void {
    const board = this.options.board
    const ids = board.ordered().filter((v) => v.image?.im === hash).map((v) => v.id)
    if (ids.length > 0) board.remove(ids)
    this.say(`The server refused an image: ${message}${ids.length > 0 ? ' It was taken off the board.' : ''}`)
  }

  private askAgainLater(hash: string): void {
    if (this.destroyed || this.missing.has(hash)) return
    const attempt = (this.missingAttempts.get(hash) ?? 0) + 1
    this.missingAttempts.set(hash, attempt)
    const timer = setTimeout(() => {
      this.missing.delete(hash)
      imageSource.retry(hash)
    }, backoffDelay(attempt - 1, Math.random(), UPLOAD_MAX_RETRY_MS))
    this.missing.set(hash, timer)
  }

  private say(message: string): void {
    for (const listener of this.listeners) listener(message)
  }
}
