//! The relayed cursor frame: the keeper's one message per round on a member's
//! cursor channel, holding the latest cursor of every member whose cursor
//! reaches that member only through the keeper (`docs/PROTOCOL.md`, "The
//! relayed cursor frame").
//!
//! ```text
//! u8 n (1..=64) | n × (varstring member id (1..=64 bytes) | 14-byte cursor frame)
//! ```
//!
//! A cursor-channel frame of exactly 14 bytes is always the sender's own
//! cursor, so the two never collide: a relayed frame with one entry is at
//! least 1 + 1 + 1 + 14 bytes.

use std::time::{Duration, Instant};

use super::cursor::{CursorFilter, CursorFrame};
use super::lib0::{self, Reader};
use super::links::member_id;
use super::ProtocolError;
use crate::limits::MAX_RELAYED_CURSORS;
use crate::signaling::PeerId;

/// What a frame on the cursor channel carries.
#[derive(Debug, Clone, PartialEq)]
pub enum CursorMessage {
    /// The sender's own cursor.
    Own(CursorFrame),
    /// Other members' cursors, relayed by the keeper: (member id, its frame).
    Relayed(Vec<(PeerId, CursorFrame)>),
}

impl CursorMessage {
    /// Reads a cursor-channel frame from a peer; only the keeper
    /// (`from_keeper`) may send relayed frames. Anything else is an error
    /// (disconnect the peer).
    pub fn decode(bytes: &[u8], from_keeper: bool) -> Result<Self, ProtocolError> {
        if bytes.len() == CursorFrame::BYTES || !from_keeper {
            return CursorFrame::decode(bytes).map(CursorMessage::Own);
        }
        decode_relayed(bytes).map(CursorMessage::Relayed)
    }
}

/// A member's relayed cursors seen after this long without one are numbered
/// afresh: its `seq` restarts at 0 when its keeper link re-forms under the
/// same member id, and a plain seq filter would hide its cursor until the new
/// numbering passed the old one. A link takes longer than this to re-form.
pub const RELAYED_CURSOR_RENUMBER: Duration = Duration::from_millis(500);

/// Receiver side, per member whose cursor arrives through the keeper: the
/// seq filter of [`CursorFilter`], started afresh after
/// [`RELAYED_CURSOR_RENUMBER`] without an accepted frame.
#[derive(Debug)]
pub struct RelayedCursorFilter {
    filter: CursorFilter,
    accepted_at: Instant,
}

impl RelayedCursorFilter {
    pub fn new(now: Instant) -> Self {
        Self {
            filter: CursorFilter::default(),
            accepted_at: now,
        }
    }

    /// Whether to show `frame`, which arrived at `now`.
    pub fn accept(&mut self, frame: &CursorFrame, now: Instant) -> bool {
        if now.saturating_duration_since(self.accepted_at) > RELAYED_CURSOR_RENUMBER {
            self.filter = CursorFilter::default();
        }
        let accepted = self.filter.accept(frame);
        if accepted {
            self.accepted_at = now;
        }
        accepted
    }
}

/// Encodes up to [`MAX_RELAYED_CURSORS`] cursors as one relayed frame; `None`
/// for none or too many (the caller splits: see [`encode_relayed_frames`]).
pub fn encode_relayed(entries: &[(PeerId, CursorFrame)]) -> Option<Vec<u8>> {
    if entries.is_empty() || entries.len() > MAX_RELAYED_CURSORS {
        return None;
    }
    let mut out = Vec::with_capacity(1 + entries.len() * (16 + CursorFrame::BYTES));
    out.push(entries.len() as u8);
    for (id, frame) in entries {
        lib0::write_varbuf(&mut out, id.as_bytes());
        out.extend_from_slice(&frame.encode());
    }
    Some(out)
}

/// Encodes any number of cursors as relayed frames of at most
/// [`MAX_RELAYED_CURSORS`] entries each.
pub fn encode_relayed_frames(entries: &[(PeerId, CursorFrame)]) -> Vec<Vec<u8>> {
    entries
        .chunks(MAX_RELAYED_CURSORS)
        .filter_map(encode_relayed)
        .collect()
}

fn decode_relayed(bytes: &[u8]) -> Result<Vec<(PeerId, CursorFrame)>, ProtocolError> {
    let Some((&count, rest)) = bytes.split_first() else {
        return Err(bad("empty frame"));
    };
    let count = usize::from(count);
    if count == 0 {
        return Err(bad("no entries"));
    }
    if count > MAX_RELAYED_CURSORS {
        return Err(ProtocolError::TooManyRelayedCursors {
            count,
            limit: MAX_RELAYED_CURSORS,
        });
    }
    let mut reader = Reader::new(rest);
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        let id = member_id(&mut reader).map_err(|e| match e {
            ProtocolError::Malformed(reason) => bad(&reason),
            other => other,
        })?;
        let frame = reader
            .bytes(CursorFrame::BYTES)
            .map_err(|_| bad("truncated cursor entry"))?;
        entries.push((id, CursorFrame::decode(frame)?));
    }
    reader
        .finish()
        .map_err(|_| bad("bytes left over after the last entry"))?;
    Ok(entries)
}

