//! The stroke points codec of `docs/SCHEMA.md` ("Points").
//!
//! Points are quantized to 1/16 px and stored as zig-zag varint deltas in binary
//! chunks. A chunk decodes on its own (its first point is absolute), so a reader
//! can render a stroke while it is still streaming in, one chunk per batch.

use crate::error::PointsError;

/// Fixed-point units per pixel.
pub const UNITS_PER_PX: f64 = 16.0;

const FLAG_PRESSURE: u8 = 0b0000_0001;
const KNOWN_FLAGS: u8 = FLAG_PRESSURE;

/// A point of a stroke, in px relative to the stroke's origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    /// Pen pressure in `0..=1`, where the device reports one.
    pub pressure: Option<f64>,
}

impl Point {
    pub fn new(x: f64, y: f64) -> Self {
        Self {
            x,
            y,
            pressure: None,
        }
    }

    pub fn with_pressure(x: f64, y: f64, pressure: f64) -> Self {
        Self {
            x,
            y,
            pressure: Some(pressure),
        }
    }

    /// The point as stored: 1/16 px units and pressure `0..=255`.
    pub fn quantize(&self) -> QPoint {
        QPoint {
            x: quantize_coord(self.x),
            y: quantize_coord(self.y),
            pressure: self.pressure.map(quantize_pressure),
        }
    }
}

/// A point as stored: coordinates in 1/16 px, pressure in `0..=255`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QPoint {
    pub x: i32,
    pub y: i32,
    pub pressure: Option<u8>,
}

impl QPoint {
    pub fn to_point(self) -> Point {
        Point {
            x: f64::from(self.x) / UNITS_PER_PX,
            y: f64::from(self.y) / UNITS_PER_PX,
            pressure: self.pressure.map(|p| f64::from(p) / 255.0),
        }
    }
}

/// `round(v × 16)`, half away from zero, clamped to i32 (NaN becomes 0).
pub fn quantize_coord(v: f64) -> i32 {
    let q = (v * UNITS_PER_PX).round();
    if q.is_nan() {
        0
    } else {
        q.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
    }
}

/// `round(p × 255)` in double precision, as JavaScript computes it, with `p`
/// clamped to `0..=1` (NaN becomes 0).
pub fn quantize_pressure(p: f64) -> u8 {
    if p.is_nan() {
        0
    } else {
        (p.clamp(0.0, 1.0) * 255.0).round() as u8
    }
}

/// Encodes one chunk. It carries pressure only if every point has one.
pub fn encode_chunk(points: &[QPoint]) -> Vec<u8> {
    let pressure = !points.is_empty() && points.iter().all(|p| p.pressure.is_some());
    // Two bytes per point is typical (steps under 4 px); three with pressure.
    let mut out = Vec::with_capacity(1 + points.len() * if pressure { 3 } else { 2 });
    out.push(if pressure { FLAG_PRESSURE } else { 0 });
    let mut prev: Option<QPoint> = None;
    for p in points {
        match prev {
            None => {
                write_zigzag(&mut out, p.x);
                write_zigzag(&mut out, p.y);
                if pressure {
                    write_varuint(&mut out, u32::from(p.pressure.unwrap_or(0)));
                }
            }
            Some(q) => {
                write_zigzag(&mut out, p.x.wrapping_sub(q.x));
                write_zigzag(&mut out, p.y.wrapping_sub(q.y));
                if pressure {
                    let d = i32::from(p.pressure.unwrap_or(0)) - i32::from(q.pressure.unwrap_or(0));
                    write_zigzag(&mut out, d);
                }
            }
        }
        prev = Some(*p);
    }
    out
}

/// Decodes one chunk, appending its points to `out`. On error `out` is left as it was.
pub fn decode_chunk_into(bytes: &[u8], out: &mut Vec<QPoint>) -> Result<(), PointsError> {
    let start_len = out.len();
    let result = decode_chunk_inner(bytes, out);
    if result.is_err() {
        out.truncate(start_len);
    }
    result
}

