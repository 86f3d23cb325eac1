//! A structural check of a Yjs v1 update before yrs decodes it.
//!
//! yrs 0.28.1 trusts the counts it reads: it reserves memory for as many
//! clients, structs or values as an update announces before reading them (15
//! bytes can ask for 6 GiB), and it decodes nested values recursively with no
//! depth bound (a 2 KiB update can overflow a thread's stack). It also
//! integrates subdocuments, which keep a strong reference back to the board's
//! document, so a board that ever held one is never freed. This walk reads
//! every field yrs would read, in the same order and with the same widths, and
//! refuses the update unless every count is backed by the bytes that follow,
//! nesting stays within [`MAX_ANY_DEPTH`] and only content the board schema
//! can hold is present. yrs then never reserves more than the input justifies.
//!
//! The layout (lib0 v1; `varuint` is unsigned LEB128, `string` a varuint byte
//! length then UTF-8):
//!
//! ```text
//! update         = client_count:varuint client_structs{client_count} delete_set
//! client_structs = struct_count:varuint client:varuint clock:varuint struct{struct_count}
//! struct         = 0x00 len:varuint                 GC: len clocks of deleted structs
//!                | 0x0a len:varuint                 skip: len clocks not in this update
//!                | info:u8 item                     any other info byte
//! info           = bit 7: origin, bit 6: right origin, bit 5: parent_sub,
//!                  bit 4: zero, bits 3..0: content ref
//! item           = [origin:id] [right_origin:id] [parent [parent_sub:string]] content
//!                  (parent and parent_sub only when there is no origin of either side)
//! parent         = 1:varuint root_name:string | other:varuint id
//! id             = client:varuint clock:varuint
//! content        = ref 1 deleted:  len:varuint
//!                | ref 3 binary:   len:varuint byte{len}
//!                | ref 4 string:   string
//!                | ref 5 embed:    json:string
//!                | ref 6 format:   key:string json:string
//!                | ref 7 type:     type_ref:u8 [name:string when 3, XML element]
//!                | ref 8 any:      count:varuint any{count}
//! any            = 127 undefined | 126 null | 125 varint (signed LEB128, 6 bits first)
//!                | 124 f32:4 bytes | 123 f64:8 bytes | 122 i64:8 bytes
//!                | 121 false | 120 true | 119 string
//!                | 118 count:varuint (key:string any){count}
//!                | 117 count:varuint any{count} | 116 len:varuint byte{len}
//! delete_set     = client_count:varuint (client:varuint range_count:varuint
//!                  (clock:varuint len:varuint){range_count}){client_count}
//! ```
//!
//! Refused although the layout allows them:
//! - ref 9, subdocuments: not part of the board schema, and the leak above.
//! - ref 2, JSON content: Yjs writes `count` strings, yrs reads `count + 1`, so
//!   yrs would misread the rest of the update (Yjs no longer writes it).
//! - type ref 5, XML hook: Yjs writes a hook name that yrs does not read.
//! - Type refs Yjs does not define (7 and up) and content refs 0, 10 to 15 in
//!   an item, bit 4 of the info byte: yrs and Yjs read these differently or
//!   not at all.
//! - Anything yrs would compute differently from Yjs or panic on in a debug
//!   build: varuints over 64 bits, 32-bit fields (counts, clocks, lengths) over
//!   `u32::MAX`, client ids over [`MAX_CLIENT_ID`], a client's structs or a
//!   delete range running past clock `u32::MAX`, empty delete ranges, delete
//!   ranges of one client out of order (Yjs sorts and merges them; yrs's v2
//!   encoder assumes ascending ranges), and strings that are not UTF-8.
//! - Bytes after the delete set.
//!
//! Every count is bounded by the bytes left divided by the fewest bytes one of
//! its items takes (`MIN_*_BYTES` below; a struct's, `MIN_V1_STRUCT_BYTES`, is in
//! `limits.rs`, since v2 updates are bounded by it too).

use crate::error::UpdateError;
use crate::limits::{MAX_ANY_DEPTH, MIN_V1_STRUCT_BYTES};

/// The largest client id: yrs's `ClientID` has 53 bits (JavaScript's safe
/// integers), and debug builds of yrs assert it.
const MAX_CLIENT_ID: u64 = (1 << 53) - 1;

