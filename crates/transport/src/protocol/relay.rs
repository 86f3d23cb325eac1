//! The keeper's relay decisions, without sockets: which members report which
//! live direct links, which pairs are therefore directly linked, and who gets
//! what the keeper forwards (`docs/PROTOCOL.md`, "Topology").
//!
//! The keeper forwards a member's board updates, presence and cursors to every
//! other member whose board channel to it is open, except those the sender is
//! directly linked with: members A and B are directly linked iff A's latest
//! links report lists B and B's lists A. Each side decides only from what it
//! was told, so a link the keeper cannot see is never assumed to work: until
//! both members report it, the keeper relays for the pair.

use std::collections::{BTreeSet, HashMap};

use crate::limits::MAX_LINKS_PER_REPORT;
use crate::signaling::PeerId;

/// The latest links report of every member that sent one.
#[derive(Debug, Default)]
pub struct Relay {
    /// Member → the room members its latest report lists (at most
    /// [`MAX_LINKS_PER_REPORT`]). A member without an entry reported nothing:
    /// its set is empty.
    reports: HashMap<PeerId, BTreeSet<PeerId>>,
}

impl Relay {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `from`'s new report, replacing its previous one. Ids that are
    /// not members of the room (`is_member`), and `from` itself, are ignored.
    /// Returns the members the report dropped: `from`'s direct link to each
    /// ended, so the keeper relays between them from now on, and sends each
    /// the other's presence (each dropped the other's when its link closed).
    ///
    /// Every drop counts, not only the one that ends a direct pair: the two
    /// ends of a link see it close at different moments, and presence sent to
    /// a member before its end closed would be dropped with the link.
    pub fn report(
        &mut self,
        from: &PeerId,
        ids: impl IntoIterator<Item = PeerId>,
        is_member: impl Fn(&PeerId) -> bool,
    ) -> Vec<PeerId> {
        let new: BTreeSet<PeerId> = ids
            .into_iter()
            .filter(|id| id != from && is_member(id))
            .take(MAX_LINKS_PER_REPORT)
            .collect();
        let old = self.reports.remove(from).unwrap_or_default();
        let dropped = old.difference(&new).cloned().collect();
        if !new.is_empty() {
            self.reports.insert(from.clone(), new);
        }
        dropped
    }

    /// Whether `a` and `b` are directly linked: each one's latest report
    /// lists the other.
    pub fn direct(&self, a: &PeerId, b: &PeerId) -> bool {
        self.lists(a, b) && self.lists(b, a)
    }

    /// Who gets what the keeper forwards from `origin`: every member of
    /// `open` (the members whose board channel to the keeper is open) but
    /// `origin` itself and those directly linked with it.
    pub fn receivers<'a>(
        &self,
        origin: &PeerId,
        open: impl IntoIterator<Item = &'a PeerId>,
    ) -> Vec<PeerId> {
        open.into_iter()
            .filter(|b| *b != origin && !self.direct(origin, b))
            .cloned()
            .collect()
    }

    /// `member`'s link to the keeper ended (or it left): its report no longer
    /// counts. Others' reports may still list it; they stop mattering since
    /// `member`'s own side of every pair is now empty.
    pub fn forget(&mut self, member: &PeerId) {
        self.reports.remove(member);
    }

    fn lists(&self, a: &PeerId, b: &PeerId) -> bool {
        self.reports.get(a).is_some_and(|set| set.contains(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> PeerId {
        s.to_owned()
    }

    fn ids(list: &[&str]) -> Vec<PeerId> {
        list.iter().map(|s| id(s)).collect()
    }

    fn members(id: &PeerId) -> bool {
        ["a", "b", "c", "d"].contains(&id.as_str())
    }

    #[test]
    fn a_pair_is_direct_only_once_both_report_it() {
        let mut relay = Relay::new();
        let (a, b, c) = (id("a"), id("b"), id("c"));
        let open = ids(&["a", "b", "c"]);
        assert_eq!(relay.receivers(&a, &open), ids(&["b", "c"]));
        assert!(relay.report(&a, ids(&["b"]), members).is_empty());
        assert!(!relay.direct(&a, &b));
        assert_eq!(relay.receivers(&a, &open), ids(&["b", "c"]));
        assert!(relay.report(&b, ids(&["a", "c"]), members).is_empty());
        assert!(relay.direct(&a, &b) && relay.direct(&b, &a));
        assert!(!relay.direct(&b, &c));
        assert_eq!(relay.receivers(&a, &open), ids(&["c"]));
        assert_eq!(relay.receivers(&b, &open), ids(&["c"]));
        assert_eq!(relay.receivers(&c, &open), ids(&["a", "b"]));
        // Only members with an open board channel receive anything.
        assert_eq!(relay.receivers(&c, &ids(&["a", "c"])), ids(&["a"]));
    }

    #[test]
    fn a_link_that_ends_is_relayed_again_and_reported_as_ended() {
        let mut relay = Relay::new();
        let (a, b) = (id("a"), id("b"));
        relay.report(&a, ids(&["b", "c"]), members);
        relay.report(&b, ids(&["a"]), members);
        assert!(relay.direct(&a, &b));
        // A's link to B ends: A's new report drops B.
        assert_eq!(relay.report(&a, ids(&["c"]), members), ids(&["b"]));
        assert!(!relay.direct(&a, &b));
        assert_eq!(relay.receivers(&b, &ids(&["a", "b"])), ids(&["a"]));
        // B's report follows: its side of the link closed now.
        assert_eq!(relay.report(&b, ids(&[]), members), ids(&["a"]));
        assert_eq!(relay.report(&a, ids(&[]), members), ids(&["c"]));
        assert!(relay.report(&a, ids(&[]), members).is_empty());
    }

    #[test]
    fn a_link_that_comes_back_stops_relaying_once_both_report_it() {
        let mut relay = Relay::new();
        let (a, b) = (id("a"), id("b"));
        relay.report(&a, ids(&["b"]), members);
        relay.report(&b, ids(&["a"]), members);
        relay.report(&a, ids(&[]), members);
        assert!(!relay.direct(&a, &b));
        relay.report(&a, ids(&["b"]), members);
        assert!(relay.direct(&a, &b));
        assert!(relay.receivers(&a, &ids(&["a", "b"])).is_empty());
    }

    #[test]
    fn reports_ignore_strangers_and_self_and_forget_clears() {
        let mut relay = Relay::new();
        let (a, b) = (id("a"), id("b"));
        relay.report(&a, ids(&["a", "x", "b", "b"]), members);
        relay.report(&b, ids(&["a"]), members);
        assert!(relay.direct(&a, &b));
        assert!(!relay.direct(&a, &a) && !relay.direct(&a, &id("x")));
        relay.forget(&a);
        assert!(!relay.direct(&a, &b));
        assert_eq!(relay.receivers(&b, &ids(&["a", "b"])), ids(&["a"]));
    }
}
