// Where the renderer gets pictures: decoded bitmaps by content hash, asked for
// while painting and never awaited there. Drawing an image the source does
// not hold yet starts loading it and draws a placeholder; when the bitmap
// arrives, the source says so and the renderer repaints where it shows.
//
// The source knows nothing of networks or databases: each mounted board adds
// a provider (its IndexedDB copy, then the server: see web/src/images.ts),
// and the source asks them in turn. Bitmaps are shared by every board on the
// page: a hash names the same bytes everywhere.

import { isImageHash, type ImageRef } from '../doc/image-ref'
import { BITMAP_CACHE_BYTES } from '../image/limits'
import { BitmapCache } from './bitmap-cache'

/** The file's bytes as a Blob of its type, or null when this provider cannot get it. */
export type ImageProvider = (ref: ImageRef) => Promise<Blob | null>

export class ImageSource {
  private readonly cache = new BitmapCache(BITMAP_CACHE_BYTES)
  /** Hashes being loaded. */
  private readonly loading = new Map<string, Promise<ImageBitmap | undefined>>()
  /** Hashes no provider had, or that did not decode: placeholders until something changes. */
  private readonly unavailable = new Set<string>()
  private readonly providers = new Set<ImageProvider>()
  private readonly listeners = new Set<(hash: string) => void>()

  /** The bitmap to draw now, or undefined (then loading starts, and onReady tells when to draw again). */
  bitmap(ref: ImageRef): ImageBitmap | undefined {
    const held = this.cache.get(ref.im)
    if (held !== undefined || this.unavailable.has(ref.im) || !isImageHash(ref.im)) return held
    void this.load(ref)
    return undefined
  }

  /** Resolves with the bitmap once loaded, or undefined when no provider has it (exports wait for this). */
  load(ref: ImageRef): Promise<ImageBitmap | undefined> {
    const held = this.cache.get(ref.im)
    if (held !== undefined) return Promise.resolve(held)
    if (!isImageHash(ref.im)) return Promise.resolve(undefined)
    let pending = this.loading.get(ref.im)
    if (pending === undefined) {
      pending = this.decode(ref)
      this.loading.set(ref.im, pending)
    }
    return pending
  }

  /** The file itself (SVG export embeds it), from the first provider that has it. */
  async blob(ref: ImageRef): Promise<Blob | null> {
    if (!isImageHash(ref.im)) return null
    for (const provider of [...this.providers]) {
      const blob = await provider(ref).catch(() => null)
      if (blob !== null) return blob
    }
    return null
  }

  /** Keeps a bitmap decoded elsewhere (a picture just added) and redraws where it shows. */
  put(hash: string, bitmap: ImageBitmap): void {
    this.cache.set(hash, bitmap)
    this.unavailable.delete(hash)
    this.emit(hash)
  }

  /** New bytes for `hash` may be available (stored from a file, or a provider came): try again when next drawn. */
  retry(hash: string): void {
    if (!this.unavailable.delete(hash)) return
    this.emit(hash)
  }

  addProvider(provider: ImageProvider): () => void {
    this.providers.add(provider)
    // Whatever nobody had may be this provider's.
    const missing = [...this.unavailable]
    this.unavailable.clear()
    for (const hash of missing) this.emit(hash)
    return () => this.providers.delete(provider)
  }

  /** Called with a hash whose drawing changed (arrived, or worth asking for again). */
  onReady(listener: (hash: string) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private async decode(ref: ImageRef): Promise<ImageBitmap | undefined> {
    try {
      const blob = await this.blob(ref)
      const bitmap = blob === null ? undefined : await createImageBitmap(blob).catch(() => undefined)
      if (bitmap === undefined) {
        this.unavailable.add(ref.im)
        return undefined
      }
      this.cache.set(ref.im, bitmap)
      this.emit(ref.im)
      return bitmap
    } finally {
      this.loading.delete(ref.im)
    }
  }

  private emit(hash: string): void {
    for (const listener of this.listeners) listener(hash)
  }
}

/** The page's one source: every renderer draws from it. */
export const imageSource = new ImageSource()
