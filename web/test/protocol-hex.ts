// Bytes as PROTOCOL.md writes them (lowercase hex pairs, single spaces), so its
// examples paste into assertions.

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')
}

export function bytes(hexText: string): Uint8Array {
  const pairs = hexText.trim().split(/\s+/).filter((p) => p.length > 0)
  return Uint8Array.from(pairs, (p) => parseInt(p, 16))
}
