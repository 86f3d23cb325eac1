//! Presence: who else is on the board, and what they have selected and are
//! looking at. It travels as y-protocols awareness updates on the board channel,
//! so a Yjs client reads it with `y-protocols/awareness.js`.
//!
//! Each client's state carries a clock it increases with every change; a
//! receiver keeps the state with the highest clock. States are not durable: a
//! client renews its own every [`RENEWAL_INTERVAL`], and a receiver forgets a
//! client it has not heard from for [`PRESENCE_EXPIRY`], so a peer that vanished
//! without saying goodbye disappears from everyone's list. (yrs's `Awareness`
//! has no such expiry, which is why this is its own table.)

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use super::awareness;
use super::ProtocolError;
use crate::limits::{
    MAX_CLIENTS_PER_PEER, MAX_NAME_CHARS, MAX_PRESENCE_JSON_BYTES, MAX_TRACKED_CLIENTS,
};

/// A client not heard from for this long is dropped (y-protocols' `outdatedTimeout`).
pub const PRESENCE_EXPIRY: Duration = Duration::from_secs(30);
/// A client resends its state this often, half the expiry, so one lost renewal
/// does not make it vanish.
pub const RENEWAL_INTERVAL: Duration = Duration::from_secs(15);

/// One client's state, as JSON on the wire. Unknown fields are ignored, so
/// newer clients may add some.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Presence {
    /// Display name.
    pub name: String,
    /// CSS `#rrggbb`, for the client's cursor and selection outline.
    pub colour: String,
    /// Ids of the selected elements.
    #[serde(default)]
    pub selection: Vec<String>,
    /// What the client sees, in board coordinates (px).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub viewport: Option<Viewport>,
}

/// A rectangle in board coordinates (px): left, top, width, height.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Viewport {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Viewport {
    fn is_finite(&self) -> bool {
        [self.x, self.y, self.w, self.h]
            .iter()
            .all(|v| v.is_finite())
    }
}

/// What applying an update or expiring entries changed.
#[derive(Debug, Clone, PartialEq)]
pub enum PresenceChange {
    /// A client appeared or changed its state.
    Updated { client: u64, presence: Presence },
    /// A client left, timed out or disconnected.
    Removed { client: u64 },
}

/// Who an awareness update came from: one peer connection. The first speaker
/// to announce a client owns it, and a member may speak only for the clients
/// it owns, so no member can rewrite another's presence or fill the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Speaker {
    /// Unique among the speakers of one table (the room numbers its links).
    pub id: u64,
    /// The peer relays others' presence (the server's keeper): it may update
    /// any client, and speak for up to [`MAX_TRACKED_CLIENTS`]. A member owns
    /// at most [`MAX_CLIENTS_PER_PEER`].
    pub relay: bool,
}

impl Speaker {
    /// Clients this speaker may own at once.
    pub fn quota(&self) -> usize {
        if self.relay {
            MAX_TRACKED_CLIENTS
        } else {
            MAX_CLIENTS_PER_PEER
        }
    }
}

/// One client's entry as it travels: the keeper forwards entries exactly as
/// their client sent them (unknown JSON fields included).
#[derive(Debug, Clone, PartialEq)]
pub struct PresenceEntry {
    pub client: u64,
    pub clock: u64,
    /// The JSON state; `null`: the client left.
    pub json: String,
}

/// An awareness update holding `entries`, in order.
pub fn encode_entries(entries: &[PresenceEntry]) -> Vec<u8> {
    awareness::encode_many(entries.iter().map(|e| (e.client, e.clock, e.json.as_str())))
}

/// What applying an awareness update did.
#[derive(Debug, Default, PartialEq)]
pub struct Applied {
    pub changes: Vec<PresenceChange>,
    /// The entries that won for clients the speaker owns: what a relay
    /// forwards (never entries about others' clients).
    pub won: Vec<PresenceEntry>,
    /// New clients not tracked because the table was full
    /// ([`MAX_TRACKED_CLIENTS`]). Nobody is disconnected for it.
    pub untracked: usize,
}

/// Presence of remote clients; an entry expires [`PRESENCE_EXPIRY`] after its
/// client's last update.
#[derive(Debug)]
pub struct PresenceTable {
    expiry: Duration,
    clients: BTreeMap<u64, Known>,
    /// Clients each speaker owns (present or gone but remembered).
    owned: BTreeMap<u64, usize>,
}

