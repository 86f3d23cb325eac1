// The kept picture of a board (fake-indexeddb here): what a returning
// visitor's page draws first comes back byte for byte, per board.
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { keepPicture, readPicture } from '../src/local-picture'

describe('local picture', () => {
  it('keeps the last stream of each board', async () => {
    expect(await readPicture('inkmesh:s:a')).toBeUndefined()
    await keepPicture('inkmesh:s:a', Uint8Array.of(1, 2, 3))
    await keepPicture('inkmesh:s:b', Uint8Array.of(9))
    await keepPicture('inkmesh:s:a', Uint8Array.of(4, 5))
    expect(await readPicture('inkmesh:s:a')).toEqual(Uint8Array.of(4, 5))
    expect(await readPicture('inkmesh:s:b')).toEqual(Uint8Array.of(9))
  })
})
