// The canonical form's rules for values the fixture does not exercise, and that the
// fixture files agree with each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as Y from 'yjs';
import { canonicalize } from './canonical.mjs';

function board(build) {
  const doc = new Y.Doc();
  doc.transact(() => build(doc.getMap('elements'), doc.getMap('meta')));
  return canonicalize(doc);
}

test('elements sort by (z, id); a missing or non-string z sorts as ""', () => {
  const { elements } = board((els) => {
    for (const [id, z] of [['b', 'a1'], ['a', 'a1'], ['c', undefined], ['d', 5], ['e', 'a0']]) {
      const el = new Y.Map();
      els.set(id, el);
      if (z !== undefined) el.set('z', z);
    }
  });
  assert.deepEqual(elements.map((e) => e.id), ['c', 'd', 'e', 'a', 'b']);
});

test('special values: bytes, bigint, undefined, nested types, wrong-typed tx and p', () => {
  const { elements, meta } = board((els, meta) => {
    meta.set('blob', Uint8Array.of(0xab, 0x01));
    const el = new Y.Map();
    els.set('x', el);
    el.set('bin', Uint8Array.of(0, 255));
    el.set('big', 2n ** 40n);
    el.set('u', undefined);
    el.set('nested', Y.Array.from([Uint8Array.of(1), new Y.Text('hi')]));
    el.set('tx', 'not a Y.Text');
    el.set('p', [Uint8Array.of(0)]);
  });
  assert.deepEqual(meta, { blob: { $bytes: 'ab01' } });
  assert.deepEqual(elements, [{
    chunks: null,
    fields: {
      big: { $bigint: '1099511627776' },
      bin: { $bytes: '00ff' },
      nested: [{ $bytes: '01' }, 'hi'],
      p: [{ $bytes: '00' }],
      tx: 'not a Y.Text',
      u: null,
    },
    id: 'x',
    points: null,
    text: null,
  }]);
});

test('p keeps only the Uint8Array items as chunks', () => {
  const { elements } = board((els) => {
    const el = new Y.Map();
    els.set('s', el);
    el.set('p', Y.Array.from([Uint8Array.of(0, 2, 4), 'junk', Uint8Array.of(0x80)]));
  });
  assert.deepEqual(elements[0].chunks, ['000204', '80']);
  assert.deepEqual(elements[0].points, [[1, 2]]);
});

test('an elements entry that is not a Y.Map is kept as its plain value', () => {
  const { elements } = board((els) => els.set('odd', { z: 'a0', k: [1] }));
  assert.deepEqual(elements, [{ chunks: null, fields: { k: [1], z: 'a0' }, id: 'odd', points: null, text: null }]);
});

test('the v1 and v2 fixtures decode to the fixture JSON', () => {
  const fixture = (name) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
  const expected = JSON.parse(fixture('yjs-board.json'));
  for (const [name, apply] of [['yjs-board.v1.bin', Y.applyUpdate], ['yjs-board.v2.bin', Y.applyUpdateV2]]) {
    const doc = new Y.Doc();
    apply(doc, new Uint8Array(fixture(name)));
    assert.deepEqual(canonicalize(doc), expected, name);
  }
});