/// What we know of a client. A client that left keeps its clock for one more
/// expiry period, so a stale copy of its state relayed late cannot bring it back.
#[derive(Debug)]
struct Known {
    clock: u64,
    /// `None`: the client left (or its link closed: see `dropped`).
    presence: Option<Presence>,
    /// The state's JSON as the client sent it.
    json: String,
    /// The state was dropped because the link it came over closed, not
    /// because the client left: the same clock from a relay brings it back
    /// (the keeper re-sends it when it takes over relaying that client).
    dropped: bool,
    refreshed: Instant,
    /// `None` once the owner disconnected: the next speaker may claim it.
    owner: Option<Owner>,
}

#[derive(Debug, Clone, Copy)]
struct Owner {
    speaker: u64,
    /// Claimed by a relay: the client's own peer, speaking directly, takes
    /// it over.
    relayed: bool,
}

/// Whether a speaker may write a client's entry, and whether writing it
/// makes the speaker its owner.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Permission {
    Owner,
    Claim,
    Relay,
    Refused,
}

impl PresenceTable {
    /// `expiry` is [`PRESENCE_EXPIRY`] in production.
    pub fn new(expiry: Duration) -> Self {
        Self {
            expiry,
            clients: BTreeMap::new(),
            owned: BTreeMap::new(),
        }
    }

    /// Applies an awareness update from `speaker`, with y-protocols' rules: per
    /// client the higher clock wins (an unknown client counts as clock 0);
    /// equal or lower clocks are ignored, except that an equal clock refreshes
    /// the expiry timer and an equal-clock `null` removes the client. The whole
    /// update is checked before any of it is applied.
    ///
    /// Entries about a client another member owns are ignored, unless the
    /// speaker is a relay. An update that would make the speaker own more than
    /// its [`Speaker::quota`] is an error (disconnect it). When the table is
    /// full, new clients are counted in [`Applied::untracked`] and skipped.
    pub fn apply(
        &mut self,
        speaker: Speaker,
        update: &[u8],
        now: Instant,
    ) -> Result<Applied, ProtocolError> {
        self.apply_ignoring(speaker, update, now, None)
    }

    /// [`PresenceTable::apply`], skipping the entries of client `ignored`: the
    /// session passes our own id, which relaying peers echo back.
    pub(crate) fn apply_ignoring(
        &mut self,
        speaker: Speaker,
        update: &[u8],
        now: Instant,
        ignored: Option<u64>,
    ) -> Result<Applied, ProtocolError> {
        let entries = awareness::decode(update)?
            .into_iter()
            .filter(|entry| Some(entry.client) != ignored)
            .map(|entry| {
                let state = serde_json::from_str::<Option<Presence>>(entry.json)
                    .map_err(|e| ProtocolError::BadPresence(e.to_string()))?;
                Ok((entry.client, entry.clock, state, entry.json))
            })
            .collect::<Result<Vec<_>, ProtocolError>>()?;
        let claims: BTreeSet<u64> = entries
            .iter()
            .filter(|(client, clock, state, _)| {
                state.is_some()
                    && *clock > 0
                    && self.permission(speaker, *client) == Permission::Claim
            })
            .map(|(client, _, _, _)| *client)
            .collect();
        let count = self.owned_by(speaker.id) + claims.len();
        if count > speaker.quota() {
            return Err(ProtocolError::TooManyClientsForPeer {
                count,
                limit: speaker.quota(),
            });
        }
        let mut applied = Applied::default();
        for (client, clock, state, json) in entries {
            let permission = self.permission(speaker, client);
            if permission == Permission::Refused {
                continue;
            }
            let announces = state.is_some() && clock > 0;
            if announces && !self.clients.contains_key(&client) && !self.make_room() {
                applied.untracked += 1;
                continue;
            }
            let revives = speaker.relay;
            let (accepted, change) = self.apply_entry(client, clock, state, json, revives, now);
            if accepted && announces && permission == Permission::Claim {
                self.set_owner(client, speaker);
            }
            let owns =
                permission == Permission::Owner || (permission == Permission::Claim && announces);
            if accepted && owns {
                applied.won.push(PresenceEntry {
                    client,
                    clock,
                    json: json.to_owned(),
                });
            }
            applied.changes.extend(change);
        }
        Ok(applied)
    }

    fn permission(&self, speaker: Speaker, client: u64) -> Permission {
        match self.clients.get(&client).and_then(|known| known.owner) {
            Some(owner) if owner.speaker == speaker.id => Permission::Owner,
            Some(_) if speaker.relay => Permission::Relay,
            Some(owner) if owner.relayed => Permission::Claim,
            Some(_) => Permission::Refused,
            None => Permission::Claim,
        }
    }

    /// Clients `speaker` owns.
    fn owned_by(&self, speaker: u64) -> usize {
        self.owned.get(&speaker).copied().unwrap_or(0)
    }

