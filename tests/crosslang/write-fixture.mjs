// Writes the Yjs-made board that the Rust side must read: tests/fixtures/yjs-board.{v1,v2}.bin
// (the same document as a v1 and a v2 update) and yjs-board.json (its canonical form).
// Deterministic: fixed client id, ids, times and edit sequence, so reruns give the same bytes.
//
// Usage: node tests/crosslang/write-fixture.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import * as Y from 'yjs';
import { generateKeyBetween } from 'fractional-indexing';
import { encodeChunk, encodeChunkQuantized } from './points.mjs';
import { canonicalize } from './canonical.mjs';

const doc = new Y.Doc();
doc.clientID = 12345;
const elements = doc.getMap('elements');

doc.transact(() => {
  const meta = doc.getMap('meta');
  meta.set('v', 1);
  meta.set('title', 'Fixture ✏️');
});

let z = null;
let index = 0;
/** Adds an element above the previous one in its own transaction; returns its map. */
function add(id, t, fields) {
  z = generateKeyBetween(z, null);
  const el = new Y.Map();
  doc.transact(() => {
    elements.set(id, el);
    for (const [k, v] of Object.entries({ t, z, ...fields, a: 'u-js', c: 1700000000000 + index * 1000 })) {
      el.set(k, v);
    }
  });
  index++;
  return el;
}

add('k3J9aQx0Lm2Z', 'rect', {
  x: 100, y: 80, w: 200, h: 120, sc: '#1e1e1e', fc: '#a5d8ff', sw: 2,
  zz: { future: [1, 'two', true] }, // a newer client's field: must survive untouched
});
add('E7pQ2wLm9xTb', 'ellipse', { x: 400, y: 80, w: 150, h: 100, r: 0.5, o: 0.75, sc: '#2f9e44', sw: 3 });
add('L1nE4vR8sK0d', 'line', { x: 50, y: 300, w: -50, h: 30, sc: '#1e1e1e', sw: 2 });
add('Ar5wT9bN3qZc', 'arrow', { x: 100, y: 300, w: 120, h: -40, sc: '#1971c2', sw: 2 });

// Three edits in three transactions, so the text is several items and offsets are UTF-16.
const text = new Y.Text();
add('Tx8hW2mK6pYf', 'text', { x: 300, y: 300, w: 240, h: 40, fs: 24, sc: '#1e1e1e', tx: text });
const hello = 'Hello, 世界 👋';
text.insert(0, hello);
text.insert(hello.length, '!');
text.insert(0, 'Oh, ');

const note = new Y.Text();
add('St1cKy9Qm4Rn', 'sticky', { x: 600, y: 300, w: 180, h: 180, fc: '#ffe066', fs: 20, sc: '#1e1e1e', tx: note });
note.insert(0, 'note');

// Finished stroke: SCHEMA.md's first worked example as its one merged chunk.
const example = [{ x: 0, y: 0 }, { x: 1.5, y: -0.25 }, { x: 2, y: 1 }];
add('Q8fTn2LwPz1c', 'stroke', {
  x: 40, y: 40, sc: '#e03131', sw: 4, d: true, p: Y.Array.from([encodeChunk(example)]), sx: 2, sy: 0.5,
});

// In-progress stroke: one chunk per transaction, as a pen streams.
const streaming = new Y.Array();
add('Pr0gR3ssW7vX', 'stroke', { x: 200, y: 500, sc: '#1e1e1e', sw: 2, p: streaming });
const batches = [
  [{ x: 0, y: 0, p: 0.2 }, { x: 3.5, y: 1.25, p: 0.4 }],
  [{ x: 7, y: 2.5, p: 0.55 }, { x: 10.0625, y: 4, p: 0.7 }],
  [{ x: 12, y: 3, p: 0.65 }, { x: 13.5, y: -2, p: 0.3 }],
];
for (const batch of batches) streaming.push([encodeChunk(batch, { pressure: true })]);

// A kind from the future (no client draws it): readers keep it and its fields.
add('V1d3oFr4mEx0', 'video', { x: 10, y: 10, w: 64, h: 64, src: 'https://example.invalid/cat.mp4' });

// A chunk with an unknown flag bit: readers skip it but keep it.
add('Br0k3nCh9nK5', 'stroke', {
  x: 700, y: 40, sc: '#1e1e1e', sw: 2, d: true,
  p: Y.Array.from([Uint8Array.of(0x80, 0x00, 0x00), encodeChunkQuantized([[16, -16]], false)]),
});

const dir = new URL('../fixtures/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('yjs-board.v1.bin', dir), Y.encodeStateAsUpdate(doc));
writeFileSync(new URL('yjs-board.v2.bin', dir), Y.encodeStateAsUpdateV2(doc));
writeFileSync(new URL('yjs-board.json', dir), JSON.stringify(canonicalize(doc), null, 2) + '\n');
console.log(`wrote ${elements.size} elements to ${dir.pathname}`);
