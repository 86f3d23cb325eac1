//! The keeper's per-receiver cursor coalescer, without clocks: time is passed
//! in. For each receiver it keeps the latest frame of each member whose cursor
//! reaches the receiver only through the keeper; a round, at most every
//! [`CURSOR_RELAY_INTERVAL`], turns each receiver's frames into relayed cursor
//! frames and forgets them. A receiver handles one cursor message per round
//! whatever the room's size, and a room with nothing to send asks for no
//! round at all ([`CursorCoalescer::due`] is `None`), so idle rooms never wake.
//!
//! Memory is bounded by the room: at most one frame per (receiver, member)
//! pair, and the glue forgets a member's entries when its link ends.

use std::collections::BTreeMap;
use std::time::Instant;

use super::cursor::CursorFrame;
use super::relayed_cursor::encode_relayed_frames;
use crate::limits::CURSOR_RELAY_INTERVAL;
use crate::signaling::PeerId;

#[derive(Debug, Default)]
pub struct CursorCoalescer {
    /// Receiver → member → the member's latest frame not yet sent to it.
    pending: BTreeMap<PeerId, BTreeMap<PeerId, CursorFrame>>,
    last_round: Option<Instant>,
    /// When `pending` last went from empty to not empty.
    pending_since: Option<Instant>,
}

impl CursorCoalescer {
    pub fn new() -> Self {
        Self::default()
    }

    /// `origin`'s accepted frame, for each of `receivers`; it replaces any
    /// older frame of `origin` still waiting for them.
    pub fn push(
        &mut self,
        origin: &PeerId,
        frame: CursorFrame,
        receivers: &[PeerId],
        now: Instant,
    ) {
        if receivers.is_empty() {
            return;
        }
        if self.pending.is_empty() {
            self.pending_since = Some(now);
        }
        for receiver in receivers {
            self.pending
                .entry(receiver.clone())
                .or_default()
                .insert(origin.clone(), frame);
        }
    }

    /// When the next round is due; `None` while there is nothing to send.
    pub fn due(&self) -> Option<Instant> {
        let since = self.pending_since.filter(|_| !self.pending.is_empty())?;
        Some(match self.last_round {
            Some(last) => since.max(last + CURSOR_RELAY_INTERVAL),
            None => since,
        })
    }

    /// Receivers with frames waiting.
    pub fn receivers(&self) -> impl Iterator<Item = &PeerId> {
        self.pending.keys()
    }

    /// A round: the relayed cursor frames for each receiver (one per 64
    /// cursors), its frames forgotten. Receivers for which `skip` is true (a
    /// cursor channel still full) keep theirs for the next round.
    pub fn round(
        &mut self,
        now: Instant,
        skip: impl Fn(&PeerId) -> bool,
    ) -> Vec<(PeerId, Vec<Vec<u8>>)> {
        self.last_round = Some(now);
        let receivers: Vec<PeerId> = self.pending.keys().filter(|r| !skip(r)).cloned().collect();
        let out = receivers
            .into_iter()
            .filter_map(|receiver| {
                let frames = self.pending.remove(&receiver)?;
                let entries: Vec<(PeerId, CursorFrame)> = frames.into_iter().collect();
                Some((receiver, encode_relayed_frames(&entries)))
            })
            .collect();
        self.pending_since = Some(now);
        out
    }

    /// `member` left or its link to the keeper ended: nothing waits for it,
    /// and its frames are not sent to anyone.
    pub fn forget(&mut self, member: &PeerId) {
        self.pending.remove(member);
        self.pending.retain(|_, frames| {
            frames.remove(member);
            !frames.is_empty()
        });
    }

    /// Stops sending `a`'s cursor to `b` and `b`'s to `a`: they are directly
    /// linked now.
    pub fn drop_pair(&mut self, a: &PeerId, b: &PeerId) {
        for (receiver, origin) in [(a, b), (b, a)] {
            if let Some(frames) = self.pending.get_mut(receiver) {
                frames.remove(origin);
                if frames.is_empty() {
                    self.pending.remove(receiver);
                }
            }
        }
    }