    fn set_owner(&mut self, client: u64, speaker: Speaker) {
        let Some(known) = self.clients.get_mut(&client) else {
            return;
        };
        let previous = known.owner.replace(Owner {
            speaker: speaker.id,
            relayed: speaker.relay,
        });
        if let Some(previous) = previous {
            release(&mut self.owned, previous.speaker);
        }
        *self.owned.entry(speaker.id).or_default() += 1;
    }

    /// Whether a new client fits: when the table is full, the clock of a
    /// client gone and no longer owned is forgotten early to make room.
    fn make_room(&mut self) -> bool {
        if self.clients.len() < MAX_TRACKED_CLIENTS {
            return true;
        }
        let orphan = self
            .clients
            .iter()
            .find(|(_, known)| known.presence.is_none() && known.owner.is_none())
            .map(|(&client, _)| client);
        orphan.is_some_and(|client| self.clients.remove(&client).is_some())
    }

    /// Applies one entry: whether it won (it was recorded), and the change.
    fn apply_entry(
        &mut self,
        client: u64,
        clock: u64,
        state: Option<Presence>,
        json: &str,
        revives: bool,
        now: Instant,
    ) -> (bool, Option<PresenceChange>) {
        let Some(known) = self.clients.get_mut(&client) else {
            // A newcomer's `null` needs no record: there is nothing to remove.
            let Some(presence) = state.filter(|_| clock > 0) else {
                return (false, None);
            };
            self.clients.insert(
                client,
                Known {
                    clock,
                    presence: Some(presence.clone()),
                    json: json.to_owned(),
                    dropped: false,
                    refreshed: now,
                    owner: None,
                },
            );
            return (true, Some(PresenceChange::Updated { client, presence }));
        };
        let revived = revives && clock == known.clock && known.dropped && state.is_some();
        if clock < known.clock || (clock == known.clock && known.presence.is_none() && !revived) {
            return (false, None);
        }
        let newer = clock > known.clock || revived;
        known.clock = clock;
        known.refreshed = now;
        known.dropped = false;
        json.clone_into(&mut known.json);
        let change = match state {
            None => known
                .presence
                .take()
                .map(|_| PresenceChange::Removed { client }),
            Some(presence) if newer && known.presence.as_ref() != Some(&presence) => {
                known.presence = Some(presence.clone());
                Some(PresenceChange::Updated { client, presence })
            }
            Some(_) => None,
        };
        (true, change)
    }

    /// Removes clients not heard from for the expiry period (a `Removed` for
    /// each), and forgets the clocks of clients that left that long ago.
    pub fn expire(&mut self, now: Instant) -> Vec<PresenceChange> {
        let expiry = self.expiry;
        let mut changes = Vec::new();
        let owned = &mut self.owned;
        self.clients.retain(|&client, known| {
            if now.saturating_duration_since(known.refreshed) < expiry {
                return true;
            }
            match known.presence.take() {
                Some(_) => {
                    changes.push(PresenceChange::Removed { client });
                    known.refreshed = now;
                    true
                }
                None => {
                    if let Some(owner) = known.owner {
                        release(owned, owner.speaker);
                    }
                    false
                }
            }
        });
        changes
    }

    /// A speaker disconnected: the clients it owns are gone at once rather
    /// than at expiry, and no longer owned (their clocks stay until expiry).
    pub fn remove_speaker(&mut self, speaker: u64) -> Vec<PresenceChange> {
        if self.owned.remove(&speaker).is_none() {
            return Vec::new();
        }
        self.clients
            .iter_mut()
            .filter(|(_, known)| known.owner.is_some_and(|o| o.speaker == speaker))
            .filter_map(|(&client, known)| {
                known.owner = None;
                known.dropped = known.presence.is_some();
                known
                    .presence
                    .take()
                    .map(|_| PresenceChange::Removed { client })
            })
            .collect()
    }

    /// The present states of the clients `speaker` owns, as their clients
    /// sent them: what the keeper re-sends, or (as `null`s with the same
    /// clock) retracts, for a member.
    pub fn owned_entries(&self, speaker: u64) -> Vec<PresenceEntry> {
        self.entries(|owner| owner == Some(speaker))
    }

    /// The present states of every client, except those `speaker` owns: what
    /// the keeper tells a member when it first speaks to it.
    pub fn entries_not_owned_by(&self, speaker: u64) -> Vec<PresenceEntry> {
        self.entries(|owner| owner != Some(speaker))
    }

    fn entries(&self, include: impl Fn(Option<u64>) -> bool) -> Vec<PresenceEntry> {
        self.clients
            .iter()
            .filter(|(_, known)| known.presence.is_some())
            .filter(|(_, known)| include(known.owner.map(|o| o.speaker)))
            .map(|(&client, known)| PresenceEntry {
                client,
                clock: known.clock,
                json: known.json.clone(),
            })
            .collect()
    }

