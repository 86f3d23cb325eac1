//! The links report: the complete set of members a member has a live direct
//! link with, sent to the keeper on the board channel as message type 4 (after
//! y-protocols' 0 to 3) whenever that set changes. The keeper relays for every
//! pair of members that do not both list each other (`docs/PROTOCOL.md`,
//! "Topology").
//!
//! ```text
//! 04 | varuint n (at most 64) | n × varstring member id (1..=64 bytes of UTF-8)
//! ```

use super::lib0::{self, Reader};
use super::ProtocolError;
use crate::limits::{MAX_LINKS_PER_REPORT, MAX_MEMBER_ID_BYTES};
use crate::signaling::PeerId;

/// The message type of a links report on the board channel.
pub const MSG_LINKS: u8 = 4;

/// Appends a links report's body (after its message type).
pub(crate) fn encode_body(out: &mut Vec<u8>, ids: &[PeerId]) {
    lib0::write_varuint(out, ids.len() as u64);
    for id in ids {
        lib0::write_varbuf(out, id.as_bytes());
    }
}

/// Reads a links report's body (after its message type), refusing more than
/// [`MAX_LINKS_PER_REPORT`] ids (before allocating for them) and ids that are
/// empty, over [`MAX_MEMBER_ID_BYTES`] or not UTF-8. The caller checks that
/// nothing follows.
pub(crate) fn decode_body(reader: &mut Reader<'_>) -> Result<Vec<PeerId>, ProtocolError> {
    let count = reader.varuint().map_err(bad)?;
    if count > MAX_LINKS_PER_REPORT as u64 {
        return Err(ProtocolError::TooManyLinks {
            count,
            limit: MAX_LINKS_PER_REPORT,
        });
    }
    (0..count).map(|_| member_id(reader)).collect()
}

/// A varstring member id: 1..=[`MAX_MEMBER_ID_BYTES`] bytes of UTF-8. Shared
/// with the relayed cursor frame.
pub(crate) fn member_id(reader: &mut Reader<'_>) -> Result<PeerId, ProtocolError> {
    let bytes = reader.varbuf().map_err(bad)?;
    if bytes.len() > MAX_MEMBER_ID_BYTES {
        return Err(ProtocolError::MemberIdTooLong {
            len: bytes.len(),
            limit: MAX_MEMBER_ID_BYTES,
        });
    }
    if bytes.is_empty() {
        return Err(bad("empty member id"));
    }
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| bad("member id is not UTF-8"))
}

fn bad(reason: &str) -> ProtocolError {
    ProtocolError::Malformed(reason.to_owned())
}

#[cfg(test)]
mod tests {
    use crate::protocol::frame::{BoardMessage, WHOLE_FRAME};
    use crate::protocol::{hex, ProtocolError};

    fn whole_frame(message: &BoardMessage) -> Vec<u8> {
        [&[WHOLE_FRAME][..], &message.encode()].concat()
    }

    #[test]
    fn empty_report_matches_protocol_md() {
        let message = BoardMessage::Links(vec![]);
        assert_eq!(hex(&whole_frame(&message)), "00 04 00");
        assert_eq!(BoardMessage::decode(&[0x04, 0x00]).unwrap(), message);
    }

    #[test]
    fn one_member_report_matches_protocol_md() {
        let message = BoardMessage::Links(vec!["p-0k3j5x9q2m1a".to_owned()]);
        let frame = whole_frame(&message);
        assert_eq!(
            hex(&frame),
            "00 04 01 0e 70 2d 30 6b 33 6a 35 78 39 71 32 6d 31 61"
        );
        assert_eq!(BoardMessage::decode(&frame[1..]).unwrap(), message);
    }

    #[test]
    fn sixty_four_ids_are_accepted_and_sixty_five_refused() {
        let ids: Vec<String> = (0..65).map(|i| format!("p-{i:012}")).collect();
        let fits = BoardMessage::Links(ids[..64].to_vec());
        assert_eq!(BoardMessage::decode(&fits.encode()).unwrap(), fits);
        let over = BoardMessage::Links(ids).encode();
        let error = BoardMessage::decode(&over).unwrap_err();
        assert!(
            matches!(
                error,
                ProtocolError::TooManyLinks {
                    count: 65,
                    limit: 64
                }
            ),
            "{error}"
        );
        assert_eq!(error.limit(), Some(crate::Limit::LinksPerReport));
        // The count alone is refused, before any id is read.
        assert!(matches!(
            BoardMessage::decode(&[0x04, 0xff, 0xff, 0x03]),
            Err(ProtocolError::TooManyLinks { .. })
        ));
    }

    #[test]
    fn bad_ids_and_leftovers_are_refused() {
        let long = BoardMessage::Links(vec!["x".repeat(65)]).encode();
        let error = BoardMessage::decode(&long).unwrap_err();
        assert_eq!(error.limit(), Some(crate::Limit::MemberIdBytes), "{error}");
        let just_fits = BoardMessage::Links(vec!["x".repeat(64)]);
        assert_eq!(
            BoardMessage::decode(&just_fits.encode()).unwrap(),
            just_fits
        );
        let bad: &[&[u8]] = &[
            &[0x04],                         // no count
            &[0x04, 0x01],                   // a missing id
            &[0x04, 0x01, 0x02, b'p'],       // a truncated id
            &[0x04, 0x01, 0x00],             // an empty id
            &[0x04, 0x01, 0x02, 0xff, 0xfe], // not UTF-8
            &[0x04, 0x00, 0x00],             // a byte left over
        ];
        for bytes in bad {
            assert!(
                matches!(
                    BoardMessage::decode(bytes),
                    Err(ProtocolError::Malformed(_))
                ),
                "{bytes:?}"
            );
        }
    }
}
