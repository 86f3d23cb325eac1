// The kept picture of a board (fake-indexeddb here): what a returning
// visitor's page draws first comes back byte for byte, per board, with its
// first view kept and dropped together with it.
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { keepPicture, readKept, readPicture, type FirstView } from '../src/local-picture'

const firstView = (byte: number): FirstView => ({ width: 1920, height: 1080, elements: 7, stream: Uint8Array.of(byte) })

/** Both parts of a kept picture, once read. */
async function kept(name: string): Promise<{ picture?: Uint8Array; firstView?: FirstView }> {
  const read = readKept(name)
  const [picture, first] = await Promise.all([read.picture, read.firstView])
  return { ...(picture === undefined ? {} : { picture }), ...(first === undefined ? {} : { firstView: first }) }
}

describe('local picture', () => {
  it('keeps the last stream of each board', async () => {
    expect(await readPicture('inkmesh:s:a')).toBeUndefined()
    await keepPicture('inkmesh:s:a', Uint8Array.of(1, 2, 3))
    await keepPicture('inkmesh:s:b', Uint8Array.of(9))
    await keepPicture('inkmesh:s:a', Uint8Array.of(4, 5))
    expect(await readPicture('inkmesh:s:a')).toEqual(Uint8Array.of(4, 5))
    expect(await readPicture('inkmesh:s:b')).toEqual(Uint8Array.of(9))
  })

  it('keeps a first view with its picture, and never leaves an older one beside a newer picture', async () => {
    expect(await kept('inkmesh:s:c')).toEqual({})
    await keepPicture('inkmesh:s:c', Uint8Array.of(1), firstView(2))
    expect(await kept('inkmesh:s:c')).toEqual({ picture: Uint8Array.of(1), firstView: firstView(2) })
    await keepPicture('inkmesh:s:c', Uint8Array.of(3))
    expect(await kept('inkmesh:s:c')).toEqual({ picture: Uint8Array.of(3) })
  })

  it('answers with the first view before the picture', async () => {
    await keepPicture('inkmesh:s:e', new Uint8Array(100_000), firstView(2))
    const read = readKept('inkmesh:s:e')
    const order: string[] = []
    await Promise.all([read.picture.then(() => order.push('picture')), read.firstView.then(() => order.push('first view'))])
    expect(order).toEqual(['first view', 'picture'])
  })

  it('reads no first view that is not one', async () => {
    await keepPicture('inkmesh:s:d', Uint8Array.of(1), { ...firstView(2), width: Number.NaN })
    expect(await kept('inkmesh:s:d')).toEqual({ picture: Uint8Array.of(1) })
  })
})
