//! Cursor-channel frames: decoding, and the stale-frame filter.

#![no_main]

use inkmesh_transport::protocol::cursor::{CursorFilter, CursorFrame};
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
});
