// Copying a link that is still being fetched. Safari and Firefox allow a
// clipboard write only during the click that asked for it (its transient
// user activation); a write that first awaits a token fetch may be refused,
// and the dialog would fall back to its text field every time. A
// `ClipboardItem` whose data is a promise is written at once and filled in
// when the promise settles (Safari 13.1+, Firefox 127+, Chromium 104+), so
// it is tried first; `writeText` after the fetch stays the fallback.

/** The parts of `navigator.clipboard` used here (tests pass their own). */
export type TextClipboard = Pick<Clipboard, 'write' | 'writeText'>

/** `ClipboardItem`'s constructor, absent in older browsers. */
export type ClipboardItemConstructor = new (items: Record<string, string | Blob | PromiseLike<string | Blob>>) => ClipboardItem

/**
 * Writes `text` to `clipboard`, starting the write before `text` settles:
 * call it synchronously from the click's handler. True when the text is on
 * the clipboard; false when there is no clipboard, it refused, or `text`
 * rejected.
 */
export async function copyText(
  clipboard: TextClipboard | undefined,
  text: Promise<string>,
  Item: ClipboardItemConstructor | undefined = globalThis.ClipboardItem,
): Promise<boolean> {
  if (clipboard === undefined) return false
  if (Item !== undefined && typeof clipboard.write === 'function') {
    try {
      const blob = text.then((t) => new Blob([t], { type: 'text/plain' }))
      await clipboard.write([new Item({ 'text/plain': blob })])
      return true
    } catch {
      // A browser whose ClipboardItem takes no promise, or a refusal: try the plain way.
    }
  }
  try {
    await clipboard.writeText(await text)
    return true
  } catch {
    return false
  }
}
