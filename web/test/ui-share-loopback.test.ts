import { describe, expect, it } from 'vitest'
import { isLoopback } from '../src/ui/share-dialog'

describe('isLoopback', () => {
  it('knows the names open mode answers by default', () => {
    for (const host of ['localhost', 'LOCALHOST', 'board.localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::1']) {
      expect(isLoopback(host), host).toBe(true)
    }
  })

  it('does not take a network name or address for this machine', () => {
    for (const host of ['inkmesh.example', '192.168.1.5', '[::2]', '127.0.0.1.example', 'localhost.example', '']) {
      expect(isLoopback(host), host).toBe(false)
    }
  })
})
