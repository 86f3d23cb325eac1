//! Room membership, sans I/O: who is in which room, what a newcomer is told,
//! who hears of arrivals and departures, and where a signal may go. The
//! server's hub and [`MemoryHub`](super::MemoryHub) both keep their members
//! here, each with an address of its own kind (a socket's queue, a channel),
//! and deliver what it returns themselves, so the rules are written once:
//! signals go only between members of one room, `from` is stamped here and
//! never taken from the sender, and welcomes list the keeper first.
//!
//! Limits (room size, rates) are the caller's: they differ between the server
//! and tests, and are checked before [`Rooms::join`].

use std::collections::HashMap;

use super::{PeerId, PeerInfo, Signal, SignalEvent};

/// All rooms' members, each with the address its events are delivered to.
pub struct Rooms<A> {
    rooms: HashMap<String, HashMap<PeerId, Member<A>>>,
}

struct Member<A> {
    info: PeerInfo,
    address: A,
}

/// One event to deliver to one member.
#[derive(Debug)]
pub struct Delivery<'a, A> {
    pub to: &'a A,
    pub event: SignalEvent,
}

/// What a join asks of the caller.
#[derive(Debug)]
pub struct Joined<'a, A> {
    /// Everyone who was already in the room, keeper first: the welcome's
    /// `peers`.
    pub peers: Vec<PeerInfo>,
    /// `peer-joined` for each of them.
    pub announce: Vec<Delivery<'a, A>>,
}

/// A member joined a room it is already in: its first connection would be
/// lost without a `peer-left`. Ids are drawn by the caller to be unique, so
/// this is a bug of the caller's, refused rather than papered over.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is already a member of this room")]
pub struct AlreadyMember(pub PeerId);

/// A signal could not be routed: the sender or the addressee is not a member
/// of the room.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{to}` and `{from}` are not both members of this room")]
pub struct NotInRoom {
    pub from: PeerId,
    pub to: PeerId,
}

impl<A> Default for Rooms<A> {
    fn default() -> Self {
        Self {
            rooms: HashMap::new(),
        }
    }
}

/// Keeper first (newcomers offer to it first), then by id so the order is
/// the same every time.
fn keeper_first(members: &mut [PeerInfo]) {
    members.sort_by(|a, b| b.keeper.cmp(&a.keeper).then_with(|| a.id.cmp(&b.id)));
}

