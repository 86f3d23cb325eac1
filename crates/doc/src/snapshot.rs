//! Snapshots: a bincode envelope around a Yjs update (`docs/SCHEMA.md`,
//! "Snapshots"). The envelope says what is inside and guards it with a CRC, so
//! a truncated or corrupted file is reported as such instead of loading as a
//! silently different board.
//!
//! bincode is pinned to 2.0.1 (3.0.0 is an empty crate) and used only here.

use bincode::{Decode, Encode};

use crate::board::{Board, BoardOptions, SCHEMA_VERSION};
use crate::board_file::BoardFile;
use crate::bounded_v2::max_v2_structs;
use crate::error::{Error, SnapshotError};
use crate::limits::MAX_SNAPSHOT_BYTES;
use crate::sync::{decode_update, Encoding};

/// The first four bytes of every snapshot.
pub const MAGIC: [u8; 4] = *b"IMSH";
/// Bytes before the update: magic, version, encoding, created, CRC, length.
pub const HEADER_BYTES: usize = 29;

/// A decoded snapshot envelope. The update inside is checked against its CRC,
/// but not yet decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub schema_version: u32,
    pub encoding: Encoding,
    /// Milliseconds since the Unix epoch.
    pub created_ms: u64,
    pub update: Vec<u8>,
}

/// The bytes on disk, field for field.
#[derive(Encode, Decode)]
struct Envelope {
    magic: [u8; 4],
    schema_version: u32,
    encoding: u8,
    created_ms: u64,
    crc32: u32,
    update: Vec<u8>,
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard()
        .with_fixed_int_encoding()
        .with_little_endian()
        .with_limit::<MAX_SNAPSHOT_BYTES>()
}

impl Snapshot {
    pub fn new(encoding: Encoding, created_ms: u64, update: Vec<u8>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            encoding,
            created_ms,
            update,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let envelope = Envelope {
            magic: MAGIC,
            schema_version: self.schema_version,
            encoding: self.encoding as u8,
            created_ms: self.created_ms,
            crc32: crc32fast::hash(&self.update),
            update: self.update.clone(),
        };
        bincode::encode_to_vec(envelope, config()).expect("writing to a Vec cannot fail")
    }

    /// Reads an envelope, refusing anything over `limit` bytes.
    pub fn decode(bytes: &[u8], limit: usize) -> Result<Self, SnapshotError> {
        let limit = limit.min(MAX_SNAPSHOT_BYTES);
        if bytes.len() > limit {
            return Err(SnapshotError::TooLarge {
                len: bytes.len() as u64,
                limit: limit as u64,
            });
        }
        if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
            return Err(SnapshotError::BadMagic);
        }
        let (envelope, read): (Envelope, usize) = bincode::decode_from_slice(bytes, config())
            .map_err(|e| SnapshotError::Envelope(e.to_string()))?;
        if envelope.schema_version > SCHEMA_VERSION {
            return Err(SnapshotError::UnsupportedVersion(envelope.schema_version));
        }
        let encoding = match envelope.encoding {
            1 => Encoding::V1,
            2 => Encoding::V2,
            other => return Err(SnapshotError::UnknownEncoding(other)),
        };
        if read != bytes.len() {
            return Err(SnapshotError::TrailingBytes(bytes.len() - read));
        }
        if crc32fast::hash(&envelope.update) != envelope.crc32 {
            return Err(SnapshotError::Checksum);
        }
        Ok(Snapshot {
            schema_version: envelope.schema_version,
            encoding,
            created_ms: envelope.created_ms,
            update: envelope.update,
        })
    }
}

impl Board {
    /// The whole board as a snapshot, stamped with the board clock. It holds
    /// what [`Board::encode_state`] does, pending structs included, in v2
    /// (about half the size of v1 for strokes). It is v1 when the board might
    /// hold more structs than a v2 update of that size may stand for (a long
    /// editing history compresses that well; `bounded_v2.rs`), or holds
    /// pending structs, which the board cannot count: every snapshot written
    /// loads again.
    pub fn snapshot(&self) -> Vec<u8> {
        let v2 = self.encode_state(Encoding::V2);
        let v2_loads = self
            .struct_bound()
            .is_some_and(|structs| structs <= max_v2_structs(v2.len()));
        let (encoding, update) = if v2_loads {
            (Encoding::V2, v2)
        } else {
            (Encoding::V1, self.encode_state(Encoding::V1))
        };
        Snapshot::new(encoding, (self.now_ms)(), update).encode()
    }

