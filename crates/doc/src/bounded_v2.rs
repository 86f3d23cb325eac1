//! Decoding a Yjs v2 update with a bound on how many structs it stands for.
//!
//! v2 keeps most struct fields in run-length encoded columns (lib0
//! `RleDecoder`, `UintOptRleDecoder`): a run is a value and a count, and the
//! info column's last value even repeats forever. So a few bytes can stand for
//! billions of structs, and yrs 0.28.1 builds every one of them before anyone
//! can look: fuzzing found a snapshot of a few dozen bytes whose one client's
//! garbage-collected structs had yrs fill 1.7 GB. Nor can the count be bounded
//! by reading the bytes first, as `update_check.rs` does for v1: a board's
//! history legitimately compresses that well (a stroke dragged 100,000 times is
//! 200,000 structs in 82 bytes of v2).
//!
//! So the bound is on what decoding produces. yrs reads one info byte per
//! struct through the [`Decoder`] it is given; [`StructBudget`] wraps yrs's own
//! v2 decoder and fails that read once the update has used up its budget,
//! [`max_v2_structs`]: as many structs as a v1 update of the same size could
//! hold, or [`MAX_V2_STRUCTS_FLOOR`] for small boards. A writer whose board
//! needs more writes v1 instead (`Board::snapshot`), so every snapshot written
//! loads again.
//!
//! One struct can also stand for unboundedly many values read from a column:
//! JSON content reads as many strings as its length says, from the string
//! column, where empty strings cost a run. No board holds JSON content (the v1
//! check refuses it), so its info byte is refused here, before yrs reads them.
//! Every other value yrs reads takes bytes of its own, or one per struct.

use std::sync::Arc;

use yrs::encoding::read::{Cursor, Error as ReadError, Read};
use yrs::updates::decoder::{Decode, Decoder, DecoderV2};
use yrs::{Any, ClientID, Update, ID};

use crate::error::UpdateError;
use crate::limits::{MAX_V2_STRUCTS_FLOOR, MIN_V1_STRUCT_BYTES};

/// Struct info bytes that are not items (Yjs `structGCRefNumber`,
/// `structSkipRefNumber`), and an item's JSON content ref.
const GC_INFO: u8 = 0;
const SKIP_INFO: u8 = 10;
const CONTENT_REF_MASK: u8 = 0x0f;
const CONTENT_JSON: u8 = 2;

/// The most structs a v2 update of `len` bytes may stand for.
pub fn max_v2_structs(len: usize) -> u64 {
    (len / MIN_V1_STRUCT_BYTES).max(MAX_V2_STRUCTS_FLOOR) as u64
}

/// Decodes a v2 update, refusing it once it stands for more than
/// [`max_v2_structs`] structs or holds JSON content.
pub(crate) fn decode_v2_bounded(bytes: &[u8]) -> Result<Update, UpdateError> {
    let limit = max_v2_structs(bytes.len());
    let inner =
        DecoderV2::new(Cursor::new(bytes)).map_err(|e| UpdateError::Decode(e.to_string()))?;
    let mut decoder = StructBudget {
        inner,
        structs_left: limit,
        refused: None,
    };
    let decoded = Update::decode(&mut decoder);
    match decoder.refused {
        Some(Refusal::TooManyStructs) => Err(UpdateError::TooManyStructs { limit }),
        Some(Refusal::JsonContent) => Err(UpdateError::V2JsonContent),
        None => decoded.map_err(|e| UpdateError::Decode(e.to_string())),
    }
}

/// Why [`StructBudget`] stopped yrs.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    TooManyStructs,
    JsonContent,
}

/// yrs's v2 decoder, counting the structs it reads.
struct StructBudget<'a> {
    inner: DecoderV2<'a>,
    structs_left: u64,
    refused: Option<Refusal>,
}

impl StructBudget<'_> {
    fn refuse(&mut self, refusal: Refusal) -> ReadError {
        self.refused = Some(refusal);
        ReadError::Custom(format!("{refusal:?}"))
    }
}

/// Every read yrs's `DecoderV2` answers itself is passed to it, so that the
/// defaults of [`Read`] (`read_var`, `read_buf`...) read what it would.
impl Read for StructBudget<'_> {
    fn read_exact(&mut self, len: usize) -> Result<&[u8], ReadError> {
        self.inner.read_exact(len)
    }

    fn read_u8(&mut self) -> Result<u8, ReadError> {
        self.inner.read_u8()
    }

    fn read_string(&mut self) -> Result<&str, ReadError> {
        self.inner.read_string()
    }
}