    /// The speaker that owns `client`, present or recently gone.
    pub fn owner(&self, client: u64) -> Option<u64> {
        Some(self.clients.get(&client)?.owner?.speaker)
    }

    pub fn get(&self, client: u64) -> Option<&Presence> {
        self.clients.get(&client)?.presence.as_ref()
    }

    /// Every present client, by ascending client id.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &Presence)> {
        self.clients
            .iter()
            .filter_map(|(&client, known)| Some((client, known.presence.as_ref()?)))
    }

    /// Clients present.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Clients tracked: present, or gone and remembered for their clock.
    pub fn tracked(&self) -> usize {
        self.clients.len()
    }
}

/// One client fewer owned by `speaker`.
fn release(owned: &mut BTreeMap<u64, usize>, speaker: u64) {
    if let Some(count) = owned.get_mut(&speaker) {
        *count -= 1;
        if *count == 0 {
            owned.remove(&speaker);
        }
    }
}

/// This replica's own presence: encodes our state with an increasing clock;
/// [`LocalPresence::renewal_due`] says when to resend it so that peers do not
/// expire us.
#[derive(Debug)]
pub struct LocalPresence {
    client: u64,
    clock: u64,
    /// The JSON last sent; `None` before the first `set` and after `leave`.
    state: Option<String>,
    last_sent: Option<Instant>,
}

impl LocalPresence {
    /// `client` is the board's client id (`Board::client_id`).
    pub fn new(client: u64) -> Self {
        Self {
            client,
            clock: 0,
            state: None,
            last_sent: None,
        }
    }

    /// The awareness update announcing `presence`. Its clock starts at 1, as a
    /// Yjs receiver ignores clock 0 from a client it does not know.
    ///
    /// What a peer would refuse is trimmed rather than sent: a viewport that is
    /// not finite is left out (JSON has no NaN), the name is cut to
    /// [`MAX_NAME_CHARS`], and a selection too long for
    /// [`MAX_PRESENCE_JSON_BYTES`] keeps only the ids that fit, first first.
    pub fn set(&mut self, presence: Presence, now: Instant) -> Vec<u8> {
        self.state = Some(fit(presence));
        self.send(now)
    }

    pub fn renewal_due(&self, now: Instant) -> bool {
        match (&self.state, self.last_sent) {
            (Some(_), Some(sent)) => now.saturating_duration_since(sent) >= RENEWAL_INTERVAL,
            _ => false,
        }
    }

    /// The same state with the next clock; `None` if there is no state to renew.
    pub fn renew(&mut self, now: Instant) -> Option<Vec<u8>> {
        self.state.as_ref()?;
        Some(self.send(now))
    }

    /// The awareness update saying we left (state `null`).
    pub fn leave(&mut self) -> Vec<u8> {
        self.state = None;
        self.clock += 1;
        awareness::encode(self.client, self.clock, "null")
    }

    fn send(&mut self, now: Instant) -> Vec<u8> {
        self.clock += 1;
        self.last_sent = Some(now);
        let json = self.state.as_deref().unwrap_or("null");
        awareness::encode(self.client, self.clock, json)
    }
}