    /// A board holding a snapshot's contents, as loaded from storage (remote origin:
    /// none of it is undoable by this user).
    ///
    /// Give it a client id of its own (the default is a random one): it may
    /// hold some of the writer's edits pending until what they wait for
    /// arrives (see [`Board::encode_state`]), and with the writer's id it
    /// would reuse their clocks for its own edits.
    pub fn from_snapshot(bytes: &[u8], options: BoardOptions) -> Result<Self, Error> {
        let snapshot = Snapshot::decode(bytes, MAX_SNAPSHOT_BYTES)?;
        let mut board = Board::with_options(options);
        board
            .apply_remote(&snapshot.update, snapshot.encoding)
            .map_err(|e| SnapshotError::Update(e.to_string()))?;
        Ok(board)
    }

    /// Merges a board file (with or without images: see [`BoardFile`]) into
    /// this board as one undoable local edit. The board holds only the
    /// images' hashes; the files themselves are the caller's to store
    /// ([`BoardFile::decode`] gives them).
    pub fn import_snapshot(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let snapshot = BoardFile::decode(bytes)?.snapshot;
        // Decode before applying, so a bad file is reported as a bad snapshot.
        decode_update(&snapshot.update, snapshot.encoding)
            .map_err(|e| SnapshotError::Update(e.to_string()))?;
        self.apply_local(&snapshot.update, snapshot.encoding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_update_envelope_matches_schema_example() {
        let bytes = Snapshot::new(Encoding::V1, 1_700_000_000_000, vec![0, 0]).encode();
        let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex.join(" "),
            "49 4d 53 48 01 00 00 00 01 00 68 e5 cf 8b 01 00 00 \
             ff 12 d9 41 02 00 00 00 00 00 00 00 00 00"
        );
        assert_eq!(bytes.len(), HEADER_BYTES + 2);
        let back = Snapshot::decode(&bytes, MAX_SNAPSHOT_BYTES).unwrap();
        assert_eq!(
            back,
            Snapshot::new(Encoding::V1, 1_700_000_000_000, vec![0, 0])
        );
    }

    #[test]
    fn bad_envelopes_are_reported() {
        let good = Snapshot::new(Encoding::V2, 5, vec![1, 2, 3]).encode();
        let mut bad_magic = good.clone();
        bad_magic[0] = b'X';
        assert_eq!(
            Snapshot::decode(&bad_magic, 1 << 20),
            Err(SnapshotError::BadMagic)
        );

        let mut newer = good.clone();
        newer[4] = 9;
        assert_eq!(
            Snapshot::decode(&newer, 1 << 20),
            Err(SnapshotError::UnsupportedVersion(9))
        );

        let mut unknown_encoding = good.clone();
        unknown_encoding[8] = 7;
        assert_eq!(
            Snapshot::decode(&unknown_encoding, 1 << 20),
            Err(SnapshotError::UnknownEncoding(7))
        );

        let mut corrupt = good.clone();
        *corrupt.last_mut().unwrap() ^= 0xff;
        assert_eq!(
            Snapshot::decode(&corrupt, 1 << 20),
            Err(SnapshotError::Checksum)
        );

        let mut trailing = good.clone();
        trailing.push(0);
        assert_eq!(
            Snapshot::decode(&trailing, 1 << 20),
            Err(SnapshotError::TrailingBytes(1))
        );

        for cut in 0..good.len() {
            assert!(
                Snapshot::decode(&good[..cut], 1 << 20).is_err(),
                "accepted {cut} bytes"
            );
        }

        assert!(matches!(
            Snapshot::decode(&good, 10),
            Err(SnapshotError::TooLarge { len: 32, limit: 10 })
        ));

        // A length field claiming far more than the input must not allocate it.
        let mut huge_len = good.clone();
        huge_len[21..29].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            Snapshot::decode(&huge_len, 1 << 20),
            Err(SnapshotError::Envelope(_))
        ));
    }
}
