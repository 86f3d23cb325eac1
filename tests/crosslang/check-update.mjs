// Checks that Yjs reads an update (written by yrs) as the expected canonical board.
// Spawned by crates/doc/tests/crosslang.rs.
//
// Usage: node tests/crosslang/check-update.mjs <update-file> <v1|v2> <expected.json>
// Exit 0 and "ok: N elements match" on stdout, or exit 1 with the reason on stderr.
import { readFileSync } from 'node:fs';
import * as Y from 'yjs';
import { canonicalize } from './canonical.mjs';

const MAX_REPORTED = 20;

function fail(message) {
  process.stderr.write(message + '\n');
  process.exit(1);
}

const [updatePath, encoding, expectedPath] = process.argv.slice(2);
if (!expectedPath || !['v1', 'v2'].includes(encoding)) {
  fail('usage: node tests/crosslang/check-update.mjs <update-file> <v1|v2> <expected.json>');
}

function read(path, what) {
  try {
    return readFileSync(path);
  } catch (e) {
    return fail(`cannot read ${what} ${path}: ${e.message}`);
  }
}
const update = read(updatePath, 'update');
let expected;
try {
  expected = JSON.parse(read(expectedPath, 'expected JSON').toString('utf8'));
} catch (e) {
  fail(`cannot parse ${expectedPath}: ${e.message}`);
}
if (!isObject(expected) || !Array.isArray(expected.elements) || !isObject(expected.meta)) {
  fail(`${expectedPath} is not a canonical board ({"elements": [...], "meta": {...}})`);
}

const doc = new Y.Doc();
try {
  (encoding === 'v1' ? Y.applyUpdate : Y.applyUpdateV2)(doc, new Uint8Array(update));
} catch (e) {
  fail(`${encoding} update ${updatePath} does not decode: ${e.message}`);
}
// Yjs parks structs whose dependencies are missing instead of failing: for a whole-board
// update that means it is broken or not the encoding it claims.
if (doc.store.pendingStructs || doc.store.pendingDs) {
  fail(`${encoding} update ${updatePath} is incomplete: Yjs left parts of it pending`);
}

const actual = canonicalize(doc);
const differences = diffBoards(expected, actual);
if (differences.length > 0) {
  const shown = differences.slice(0, MAX_REPORTED);
  const more = differences.length - shown.length;
  fail(
    `${updatePath} (${encoding}) differs from ${expectedPath}:\n` +
      shown.map((d) => `  ${d}`).join('\n') +
      (more > 0 ? `\n  ... and ${more} more` : ''),
  );
}
console.log(`ok: ${actual.elements.length} elements match`);

/** Differences as readable lines; elements are matched by id so one missing element is one line. */
function diffBoards(want, got) {
  const out = [];
  diff(want.meta, got.meta, 'meta', out);
  const wantElements = want.elements;
  const byId = new Map(got.elements.map((e) => [e.id, e]));
  const wantIds = new Set(wantElements.map((e) => e.id));
  for (const w of wantElements) {
    const g = byId.get(w.id);
    if (!g) out.push(`element ${w.id}: missing`);
    else diff(w, g, `element ${w.id}`, out);
  }
  for (const g of got.elements) {
    if (!wantIds.has(g.id)) out.push(`element ${g.id}: unexpected, got ${show(g)}`);
  }
  const wantOrder = wantElements.map((e) => e.id).join(' ');
  const gotOrder = got.elements.map((e) => e.id).join(' ');
  if (out.length === 0 && wantOrder !== gotOrder) {
    out.push(`element order: expected [${wantOrder}], got [${gotOrder}]`);
  }
  return out;
}

/** Structural diff; numbers compare by value (1 and 1.0, 0 and -0 are equal). */
function diff(want, got, path, out) {
  if (isObject(want) && isObject(got)) {
    for (const k of new Set([...Object.keys(want), ...Object.keys(got)])) {
      if (!(k in got)) out.push(`${path}.${k}: missing, expected ${show(want[k])}`);
      else if (!(k in want)) out.push(`${path}.${k}: unexpected, got ${show(got[k])}`);
      else diff(want[k], got[k], `${path}.${k}`, out);
    }
  } else if (Array.isArray(want) && Array.isArray(got) && want.length === got.length) {
    want.forEach((w, i) => diff(w, got[i], `${path}[${i}]`, out));
  } else if (want !== got) {
    out.push(`${path}: expected ${show(want)}, got ${show(got)}`);
  }
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function show(v) {
  const s = JSON.stringify(v);
  return s.length > 200 ? s.slice(0, 200) + '...' : s;
}
