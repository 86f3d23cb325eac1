//! Cursor-channel frames: decoding (a member's own and the keeper's relayed
//! ones), and the stale-frame filter.

#![no_main]

use inkmesh_transport::protocol::cursor::{CursorFilter, CursorFrame};
use inkmesh_transport::protocol::relayed_cursor::{encode_relayed, CursorMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut filter = CursorFilter::default();
    for bytes in data.chunks(CursorFrame::BYTES) {
        if let Ok(frame) = CursorFrame::decode(bytes) {
            assert!(frame.x.is_finite() && frame.y.is_finite());
            assert_eq!(frame.encode(), bytes);
            filter.accept(&frame);
        }
    }
    if let Ok(CursorMessage::Relayed(entries)) = CursorMessage::decode(data, true) {
        assert!(entries
            .iter()
            .all(|(_, f)| f.x.is_finite() && f.y.is_finite()));
        // Not byte for byte: an id's length may arrive as an overlong varuint.
        let encoded = encode_relayed(&entries).expect("1..=64 entries");
        assert_eq!(
            CursorMessage::decode(&encoded, true).ok(),
            Some(CursorMessage::Relayed(entries))
        );
    }
});
