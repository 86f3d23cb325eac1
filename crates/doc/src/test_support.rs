//! Helpers the unit tests of several modules share.

/// Bytes as PROTOCOL.md and SCHEMA.md print them: lowercase hex pairs, one space apart.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