/// The longest varuint of a 64-bit value.
const MAX_VARINT_BYTES: usize = 10;

/// A client's struct list: its count, the client and the first clock.
const MIN_CLIENT_STRUCTS_BYTES: usize = 3;
/// A value: its tag (null, undefined, true, false).
const MIN_ANY_BYTES: usize = 1;
/// A map entry: an empty key's length and a tag.
const MIN_ANY_ENTRY_BYTES: usize = 2;
/// A delete set client: the client and its range count.
const MIN_DELETE_CLIENT_BYTES: usize = 2;
/// A delete range: its clock and length.
const MIN_DELETE_RANGE_BYTES: usize = 2;

/// Struct info bytes and content refs (Yjs `structGCRefNumber`, `contentRefs`).
const GC_INFO: u8 = 0;
const SKIP_INFO: u8 = 10;
const HAS_ORIGIN: u8 = 0x80;
const HAS_RIGHT_ORIGIN: u8 = 0x40;
const HAS_PARENT_SUB: u8 = 0x20;
/// Yjs reads five bits of content ref and yrs four; refs stay below 16, so
/// the fifth bit is never set.
const UNUSED_INFO_BIT: u8 = 0x10;
const CONTENT_REF_MASK: u8 = 0x0f;
const CONTENT_DELETED: u8 = 1;
const CONTENT_JSON: u8 = 2;
const CONTENT_BINARY: u8 = 3;
const CONTENT_STRING: u8 = 4;
const CONTENT_EMBED: u8 = 5;
const CONTENT_FORMAT: u8 = 6;
const CONTENT_TYPE: u8 = 7;
const CONTENT_ANY: u8 = 8;
const CONTENT_DOC: u8 = 9;

/// Shared type refs (Yjs `typeRefs`).
const TYPE_ARRAY: u8 = 0;
const TYPE_MAP: u8 = 1;
const TYPE_TEXT: u8 = 2;
const TYPE_XML_ELEMENT: u8 = 3;
const TYPE_XML_FRAGMENT: u8 = 4;
const TYPE_XML_HOOK: u8 = 5;
const TYPE_XML_TEXT: u8 = 6;

/// The parent info value that says a root type's name follows.
const PARENT_IS_ROOT: u64 = 1;

/// Value tags (lib0 `writeAny`).
const ANY_UNDEFINED: u8 = 127;
const ANY_NULL: u8 = 126;
const ANY_INT: u8 = 125;
const ANY_F32: u8 = 124;
const ANY_F64: u8 = 123;
const ANY_BIGINT: u8 = 122;
const ANY_FALSE: u8 = 121;
const ANY_TRUE: u8 = 120;
const ANY_STRING: u8 = 119;
const ANY_MAP: u8 = 118;
const ANY_ARRAY: u8 = 117;
const ANY_BUFFER: u8 = 116;

/// Checks that `update` is a v1 update yrs can decode within the bounds above.
pub(crate) fn check_v1(update: &[u8]) -> Result<(), UpdateError> {
    let mut reader = Reader {
        bytes: update,
        at: 0,
    };
    let clients = reader.count("client", MIN_CLIENT_STRUCTS_BYTES)?;
    for _ in 0..clients {
        reader.client_structs()?;
    }
    reader.delete_set()?;
    match reader.remaining() {
        0 => Ok(()),
        len => Err(UpdateError::TrailingBytes { len }),
    }
}

