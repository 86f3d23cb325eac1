// The stroke points codec of docs/SCHEMA.md ("Points"), mirroring crates/doc/src/points.rs.
//
// Quantized values are 32-bit signed integers. JavaScript bit operators work on
// int32, so `| 0` wraps a sum or difference to i32 (as Rust's wrapping_add/sub) and
// `>>> 0` reinterprets bits as u32 where a varuint needs them unsigned.

const FLAG_PRESSURE = 0x01;
const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

/** `round(v × 16)`, half away from zero, clamped to i32; NaN becomes 0 (as Rust's `as i32`). */
export function quantizeCoord(v) {
  const s = v * 16;
  if (Number.isNaN(s)) return 0;
  const q = Math.sign(s) * Math.round(Math.abs(s));
  return Math.min(I32_MAX, Math.max(I32_MIN, q)) | 0;
}

/** `round(p × 255)` with p clamped to 0..1; NaN becomes 0. */
export function quantizePressure(p) {
  if (Number.isNaN(p)) return 0;
  return Math.round(Math.min(1, Math.max(0, p)) * 255);
}

/** Encodes points `{x, y, p?}` (px, relative to the element origin) as one chunk. */
export function encodeChunk(points, { pressure = false } = {}) {
  const q = points.map((pt) => {
    if (pressure && typeof pt.p !== 'number') throw new TypeError('encodeChunk: a point has no pressure');
    const xy = [quantizeCoord(pt.x), quantizeCoord(pt.y)];
    return pressure ? [...xy, quantizePressure(pt.p)] : xy;
  });
  return encodeChunkQuantized(q, pressure);
}

/** Encodes already quantized `[qx, qy]` or `[qx, qy, qp]` points as one chunk. */
export function encodeChunkQuantized(qpoints, hasPressure) {
  const out = [hasPressure ? FLAG_PRESSURE : 0];
  let prev = null;
  for (const [x, y, p] of qpoints) {
    if (!isI32(x) || !isI32(y)) throw new RangeError(`coordinate outside i32: ${x}, ${y}`);
    if (hasPressure && !(Number.isInteger(p) && p >= 0 && p <= 255)) {
      throw new RangeError(`pressure outside 0..255: ${p}`);
    }
    if (prev === null) {
      writeZigzag(out, x);
      writeZigzag(out, y);
      if (hasPressure) writeVarUint(out, p);
    } else {
      writeZigzag(out, (x - prev[0]) | 0);
      writeZigzag(out, (y - prev[1]) | 0);
      if (hasPressure) writeZigzag(out, p - prev[2]);
    }
    prev = [x, y, p];
  }
  return Uint8Array.from(out);
}

/**
 * Decodes one chunk to `{ pressure, points }`, points being quantized `[qx, qy]` or
 * `[qx, qy, qp]`. Throws on an invalid chunk (the reader then skips it).
 */
export function decodeChunk(bytes) {
  if (bytes.length === 0) throw new Error('invalid chunk: no flags byte');
  const flags = bytes[0];
  if (flags & ~FLAG_PRESSURE) throw new Error(`invalid chunk: unknown flags 0x${flags.toString(16)}`);
  const pressure = (flags & FLAG_PRESSURE) !== 0;
  const r = { bytes, pos: 1 };
  const points = [];
  let prev = null;
  while (r.pos < bytes.length) {
    const dx = readZigzag(r);
    const dy = readZigzag(r);
    let point;
    if (prev === null) {
      point = [dx, dy];
      if (pressure) point.push(checkPressure(readVarUint(r)));
    } else {
      point = [(prev[0] + dx) | 0, (prev[1] + dy) | 0];
      if (pressure) point.push(checkPressure(prev[2] + readZigzag(r)));
    }
    points.push(point);
    prev = point;
  }
  return { pressure, points };
}

/** All points of a stroke's chunks, in order; invalid chunks are skipped, never fatal. */
export function decodePoints(chunks) {
  const points = [];
  for (const chunk of chunks) {
    try {
      points.push(...decodeChunk(chunk).points);
    } catch {
      // SCHEMA.md: an invalid chunk is skipped (and kept in the document).
    }
  }
  return points;
}

function isI32(n) {
  return Number.isInteger(n) && n >= I32_MIN && n <= I32_MAX;
}

function checkPressure(p) {
  if (p < 0 || p > 255) throw new Error(`invalid chunk: pressure ${p} outside 0..255`);
  return p;
}

function writeVarUint(out, n) {
  let v = n >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

function writeZigzag(out, n) {
  writeVarUint(out, ((n << 1) ^ (n >> 31)) >>> 0);
}

function readVarUint(r) {
  let value = 0;
  for (let i = 0; ; i++) {
    if (r.pos >= r.bytes.length) throw new Error('invalid chunk: truncated varint');
    const b = r.bytes[r.pos++];
    if (i === 4 && b > 0x0f) throw new Error('invalid chunk: varint over 32 bits');
    value += (b & 0x7f) * 2 ** (7 * i); // multiply: `<<` would overflow into the sign bit
    if ((b & 0x80) === 0) return value; // always so by the 5th byte
  }
}

function readZigzag(r) {
  const v = readVarUint(r);
  return (v >>> 1) ^ -(v & 1);
}
