//! Board-channel frames: reassembly, then y-protocols decoding of every message
//! that completes.

#![no_main]

use std::time::{Duration, Instant};

use inkmesh_transport::protocol::chunk::Reassembler;
use inkmesh_transport::protocol::frame::BoardMessage;
use inkmesh_transport::protocol::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Small limits put every bound within the fuzzer's reach.
    let limits = Limits {
        max_frame_bytes: 32,
        max_message_bytes: 4096,
        max_partial_messages: 2,
        max_partial_bytes: 6000,
        reassembly_timeout: Duration::from_secs(10),
        ..Limits::default()
    };
    let mut reassembler = Reassembler::new(&limits);
    // Frames after an error still go in: the peer would be gone, but any state
    // the reassembler is left in must be safe too.
    for (frame, now) in inkmesh_fuzz::frames(data, Instant::now()) {
        if let Ok(Some(message)) = reassembler.push(frame, now) {
            assert!(message.len() <= limits.max_message_bytes);
            if let Ok(decoded) = BoardMessage::decode(&message) {
                assert_eq!(BoardMessage::decode(&decoded.encode()).ok(), Some(decoded));
            }
        }
        assert!(reassembler.partial_messages() <= limits.max_partial_messages);
        assert!(reassembler.partial_bytes() <= limits.max_partial_bytes);
    }
});
