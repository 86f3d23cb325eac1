// Small statistics and formatting helpers for tests/e2e/bench.mjs.

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1]
}

/** { n, p50, p95, p99, max, min, mean } of a list of numbers (non-finite values dropped). */
export function summary(values) {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b)
  const mean = s.length === 0 ? NaN : s.reduce((a, b) => a + b, 0) / s.length
  return {
    n: s.length,
    min: s[0] ?? NaN,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s[s.length - 1] ?? NaN,
    mean,
  }
}

export function median(values) {
  return summary(values).p50
}

export function ms(v, digits = 2) {
  return Number.isFinite(v) ? `${v.toFixed(digits)} ms` : 'n/a'
}

/** "p50 1.23 ms  p95 ...  (n=500)" */
export function describeSummary(s, keys = ['p50', 'p95', 'p99', 'max']) {
  return `${keys.map((k) => `${k} ${ms(s[k])}`).join('  ')}  (n=${s.n})`
}

export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a'
}

/** Prints rows (arrays of strings) as an aligned table with a header rule. */
export function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c)))
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  const line = (r) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd()
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n')
}

/** A seeded PRNG (mulberry32), so every run builds the same board. */
export function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
