//! Turns one fuzzer input into what a peer sends over time, so that the
//! targets reach multi-frame states (chunk reassembly, timeouts, a session
//! past its handshake) and not only single-frame decoding.

use std::time::{Duration, Instant};

/// Splits `data` into frames, each preceded by two bytes: its length, and how
/// long after the previous frame it arrives, in tenths of a second (so some
/// inputs outlast the reassembly timeout).
pub fn frames(data: &[u8], start: Instant) -> impl Iterator<Item = (&[u8], Instant)> {
    let mut rest = data;
    let mut now = start;
    std::iter::from_fn(move || {
        let [len, tenths, tail @ ..] = rest else {
            return None;
        };
        let (frame, tail) = tail.split_at(usize::from(*len).min(tail.len()));
        rest = tail;
        now += Duration::from_millis(100 * u64::from(*tenths));
        Some((frame, now))
    })
}