/// Decodes one chunk.
pub fn decode_chunk(bytes: &[u8]) -> Result<Vec<QPoint>, PointsError> {
    let mut out = Vec::new();
    decode_chunk_into(bytes, &mut out)?;
    Ok(out)
}

fn decode_chunk_inner(bytes: &[u8], out: &mut Vec<QPoint>) -> Result<(), PointsError> {
    let (&flags, mut rest) = bytes.split_first().ok_or(PointsError::Empty)?;
    if flags & !KNOWN_FLAGS != 0 {
        return Err(PointsError::UnknownFlags(flags));
    }
    let pressure = flags & FLAG_PRESSURE != 0;
    let mut prev: Option<QPoint> = None;
    while !rest.is_empty() {
        let dx = read_zigzag(&mut rest)?;
        let dy = read_zigzag(&mut rest)?;
        let point = match prev {
            None => {
                let p = if pressure {
                    let p = read_varuint(&mut rest)?;
                    Some(
                        u8::try_from(p)
                            .map_err(|_| PointsError::PressureOutOfRange(i64::from(p)))?,
                    )
                } else {
                    None
                };
                QPoint {
                    x: dx,
                    y: dy,
                    pressure: p,
                }
            }
            Some(q) => {
                let p = if pressure {
                    let d = read_zigzag(&mut rest)?;
                    let p = i64::from(q.pressure.unwrap_or(0)) + i64::from(d);
                    Some(u8::try_from(p).map_err(|_| PointsError::PressureOutOfRange(p))?)
                } else {
                    None
                };
                QPoint {
                    x: q.x.wrapping_add(dx),
                    y: q.y.wrapping_add(dy),
                    pressure: p,
                }
            }
        };
        out.push(point);
        prev = Some(point);
    }
    Ok(())
}

/// Decodes a stroke's chunks, skipping invalid ones (SCHEMA.md: one bad chunk never
/// fails the whole board). Returns the points and the number of chunks skipped.
pub fn decode_chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> (Vec<QPoint>, usize) {
    let mut points = Vec::new();
    let mut skipped = 0;
    for chunk in chunks {
        if decode_chunk_into(chunk, &mut points).is_err() {
            skipped += 1;
        }
    }
    (points, skipped)
}

fn write_varuint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn write_zigzag(out: &mut Vec<u8>, n: i32) {
    write_varuint(out, ((n << 1) ^ (n >> 31)) as u32);
}

