// Decoded images by content hash, bounded in bytes (4 per pixel) with the
// least recently used dropped first. A Map keeps insertion order: a hit
// re-inserts its entry, so the first entry is always the one to evict.

/** What the cache holds: an ImageBitmap, or anything with a size and a close(). */
export interface Decoded {
  readonly width: number
  readonly height: number
  close(): void
}

export class BitmapCache<T extends Decoded = ImageBitmap> {
  private readonly entries = new Map<string, T>()
  private used = 0

  constructor(private readonly maxBytes: number) {}

  /** The bitmap for `hash`, now the most recently used; undefined when not held. */
  get(hash: string): T | undefined {
    const bitmap = this.entries.get(hash)
    if (bitmap === undefined) return undefined
    this.entries.delete(hash)
    this.entries.set(hash, bitmap)
    return bitmap
  }

  has(hash: string): boolean {
    return this.entries.has(hash)
  }

  /**
   * Keeps `bitmap` as the most recently used, evicting (and closing) the least
   * recently used until the total fits. A bitmap larger than the whole bound
   * is still kept alone, so the one picture on screen can be drawn.
   */
  set(hash: string, bitmap: T): void {
    this.delete(hash)
    this.entries.set(hash, bitmap)
    this.used += bytesOf(bitmap)
    for (const [oldest, old] of this.entries) {
      if (this.used <= this.maxBytes || oldest === hash) break
      this.entries.delete(oldest)
      this.used -= bytesOf(old)
      old.close()
    }
  }

  delete(hash: string): void {
    const old = this.entries.get(hash)
    if (old === undefined) return
    this.entries.delete(hash)
    this.used -= bytesOf(old)
    old.close()
  }

  /** Decoded bytes held. */
  bytes(): number {
    return this.used
  }

  size(): number {
    return this.entries.size
  }
}

function bytesOf(bitmap: Decoded): number {
  return bitmap.width * bitmap.height * 4
}
