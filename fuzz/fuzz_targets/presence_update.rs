//! Awareness updates into a presence table, with expiry in between.

#![no_main]

use std::time::Instant;

use inkmesh_transport::limits::{MAX_CLIENTS_PER_PEER, MAX_TRACKED_CLIENTS};
use inkmesh_transport::protocol::presence::{PresenceTable, Speaker, PRESENCE_EXPIRY};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut table = PresenceTable::new(PRESENCE_EXPIRY);
    // Two members and a relay, chosen by each frame's first byte.
    let speaker = |byte: u8| Speaker {
        id: u64::from(byte % 3),
        relay: byte % 3 == 2,
    };
    // The whole input as one update, then as a sequence of them.
    let _ = table.apply(speaker(0), data, Instant::now());
    for (update, now) in inkmesh_fuzz::frames(data, Instant::now()) {
        let from = speaker(update.first().copied().unwrap_or(0));
        let _ = table.apply(from, update, now);
        table.expire(now);
        assert!(table.tracked() <= MAX_TRACKED_CLIENTS);
        if update.first() == Some(&3) {
            table.remove_speaker(0);
        }
    }
    // Without the relay, the members own at most their quota each.
    let mut members = PresenceTable::new(PRESENCE_EXPIRY);
    for (update, now) in inkmesh_fuzz::frames(data, Instant::now()) {
        let _ = members.apply(speaker(0), update, now);
        assert!(members.tracked() <= MAX_CLIENTS_PER_PEER);
    }
});