fn read_varuint(bytes: &mut &[u8]) -> Result<u32, PointsError> {
    let mut value: u32 = 0;
    for i in 0..5 {
        let (&b, rest) = bytes.split_first().ok_or(PointsError::Truncated)?;
        *bytes = rest;
        if i == 4 && b > 0x0f {
            return Err(PointsError::VarintOverflow);
        }
        value |= u32::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(PointsError::VarintOverflow)
}

fn read_zigzag(bytes: &mut &[u8]) -> Result<i32, PointsError> {
    let v = read_varuint(bytes)?;
    Ok(((v >> 1) as i32) ^ -((v & 1) as i32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::hex;

    fn q(points: &[Point]) -> Vec<QPoint> {
        points.iter().map(Point::quantize).collect()
    }

    #[test]
    fn worked_example_without_pressure_matches_schema() {
        let points = q(&[
            Point::new(0.0, 0.0),
            Point::new(1.5, -0.25),
            Point::new(2.0, 1.0),
        ]);
        let chunk = encode_chunk(&points);
        assert_eq!(hex(&chunk), "00 00 00 30 07 10 28");
        assert_eq!(decode_chunk(&chunk).unwrap(), points);
    }

    #[test]
    fn worked_example_with_pressure_matches_schema() {
        let points = q(&[
            Point::with_pressure(0.0, 0.0, 0.5),
            Point::with_pressure(1.5, -0.25, 0.6),
            Point::with_pressure(2.0, 1.0, 1.0),
        ]);
        assert_eq!(
            points
                .iter()
                .map(|p| p.pressure.unwrap())
                .collect::<Vec<_>>(),
            [128, 153, 255]
        );
        let chunk = encode_chunk(&points);
        assert_eq!(hex(&chunk), "01 00 00 80 01 30 07 32 10 28 cc 01");
        assert_eq!(decode_chunk(&chunk).unwrap(), points);
    }

    #[test]
    fn quantization_rounds_half_away_from_zero_and_clamps() {
        assert_eq!(quantize_coord(0.03125), 1); // 0.5 units
        assert_eq!(quantize_coord(-0.03125), -1);
        assert_eq!(quantize_coord(1e12), i32::MAX);
        assert_eq!(quantize_coord(-1e12), i32::MIN);
        assert_eq!(quantize_coord(f64::NAN), 0);
        assert_eq!(quantize_pressure(2.0), 255);
        assert_eq!(quantize_pressure(-1.0), 0);
    }

    #[test]
    fn zigzag_edges_round_trip() {
        for n in [0, -1, 1, -2, 2, 63, -64, 64, i32::MAX, i32::MIN] {
            let mut buf = Vec::new();
            write_zigzag(&mut buf, n);
            let mut slice = buf.as_slice();
            assert_eq!(read_zigzag(&mut slice).unwrap(), n);
            assert!(slice.is_empty());
        }
        let mut buf = Vec::new();
        write_zigzag(&mut buf, i32::MIN);
        assert_eq!(hex(&buf), "ff ff ff ff 0f");
    }

    #[test]
    fn extreme_deltas_round_trip() {
        let points = vec![
            QPoint {
                x: i32::MAX,
                y: i32::MIN,
                pressure: None,
            },
            QPoint {
                x: i32::MIN,
                y: i32::MAX,
                pressure: None,
            },
            QPoint {
                x: 0,
                y: 0,
                pressure: None,
            },
        ];
        assert_eq!(decode_chunk(&encode_chunk(&points)).unwrap(), points);
    }

    #[test]
    fn invalid_chunks_are_rejected() {
        assert_eq!(decode_chunk(&[]), Err(PointsError::Empty));
        assert_eq!(decode_chunk(&[0x80]), Err(PointsError::UnknownFlags(0x80)));
        assert_eq!(decode_chunk(&[0x00, 0x80]), Err(PointsError::Truncated));
        assert_eq!(decode_chunk(&[0x00, 0x02]), Err(PointsError::Truncated));
        assert_eq!(
            decode_chunk(&[0x00, 0xff, 0xff, 0xff, 0xff, 0x10, 0x00]),
            Err(PointsError::VarintOverflow)
        );
        assert_eq!(
            decode_chunk(&[0x01, 0x00, 0x00, 0x80, 0x02]),
            Err(PointsError::PressureOutOfRange(256))
        );
        // Second point's pressure delta takes it below zero.
        assert_eq!(
            decode_chunk(&[0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x03]),
            Err(PointsError::PressureOutOfRange(-1))
        );
    }

    #[test]
    fn decode_chunks_skips_invalid_chunks() {
        let good = encode_chunk(&q(&[Point::new(1.0, 2.0)]));
        let (points, skipped) = decode_chunks([&[0x80u8, 0, 0][..], &good[..], &[0x00, 0x80][..]]);
        assert_eq!(skipped, 2);
        assert_eq!(points, q(&[Point::new(1.0, 2.0)]));
    }

    #[test]
    fn mixed_pressure_chunk_drops_pressure() {
        let points = vec![
            QPoint {
                x: 1,
                y: 1,
                pressure: Some(3),
            },
            QPoint {
                x: 2,
                y: 2,
                pressure: None,
            },
        ];
        let decoded = decode_chunk(&encode_chunk(&points)).unwrap();
        assert!(decoded.iter().all(|p| p.pressure.is_none()));
    }
}
