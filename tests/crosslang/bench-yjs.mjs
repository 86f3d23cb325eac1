// The Yjs half of the board benchmark: the Rust half runs the same workload on yrs and
// prints ratios, so every step below (ids, field order, transactions, origins) is part
// of the contract and must not change on one side only.
//
// Workload: `--strokes` strokes (default 10000) of `--points` points (default 100), each
// streamed as 2-point chunks (one tracked transaction per chunk) and then merged into one
// chunk by an untracked transaction, under an UndoManager as the app has one.
//
// Usage: node tests/crosslang/bench-yjs.mjs [--strokes N] [--points N] [--runs N] [--build-runs N]
// Prints one JSON object on stdout; progress goes to stderr.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as Y from 'yjs';
import { generateKeyBetween } from 'fractional-indexing';
import { encodeChunkQuantized } from './points.mjs';

const LOCAL = 'local';
const UNTRACKED = 'local-untracked';
const ENVELOPE_BYTES = 29; // SCHEMA.md "Snapshots": the header before the update

const { values: args } = parseArgs({
  options: {
    strokes: { type: 'string', default: '10000' },
    points: { type: 'string', default: '100' },
    runs: { type: 'string', default: '10' },
    'build-runs': { type: 'string', default: '3' },
  },
});
const strokes = positiveInt('strokes');
const pointsPerStroke = positiveInt('points');
const runs = positiveInt('runs');
const buildRuns = positiveInt('build-runs');
if (pointsPerStroke % 2 !== 0) fail('--points must be even (points are streamed 2 per chunk)');

function positiveInt(name) {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, got ${args[name]}`);
  return n;
}

function fail(message) {
  process.stderr.write(message + '\n');
  process.exit(2);
}

/** Stroke i's points in 1/16 px: a random walk from [0, 0], steps up to 2 px, xorshift32 seeded i + 1. */
function walk(i, n) {
  let s = i + 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
  const points = [[0, 0]];
  for (let k = 1; k < n; k++) {
    const [x, y] = points[k - 1];
    const dx = (next() % 65) - 32;
    const dy = (next() % 65) - 32;
    points.push([x + dx, y + dy]);
  }
  return points;
}

/** Element id of stroke i: "s" and i in 11 digits (12 characters, as the app's ids). */
const strokeId = (i) => 's' + String(i).padStart(11, '0');

/** Builds the board; returns it with the state vector taken after the first half of the strokes. */
function build() {
  const doc = new Y.Doc();
  doc.clientID = 1;
  const elements = doc.getMap('elements');
  const undo = new Y.UndoManager(elements, { trackedOrigins: new Set([LOCAL]), captureTimeout: 2 ** 31 });
  let z = null;
  let halfStateVector = null;
  for (let i = 0; i < strokes; i++) {
    const points = walk(i, pointsPerStroke);
    z = generateKeyBetween(z, null);
    const p = new Y.Array();
    const el = new Y.Map();
    undo.stopCapturing();
    doc.transact(() => {
      elements.set(strokeId(i), el);
      const fields = {
        t: 'stroke', z, x: (i % 100) * 50, y: Math.floor(i / 100) * 50,
        sc: '#1e1e1e', sw: 2, a: 'u-bench', c: 1700000000000 + i, p,
      };
      for (const [k, v] of Object.entries(fields)) el.set(k, v);
    }, LOCAL);
    for (let k = 0; k < pointsPerStroke; k += 2) {
      doc.transact(() => p.push([encodeChunkQuantized(points.slice(k, k + 2), false)]), LOCAL);
    }
    doc.transact(() => {
      p.delete(0, p.length);
      p.push([encodeChunkQuantized(points, false)]);
      el.set('d', true);
    }, UNTRACKED);
    if (i === Math.floor(strokes / 2) - 1) halfStateVector = Y.encodeStateVector(doc);
    if ((i + 1) % 1000 === 0) process.stderr.write(`  ${i + 1}/${strokes} strokes\n`);
  }
  undo.destroy(); // frees its undo stack before the measurements
  return { doc, halfStateVector };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median wall time of `runs` calls of `f` in ms; `setup` runs untimed before each. */
function time(runs, f, setup = () => undefined) {
  const ms = [];
  for (let r = 0; r < runs; r++) {
    const input = setup();
    const t0 = performance.now();
    f(input);
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

let built;
const buildMs = time(buildRuns, () => {
  process.stderr.write('build\n');
  built = build();
});
const { doc, halfStateVector } = built;

const update = Y.encodeStateAsUpdateV2(doc);
process.stderr.write('load\n');
const loadMs = time(runs, (fresh) => Y.applyUpdateV2(fresh, update), () => new Y.Doc());

const emptyStateVector = Y.encodeStateVector(new Y.Doc());
process.stderr.write('diff\n');
const diffEmptyMs = time(runs, () => Y.encodeStateAsUpdate(doc, emptyStateVector));
const diffHalfMs = time(runs, () => Y.encodeStateAsUpdate(doc, halfStateVector));

const snapshotBytes = update.length + ENVELOPE_BYTES;
const totalPoints = strokes * pointsPerStroke;
const yjsPackage = JSON.parse(readFileSync(new URL('../node_modules/yjs/package.json', import.meta.url)));
console.log(JSON.stringify({
  build_ms: buildMs,
  snapshot_bytes: snapshotBytes,
  bytes_per_point: snapshotBytes / totalPoints,
  load_ms: loadMs,
  diff_empty_ms: diffEmptyMs,
  diff_half_ms: diffHalfMs,
  diff_empty_bytes: Y.encodeStateAsUpdate(doc, emptyStateVector).length,
  diff_half_bytes: Y.encodeStateAsUpdate(doc, halfStateVector).length,
  points: totalPoints,
  strokes,
  yjs_version: yjsPackage.version,
}));
