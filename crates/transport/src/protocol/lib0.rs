//! lib0's binary primitives, which y-protocols messages are built from: the
//! varuint (unsigned LEB128) and the varuint-length-prefixed byte string
//! (varbuf; a varstring is a varbuf of UTF-8).
//!
//! yrs has a reader for these, but it accepts varints of up to 70 bits and
//! wraps them. Peer bytes here get exactly one reading, the strict one
//! `docs/PROTOCOL.md` gives: at most 8 bytes, a value of at most 2^53 − 1 (what a
//! JavaScript number holds exactly), lengths within the input.

/// JavaScript's `Number.MAX_SAFE_INTEGER`, the largest varuint accepted.
pub(crate) const MAX_VARUINT: u64 = (1 << 53) - 1;

/// Enough 7-bit groups for 53 bits.
const MAX_VARUINT_BYTES: usize = 8;

/// Appends `value` as a varuint.
pub(crate) fn write_varuint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends `bytes` with a varuint length in front.
pub(crate) fn write_varbuf(out: &mut Vec<u8>, bytes: &[u8]) {
    write_varuint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Reads lib0 values off the front of a byte slice. Errors are short static
/// descriptions; callers wrap them in the [`super::ProtocolError`] that fits.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.rest.len()
    }

    pub(crate) fn varuint(&mut self) -> Result<u64, &'static str> {
        let mut value = 0u64;
        for (i, &byte) in self.rest.iter().take(MAX_VARUINT_BYTES).enumerate() {
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                if value > MAX_VARUINT {
                    return Err("varuint above 2^53 - 1");
                }
                self.rest = &self.rest[i + 1..];
                return Ok(value);
            }
        }
        if self.rest.len() >= MAX_VARUINT_BYTES {
            Err("varuint longer than 8 bytes")
        } else {
            Err("input ends inside a varuint")
        }
    }

    /// A varuint length, then that many bytes.
    pub(crate) fn varbuf(&mut self) -> Result<&'a [u8], &'static str> {
        let len = self.varuint()?;
        match usize::try_from(len) {
            Ok(len) if len <= self.rest.len() => {
                let (bytes, rest) = self.rest.split_at(len);
                self.rest = rest;
                Ok(bytes)
            }
            _ => Err("length runs past the end of the input"),
        }
    }

    /// Exactly `len` bytes.
    pub(crate) fn bytes(&mut self, len: usize) -> Result<&'a [u8], &'static str> {
        if len > self.rest.len() {
            return Err("input ends early");
        }
        let (bytes, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(bytes)
    }

    /// Succeeds only if everything was read: one message is one whole input.
    pub(crate) fn finish(self) -> Result<(), &'static str> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err("trailing bytes after the message")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_one(bytes: &[u8]) -> Result<u64, &'static str> {
        let mut reader = Reader::new(bytes);
        let value = reader.varuint()?;
        reader.finish()?;
        Ok(value)
    }

    #[test]
    fn varuint_examples() {
        let cases: &[(u64, &[u8])] = &[
            (0, &[0x00]),
            (1, &[0x01]),
            (127, &[0x7f]),
            (128, &[0x80, 0x01]),
            (1234, &[0xd2, 0x09]),
            (
                MAX_VARUINT,
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f],
            ),
        ];
        for &(value, bytes) in cases {
            let mut out = Vec::new();
            write_varuint(&mut out, value);
            assert_eq!(out, bytes, "{value}");
            assert_eq!(read_one(bytes), Ok(value));
        }
    }

    #[test]
    fn overlong_but_small_varuints_are_read() {
        assert_eq!(read_one(&[0x80, 0x00]), Ok(0));
    }

    #[test]
    fn bad_varuints_are_refused() {
        assert!(read_one(&[]).is_err());
        assert!(read_one(&[0x80]).is_err());
        // 2^53 needs the 8th byte's 0x10 bit.
        assert!(read_one(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]).is_err());
        assert!(read_one(&[0x80; 9]).is_err());
    }

    #[test]
    fn varbuf_bounds() {
        let mut reader = Reader::new(&[0x02, b'h', b'i', 0x05, b'x']);
        assert_eq!(reader.varbuf(), Ok(&b"hi"[..]));
        assert!(reader.varbuf().is_err());
        assert!(Reader::new(&[0x00, 0x00]).finish().is_err());
    }

    proptest! {
        #[test]
        fn varuint_round_trips(value in 0..=MAX_VARUINT) {
            let mut out = Vec::new();
            write_varuint(&mut out, value);
            prop_assert_eq!(read_one(&out), Ok(value));
        }
    }
}
