import { describe, expect, it } from 'vitest'
import { copyText, type ClipboardItemConstructor, type TextClipboard } from '../src/ui/clipboard-copy'

/** A clipboard that records what reached it and how; `refuse` names the calls it rejects. */
function fakeClipboard(refuse: ('write' | 'writeText')[] = []) {
  const log: string[] = []
  let text: string | undefined
  const clipboard: TextClipboard = {
    async write(items: ClipboardItems) {
      log.push('write')
      if (refuse.includes('write')) throw new Error('refused')
      const blob = await (items[0] as unknown as FakeItem).data['text/plain']
      text = await (blob as Blob).text()
    },
    async writeText(t: string) {
      log.push('writeText')
      if (refuse.includes('writeText')) throw new Error('refused')
      text = t
    },
  }
  return { clipboard, log, text: () => text }
}

class FakeItem {
  constructor(readonly data: Record<string, string | Blob | PromiseLike<string | Blob>>) {}
}
const Item = FakeItem as unknown as ClipboardItemConstructor

/** A promise and its resolver, for a fetch still under way. */
function later<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

describe('copyText', () => {
  it('starts the write before the link is fetched, with the promise as the item', async () => {
    const { clipboard, log, text } = fakeClipboard()
    const link = later<string>()
    const copied = copyText(clipboard, link.promise, Item)
    // Still within the click: the browser has been asked already.
    expect(log).toEqual(['write'])
    link.resolve('https://board.example/b/r#token=t')
    expect(await copied).toBe(true)
    expect(text()).toBe('https://board.example/b/r#token=t')
  })

  it('falls back to writeText where a promised item is refused, or there is no ClipboardItem', async () => {
    const refused = fakeClipboard(['write'])
    expect(await copyText(refused.clipboard, Promise.resolve('link'), Item)).toBe(true)
    expect(refused.log).toEqual(['write', 'writeText'])
    expect(refused.text()).toBe('link')
    const old = fakeClipboard()
    expect(await copyText(old.clipboard, Promise.resolve('link'), undefined)).toBe(true)
    expect(old.log).toEqual(['writeText'])
  })

  it('says false when nothing could be written or there is no link', async () => {
    expect(await copyText(fakeClipboard(['write', 'writeText']).clipboard, Promise.resolve('link'), Item)).toBe(false)
    expect(await copyText(undefined, Promise.resolve('link'), Item)).toBe(false)
    const noLink = fakeClipboard()
    expect(await copyText(noLink.clipboard, Promise.reject(new Error('no token')), Item)).toBe(false)
    expect(noLink.text()).toBeUndefined()
  })
})