    /// Frames waiting, all receivers together.
    pub fn len(&self) -> usize {
        self.pending.values().map(BTreeMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::cursor::tool;
    use crate::protocol::relayed_cursor::CursorMessage;
    use std::time::Duration;

    fn at(seq: u32, x: f32) -> CursorFrame {
        CursorFrame {
            seq,
            x,
            y: 0.0,
            buttons: 0,
            tool: 0,
        }
    }

    fn ids(list: &[&str]) -> Vec<PeerId> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn decode(frames: &[Vec<u8>]) -> Vec<(PeerId, CursorFrame)> {
        frames
            .iter()
            .flat_map(|f| match CursorMessage::decode(f, true).unwrap() {
                CursorMessage::Relayed(entries) => entries,
                CursorMessage::Own(_) => panic!("not a relayed frame"),
            })
            .collect()
    }

    /// The laser travels in the frame (its tool code and buttons), so the
    /// keeper relays it as sent; coalescing keeps a round's latest frame, so
    /// a laser turned on and off within one interval arrives off, and the
    /// receiver's trail lifts rather than joining the next press.
    #[test]
    fn a_laser_frame_is_relayed_as_sent_and_a_rounds_latest_says_if_it_is_on() {
        let mut coalescer = CursorCoalescer::new();
        let t0 = Instant::now();
        let a = "a".to_string();
        let laser = |seq, buttons| CursorFrame {
            seq,
            x: 10.5,
            y: -3.0,
            buttons,
            tool: tool::LASER,
        };
        coalescer.push(&a, laser(1, 1), &ids(&["b"]), t0);
        let round = coalescer.round(t0, |_| false);
        assert_eq!(decode(&round[0].1), [(a.clone(), laser(1, 1))]);
        let t1 = t0 + CURSOR_RELAY_INTERVAL;
        coalescer.push(&a, laser(2, 1), &ids(&["b"]), t1);
        coalescer.push(&a, laser(3, 0), &ids(&["b"]), t1);
        let round = coalescer.round(t1, |_| false);
        assert_eq!(decode(&round[0].1), [(a, laser(3, 0))]);
    }

    #[test]
    fn an_idle_coalescer_asks_for_no_round() {
        let mut coalescer = CursorCoalescer::new();
        assert_eq!(coalescer.due(), None);
        let now = Instant::now();
        // A frame nobody is to receive does not wake anything either.
        coalescer.push(&"a".into(), at(0, 1.0), &[], now);
        assert_eq!(coalescer.due(), None);
        coalescer.push(&"a".into(), at(0, 1.0), &ids(&["b"]), now);
        assert_eq!(coalescer.due(), Some(now));
        coalescer.round(now, |_| false);
        assert_eq!(coalescer.due(), None);
        assert!(coalescer.is_empty());
    }

    #[test]
    fn one_round_carries_each_members_latest_frame_at_most_every_16_ms() {
        let mut coalescer = CursorCoalescer::new();
        let t0 = Instant::now();
        let (a, b) = ("a".to_string(), "b".to_string());
        coalescer.push(&a, at(1, 1.0), &ids(&["c"]), t0);
        coalescer.push(&a, at(2, 2.0), &ids(&["c"]), t0);
        coalescer.push(&b, at(7, 3.0), &ids(&["a", "c"]), t0);
        assert_eq!(coalescer.len(), 3);
        let round = coalescer.round(t0, |_| false);
        assert_eq!(round.len(), 2);
        let to_c = &round.iter().find(|(r, _)| r == "c").unwrap().1;
        assert_eq!(to_c.len(), 1, "one message per receiver");
        assert_eq!(
            decode(to_c),
            [(a.clone(), at(2, 2.0)), (b.clone(), at(7, 3.0))]
        );
        // The next frame waits for the interval.
        let t1 = t0 + Duration::from_millis(3);
        coalescer.push(&a, at(3, 4.0), &ids(&["c"]), t1);
        assert_eq!(coalescer.due(), Some(t0 + CURSOR_RELAY_INTERVAL));
        // After a quiet spell, a frame goes at once.
        let mut quiet = CursorCoalescer::new();
        quiet.round(t0, |_| false);
        let later = t0 + Duration::from_secs(1);
        quiet.push(&a, at(3, 4.0), &ids(&["c"]), later);
        assert_eq!(quiet.due(), Some(later));
    }

    #[test]
    fn a_busy_receiver_keeps_its_cursors_for_the_next_round() {
        let mut coalescer = CursorCoalescer::new();
        let t0 = Instant::now();
        let a = "a".to_string();
        coalescer.push(&a, at(1, 1.0), &ids(&["b", "c"]), t0);
        let round = coalescer.round(t0, |r| r == "b");
        assert_eq!(
            round.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(),
            ["c"]
        );
        assert_eq!(coalescer.due(), Some(t0 + CURSOR_RELAY_INTERVAL));
        coalescer.push(&a, at(2, 2.0), &ids(&["b"]), t0);
        let round = coalescer.round(t0 + CURSOR_RELAY_INTERVAL, |_| false);
        assert_eq!(decode(&round[0].1), [(a, at(2, 2.0))]);
    }

    #[test]
    fn forgetting_a_member_or_a_pair_drops_its_frames() {
        let mut coalescer = CursorCoalescer::new();
        let now = Instant::now();
        let (a, b, c) = ("a".to_string(), "b".to_string(), "c".to_string());
        coalescer.push(&a, at(1, 1.0), &ids(&["b", "c"]), now);
        coalescer.push(&b, at(1, 1.0), &ids(&["a", "c"]), now);
        coalescer.push(&c, at(1, 1.0), &ids(&["a"]), now);
        coalescer.drop_pair(&a, &b);
        assert_eq!(coalescer.len(), 3);
        coalescer.forget(&c);
        assert_eq!(coalescer.len(), 0);
        assert_eq!(coalescer.due(), None);
    }
}
