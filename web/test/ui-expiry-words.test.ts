import { describe, expect, it } from 'vitest'
import { expiryInWords, timeLeft } from '../src/ui/expiry-words'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const now = Date.UTC(2026, 10, 29, 12, 0)

describe('expiry in words', () => {
  it('says the time left in the unit that matters', () => {
    expect(timeLeft(now + 24 * HOUR, now)).toBe('24 hours')
    expect(timeLeft(now + 24 * HOUR - 2000, now)).toBe('24 hours')
    expect(timeLeft(now + HOUR, now)).toBe('1 hour')
    expect(timeLeft(now + 45 * MINUTE, now)).toBe('45 minutes')
    expect(timeLeft(now + 20_000, now)).toBe('less than a minute')
    expect(timeLeft(now - HOUR, now)).toBe('less than a minute')
    expect(timeLeft(now + 7 * 24 * HOUR, now)).toBe('7 days')
  })

  it('adds the local time it ends', () => {
    const words = expiryInWords(now + 24 * HOUR, now, 'en-GB')
    expect(words.startsWith('for 24 hours (until ')).toBe(true)
    const until = new Date(now + 24 * HOUR).toLocaleString('en-GB', { weekday: 'short', hour: '2-digit', minute: '2-digit' })
    expect(words).toBe(`for 24 hours (until ${until})`)
  })
})
