//! Our board updates on their way to the keeper, held for a moment while it
//! would forward them to no one (`docs/PROTOCOL.md`, "What a member sends the
//! keeper"): every other member of the room gets them from us directly, so
//! the keeper only keeps them. A stroke makes ~60 updates a second; merged,
//! the keeper gets ~20 messages instead.
//! The web client's twin is `web/src/net/keeper-hold.ts`.
//!
//! No clock reads: the room passes the time in and sleeps until [`KeeperHold::due`].

use std::time::{Duration, Instant};

/// The longest an update waits for the keeper. The server's copy lags the board by at most this.
pub const KEEPER_HOLD: Duration = Duration::from_millis(50);
/// Past this many held updates they go at once, whatever the time: a bound
/// on memory and on one merge's cost.
pub const KEEPER_HOLD_MAX_UPDATES: usize = 64;

#[derive(Debug, Default)]
pub struct KeeperHold {
    held: Vec<Vec<u8>>,
    /// When the first held update came: the hold ends [`KEEPER_HOLD`] later.
    since: Option<Instant>,
}

impl KeeperHold {
    /// Holds `update`; true when the hold is full and should be taken now.
    pub fn add(&mut self, update: &[u8], now: Instant) -> bool {
        self.since.get_or_insert(now);
        self.held.push(update.to_vec());
        self.held.len() >= KEEPER_HOLD_MAX_UPDATES
    }

    /// When what is held must go; `None` while nothing is.
    pub fn due(&self) -> Option<Instant> {
        self.since.map(|since| since + KEEPER_HOLD)
    }

    /// Everything held, as one v1 update when the updates merge (each on its
    /// own if they somehow do not: they are ours, so they always should), and
    /// the hold emptied.
    pub fn take(&mut self) -> Vec<Vec<u8>> {
        self.since = None;
        let held = std::mem::take(&mut self.held);
        if held.len() < 2 {
            return held;
        }
        match yrs::merge_updates_v1(&held) {
            Ok(merged) => vec![merged],
            Err(_) => held,
        }
    }
}

#[cfg(test)]
mod tests {
    use yrs::updates::decoder::Decode;
    use yrs::{Array, Doc, ReadTxn, StateVector, Transact, Update};

    use super::*;

    /// The v1 updates of `n` separate edits to one array, as a board's stroke makes them.
    fn edits(n: u32) -> (Doc, Vec<Vec<u8>>) {
        let doc = Doc::new();
        let array = doc.get_or_insert_array("p");
        let mut updates = Vec::new();
        for i in 0..n {
            let before = doc.transact().state_vector();
            array.push_back(&mut doc.transact_mut(), i);
            updates.push(doc.transact().encode_state_as_update_v1(&before));
        }
        (doc, updates)
    }

    #[test]
    fn what_is_held_goes_as_one_update_that_holds_every_edit() {
        let (doc, updates) = edits(5);
        let mut hold = KeeperHold::default();
        let start = Instant::now();
        for (i, update) in updates.iter().enumerate() {
            assert!(!hold.add(update, start + Duration::from_millis(i as u64)));
        }
        assert_eq!(
            hold.due(),
            Some(start + KEEPER_HOLD),
            "the first update starts the clock"
        );
        let taken = hold.take();
        assert_eq!(taken.len(), 1);
        let keeper = Doc::new();
        keeper
            .transact_mut()
            .apply_update(Update::decode_v1(&taken[0]).unwrap())
            .unwrap();
        assert_eq!(
            keeper
                .transact()
                .encode_state_as_update_v1(&StateVector::default()),
            doc.transact()
                .encode_state_as_update_v1(&StateVector::default())
        );
        assert_eq!(hold.due(), None);
        assert!(hold.take().is_empty());
    }

    #[test]
    fn a_full_hold_asks_to_go_now() {
        let (_, updates) = edits(KEEPER_HOLD_MAX_UPDATES as u32);
        let mut hold = KeeperHold::default();
        let now = Instant::now();
        let full: Vec<bool> = updates.iter().map(|u| hold.add(u, now)).collect();
        assert!(full[..KEEPER_HOLD_MAX_UPDATES - 1].iter().all(|f| !f));
        assert!(full[KEEPER_HOLD_MAX_UPDATES - 1]);
    }

    #[test]
    fn updates_that_do_not_merge_go_each_as_they_came() {
        let mut hold = KeeperHold::default();
        let now = Instant::now();
        hold.add(&[0xff, 0xff], now);
        hold.add(&[0x00, 0x00], now);
        assert_eq!(hold.take(), vec![vec![0xff, 0xff], vec![0x00, 0x00]]);
    }
}
