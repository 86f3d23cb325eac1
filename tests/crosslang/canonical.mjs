// The canonical form of a board: plain JSON that the Rust and JavaScript sides both
// produce from a document, so that "reads what the other wrote" is a JSON comparison.
//
// {
//   "elements": [ { "chunks", "fields", "id", "points", "text" }, ... ]  sorted by (z, id),
//   "meta": { ... }
// }
//
// Strings (z keys, ids, object keys) are ordered by their UTF-8 bytes, as Rust orders
// `str`; for the ASCII of z keys and ids this is plain string order.
import * as Y from 'yjs';
import { decodePoints } from './points.mjs';

/** Canonical form of `ydoc` (see the file comment); object keys are sorted. */
export function canonicalize(ydoc) {
  const elements = [];
  for (const [id, value] of ydoc.getMap('elements').entries()) {
    elements.push(value instanceof Y.Map ? element(id, value) : foreignElement(id, value));
  }
  elements.sort((a, b) => compareUtf8(a.z, b.z) || compareUtf8(a.entry.id, b.entry.id));
  return {
    elements: elements.map((e) => e.entry),
    meta: plain(ydoc.getMap('meta')),
  };
}

/** Compares strings by their UTF-8 bytes (JavaScript's `<` compares UTF-16 units). */
function compareUtf8(a, b) {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function element(id, map) {
  const tx = map.get('tx');
  const p = map.get('p');
  // `tx` and `p` have their own entries when they have their schema types; any other
  // value under those names stays in `fields`, so losing it would show.
  const fields = {};
  for (const [key, value] of map.entries()) {
    if (!(key === 'tx' && tx instanceof Y.Text) && !(key === 'p' && p instanceof Y.Array)) {
      fields[key] = value;
    }
  }
  const chunks = p instanceof Y.Array ? p.toArray().filter((c) => c instanceof Uint8Array) : null;
  const z = map.get('z');
  return {
    z: typeof z === 'string' ? z : '',
    entry: {
      chunks: chunks && chunks.map(toHex),
      fields: plain(fields),
      id,
      points: chunks && decodePoints(chunks),
      text: tx instanceof Y.Text ? tx.toString() : null,
    },
  };
}

/** An `elements` entry that is not a Y.Map: kept as its plain value, sorted as z "". */
function foreignElement(id, value) {
  return { z: '', entry: { chunks: null, fields: plain(value), id, points: null, text: null } };
}

/**
 * A Yjs value as JSON: shared types as their toJSON, `Uint8Array` as `{"$bytes": hex}`,
 * bigint as `{"$bigint": decimal}`, undefined as null, object keys sorted.
 */
function plain(value) {
  if (value instanceof Y.AbstractType) return plain(value.toJSON());
  if (value instanceof Uint8Array) return { $bytes: toHex(value) };
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort(compareUtf8);
    return Object.fromEntries(keys.map((k) => [k, plain(value[k])]));
  }
  return value;
}

function toHex(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
