//! Snapshot envelopes (`docs/SCHEMA.md`, "Snapshots") whose checksum the fuzzer
//! need not get right: almost every mutation of the update inside would
//! otherwise stop at the CRC check and never reach the Yjs decoder.

use inkmesh_doc::HEADER_BYTES;

/// Where the CRC-32 of the update sits in the envelope.
const CRC_AT: std::ops::Range<usize> = 17..21;

/// `bytes` with the envelope's CRC field set to the CRC of everything after
/// the header (the update, if the length field agrees).
pub fn with_valid_crc(bytes: &[u8]) -> Vec<u8> {
    let mut fixed = bytes.to_vec();
    if let Some(update) = bytes.get(HEADER_BYTES..) {
        fixed[CRC_AT].copy_from_slice(&crc32fast::hash(update).to_le_bytes());
    }
    fixed
}