impl<A> Rooms<A> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `info` to `room`, reached at `address`.
    pub fn join(
        &mut self,
        room: &str,
        info: PeerInfo,
        address: A,
    ) -> Result<Joined<'_, A>, AlreadyMember> {
        let members = self.rooms.entry(room.to_owned()).or_default();
        if members.contains_key(&info.id) {
            return Err(AlreadyMember(info.id));
        }
        let mut peers: Vec<PeerInfo> = members.values().map(|m| m.info.clone()).collect();
        keeper_first(&mut peers);
        let id = info.id.clone();
        let event = SignalEvent::PeerJoined(info.clone());
        members.insert(id.clone(), Member { info, address });
        let announce = members
            .iter()
            .filter(|(member, _)| **member != id)
            .map(|(_, m)| Delivery {
                to: &m.address,
                event: event.clone(),
            })
            .collect();
        Ok(Joined { peers, announce })
    }

    /// Removes `id` from `room`; `peer-left` for everyone still there. Empty
    /// when `id` was not a member (it left already).
    pub fn leave(&mut self, room: &str, id: &PeerId) -> Vec<Delivery<'_, A>> {
        let Some(members) = self.rooms.get_mut(room) else {
            return Vec::new();
        };
        if members.remove(id).is_none() {
            return Vec::new();
        }
        let emptied = members.is_empty();
        if emptied {
            self.rooms.remove(room);
            return Vec::new();
        }
        let event = SignalEvent::PeerLeft(id.clone());
        self.rooms
            .get(room)
            .into_iter()
            .flat_map(|members| members.values())
            .map(|m| Delivery {
                to: &m.address,
                event: event.clone(),
            })
            .collect()
    }

    /// `signal` from `from` to `to`, stamped with its sender, if both are
    /// members of `room`.
    pub fn route(
        &self,
        room: &str,
        from: &PeerId,
        to: &PeerId,
        signal: Signal,
    ) -> Result<Delivery<'_, A>, NotInRoom> {
        let target = self
            .rooms
            .get(room)
            .filter(|members| members.contains_key(from))
            .and_then(|members| members.get(to));
        match target {
            Some(member) => Ok(Delivery {
                to: &member.address,
                event: SignalEvent::Signal {
                    from: from.clone(),
                    signal,
                },
            }),
            None => Err(NotInRoom {
                from: from.clone(),
                to: to.clone(),
            }),
        }
    }

    /// The members of `room`, keeper first.
    pub fn members(&self, room: &str) -> Vec<PeerInfo> {
        let mut members: Vec<PeerInfo> = self
            .rooms
            .get(room)
            .map(|m| m.values().map(|m| m.info.clone()).collect())
            .unwrap_or_default();
        keeper_first(&mut members);
        members
    }

    /// The members of `room` with their addresses, in no particular order.
    pub fn entries(&self, room: &str) -> impl Iterator<Item = (&PeerInfo, &A)> {
        self.rooms
            .get(room)
            .into_iter()
            .flat_map(|members| members.values())
            .map(|m| (&m.info, &m.address))
    }

    /// The rooms that have members.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.rooms.keys().map(String::as_str)
    }

    /// Members of `room` other than keepers: what room limits count.
    pub fn people(&self, room: &str) -> usize {
        self.rooms
            .get(room)
            .map_or(0, |m| m.values().filter(|m| !m.info.keeper).count())
    }

    /// (rooms with a `counted` member, `counted` members who are not
    /// keepers). A server that also lists other servers' members counts only
    /// its own, so that the figures add up across servers.
    pub fn stats(&self, counted: impl Fn(&A) -> bool) -> (usize, usize) {
        let mut stats = (0, 0);
        for members in self.rooms.values() {
            let mut mine = members.values().filter(|m| counted(&m.address)).peekable();
            stats.0 += usize::from(mine.peek().is_some());
            stats.1 += mine.filter(|m| !m.info.keeper).count();
        }
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Role;

    fn info(id: &str, keeper: bool) -> PeerInfo {
        PeerInfo {
            id: id.into(),
            name: id.into(),
            colour: "#e03131".into(),
            role: Role::Editor,
            keeper,
            media: false,
        }
    }

    /// Deliveries as (address, event), sorted, so tests need not care about
    /// the map's order.
    fn sent(deliveries: Vec<Delivery<'_, &'static str>>) -> Vec<(&'static str, SignalEvent)> {
        let mut sent: Vec<_> = deliveries.into_iter().map(|d| (*d.to, d.event)).collect();
        sent.sort_by_key(|(to, _)| *to);
        sent
    }

    #[test]
    fn a_newcomer_meets_everyone_keeper_first_and_everyone_hears_of_it() {
        let mut rooms = Rooms::new();
        rooms.join("r", info("b", false), "b").unwrap();
        rooms.join("r", info("k", true), "k").unwrap();
        let joined = rooms.join("r", info("a", false), "a").unwrap();
        assert_eq!(joined.peers, vec![info("k", true), info("b", false)]);
        let joined_event = SignalEvent::PeerJoined(info("a", false));
        assert_eq!(
            sent(joined.announce),
            vec![("b", joined_event.clone()), ("k", joined_event)]
        );
        assert_eq!(
            rooms.members("r"),
            vec![info("k", true), info("a", false), info("b", false)]
        );
        assert_eq!(rooms.people("r"), 2);
    }

    #[test]
    fn joining_twice_is_refused_and_changes_nothing() {
        let mut rooms = Rooms::new();
        rooms.join("r", info("a", false), "a").unwrap();
        rooms.join("r", info("b", false), "b").unwrap();
        assert_eq!(
            rooms.join("r", info("a", false), "a2").unwrap_err(),
            AlreadyMember("a".into())
        );
        let delivery = rooms
            .route(
                "r",
                &"b".into(),
                &"a".into(),
                Signal::Offer {
                    sdp: "x".into(),
                    renegotiate: false,
                },
            )
            .unwrap();
        assert_eq!(*delivery.to, "a");
    }

    #[test]
    fn leaving_tells_the_rest_once_and_an_empty_room_goes() {
        let mut rooms = Rooms::new();
        rooms.join("r", info("a", false), "a").unwrap();
        rooms.join("r", info("b", false), "b").unwrap();
        assert_eq!(
            sent(rooms.leave("r", &"a".into())),
            vec![("b", SignalEvent::PeerLeft("a".into()))]
        );
        assert!(rooms.leave("r", &"a".into()).is_empty());
        assert!(rooms.leave("elsewhere", &"b".into()).is_empty());
        assert_eq!(rooms.stats(|_| true), (1, 1));
        assert!(rooms.leave("r", &"b".into()).is_empty());
        assert_eq!(rooms.stats(|_| true), (0, 0));
        assert!(rooms.members("r").is_empty());
    }

    #[test]
    fn signals_stay_within_a_room_and_carry_the_true_sender() {
        let mut rooms = Rooms::new();
        rooms.join("r1", info("a", false), "a").unwrap();
        rooms.join("r1", info("b", false), "b").unwrap();
        rooms.join("r2", info("c", false), "c").unwrap();
        let offer = Signal::Offer {
            sdp: "x".into(),
            renegotiate: false,
        };
        let delivery = rooms
            .route("r1", &"b".into(), &"a".into(), offer.clone())
            .unwrap();
        assert_eq!(*delivery.to, "a");
        assert_eq!(
            delivery.event,
            SignalEvent::Signal {
                from: "b".into(),
                signal: offer.clone()
            }
        );
        // To a member of another room, even naming one's own room.
        assert!(rooms
            .route("r2", &"c".into(), &"a".into(), offer.clone())
            .is_err());
        // From outside a room into it, naming a real member.
        assert!(rooms
            .route("r1", &"c".into(), &"a".into(), offer.clone())
            .is_err());
        // To someone who left.
        rooms.leave("r1", &"a".into());
        assert_eq!(
            rooms
                .route("r1", &"b".into(), &"a".into(), offer)
                .unwrap_err(),
            NotInRoom {
                from: "b".into(),
                to: "a".into()
            }
        );
    }

    #[test]
    fn stats_count_rooms_and_people_but_not_keepers_and_entries_list_everyone() {
        let mut rooms = Rooms::new();
        rooms.join("r1", info("k1", true), "k1").unwrap();
        rooms.join("r1", info("a", false), "a").unwrap();
        rooms.join("r2", info("k2", true), "k2").unwrap();
        assert_eq!(rooms.stats(|_| true), (2, 1));
        assert_eq!(rooms.stats(|address| *address == "a"), (1, 1));
        assert_eq!(rooms.stats(|address| *address == "k2"), (1, 0));
        assert_eq!(rooms.people("r2"), 0);
        let mut names: Vec<&str> = rooms.names().collect();
        names.sort_unstable();
        assert_eq!(names, ["r1", "r2"]);
        let mut r1: Vec<(&str, &str)> = rooms
            .entries("r1")
            .map(|(info, address)| (info.id.as_str(), *address))
            .collect();
        r1.sort_unstable();
        assert_eq!(r1, [("a", "a"), ("k1", "k1")]);
    }
}