/// The JSON of `presence`, trimmed to what every receiver accepts.
fn fit(mut presence: Presence) -> String {
    if presence.viewport.is_some_and(|v| !v.is_finite()) {
        presence.viewport = None;
    }
    if presence.name.chars().count() > MAX_NAME_CHARS {
        presence.name = presence.name.chars().take(MAX_NAME_CHARS).collect();
    }
    let json = to_json(&presence);
    if json.len() <= MAX_PRESENCE_JSON_BYTES {
        return json;
    }
    let selection = std::mem::take(&mut presence.selection);
    let mut room = MAX_PRESENCE_JSON_BYTES.saturating_sub(to_json(&presence).len());
    for id in selection {
        // The id's JSON plus a separating comma (one too many for the first: safe).
        let cost = to_json(&id).len() + 1;
        if cost > room {
            break;
        }
        room -= cost;
        presence.selection.push(id);
    }
    to_json(&presence)
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("strings, lists and finite numbers always serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{MAX_CLIENTS_PER_UPDATE, MAX_TRACKED_CLIENTS};
    use crate::protocol::chunk::Chunker;
    use crate::protocol::frame::BoardMessage;
    use crate::protocol::{hex, Limits};
    use proptest::prelude::*;

    fn ann() -> Presence {
        Presence {
            name: "Ann".into(),
            colour: "#e03131".into(),
            selection: vec![],
            viewport: None,
        }
    }

    fn state(client: u64, clock: u64, json: &str) -> Vec<u8> {
        awareness::encode(client, clock, json)
    }

    fn table() -> PresenceTable {
        PresenceTable::new(PRESENCE_EXPIRY)
    }

    const ALICE: Speaker = Speaker {
        id: 1,
        relay: false,
    };
    const BOB: Speaker = Speaker {
        id: 2,
        relay: false,
    };
    const KEEPER: Speaker = Speaker { id: 3, relay: true };

    impl PresenceTable {
        /// [`PresenceTable::apply`] from one member, the changes only.
        fn apply_changes(
            &mut self,
            update: &[u8],
            now: Instant,
        ) -> Result<Vec<PresenceChange>, ProtocolError> {
            self.apply(ALICE, update, now)
                .map(|applied| applied.changes)
        }
    }

    /// One update listing `clients`, each with clock 1 and `json`.
    fn many(clients: std::ops::Range<u64>, json: &str) -> Vec<u8> {
        let mut update = Vec::new();
        crate::protocol::lib0::write_varuint(&mut update, clients.end - clients.start);
        for client in clients {
            update.extend_from_slice(&state(client, 1, json)[1..]);
        }
        update
    }

    #[test]
    fn awareness_frame_matches_protocol_md() {
        let mut local = LocalPresence::new(1234);
        let update = local.set(ann(), Instant::now());
        let json = br##"{"name":"Ann","colour":"#e03131","selection":[]}"##;
        assert_eq!(json.len(), 0x30);
        let expected_update = [&[0x01, 0xd2, 0x09, 0x01, 0x30][..], json].concat();
        assert_eq!(update, expected_update);
        let message = BoardMessage::Awareness(update).encode();
        assert_eq!(message, [&[0x01, 0x35][..], &expected_update].concat());
        let frames = Chunker::new(Limits::default().max_frame_bytes)
            .frames(&message)
            .unwrap();
        assert_eq!(
            hex(&frames[0]),
            "00 01 35 01 d2 09 01 30 7b 22 6e 61 6d 65 22 3a \
             22 41 6e 6e 22 2c 22 63 6f 6c 6f 75 72 22 3a 22 \
             23 65 30 33 31 33 31 22 2c 22 73 65 6c 65 63 74 \
             69 6f 6e 22 3a 5b 5d 7d"
        );

        let viewport = Presence {
            selection: vec!["k3J9aQx0Lm2Z".into()],
            viewport: Some(Viewport {
                x: 0.0,
                y: -50.5,
                w: 1280.0,
                h: 720.0,
            }),
            ..ann()
        };
        let update = local.set(viewport.clone(), Instant::now());
        let json = r##"{"name":"Ann","colour":"#e03131","selection":["k3J9aQx0Lm2Z"],"viewport":{"x":0.0,"y":-50.5,"w":1280.0,"h":720.0}}"##;
        assert_eq!(update, state(1234, 2, json));
        let mut table = table();
        table.apply_changes(&update, Instant::now()).unwrap();
        assert_eq!(table.get(1234), Some(&viewport));

        assert_eq!(hex(&local.leave()), "01 d2 09 03 04 6e 75 6c 6c");
    }

    #[test]
    fn json_from_javascript_is_read() {
        // Integers for floats, fields in another order, an unknown field, no
        // selection or viewport.
        let json = r##"{"colour":"#1e1e1e","name":"Bo","viewport":{"x":1,"y":2,"w":3,"h":4},"emoji":"🙂"}"##;
        let mut table = table();
        let changes = table
            .apply_changes(&state(5, 1, json), Instant::now())
            .unwrap();
        let expected = Presence {
            name: "Bo".into(),
            colour: "#1e1e1e".into(),
            selection: vec![],
            viewport: Some(Viewport {
                x: 1.0,
                y: 2.0,
                w: 3.0,
                h: 4.0,
            }),
        };
        assert_eq!(
            changes,
            [PresenceChange::Updated {
                client: 5,
                presence: expected
            }]
        );
    }

    #[test]
    fn a_states_peer_id_is_accepted_and_relayed_as_sent() {
        // Browsers name their member by peer id (PROTOCOL.md, Presence:
        // `peer`); the keeper forwards it, whatever its type, for receivers
        // to judge.
        for json in [
            r##"{"name":"Sam","colour":"#1c7ed6","peer":"p-sam"}"##,
            r##"{"name":"Sam","colour":"#1c7ed6","peer":7}"##,
        ] {
            let mut table = table();
            let applied = table
                .apply(ALICE, &state(5, 1, json), Instant::now())
                .unwrap();
            assert_eq!(applied.won.len(), 1, "{json}");
            assert_eq!(applied.won[0].json, json);
        }
    }

    #[test]
    fn higher_clocks_win() {
        let now = Instant::now();
        let mut table = table();
        let bo = r##"{"name":"Bo","colour":"#000000"}"##;
        let ann_json = to_json(&ann());
        assert_eq!(
            table
                .apply_changes(&state(1, 2, &ann_json), now)
                .unwrap()
                .len(),
            1
        );
        // Lower and equal clocks change nothing.
        assert!(table
            .apply_changes(&state(1, 1, bo), now)
            .unwrap()
            .is_empty());
        assert!(table
            .apply_changes(&state(1, 2, bo), now)
            .unwrap()
            .is_empty());
        assert_eq!(table.get(1), Some(&ann()));
        // A renewal (same state, higher clock) is no change either.
        assert!(table
            .apply_changes(&state(1, 3, &ann_json), now)
            .unwrap()
            .is_empty());
        let changes = table.apply_changes(&state(1, 4, bo), now).unwrap();
        assert!(
            matches!(&changes[..], [PresenceChange::Updated { client: 1, presence }] if presence.name == "Bo")
        );
        // A Yjs receiver ignores clock 0 from a newcomer; so do we.
        assert!(table
            .apply_changes(&state(2, 0, &ann_json), now)
            .unwrap()
            .is_empty());
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn leaving_removes_and_stale_states_do_not_return() {
        let now = Instant::now();
        let mut table = table();
        let ann_json = to_json(&ann());
        table.apply_changes(&state(1, 5, &ann_json), now).unwrap();
        assert_eq!(
            table.apply_changes(&state(1, 6, "null"), now).unwrap(),
            [PresenceChange::Removed { client: 1 }]
        );
        assert!(table.is_empty());
        assert!(table
            .apply_changes(&state(1, 5, &ann_json), now)
            .unwrap()
            .is_empty());
        assert!(table
            .apply_changes(&state(1, 6, &ann_json), now)
            .unwrap()
            .is_empty());
        assert_eq!(
            table
                .apply_changes(&state(1, 7, &ann_json), now)
                .unwrap()
                .len(),
            1
        );
        // Equal clock and null removes, as awareness.js does for peers that
        // declare another client offline.
        assert_eq!(
            table.apply_changes(&state(1, 7, "null"), now).unwrap(),
            [PresenceChange::Removed { client: 1 }]
        );
        // A newcomer's null is nothing to report.
        assert!(table
            .apply_changes(&state(9, 1, "null"), now)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn entries_expire_unless_renewed() {
        let start = Instant::now();
        let mut table = table();
        let ann_json = to_json(&ann());
        table.apply_changes(&state(1, 1, &ann_json), start).unwrap();
        table.apply_changes(&state(2, 1, &ann_json), start).unwrap();
        let later = start + RENEWAL_INTERVAL;
        // Client 1 renews with a higher clock, client 2 repeats its clock.
        table.apply_changes(&state(1, 2, &ann_json), later).unwrap();
        table.apply_changes(&state(2, 1, &ann_json), later).unwrap();
        assert!(table.expire(start + PRESENCE_EXPIRY).is_empty());
        assert_eq!(table.len(), 2);
        assert_eq!(
            table.expire(later + PRESENCE_EXPIRY),
            [
                PresenceChange::Removed { client: 1 },
                PresenceChange::Removed { client: 2 }
            ]
        );
        assert!(table.is_empty());
        // The clock is remembered for one more period, then forgotten.
        assert!(table
            .apply_changes(&state(1, 2, &ann_json), later + PRESENCE_EXPIRY)
            .unwrap()
            .is_empty());
        table.expire(later + 2 * PRESENCE_EXPIRY);
        assert_eq!(table.clients.len(), 0);
    }

    #[test]
    fn a_disconnected_speakers_clients_are_removed_at_once() {
        let mut table = table();
        let now = Instant::now();
        let json = to_json(&ann());
        table.apply(ALICE, &state(3, 1, &json), now).unwrap();
        table.apply(BOB, &state(4, 1, &json), now).unwrap();
        assert_eq!(table.owner(3), Some(ALICE.id));
        assert_eq!(
            table.remove_speaker(ALICE.id),
            [PresenceChange::Removed { client: 3 }]
        );
        assert_eq!(table.remove_speaker(ALICE.id), []);
        assert!(table.get(3).is_none());
        assert!(table.get(4).is_some());
        // The clock stays: a stale copy cannot bring the client back...
        assert!(table
            .apply(BOB, &state(3, 1, &json), now)
            .unwrap()
            .changes
            .is_empty());
        // ...unless the keeper re-sends it, taking over relaying it...
        let mut relayed = PresenceTable::new(PRESENCE_EXPIRY);
        relayed.apply(ALICE, &state(3, 1, &json), now).unwrap();
        relayed.remove_speaker(ALICE.id);
        assert_eq!(
            relayed
                .apply(KEEPER, &state(3, 1, &json), now)
                .unwrap()
                .changes,
            [PresenceChange::Updated {
                client: 3,
                presence: ann()
            }]
        );
        // ...but a newer state can, from whoever speaks for it next.
        assert_eq!(
            table
                .apply(BOB, &state(3, 2, &json), now)
                .unwrap()
                .changes
                .len(),
            1
        );
        assert_eq!(table.owner(3), Some(BOB.id));
    }

    #[test]
    fn a_member_cannot_speak_for_a_client_another_owns() {
        let mut table = table();
        let now = Instant::now();
        let ann_json = to_json(&ann());
        let bo = r##"{"name":"Bo","colour":"#000000"}"##;
        table.apply(ALICE, &state(7, 1, &ann_json), now).unwrap();
        // Bob rewrites and removes Alice's client: ignored, not an error.
        let applied = table.apply(BOB, &state(7, 9, bo), now).unwrap();
        assert_eq!(applied, Applied::default());
        table.apply(BOB, &state(7, 10, "null"), now).unwrap();
        assert_eq!(table.get(7), Some(&ann()));
        assert_eq!(table.owner(7), Some(ALICE.id));
        // The keeper relays: it may update anyone's client, and owns none of them.
        let applied = table.apply(KEEPER, &state(7, 2, bo), now).unwrap();
        assert_eq!(applied.changes.len(), 1);
        assert_eq!(table.owner(7), Some(ALICE.id));
        // A client first heard through the keeper is taken over by the
        // client's own peer when it speaks directly.
        table.apply(KEEPER, &state(8, 1, &ann_json), now).unwrap();
        assert_eq!(table.owner(8), Some(KEEPER.id));
        table.apply(BOB, &state(8, 2, bo), now).unwrap();
        assert_eq!(table.owner(8), Some(BOB.id));
        assert_eq!(table.remove_speaker(KEEPER.id), []);
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn a_member_speaks_for_at_most_its_quota_of_clients() {
        let mut table = table();
        let now = Instant::now();
        let json = to_json(&ann());
        let quota = MAX_CLIENTS_PER_PEER as u64;
        table.apply(ALICE, &many(0..quota, &json), now).unwrap();
        assert_eq!(table.len(), MAX_CLIENTS_PER_PEER);
        // Renewing and leaving its own clients is fine...
        table.apply(ALICE, &state(0, 2, &json), now).unwrap();
        table.apply(ALICE, &state(1, 2, "null"), now).unwrap();
        // ...one more client is not, even after one left (its clock is still
        // remembered, and owned): nothing of the update is applied.
        let result = table.apply(ALICE, &many(quota..quota + 1, &json), now);
        assert!(
            matches!(result, Err(ProtocolError::TooManyClientsForPeer { count, limit })
                if count == MAX_CLIENTS_PER_PEER + 1 && limit == MAX_CLIENTS_PER_PEER),
            "{result:?}"
        );
        assert_eq!(table.len(), MAX_CLIENTS_PER_PEER - 1);
        // Null entries and clock-0 entries claim nothing.
        table.apply(ALICE, &state(100, 1, "null"), now).unwrap();
        table.apply(ALICE, &state(101, 0, &json), now).unwrap();
        // Other members are not affected.
        table.apply(BOB, &many(50..50 + quota, &json), now).unwrap();
        assert_eq!(table.len(), 2 * MAX_CLIENTS_PER_PEER - 1);
        // Once the clock of the client that left is forgotten, Alice may
        // announce another.
        let later = now + PRESENCE_EXPIRY;
        table.apply(ALICE, &state(0, 3, &json), later).unwrap();
        table.apply(ALICE, &state(2, 2, &json), later).unwrap();
        table.apply(ALICE, &state(3, 2, &json), later).unwrap();
        table
            .apply(BOB, &many(50..50 + quota, &json), later)
            .unwrap();
        table.expire(later);
        table.apply(ALICE, &state(quota, 1, &json), later).unwrap();
    }

    #[test]
    fn a_full_table_tracks_no_new_client_and_refuses_nobody() {
        let mut table = table();
        let now = Instant::now();
        let json = to_json(&ann());
        // Only a relay can fill the table.
        for start in (0..MAX_TRACKED_CLIENTS as u64).step_by(MAX_CLIENTS_PER_UPDATE) {
            let applied = table
                .apply(
                    KEEPER,
                    &many(start..start + MAX_CLIENTS_PER_UPDATE as u64, &json),
                    now,
                )
                .unwrap();
            assert_eq!(applied.untracked, 0);
        }
        assert_eq!(table.len(), MAX_TRACKED_CLIENTS);
        let full = MAX_TRACKED_CLIENTS as u64;
        // A member's new client is not tracked; the member is not refused.
        let applied = table
            .apply(ALICE, &many(full..full + 1, &json), now)
            .unwrap();
        assert_eq!(
            applied,
            Applied {
                changes: vec![],
                won: vec![],
                untracked: 1
            }
        );
        assert_eq!(table.tracked(), MAX_TRACKED_CLIENTS);
        // Known clients still update.
        assert_eq!(
            table
                .apply(KEEPER, &state(0, 2, "null"), now)
                .unwrap()
                .changes,
            [PresenceChange::Removed { client: 0 }]
        );
        // A client gone and no longer owned makes room for a new one.
        table.remove_speaker(KEEPER.id);
        let applied = table
            .apply(ALICE, &many(full..full + 1, &json), now)
            .unwrap();
        assert_eq!(applied.changes.len(), 1);
        assert_eq!(applied.untracked, 0);
        assert_eq!(table.tracked(), MAX_TRACKED_CLIENTS);
        assert_eq!(table.owner(full), Some(ALICE.id));
    }

    #[test]
    fn a_bad_entry_fails_the_whole_update() {
        let mut table = table();
        let mut update = vec![0x02];
        update.extend_from_slice(&state(1, 1, &to_json(&ann()))[1..]);
        update.extend_from_slice(&state(2, 1, r#"{"name":"no colour"}"#)[1..]);
        assert!(matches!(
            table.apply_changes(&update, Instant::now()),
            Err(ProtocolError::BadPresence(_))
        ));
        assert!(table.is_empty());
        for json in ["{}", "[]", "1", "nul", r##"{"name":1,"colour":"#000000"}"##] {
            assert!(
                table
                    .apply_changes(&state(1, 1, json), Instant::now())
                    .is_err(),
                "{json}"
            );
        }
    }

    #[test]
    fn local_presence_renews_and_leaves() {
        let start = Instant::now();
        let mut local = LocalPresence::new(42);
        assert!(!local.renewal_due(start + RENEWAL_INTERVAL));
        assert_eq!(local.renew(start), None);
        local.set(ann(), start);
        assert!(!local.renewal_due(start + RENEWAL_INTERVAL - Duration::from_millis(1)));
        assert!(local.renewal_due(start + RENEWAL_INTERVAL));
        let renewal = local.renew(start + RENEWAL_INTERVAL).unwrap();
        assert_eq!(renewal, state(42, 2, &to_json(&ann())));
        assert!(!local.renewal_due(start + RENEWAL_INTERVAL));

        let mut table = table();
        table.apply_changes(&renewal, start).unwrap();
        assert_eq!(
            table.apply_changes(&local.leave(), start).unwrap(),
            [PresenceChange::Removed { client: 42 }]
        );
        assert!(!local.renewal_due(start + 10 * RENEWAL_INTERVAL));
        assert_eq!(local.renew(start), None);
    }

    #[test]
    fn local_presence_never_sends_what_peers_refuse() {
        let mut local = LocalPresence::new(1);
        let huge = Presence {
            name: "n".repeat(10_000),
            selection: (0..10_000).map(|i| format!("element{i:05}")).collect(),
            viewport: Some(Viewport {
                x: f64::NAN,
                y: 0.0,
                w: 1.0,
                h: 1.0,
            }),
            ..ann()
        };
        let update = local.set(huge, Instant::now());
        let mut table = table();
        table.apply_changes(&update, Instant::now()).unwrap();
        let sent = table.get(1).unwrap();
        assert_eq!(sent.name.chars().count(), MAX_NAME_CHARS);
        assert_eq!(sent.viewport, None);
        assert!(sent.selection.len() > 1000 && sent.selection.len() < 10_000);
        assert_eq!(sent.selection[0], "element00000");
        assert!(update.len() <= MAX_PRESENCE_JSON_BYTES + 16);
    }

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let mut table = table();
            let _ = table.apply(ALICE, &bytes, Instant::now());
            prop_assert!(table.tracked() <= MAX_CLIENTS_PER_PEER);
        }

        #[test]
        fn garbage_json_never_panics(client in 1..1000u64, clock: u32, json in ".{0,40}") {
            let mut table = table();
            let _ = table.apply_changes(&state(client, u64::from(clock), &json), Instant::now());
        }
    }
}