fn bad(reason: &str) -> ProtocolError {
    ProtocolError::BadCursorFrame(format!("relayed: {reason}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_relayed_cursor_numbered_afresh_is_shown_after_a_pause() {
        let start = Instant::now();
        let mut filter = RelayedCursorFilter::new(start);
        let at = |seq| CursorFrame {
            seq,
            x: 1.0,
            y: 2.0,
            buttons: 0,
            tool: 0,
        };
        assert!(filter.accept(&at(500), start));
        assert!(!filter.accept(&at(3), start + Duration::from_millis(100)));
        let later = start + RELAYED_CURSOR_RENUMBER + Duration::from_millis(1);
        assert!(
            filter.accept(&at(0), later),
            "a new numbering after a pause"
        );
        assert!(!filter.accept(&at(0), later), "the same frame again");
        assert!(filter.accept(&at(1), later));
    }

    use super::*;
    use crate::protocol::cursor::tool;
    use crate::protocol::hex;
    use crate::Limit;

    fn example() -> (PeerId, CursorFrame) {
        (
            "p-9zz0a1b2c3d4".to_owned(),
            CursorFrame {
                seq: 258,
                x: 100.5,
                y: -20.25,
                buttons: 1,
                tool: tool::PEN,
            },
        )
    }

    #[test]
    fn example_matches_protocol_md() {
        let bytes = encode_relayed(&[example()]).unwrap();
        assert_eq!(
            hex(&bytes),
            "01 0e 70 2d 39 7a 7a 30 61 31 62 32 63 33 64 34 \
             02 01 00 00 00 00 c9 42 00 00 a2 c1 01 01"
        );
        assert_eq!(
            CursorMessage::decode(&bytes, true).unwrap(),
            CursorMessage::Relayed(vec![example()])
        );
    }

    #[test]
    fn fourteen_bytes_are_always_the_senders_own_cursor() {
        let (_, frame) = example();
        let bytes = frame.encode();
        for from_keeper in [false, true] {
            assert_eq!(
                CursorMessage::decode(&bytes, from_keeper).unwrap(),
                CursorMessage::Own(frame)
            );
        }
    }

    #[test]
    fn only_the_keeper_relays() {
        let bytes = encode_relayed(&[example()]).unwrap();
        assert!(matches!(
            CursorMessage::decode(&bytes, false),
            Err(ProtocolError::BadCursorFrame(_))
        ));
    }

    #[test]
    fn many_cursors_split_into_frames_of_at_most_64() {
        let entries: Vec<_> = (0..130)
            .map(|i| (format!("p-{i:012}"), example().1))
            .collect();
        let frames = encode_relayed_frames(&entries);
        assert_eq!(frames.iter().map(|f| f[0]).collect::<Vec<_>>(), [64, 64, 2]);
        let decoded: Vec<_> = frames
            .iter()
            .flat_map(|f| match CursorMessage::decode(f, true).unwrap() {
                CursorMessage::Relayed(entries) => entries,
                CursorMessage::Own(_) => panic!("not relayed"),
            })
            .collect();
        assert_eq!(decoded, entries);
        assert!(encode_relayed(&[]).is_none());
    }

    #[test]
    fn bad_relayed_frames_are_refused() {
        let good = encode_relayed(&[example()]).unwrap();
        let mut not_finite = good.clone();
        not_finite[good.len() - 6..good.len() - 2].copy_from_slice(&f32::NAN.to_le_bytes());
        let mut long_id = vec![1, 65];
        long_id.extend(std::iter::repeat_n(b'x', 65));
        long_id.extend(example().1.encode());
        let bad: Vec<Vec<u8>> = vec![
            vec![],
            vec![0x00],                            // no entries
            good[..good.len() - 1].to_vec(),       // a truncated entry
            [&good[..], &[0x00]].concat(),         // a byte left over
            [&[0x02], &good[1..]].concat(),        // a missing second entry
            not_finite,                            // y is NaN
            [&[0x01, 0x00], &good[16..]].concat(), // an empty id
        ];
        for bytes in &bad {
            assert!(
                matches!(
                    CursorMessage::decode(bytes, true),
                    Err(ProtocolError::BadCursorFrame(_))
                ),
                "{bytes:?}"
            );
        }
        let error = CursorMessage::decode(&long_id, true).unwrap_err();
        assert_eq!(error.limit(), Some(Limit::MemberIdBytes));
        let mut over = vec![65];
        for _ in 0..65 {
            over.extend(&good[1..]);
        }
        let error = CursorMessage::decode(&over, true).unwrap_err();
        assert_eq!(error.limit(), Some(Limit::RelayedCursorsPerFrame));
    }
}