impl Decoder for StructBudget<'_> {
    fn reset_ds_cur_val(&mut self) {
        self.inner.reset_ds_cur_val()
    }

    fn read_ds_clock(&mut self) -> Result<u32, ReadError> {
        self.inner.read_ds_clock()
    }

    fn read_ds_len(&mut self) -> Result<u32, ReadError> {
        self.inner.read_ds_len()
    }

    fn read_left_id(&mut self) -> Result<ID, ReadError> {
        self.inner.read_left_id()
    }

    fn read_right_id(&mut self) -> Result<ID, ReadError> {
        self.inner.read_right_id()
    }

    fn read_client(&mut self) -> Result<ClientID, ReadError> {
        self.inner.read_client()
    }

    /// yrs reads a struct's info byte first, once per struct.
    fn read_info(&mut self) -> Result<u8, ReadError> {
        if self.structs_left == 0 {
            return Err(self.refuse(Refusal::TooManyStructs));
        }
        self.structs_left -= 1;
        let info = self.inner.read_info()?;
        let is_item = info != GC_INFO && info != SKIP_INFO;
        if is_item && info & CONTENT_REF_MASK == CONTENT_JSON {
            return Err(self.refuse(Refusal::JsonContent));
        }
        Ok(info)
    }

    fn read_parent_info(&mut self) -> Result<bool, ReadError> {
        self.inner.read_parent_info()
    }

    fn read_type_ref(&mut self) -> Result<u8, ReadError> {
        self.inner.read_type_ref()
    }

    fn read_len(&mut self) -> Result<u32, ReadError> {
        self.inner.read_len()
    }

    fn read_any(&mut self) -> Result<Any, ReadError> {
        self.inner.read_any()
    }

    fn read_json(&mut self) -> Result<Any, ReadError> {
        self.inner.read_json()
    }

    fn read_key(&mut self) -> Result<Arc<str>, ReadError> {
        self.inner.read_key()
    }

    fn read_to_end(&mut self) -> Result<&[u8], ReadError> {
        self.inner.read_to_end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varuint(mut value: u64, out: &mut Vec<u8>) {
        while value >= 0x80 {
            out.push((value as u8 & 0x7f) | 0x80);
            value >>= 7;
        }
        out.push(value as u8);
    }

    /// A v2 update of client 1's first `structs` structs, all garbage
    /// collected, one clock each, in about 20 bytes: the info column's one
    /// value repeats forever and the length column holds one run.
    fn gc_run(structs: u64) -> Vec<u8> {
        let mut lengths = vec![0x41]; // signed varint -1: a run of 1s...
        varuint(structs - 2, &mut lengths); // ...of `structs`
        let mut update = vec![0]; // feature flags
        update.extend([0]); // key clock column
        update.extend([1, 1]); // client column: client 1
        update.extend([0, 0]); // left and right clock columns
        update.extend([1, GC_INFO]); // info column: GC, forever
        update.extend([1, 0]); // string column: no strings
        update.extend([0, 0]); // parent info and type ref columns
        update.push(lengths.len() as u8);
        update.extend(lengths);
        update.push(1); // one client...
        varuint(structs, &mut update); // ...with this many structs...
        update.push(0); // ...from clock 0
        update.push(0); // an empty delete set
        update
    }

    #[test]
    fn a_few_bytes_standing_for_more_structs_than_the_floor_are_refused() {
        let bomb = gc_run(70_000_000);
        assert!(bomb.len() < 32, "{} bytes", bomb.len());
        assert_eq!(
            decode_v2_bounded(&bomb).unwrap_err(),
            UpdateError::TooManyStructs {
                limit: MAX_V2_STRUCTS_FLOOR as u64
            }
        );
        let just_over = gc_run(MAX_V2_STRUCTS_FLOOR as u64 + 1);
        assert!(matches!(
            decode_v2_bounded(&just_over),
            Err(UpdateError::TooManyStructs { .. })
        ));
    }

    #[test]
    fn as_many_structs_as_the_floor_decode() {
        let update = decode_v2_bounded(&gc_run(MAX_V2_STRUCTS_FLOOR as u64)).unwrap();
        let clocks = update.state_vector().get(&ClientID::new(1));
        assert_eq!(u64::from(clocks), MAX_V2_STRUCTS_FLOOR as u64);
    }

    #[test]
    fn the_budget_grows_with_the_update_as_v1_would() {
        assert_eq!(max_v2_structs(0), MAX_V2_STRUCTS_FLOOR as u64);
        let large = 10 * MAX_V2_STRUCTS_FLOOR * MIN_V1_STRUCT_BYTES;
        assert_eq!(max_v2_structs(large), 10 * MAX_V2_STRUCTS_FLOOR as u64);
    }

    #[test]
    fn json_content_is_refused_before_its_strings_are_read() {
        // One JSON item under root "m" holding 1,001 strings (its length plus
        // one, as yrs reads it), all empty: one run of the string column's
        // lengths. Without the refusal, yrs decodes it.
        let update = [
            0, // feature flags
            0, // key clock column
            1, 1, // client column: client 1
            0, 0, // left and right clock columns
            1, 2, // info column: JSON content, no origins
            6, 1, b'm', 0x01, 0x40, 0xce, 0x0f, // strings: "m", then 2,000 ""
            1, 1, // parent info column: a root's name follows
            0, // type ref column
            2, 0xa8, 0x0f, // length column: 1,000
            1, 1, 0, // one client, one struct, clock 0
            0, // an empty delete set
        ];
        assert_eq!(
            decode_v2_bounded(&update).unwrap_err(),
            UpdateError::V2JsonContent
        );
    }
}
