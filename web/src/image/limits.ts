// Every bound the client puts on images, named once. The first two mirror the
// server's (docs/images: IMAGE_MAX_BYTES and IMAGE_MAX_PIXELS), so a file the
// server would refuse is refused here first, with the same reason, before
// anything is stored or added to the board.

/** Largest image file: 10 MiB, as the server's IMAGE_MAX_BYTES. */
export const IMAGE_MAX_BYTES = 10 * 1024 * 1024

/** Most pixels an image may decode to: 50 megapixels, as the server's IMAGE_MAX_PIXELS. */
export const IMAGE_MAX_PIXELS = 50_000_000

/**
 * Decoded bitmaps kept for drawing: 256 MiB of RGBA. A decoded picture costs
 * 4 bytes a pixel however small its file, so the cache is bounded by that,
 * least recently drawn first out; what is dropped decodes again from
 * IndexedDB when next drawn.
 */
export const BITMAP_CACHE_BYTES = 256 * 1024 * 1024

/** A new image is shown at most this share of the view's width and height. */
export const IMAGE_VIEW_SHARE = 0.5

/** Upload retries back off up to this delay (ms): a long outage costs one request a minute. */
export const UPLOAD_MAX_RETRY_MS = 60_000

/**
 * A room whose image space is full is asked again after 1 minute, doubling
 * to 30 minutes: space frees up only as the server collects images no longer
 * referenced, which happens when the room compacts.
 */
export const FULL_ROOM_FIRST_RETRY_MS = 60_000
export const FULL_ROOM_MAX_RETRY_MS = 30 * 60_000

/** Images in one board file, at most: 10,000 (a reader's bound on the entries it walks). */
export const FILE_MAX_IMAGES = 10_000

/**
 * Longest image type string a board file's reader accepts: 32 bytes, as the
 * Rust reader's MAX_TYPE_BYTES (the longest of the four types is 10); longer
 * is a malformed file, refused before its bytes are read.
 */
export const FILE_MAX_TYPE_BYTES = 32

/** All images in one board file, at most: 256 MiB, as the server's ROOM_IMAGE_MAX_BYTES. */
export const FILE_MAX_IMAGE_BYTES = 256 * 1024 * 1024
