// The points codec against the worked examples of docs/SCHEMA.md and its edge cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  quantizeCoord,
  quantizePressure,
  encodeChunk,
  encodeChunkQuantized,
  decodeChunk,
  decodePoints,
} from './points.mjs';

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const bytes = (h) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

test('worked example without pressure, byte for byte', () => {
  const chunk = encodeChunk([{ x: 0, y: 0 }, { x: 1.5, y: -0.25 }, { x: 2, y: 1 }]);
  assert.equal(hex(chunk), '00' + '0000' + '3007' + '1028');
  assert.deepEqual(decodeChunk(chunk), { pressure: false, points: [[0, 0], [24, -4], [32, 16]] });
});

test('worked example with pressure, byte for byte', () => {
  const points = [{ x: 0, y: 0, p: 0.5 }, { x: 1.5, y: -0.25, p: 0.6 }, { x: 2, y: 1, p: 1 }];
  const chunk = encodeChunk(points, { pressure: true });
  assert.equal(hex(chunk), '01' + '00008001' + '300732' + '1028cc01');
  assert.deepEqual(decodeChunk(chunk), {
    pressure: true,
    points: [[0, 0, 128], [24, -4, 153], [32, 16, 255]],
  });
});

test('quantization rounds half away from zero and clamps', () => {
  assert.equal(quantizeCoord(1 / 32), 1); // 0.5 units
  assert.equal(quantizeCoord(-1 / 32), -1);
  assert.equal(quantizeCoord(3 / 32), 2); // 1.5 units
  assert.equal(Object.is(quantizeCoord(-0.01), 0), true); // never -0
  assert.equal(quantizeCoord(1e12), I32_MAX);
  assert.equal(quantizeCoord(-Infinity), I32_MIN);
  assert.equal(quantizeCoord(NaN), 0);
  assert.equal(quantizePressure(0.5), 128);
  assert.equal(quantizePressure(-3), 0);
  assert.equal(quantizePressure(7), 255);
  assert.equal(quantizePressure(NaN), 0);
});

test('zigzag edge cases', () => {
  const cases = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-2, '03'],
    [I32_MAX, 'feffffff0f'],
    [I32_MIN, 'ffffffff0f'],
  ];
  for (const [n, h] of cases) {
    const chunk = encodeChunkQuantized([[n, 0]], false);
    assert.equal(hex(chunk), `00${h}00`, `zigzag(${n})`);
    assert.deepEqual(decodeChunk(chunk).points, [[n, 0]]);
  }
});

test('deltas wrap around i32 and still round-trip', () => {
  const points = [[I32_MAX, I32_MIN], [I32_MIN, I32_MAX], [0, 0], [I32_MAX, I32_MAX]];
  assert.deepEqual(decodeChunk(encodeChunkQuantized(points, false)).points, points);
});

test('random points round-trip', () => {
  let s = 0x9e3779b9; // xorshift32: deterministic, so a failure reproduces
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
  for (let round = 0; round < 200; round++) {
    const pressure = round % 2 === 1;
    const wide = round % 5 === 0; // now and then, anywhere in i32
    const points = Array.from({ length: next() % 40 }, () => {
      const coord = () => (wide ? next() | 0 : (next() % 20001) - 10000);
      const p = [coord(), coord()];
      return pressure ? [...p, next() % 256] : p;
    });
    const chunk = encodeChunkQuantized(points, pressure);
    assert.deepEqual(decodeChunk(chunk), { pressure, points });
  }
});

test('px points round-trip through quantization', () => {
  const points = [{ x: 10.03125, y: -7.5, p: 0.25 }, { x: -1000.0625, y: 3, p: 0.75 }];
  const { points: q } = decodeChunk(encodeChunk(points, { pressure: true }));
  assert.deepEqual(q, [[161, -120, 64], [-16001, 48, 191]]);
});

test('each kind of invalid chunk throws', () => {
  const invalid = {
    'empty chunk': '',
    'unknown flag bit': '02 00 00',
    'unknown high flag bit': '80 00 00',
    'truncated varint': '00 80',
    'point missing its y': '00 02',
    'truncated pressure': '01 00 00',
    'varint over 32 bits (5th byte 0x10)': '00 ffffffff10 00',
    'varint of 6 bytes': '00 ffffffff8f01 00',
    'first pressure over 255': '01 00 00 8002',
    'pressure delta below 0': '01 00 00 00 00 00 01',
    'pressure delta over 255': '01 00 00 ff01 00 00 02',
  };
  for (const [name, h] of Object.entries(invalid)) {
    assert.throws(() => decodeChunk(bytes(h)), Error, name);
  }
});

test('largest valid varint (5th byte 0x0f) decodes', () => {
  assert.deepEqual(decodeChunk(bytes('00 ffffffff0f 00')).points, [[I32_MIN, 0]]);
});

test('flags only is a valid empty chunk', () => {
  assert.deepEqual(decodeChunk(bytes('00')), { pressure: false, points: [] });
  assert.deepEqual(decodeChunk(bytes('01')), { pressure: true, points: [] });
});

test('decodePoints concatenates chunks and skips invalid ones', () => {
  const chunks = [
    bytes('00 0000 3007'),
    bytes('80 00 00'),
    new Uint8Array(0),
    bytes('01 0202 8001'),
  ];
  assert.deepEqual(decodePoints(chunks), [[0, 0], [24, -4], [1, 1, 128]]);
});
