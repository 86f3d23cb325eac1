//! Awareness updates into a presence table, with expiry in between.

#![no_main]

use std::time::Instant;

use inkmesh_transport::protocol::presence::{PresenceTable, MAX_TRACKED_CLIENTS, PRESENCE_EXPIRY};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut table = PresenceTable::new(PRESENCE_EXPIRY);
    // The whole input as one update, then as a sequence of them.
    let _ = table.apply(data, Instant::now());
    for (update, now) in inkmesh_fuzz::frames(data, Instant::now()) {
        let _ = table.apply(update, now);
        table.expire(now);
        assert!(table.len() <= MAX_TRACKED_CLIENTS);
    }
});
