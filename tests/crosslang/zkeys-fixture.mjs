// Writes tests/fixtures/zkeys.json: cases `{a, b, key}` with key = generateKeyBetween(a, b)
// of fractional-indexing, which the Rust key_between must reproduce exactly (SCHEMA.md "Z-order").
// Deterministic: the random pairs come from a seeded xorshift32.
//
// Usage: node tests/crosslang/zkeys-fixture.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { generateKeyBetween } from 'fractional-indexing';

/** `n` keys made one after the other; `bounds(prev)` gives the `[a, b]` of each next key. */
function chain(n, first, bounds) {
  const steps = [];
  let prev = first;
  for (let i = 0; i < n; i++) {
    const [a, b] = bounds(prev);
    prev = generateKeyBetween(a, b);
    steps.push({ a, b, key: prev });
  }
  return steps;
}

/**
 * Every `every`-th step, the last one, and the steps around each place where the integer
 * part changes length ("az" -> "b00", "a0" -> "Zz"), which is where implementations differ.
 */
function sample(steps, every) {
  const keep = new Set([steps.length - 1]);
  steps.forEach(({ a, b, key }, i) => {
    if (i % every === 0) keep.add(i);
    const neighbour = a ?? b;
    if (neighbour !== null && neighbour[0] !== key[0]) [i - 1, i, i + 1].forEach((j) => keep.add(j));
  });
  return [...keep].filter((i) => i >= 0 && i < steps.length).sort((x, y) => x - y).map((i) => steps[i]);
}

// The first append is the (null, null) case.
const appends = chain(5000, null, (top) => [top, null]); // a0 .. az, b00 .. bzz, c000 ..
const prepends = chain(300, 'a0', (bottom) => [null, bottom]); // Zz .. Z0, Yzz ..
const downwards = chain(50, 'a1', (b) => ['a0', b]); // fractions growing towards a0
const upwards = chain(50, 'a0', (a) => [a, 'a1']); // fractions growing towards a1

const cases = [
  ...sample(appends, 97),
  ...sample(prepends, 29),
  ...downwards,
  ...upwards,
];

// Random pairs from everything made so far: long fractions next to short integers.
const pool = [...new Set([...appends, ...prepends, ...downwards, ...upwards].map((s) => s.key))].sort();
let s = 2024;
const next = () => {
  s ^= s << 13;
  s ^= s >>> 17;
  s ^= s << 5;
  return (s >>>= 0);
};
const pick = () => pool[next() % pool.length];
for (let i = 0; i < 200; i++) {
  const [a, b] = [pick(), pick()].sort();
  if (a !== b) cases.push({ a, b, key: generateKeyBetween(a, b) });
}
for (let i = 0; i < 50; i++) {
  const a = pick();
  cases.push({ a, b: null, key: generateKeyBetween(a, null) });
  const b = pick();
  cases.push({ a: null, b, key: generateKeyBetween(null, b) });
}

const dir = new URL('../fixtures/', import.meta.url);
mkdirSync(dir, { recursive: true });
// One case a line, so a changed case is a one-line diff.
writeFileSync(new URL('zkeys.json', dir), `[\n${cases.map((c) => JSON.stringify(c)).join(',\n')}\n]\n`);
console.log(`wrote ${cases.length} cases to ${dir.pathname}zkeys.json`);