/// A cursor over the update; every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn byte(&mut self, what: &'static str) -> Result<u8, UpdateError> {
        let byte = *self
            .bytes
            .get(self.at)
            .ok_or(UpdateError::Truncated { what, at: self.at })?;
        self.at += 1;
        Ok(byte)
    }

    fn take(&mut self, len: u64, what: &'static str) -> Result<&'a [u8], UpdateError> {
        let at = self.at;
        match usize::try_from(len) {
            Ok(len) if len <= self.remaining() => {
                self.at += len;
                Ok(&self.bytes[at..at + len])
            }
            _ => Err(UpdateError::Truncated { what, at }),
        }
    }

    /// An unsigned varint of up to 64 bits.
    fn varuint(&mut self, what: &'static str) -> Result<u64, UpdateError> {
        let at = self.at;
        let mut value = 0u64;
        for index in 0..MAX_VARINT_BYTES {
            let byte = self.byte(what)?;
            let group = u64::from(byte & 0x7f);
            // The tenth byte holds bit 63 only.
            if index == MAX_VARINT_BYTES - 1 && group > 1 {
                break;
            }
            value |= group << (7 * index);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(UpdateError::VarintOverflow { what, at })
    }

    /// A varuint yrs reads into 32 bits (counts, clocks, lengths). yrs would
    /// silently wrap a larger value, so the walk and yrs would disagree.
    fn varuint32(&mut self, what: &'static str) -> Result<u32, UpdateError> {
        let at = self.at;
        let value = self.varuint(what)?;
        u32::try_from(value).map_err(|_| UpdateError::ValueTooLarge {
            what,
            value,
            limit: u64::from(u32::MAX),
            at,
        })
    }

    /// A signed varint (lib0 `writeVarInt`): sign and six bits first. yrs
    /// reads it into an `i64`; longer than ten bytes overflows its shift.
    fn varint(&mut self, what: &'static str) -> Result<(), UpdateError> {
        let at = self.at;
        for _ in 0..MAX_VARINT_BYTES {
            if self.byte(what)? & 0x80 == 0 {
                return Ok(());
            }
        }
        Err(UpdateError::VarintOverflow { what, at })
    }

    /// A count of items that each take at least `min_item_bytes`.
    fn count(&mut self, what: &'static str, min_item_bytes: usize) -> Result<u64, UpdateError> {
        let at = self.at;
        let count = self.varuint(what)?;
        let remaining = self.remaining();
        if count > (remaining / min_item_bytes) as u64 {
            return Err(UpdateError::CountExceedsInput {
                what,
                count,
                remaining,
                at,
            });
        }
        Ok(count)
    }

    /// A count yrs reads into 32 bits.
    fn count32(&mut self, what: &'static str, min_item_bytes: usize) -> Result<u32, UpdateError> {
        let at = self.at;
        let count = self.count(what, min_item_bytes)?;
        u32::try_from(count).map_err(|_| UpdateError::ValueTooLarge {
            what,
            value: count,
            limit: u64::from(u32::MAX),
            at,
        })
    }

    fn client(&mut self, what: &'static str) -> Result<u64, UpdateError> {
        let at = self.at;
        let client = self.varuint(what)?;
        if client > MAX_CLIENT_ID {
            return Err(UpdateError::ValueTooLarge {
                what,
                value: client,
                limit: MAX_CLIENT_ID,
                at,
            });
        }
        Ok(client)
    }

    fn string(&mut self, what: &'static str) -> Result<&'a str, UpdateError> {
        let len = self.varuint32(what)?;
        let at = self.at;
        let bytes = self.take(u64::from(len), what)?;
        std::str::from_utf8(bytes).map_err(|_| UpdateError::InvalidUtf8 { what, at })
    }

    fn id(&mut self, what: &'static str) -> Result<(), UpdateError> {
        self.client(what)?;
        self.varuint32(what)?;
        Ok(())
    }

    fn client_structs(&mut self) -> Result<(), UpdateError> {
        let structs = self.count32("struct", MIN_V1_STRUCT_BYTES)?;
        let client = self.client("client")?;
        let mut clock = u64::from(self.varuint32("clock")?);
        for _ in 0..structs {
            let at = self.at;
            clock += u64::from(self.one_struct()?);
            if clock > u64::from(u32::MAX) {
                return Err(UpdateError::ClockOverflow { client, at });
            }
        }
        Ok(())
    }

    /// One struct; returns how many clocks it takes.
    fn one_struct(&mut self) -> Result<u32, UpdateError> {
        let at = self.at;
        let info = self.byte("struct info")?;
        match info {
            GC_INFO => self.struct_len("GC"),
            SKIP_INFO => self.struct_len("skip"),
            _ if info & UNUSED_INFO_BIT != 0 => Err(UpdateError::UnknownStruct { info, at }),
            _ => self.item(info, at),
        }
    }

    /// A GC's or skip's length; yrs refuses an empty one.
    fn struct_len(&mut self, what: &'static str) -> Result<u32, UpdateError> {
        let at = self.at;
        match self.varuint32(what)? {
            0 => Err(UpdateError::EmptyRange { what, at }),
            len => Ok(len),
        }
    }

    fn item(&mut self, info: u8, at: usize) -> Result<u32, UpdateError> {
        if info & HAS_ORIGIN != 0 {
            self.id("origin")?;
        }
        if info & HAS_RIGHT_ORIGIN != 0 {
            self.id("right origin")?;
        }
        if info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN) == 0 {
            if self.varuint32("parent info")? == PARENT_IS_ROOT as u32 {
                self.string("root name")?;
            } else {
                self.id("parent")?;
            }
            if info & HAS_PARENT_SUB != 0 {
                self.string("parent key")?;
            }
        }
        self.content(info & CONTENT_REF_MASK, info, at)
    }

    /// An item's content; returns its length in clocks as yrs counts it
    /// (`ItemContent::len_utf16`).
    fn content(&mut self, content_ref: u8, info: u8, at: usize) -> Result<u32, UpdateError> {
        match content_ref {
            CONTENT_DELETED => self.varuint32("deleted length"),
            CONTENT_BINARY => {
                let len = self.varuint32("binary length")?;
                self.take(u64::from(len), "binary")?;
                Ok(1)
            }
            CONTENT_STRING => {
                let text = self.string("text")?;
                // At most its byte length, which fits 32 bits.
                Ok(text.encode_utf16().count() as u32)
            }
            CONTENT_EMBED => {
                self.string("embed")?;
                Ok(1)
            }
            CONTENT_FORMAT => {
                self.string("format key")?;
                self.string("format value")?;
                Ok(1)
            }
            CONTENT_TYPE => {
                self.type_ref()?;
                Ok(1)
            }
            CONTENT_ANY => {
                let count = self.count32("value", MIN_ANY_BYTES)?;
                for _ in 0..count {
                    self.any(1)?;
                }
                Ok(count)
            }
            CONTENT_DOC => Err(UpdateError::Subdocument { at }),
            CONTENT_JSON => Err(UpdateError::JsonContent { at }),
            _ => Err(UpdateError::UnknownStruct { info, at }),
        }
    }

    fn type_ref(&mut self) -> Result<(), UpdateError> {
        let at = self.at;
        match self.byte("type ref")? {
            TYPE_ARRAY | TYPE_MAP | TYPE_TEXT | TYPE_XML_FRAGMENT | TYPE_XML_TEXT => Ok(()),
            TYPE_XML_ELEMENT => self.string("XML element name").map(drop),
            TYPE_XML_HOOK => Err(UpdateError::XmlHook { at }),
            type_ref => Err(UpdateError::UnknownTypeRef { type_ref, at }),
        }
    }

    /// One value at nesting `depth` (1 for an item's own values).
    fn any(&mut self, depth: usize) -> Result<(), UpdateError> {
        let at = self.at;
        if depth > MAX_ANY_DEPTH {
            return Err(UpdateError::AnyTooDeep {
                limit: MAX_ANY_DEPTH,
                at,
            });
        }
        match self.byte("value")? {
            ANY_UNDEFINED | ANY_NULL | ANY_FALSE | ANY_TRUE => Ok(()),
            ANY_INT => self.varint("integer"),
            ANY_F32 => self.take(4, "float32").map(drop),
            ANY_F64 => self.take(8, "float64").map(drop),
            ANY_BIGINT => self.take(8, "bigint").map(drop),
            ANY_STRING => self.string("string value").map(drop),
            ANY_MAP => {
                let entries = self.count("map entry", MIN_ANY_ENTRY_BYTES)?;
                for _ in 0..entries {
                    self.string("map key")?;
                    self.any(depth + 1)?;
                }
                Ok(())
            }
            ANY_ARRAY => {
                let values = self.count("array value", MIN_ANY_BYTES)?;
                for _ in 0..values {
                    self.any(depth + 1)?;
                }
                Ok(())
            }
            ANY_BUFFER => {
                let len = self.varuint32("buffer length")?;
                self.take(u64::from(len), "buffer").map(drop)
            }
            tag => Err(UpdateError::UnknownAnyTag { tag, at }),
        }
    }

    fn delete_set(&mut self) -> Result<(), UpdateError> {
        let clients = self.count32("delete set client", MIN_DELETE_CLIENT_BYTES)?;
        for _ in 0..clients {
            let client = self.client("delete set client")?;
            let ranges = self.count32("delete range", MIN_DELETE_RANGE_BYTES)?;
            let mut end = 0u64;
            for _ in 0..ranges {
                let at = self.at;
                let clock = u64::from(self.varuint32("delete clock")?);
                let len_at = self.at;
                let len = u64::from(self.varuint32("delete length")?);
                if len == 0 {
                    return Err(UpdateError::EmptyRange {
                        what: "delete range",
                        at: len_at,
                    });
                }
                if clock < end {
                    return Err(UpdateError::DeleteRangesOutOfOrder { client, at });
                }
                end = clock + len;
                if end > u64::from(u32::MAX) {
                    return Err(UpdateError::ClockOverflow { client, at });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::updates::decoder::Decode;
    use yrs::Update;

    fn bytes(hex: &str) -> Vec<u8> {
        hex.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    fn check(hex: &str) -> Result<(), UpdateError> {
        check_v1(&bytes(hex))
    }

    /// `client 5, clock 0`, one item under root `m` with the given info byte
    /// and content bytes, then an empty delete set.
    fn item(info: &str, content: &str) -> String {
        format!("01 01 05 00 {info} 01 01 6d {content} 00")
    }

    #[test]
    fn the_empty_update_passes() {
        assert_eq!(check("00 00"), Ok(()));
    }

    #[test]
    fn every_content_the_schema_holds_passes() {
        let contents = [
            ("01", "03"),                         // deleted, 3 clocks
            ("03", "02 ab cd"),                   // binary
            ("04", "03 68 c3 a9"),                // string "hé"
            ("05", "02 7b 7d"),                   // embed "{}"
            ("06", "01 62 04 74 72 75 65"),       // format b=true
            ("07", "01"),                         // map
            ("07", "03 01 70"),                   // XML element "p"
            ("08", "02 7d 05 77 01 78"),          // any: 5, "x"
            ("28", "01 78 01 76 01 01 6b 75 00"), // parent key "x", any {k: []}
        ];
        // Origins instead of a parent; GC and skip structs; a delete set.
        let others = "01 03 05 00 00 02 0a 01 c8 05 01 05 00 01 7e 01 05 01 00 02";
        let updates = contents
            .iter()
            .map(|(info, content)| item(info, content))
            .chain([others.to_owned()]);
        for update in updates {
            assert_eq!(check(&update), Ok(()), "{update}");
            // yrs reads the same layout.
            assert!(Update::decode_v1(&bytes(&update)).is_ok(), "{update}");
        }
    }

    #[test]
    fn the_15_byte_reservation_is_refused() {
        // An Any count of 2^28 values with 2 bytes left: yrs reserved 6 GiB for it.
        assert_eq!(
            check("01 01 01 00 08 01 01 65 80 80 80 80 01 00 00"),
            Err(UpdateError::CountExceedsInput {
                what: "value",
                count: 1 << 28,
                remaining: 2,
                at: 8
            })
        );
    }

    #[test]
    fn counts_beyond_the_bytes_left_are_refused() {
        for (hex, what) in [
            ("02 00 00 00", "client"),
            ("01 03 05 00 00 01 00", "struct"),
            ("00 02 05 00", "delete set client"),
            ("00 01 05 02 00 01", "delete range"),
        ] {
            assert!(
                matches!(check(hex), Err(UpdateError::CountExceedsInput { what: w, .. }) if w == what),
                "{hex}: {:?}",
                check(hex)
            );
        }
        // One less fits (and then the bytes are checked for what they are).
        assert_eq!(check("00 01 05 01 00 01"), Ok(()));
    }

    #[test]
    fn subdocuments_are_refused() {
        // The 23 bytes that leaked a board per load: a subdocument under `elements`.
        let update = "01 01 b9 60 00 29 01 08 65 6c 65 6d 65 6e 74 73 01 6b 01 67 76 00 00";
        assert_eq!(check(update), Err(UpdateError::Subdocument { at: 5 }));
    }

    #[test]
    fn content_yrs_and_yjs_read_differently_is_refused() {
        assert_eq!(
            check(&item("02", "01 02 31 32")),
            Err(UpdateError::JsonContent { at: 4 })
        );
        assert_eq!(
            check(&item("07", "05 01 68")),
            Err(UpdateError::XmlHook { at: 8 })
        );
        assert_eq!(
            check(&item("07", "07")),
            Err(UpdateError::UnknownTypeRef { type_ref: 7, at: 8 })
        );
        for info in ["00", "0a"] {
            // A content ref of 0 or 10 in an item (with a flag set).
            let info = format!("{:02x}", u8::from_str_radix(info, 16).unwrap() | 0x20);
            assert!(matches!(
                check(&format!("01 01 05 00 {info} 01 01 6d 01 6b 00")),
                Err(UpdateError::UnknownStruct { .. })
            ));
        }
        assert_eq!(
            check(&item("18", "01 7e")),
            Err(UpdateError::UnknownStruct { info: 0x18, at: 4 })
        );
    }

    #[test]
    fn values_nest_up_to_the_depth_limit() {
        let nested = |depth: usize| {
            let arrays = "75 01 ".repeat(depth - 1);
            item("08", &format!("01 {arrays}7e"))
        };
        assert_eq!(check(&nested(MAX_ANY_DEPTH)), Ok(()));
        assert!(matches!(
            check(&nested(MAX_ANY_DEPTH + 1)),
            Err(UpdateError::AnyTooDeep {
                limit: MAX_ANY_DEPTH,
                ..
            })
        ));
        // Maps count too.
        let maps = "76 01 00 ".repeat(MAX_ANY_DEPTH);
        assert!(matches!(
            check(&item("08", &format!("01 {maps}7e"))),
            Err(UpdateError::AnyTooDeep { .. })
        ));
        assert_eq!(
            check(&item("08", "01 73")),
            Err(UpdateError::UnknownAnyTag { tag: 0x73, at: 9 })
        );
    }

    #[test]
    fn numbers_beyond_what_yrs_reads_are_refused() {
        // A clock over 32 bits: yrs would wrap it.
        assert_eq!(
            check("01 01 05 80 80 80 80 10 00 01 00"),
            Err(UpdateError::ValueTooLarge {
                what: "clock",
                value: 1 << 32,
                limit: u64::from(u32::MAX),
                at: 3
            })
        );
        // A varuint over 64 bits.
        assert!(matches!(
            check("01 01 05 ff ff ff ff ff ff ff ff ff 7f"),
            Err(UpdateError::VarintOverflow { what: "clock", .. })
        ));
        // A client id of 2^53.
        assert_eq!(
            check("01 01 80 80 80 80 80 80 80 10 00 00 01 00"),
            Err(UpdateError::ValueTooLarge {
                what: "client",
                value: 1 << 53,
                limit: MAX_CLIENT_ID,
                at: 2
            })
        );
        // Structs running past clock 2^32 - 1.
        assert_eq!(
            check("01 01 05 ff ff ff ff 0f 00 01 00"),
            Err(UpdateError::ClockOverflow { client: 5, at: 8 })
        );
        // A signed integer value of eleven bytes.
        let long_int = "ff ".repeat(10);
        assert!(matches!(
            check(&item("08", &format!("01 7d {long_int}00"))),
            Err(UpdateError::VarintOverflow {
                what: "integer",
                ..
            })
        ));
    }

    #[test]
    fn delete_sets_must_be_ascending_and_non_empty() {
        // Adjacent ranges pass; overlapping or descending ones do not.
        assert_eq!(check("00 01 05 02 00 02 02 01"), Ok(()));
        assert_eq!(
            check("00 01 05 02 00 02 01 01"),
            Err(UpdateError::DeleteRangesOutOfOrder { client: 5, at: 6 })
        );
        assert_eq!(
            check("00 01 05 01 00 00"),
            Err(UpdateError::EmptyRange {
                what: "delete range",
                at: 5
            })
        );
        assert_eq!(
            check("00 01 05 01 ff ff ff ff 0f 01"),
            Err(UpdateError::ClockOverflow { client: 5, at: 4 })
        );
    }

    #[test]
    fn truncation_trailing_bytes_and_bad_utf8_are_refused() {
        let good = bytes(&item("04", "02 68 69"));
        assert_eq!(check_v1(&good), Ok(()));
        for cut in 0..good.len() {
            assert!(check_v1(&good[..cut]).is_err(), "accepted {cut} bytes");
        }
        assert_eq!(
            check_v1(&[&good[..], &[0]].concat()),
            Err(UpdateError::TrailingBytes { len: 1 })
        );
        assert_eq!(
            check(&item("04", "02 c3 28")),
            Err(UpdateError::InvalidUtf8 {
                what: "text",
                at: 9
            })
        );
    }
}
