//! A room for native peers: join through a [`Signaling`], connect to every
//! other member, keep one board in sync with all of them, and report cursors,
//! presence and membership as [`RoomEvent`]s.
//!
//! One task owns the room: it reads signaling, every link's frames and the
//! board's local updates, and drives one [`PeerCore`] per link. Links are
//! plain socket glue ([`PeerLink`]); the per-link rules (who speaks first, the
//! sync session, cursors, the queue limit, the keeper link's relayed cursors
//! and links report) are the sans-I/O core's. This file holds what is
//! room-wide: members, the presence table, our presence, the keeper's
//! [`Relay`] and cursor coalescer, re-offers; and routes the cores' frames to
//! links and their events to [`RoomEvent`]s.
//!
//! Topology (`docs/PROTOCOL.md`, "Topology"): a member links to the keeper,
//! and to the other members only while the room is within the welcome's mesh
//! limit; it tells the keeper its live direct links, asks the keeper to
//! resync when one ends, and holds its updates for the keeper
//! ([`KeeperHold`]) while every other member gets them directly. When we
//! are the keeper we forward what members send to every member that does
//! not get it directly: the decisions are the sans-I/O [`Relay`] and
//! [`CursorCoalescer`]; this file only moves bytes.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use inkmesh_doc::{Board, ChangeOrigin};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use crate::config::TransportConfig;
use crate::error::TransportError;
use crate::limits::{Limit, CURSOR_RELAY_BUFFERED_BYTES, REOFFER_FIRST_DELAY, REOFFER_MAX_DELAY};
use crate::peer::{LinkEvent, LinkEvents, LinkId, PeerLink};
use crate::protocol::cursor::CursorFrame;
use crate::protocol::cursor_relay::CursorCoalescer;
use crate::protocol::keeper_hold::KeeperHold;
use crate::protocol::peer::{Ending, LinkBytes, PeerCore, PeerEvent, Shared};
use crate::protocol::presence::{
    LocalPresence, Presence, PresenceChange, PresenceEntry, PresenceTable, Speaker,
};
use crate::protocol::relay::Relay;
use crate::protocol::session::{Ends, SyncState};
use crate::protocol::Role;
use crate::signaling::{IceServer, PeerId, PeerInfo, Signal, SignalEvent, Signaling};

/// How often the room checks timeouts, expiry and presence renewal.
const TICK: Duration = Duration::from_millis(500);
/// How long leaving waits for its peers to acknowledge our last edits and
/// goodbye before it closes the links anyway (a peer that went away never will).
const LEAVE_DELIVERY: Duration = Duration::from_millis(200);

/// Something that happened in the room, for the application.
#[derive(Debug, Clone, PartialEq)]
pub enum RoomEvent {
    /// A member joined the room (they will connect to us).
    PeerJoined(PeerInfo),
    /// The board channel to a member opened.
    PeerConnected(PeerId),
    /// We hold everything the member had when we connected.
    PeerSynced(PeerId),
    /// The connection to a member ended: they left, the link failed, or they
    /// misbehaved and we disconnected them (the reason says which, and
    /// `limit` which named limit they exceeded, if it was one).
    PeerDisconnected {
        peer: PeerId,
        reason: String,
        limit: Option<Limit>,
    },
    /// A limit tripped on a member's account without costing them the link:
    /// a presence client not tracked, a candidate refused, their frames
    /// waiting for us.
    LimitTripped { peer: PeerId, limit: Limit },
    /// A member's board update was applied.
    BoardChanged { peer: PeerId },
    /// A member who is a viewer sent a board update; it was dropped.
    ViewerUpdateDropped { peer: PeerId },
    /// A member's cursor: `peer` is the member it belongs to, whether it came
    /// directly or relayed by the keeper.
    Cursor { peer: PeerId, frame: CursorFrame },
    Presence {
        peer: PeerId,
        change: PresenceChange,
    },
}

/// The state of the connection to one member, as [`Room::peers`] reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerStatus {
    pub info: PeerInfo,
    pub sync: SyncState,
    pub queued_bytes: usize,
}

enum Command {
    Cursor {
        x: f32,
        y: f32,
        buttons: u8,
        tool: u8,
    },
    Presence(Presence),
    Peers(oneshot::Sender<Vec<PeerStatus>>),
    Pressure(oneshot::Sender<Vec<PeerLinkPressure>>),
    Leave(oneshot::Sender<()>),
}

/// A handle on one link's board queue, to wait for it to drain.
struct PeerLinkPressure(Arc<PeerLink>);

/// A joined room. Dropping it leaves the room.
pub struct Room {
    me: PeerInfo,
    board: Arc<Mutex<Board>>,
    config: TransportConfig,
    commands: mpsc::UnboundedSender<Command>,
    task: Option<JoinHandle<()>>,
}

impl Room {
    /// Joins the room `signaling` leads to and starts connecting to its members.
    /// The board is shared: edit it through [`Room::edit`] (or lock it directly)
    /// and every local change is sent to every member.
    pub async fn join<S: Signaling>(
        mut signaling: S,
        board: Arc<Mutex<Board>>,
        config: TransportConfig,
    ) -> Result<(Room, mpsc::UnboundedReceiver<RoomEvent>), TransportError> {
        let welcome = signaling.join().await?;
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let (links_tx, links_rx) = mpsc::unbounded_channel();
        let (updates_tx, updates_rx) = mpsc::unbounded_channel();
        let keeper = welcome.me.keeper;
        let applied = Arc::new(Mutex::new(Vec::new()));
        let applied_sink = applied.clone();
        let subscription =
            board
                .lock()
                .expect("board lock")
                .observe_updates(move |update, origin| match origin {
                    ChangeOrigin::Local => {
                        let _ = updates_tx.send(update.to_vec());
                    }
                    // What a member's update changed, for the keeper to
                    // forward: the room task drains it after every apply.
                    ChangeOrigin::Remote if keeper => applied_sink
                        .lock()
                        .expect("applied lock")
                        .push(update.to_vec()),
                    ChangeOrigin::Remote => {}
                });
        let client = board.lock().expect("board lock").client_id();
        info!(room_peer = %welcome.me.id, peers = welcome.peers.len(), "joined room");

        let mut state = RoomState {
            board: board.clone(),
            me: welcome.me.id.clone(),
            role: welcome.me.role,
            keeper,
            mesh_limit: welcome.mesh_limit,
            config: config.clone(),
            ice_servers: welcome.ice_servers.clone(),
            members: HashMap::new(),
            peers: HashMap::new(),
            presence: PresenceTable::new(config.presence_expiry),
            local_presence: LocalPresence::new(client),
            events: events_tx,
            links_tx,
            next_speaker: 0,
            relay: Relay::new(),
            coalescer: CursorCoalescer::new(),
            applied,
            keeper_hold: KeeperHold::default(),
            followups: VecDeque::new(),
            reoffers: HashMap::new(),
            reoffer_attempts: HashMap::new(),
        };
        let mut peers = welcome.peers;
        for peer in &peers {
            state.members.insert(peer.id.clone(), peer.clone());
        }
        // The keeper first; other members only in mesh mode (the keeper
        // itself links to everyone).
        peers.sort_by_key(|p| !p.keeper);
        let mesh = keeper || state.mesh_mode();
        for peer in peers.into_iter().filter(|p| p.keeper || mesh) {
            if let Err(e) = state.connect(&signaling, peer.clone()).await {
                warn!(peer = %peer.id, "cannot connect: {e}");
            }
        }
        let task = tokio::spawn(async move {
            let _subscription = subscription;
            state
                .run(signaling, commands_rx, links_rx, updates_rx)
                .await;
        });
        Ok((
            Room {
                me: welcome.me,
                board,
                config,
                commands: commands_tx,
                task: Some(task),
            },
            events_rx,
        ))
    }

    /// Ourselves, as the signaling server stamped us.
    pub fn me(&self) -> &PeerInfo {
        &self.me
    }

    pub fn board(&self) -> &Arc<Mutex<Board>> {
        &self.board
    }

    /// Runs `f` on the board, then waits while any peer has more than the
    /// back-pressure threshold queued: a producer cannot outrun the network.
    pub async fn edit<R>(&self, f: impl FnOnce(&mut Board) -> R) -> R {
        let result = f(&mut self.board.lock().expect("board lock"));
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::Pressure(tx)).is_ok() {
            if let Ok(links) = rx.await {
                for PeerLinkPressure(link) in links {
                    link.drained_below(self.config.backpressure_bytes).await;
                }
            }
        }
        result
    }

    /// Sends our cursor to every member, on the unreliable channel: directly
    /// where we have a live link, through the keeper to the rest.
    pub fn send_cursor(&self, x: f32, y: f32, buttons: u8, tool: u8) {
        let _ = self.commands.send(Command::Cursor {
            x,
            y,
            buttons,
            tool,
        });
    }

    /// Sets what members see of us: name, colour, selection, viewport.
    pub fn set_presence(&self, presence: Presence) {
        let _ = self.commands.send(Command::Presence(presence));
    }

    /// The members we have links to, and how far each sync has got.
    pub async fn peers(&self) -> Vec<PeerStatus> {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::Peers(tx)).is_err() {
            return Vec::new();
        }
        rx.await.unwrap_or_default()
    }

    /// Leaves the room: tells members we are gone and closes every link.
    pub async fn leave(mut self) {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::Leave(tx)).is_ok() {
            let _ = rx.await;
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Room {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// One member we are connected (or connecting) to.
struct Peer {
    info: PeerInfo,
    link: Arc<PeerLink>,
    core: PeerCore,
}

impl Peer {
    /// Who owns the presence clients this peer announces.
    fn speaker(&self) -> Speaker {
        self.core.speaker()
    }
}

/// The link's board counters, as the core needs them.
fn link_bytes(link: &PeerLink) -> LinkBytes {
    LinkBytes {
        queued: link.queued_bytes(),
        queued_total: link.board_bytes_queued_total(),
        sent_total: link.board_bytes_sent_total(),
    }
}

struct RoomState {
    board: Arc<Mutex<Board>>,
    /// Our member id.
    me: PeerId,
    /// Our role, as the server stamped it.
    role: Role,
    /// We are the server's keeper: we relay.
    keeper: bool,
    /// The welcome's `meshLimit`; `None`: no limit.
    mesh_limit: Option<usize>,
    config: TransportConfig,
    ice_servers: Vec<IceServer>,
    /// Everyone in the room, connected or not.
    members: HashMap<PeerId, PeerInfo>,
    peers: HashMap<PeerId, Peer>,
    presence: PresenceTable,
    local_presence: LocalPresence,
    events: mpsc::UnboundedSender<RoomEvent>,
    links_tx: LinkEvents,
    /// The next link's presence speaker id.
    next_speaker: u64,
    /// The keeper's: members' links reports, and who gets what we forward.
    relay: Relay,
    /// The keeper's: cursors waiting for each member's next relay round.
    coalescer: CursorCoalescer,
    /// The keeper's: the updates the last apply made to our board.
    applied: Arc<Mutex<Vec<Vec<u8>>>>,
    /// A member's: our updates not yet sent to the keeper, which would
    /// forward them to no one.
    keeper_hold: KeeperHold,
    /// What a disconnect leaves to send, done after the event that caused it
    /// (sending may disconnect someone else in turn; a queue, not recursion).
    followups: VecDeque<Followup>,
    /// Members we offer to again, and when: a link we offered ended while
    /// both of us are in the room.
    reoffers: HashMap<PeerId, Instant>,
    /// Offers made to each member since its link was last live (the backoff).
    reoffer_attempts: HashMap<PeerId, u32>,
}

/// Sending that a link's end calls for.
enum Followup {
    /// The keeper retracts the presence it relayed for a link that ended.
    Retract {
        to: Vec<PeerId>,
        entries: Vec<PresenceEntry>,
    },
    /// Our live direct link ended: report our links to the keeper, then
    /// resync with it.
    DirectLinkEnded,
}

impl RoomState {
    async fn run<S: Signaling>(
        &mut self,
        mut signaling: S,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut links: mpsc::UnboundedReceiver<(LinkId, LinkEvent)>,
        mut updates: mpsc::UnboundedReceiver<Vec<u8>>,
    ) {
        let mut tick = tokio::time::interval(TICK);
        loop {
            let cursor_round = self.coalescer.due();
            let keeper_hold_due = self.keeper_hold.due();
            tokio::select! {
                event = signaling.recv() => match event {
                    Some(event) => self.on_signal(&signaling, event).await,
                    None => {
                        warn!("signaling closed; leaving the room");
                        break;
                    }
                },
                Some((link, event)) = links.recv() => self.on_link(&signaling, link, event).await,
                Some(update) = updates.recv() => self.broadcast_update(&update).await,
                Some(command) = commands.recv() => {
                    if let Some(done) = self.on_command(command).await {
                        self.leave(&mut updates).await;
                        let _ = done.send(());
                        return;
                    }
                }
                _ = tick.tick() => self.on_tick(&signaling).await,
                _ = sleep_until(cursor_round) => self.relay_cursors().await,
                _ = sleep_until(keeper_hold_due) => self.release_keeper_hold().await,
            }
            self.run_followups().await;
        }
        self.leave(&mut updates).await;
    }

    /// Builds a link to `info` and offers to it: we are the newcomer.
    async fn connect<S: Signaling>(
        &mut self,
        signaling: &S,
        info: PeerInfo,
    ) -> Result<(), TransportError> {
        let link = PeerLink::new(
            info.id.clone(),
            &self.config,
            &self.ice_servers,
            self.links_tx.clone(),
        )
        .await?;
        let sdp = link.offer().await?;
        self.insert_peer(info.clone(), link, true).await;
        signaling
            .send(
                &info.id,
                Signal::Offer {
                    sdp,
                    renegotiate: false,
                },
            )
            .await?;
        Ok(())
    }

    async fn insert_peer(&mut self, info: PeerInfo, link: PeerLink, offerer: bool) {
        let speaker = Speaker {
            id: self.next_speaker,
            relay: info.keeper,
        };
        self.next_speaker += 1;
        let ends = Ends {
            local: self.role,
            remote: info.role,
            speaker,
            keeper: self.keeper,
        };
        let core = PeerCore::new(
            ends,
            info.keeper,
            offerer,
            self.config.limits.clone(),
            self.config.max_queued_bytes,
        );
        let peer = Peer {
            core,
            info: info.clone(),
            link: Arc::new(link),
        };
        let id = info.id;
        if let Some(old) = self.peers.insert(id.clone(), peer) {
            self.forget_presence(&id, old.speaker());
            old.link.close().await;
        }
    }

    async fn on_signal<S: Signaling>(&mut self, signaling: &S, event: SignalEvent) {
        match event {
            SignalEvent::PeerJoined(info) => {
                debug!(peer = %info.id, name = %info.name, "member joined");
                self.members.insert(info.id.clone(), info.clone());
                let _ = self.events.send(RoomEvent::PeerJoined(info));
                // The keeper forwards to the newcomer until we link to it directly.
                self.release_keeper_hold().await;
                if !self.keeper && !self.mesh_mode() {
                    self.close_direct_links().await;
                }
            }
            SignalEvent::PeerLeft(id) => {
                self.members.remove(&id);
                for peer in self.peers.values_mut() {
                    peer.core.forget_member(&id);
                }
                self.reoffers.remove(&id);
                self.reoffer_attempts.remove(&id);
                self.disconnect(&id, Ending::Gone("left the room".to_owned()))
                    .await;
            }
            SignalEvent::Signal { from, signal } => {
                if let Err(e) = self.on_peer_signal(signaling, &from, signal).await {
                    warn!(peer = %from, "signaling with peer failed: {e}");
                    self.disconnect(&from, Ending::Gone(format!("connection setup failed: {e}")))
                        .await;
                }
            }
        }
    }

    async fn on_peer_signal<S: Signaling>(
        &mut self,
        signaling: &S,
        from: &PeerId,
        signal: Signal,
    ) -> Result<(), TransportError> {
        match signal {
            Signal::Offer {
                renegotiate: true, ..
            } => {
                // Renegotiation adds media, which native peers and the keeper
                // never take; browsers send it only to non-keeper members.
                // Replacing the link for it would break the sender's session.
                warn!(peer = %from, "renegotiation offer ignored: native peers take no media");
            }
            Signal::Offer { sdp, .. } => {
                // Only members may connect; the relay vouches for `from`.
                let Some(info) = self.members.get(from).cloned() else {
                    warn!(peer = %from, "offer from someone not in the room; ignored");
                    return Ok(());
                };
                let link = PeerLink::new(
                    from.clone(),
                    &self.config,
                    &self.ice_servers,
                    self.links_tx.clone(),
                )
                .await?;
                let answer = link.answer(sdp).await?;
                self.insert_peer(info, link, false).await;
                signaling.send(from, Signal::Answer { sdp: answer }).await?;
            }
            Signal::Answer { sdp } => {
                if let Some(peer) = self.peers.get(from) {
                    peer.link.accept_answer(sdp).await?;
                }
            }
            Signal::Candidate { candidate } => {
                if let Some(peer) = self.peers.get(from) {
                    peer.link.add_candidate(candidate).await?;
                }
            }
        }
        Ok(())
    }

    async fn on_link<S: Signaling>(&mut self, signaling: &S, link: LinkId, event: LinkEvent) {
        if self
            .peers
            .get(&link.peer)
            .is_some_and(|peer| peer.link.id() != &link)
        {
            // From a link this peer's newer one replaced: it ended with its
            // replacement, and its `Closed` must not end the new link.
            debug!(peer = %link.peer, "event from a replaced link dropped");
            return;
        }
        let id = link.peer;
        let now = Instant::now();
        match event {
            LinkEvent::Candidate(candidate) => {
                if self.peers.contains_key(&id) {
                    let _ = signaling.send(&id, Signal::Candidate { candidate }).await;
                }
            }
            LinkEvent::Open => {
                let live = self.live_links_for(&id);
                let Some(peer) = self.peers.get_mut(&id) else {
                    return;
                };
                let frames = {
                    let mut board = self.board.lock().expect("board lock");
                    let mut shared = Shared {
                        board: &mut board,
                        presence: &mut self.presence,
                        local_presence: &mut self.local_presence,
                        live_links: &live,
                    };
                    peer.core.open(&mut shared, now, link_bytes(&peer.link))
                };
                self.deliver(&id, frames).await;
                let _ = self.events.send(RoomEvent::PeerConnected(id));
            }
            LinkEvent::Board(frame) => self.on_board_frame(id, &frame, now).await,
            LinkEvent::Cursor(bytes) => self.on_cursor_frame(id, &bytes, now).await,
            LinkEvent::Text(channel) => {
                let Some(peer) = self.peers.get(&id) else {
                    return;
                };
                let ending = peer.core.text_message(channel);
                self.disconnect(&id, ending).await;
            }
            LinkEvent::CandidatesRefused(count) => {
                debug!(peer = %id, count, "refused remote candidates");
                self.limit_tripped(id, Limit::CandidateAddress);
            }
            LinkEvent::InboundFull => self.limit_tripped(id, Limit::InboundLinkBytes),
            LinkEvent::Closed(reason) => self.disconnect(&id, Ending::Gone(reason)).await,
        }
    }

    /// Reports a limit that tripped on a member's account and cost nobody the
    /// link.
    fn limit_tripped(&self, peer: PeerId, limit: Limit) {
        if self.peers.contains_key(&peer) {
            let _ = self.events.send(RoomEvent::LimitTripped { peer, limit });
        }
    }

    /// Queues on `id`'s board channel the frames its core passed, or ends the
    /// link as the core decided (a peer too slow for them, one that broke the
    /// protocol). Returns whether the peer is still connected.
    async fn deliver(&mut self, id: &PeerId, frames: Result<Vec<Vec<u8>>, Ending>) -> bool {
        match frames {
            Ok(frames) => {
                let Some(peer) = self.peers.get(id) else {
                    return false;
                };
                frames.into_iter().for_each(|f| peer.link.send_board(f));
                true
            }
            Err(ending) => {
                self.disconnect(id, ending).await;
                false
            }
        }
    }

    /// Runs `step` on `id`'s core with its link's counters, and delivers the
    /// frames it gives. Returns whether the peer is still connected.
    async fn with_core(
        &mut self,
        id: &PeerId,
        step: impl FnOnce(&mut PeerCore, LinkBytes) -> Result<Vec<Vec<u8>>, Ending>,
    ) -> bool {
        let Some(peer) = self.peers.get_mut(id) else {
            return false;
        };
        let frames = step(&mut peer.core, link_bytes(&peer.link));
        self.deliver(id, frames).await
    }

    async fn on_board_frame(&mut self, id: PeerId, frame: &[u8], now: Instant) {
        let live = self.live_links_for(&id);
        let Some(peer) = self.peers.get_mut(&id) else {
            return;
        };
        let output = {
            let mut board = self.board.lock().expect("board lock");
            let mut shared = Shared {
                board: &mut board,
                presence: &mut self.presence,
                local_presence: &mut self.local_presence,
                live_links: &live,
            };
            peer.core
                .board_frame(&mut shared, frame, now, link_bytes(&peer.link))
        };
        let applied = std::mem::take(&mut *self.applied.lock().expect("applied lock"));
        let output = match output {
            Ok(output) => output,
            Err(ending) => {
                self.disconnect(&id, ending).await;
                return;
            }
        };
        if !self.deliver(&id, Ok(output.frames)).await {
            return;
        }
        for event in output.events {
            let event = match event {
                PeerEvent::BoardChanged => RoomEvent::BoardChanged { peer: id.clone() },
                PeerEvent::ViewerUpdateDropped => {
                    RoomEvent::ViewerUpdateDropped { peer: id.clone() }
                }
                PeerEvent::Presence(change) => RoomEvent::Presence {
                    peer: id.clone(),
                    change,
                },
                PeerEvent::PresenceUntracked(clients) => {
                    debug!(peer = %id, clients, "presence table full; clients not tracked");
                    RoomEvent::LimitTripped {
                        peer: id.clone(),
                        limit: Limit::PresenceTableClients,
                    }
                }
                PeerEvent::Synced => RoomEvent::PeerSynced(id.clone()),
            };
            let _ = self.events.send(event);
        }
        if self.keeper {
            self.forward(&id, applied, output.presence_won, output.links)
                .await;
        }
        if self
            .peers
            .get(&id)
            .is_some_and(|p| p.core.state() == SyncState::Live)
        {
            self.reoffer_attempts.remove(&id);
        }
        // A direct link may have just become live.
        self.report_links().await;
    }

    /// A frame on `id`'s cursor channel: the cursors it shows are reported
    /// under the member each belongs to; the keeper queues a member's own
    /// cursor for the members it relays to.
    async fn on_cursor_frame(&mut self, id: PeerId, bytes: &[u8], now: Instant) {
        let live = self.live_links_for(&id);
        let me = &self.me;
        let members = &self.members;
        let Some(peer) = self.peers.get_mut(&id) else {
            return;
        };
        // A relayed cursor counts unless it is ours, we get that member's
        // cursor directly, or we do not know the member (yet).
        let wanted = |origin: &PeerId| {
            origin != me && !live.contains(origin) && members.contains_key(origin)
        };
        let cursors = match peer.core.cursor_frame(bytes, now, wanted) {
            Ok(cursors) => cursors,
            Err(ending) => {
                self.disconnect(&id, ending).await;
                return;
            }
        };
        for (origin, frame) in cursors {
            let peer = match origin {
                Some(origin) => origin,
                None => {
                    if self.keeper {
                        let receivers = self.relay.receivers(&id, &self.speaking_peers());
                        self.coalescer.push(&id, frame, &receivers, now);
                    }
                    id.clone()
                }
            };
            let _ = self.events.send(RoomEvent::Cursor { peer, frame });
        }
    }

    /// Sends a local board update to every peer we are speaking to. Peers still
    /// connecting get it in sync step 2 instead. The keeper gets it later,
    /// merged with the next ones, while it would forward it to no one.
    async fn broadcast_update(&mut self, update: &[u8]) {
        let hold = !self.keeper && self.everyone_linked_directly();
        if !hold {
            self.release_keeper_hold().await;
        }
        for id in self.speaking_peers() {
            if hold && self.peers.get(&id).is_some_and(|p| p.info.keeper) {
                continue;
            }
            self.with_core(&id, |core, link| core.local_update(update, link))
                .await;
        }
        if hold && self.keeper_hold.add(update, Instant::now()) {
            self.release_keeper_hold().await;
        }
    }

    /// Sends the keeper what we hold for it. Without a live keeper link it is
    /// dropped: the next link's sync carries the whole board.
    async fn release_keeper_hold(&mut self) {
        for update in self.keeper_hold.take() {
            for id in self.keeper_links() {
                if self.peers.get(&id).is_some_and(|p| p.core.speaking()) {
                    self.with_core(&id, |core, link| core.local_update(&update, link))
                        .await;
                }
            }
        }
    }

    fn speaking_peers(&self) -> Vec<PeerId> {
        self.peers
            .iter()
            .filter(|(_, p)| p.core.speaking())
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Handles a command; returns the reply channel when the command was to leave.
    async fn on_command(&mut self, command: Command) -> Option<oneshot::Sender<()>> {
        match command {
            Command::Cursor {
                x,
                y,
                buttons,
                tool,
            } => {
                // The keeper relays a cursor only to members we have no live
                // direct link with; while there are none, it gets no copy.
                let keeper_too = !self.everyone_linked_directly();
                for peer in self.peers.values_mut() {
                    if peer.info.keeper && !keeper_too {
                        continue;
                    }
                    if let Some(frame) = peer.core.local_cursor(x, y, buttons, tool) {
                        peer.link.send_cursor(frame);
                    }
                }
            }
            Command::Presence(presence) => {
                let update = self.local_presence.set(presence, Instant::now());
                self.broadcast_awareness(&update).await;
            }
            Command::Peers(reply) => {
                let statuses = self
                    .peers
                    .values()
                    .map(|p| PeerStatus {
                        info: p.info.clone(),
                        sync: p.core.state(),
                        queued_bytes: p.link.queued_bytes(),
                    })
                    .collect();
                let _ = reply.send(statuses);
            }
            Command::Pressure(reply) => {
                let links = self
                    .peers
                    .values()
                    .map(|p| PeerLinkPressure(p.link.clone()))
                    .collect();
                let _ = reply.send(links);
            }
            Command::Leave(done) => return Some(done),
        }
        None
    }

    async fn broadcast_awareness(&mut self, update: &[u8]) {
        for id in self.speaking_peers() {
            self.with_core(&id, |core, link| core.local_awareness(update, link))
                .await;
        }
    }

    async fn on_tick<S: Signaling>(&mut self, signaling: &S) {
        let now = Instant::now();
        self.reoffer_due(signaling, now).await;
        let mut stalled = Vec::new();
        for (id, peer) in &mut self.peers {
            if let Err(ending) = peer.core.tick(now) {
                stalled.push((id.clone(), ending));
            }
        }
        for (id, reason) in stalled {
            self.disconnect(&id, reason).await;
        }
        self.due_resyncs(now).await;
        for change in self.presence.expire(now) {
            let PresenceChange::Removed { client } = &change else {
                continue;
            };
            let owner = self.presence.owner(*client);
            if let Some((id, _)) = self
                .peers
                .iter()
                .find(|(_, p)| Some(p.speaker().id) == owner)
            {
                let _ = self.events.send(RoomEvent::Presence {
                    peer: id.clone(),
                    change: change.clone(),
                });
            }
        }
        if self.local_presence.renewal_due(now) {
            if let Some(update) = self.local_presence.renew(now) {
                self.broadcast_awareness(&update).await;
            }
        }
    }

    /// Forgets the presence a link spoke for, reporting each client removed.
    fn forget_presence(&mut self, id: &PeerId, speaker: Speaker) {
        for change in self.presence.remove_speaker(speaker.id) {
            let _ = self.events.send(RoomEvent::Presence {
                peer: id.clone(),
                change,
            });
        }
    }

    /// Drops the link to `id`, forgets its presence, and reports why. The
    /// keeper retracts the presence it relayed for the link; a member whose
    /// live direct link ended tells the keeper and resyncs with it.
    async fn disconnect(&mut self, id: &PeerId, ending: Ending) {
        let Some(peer) = self.peers.remove(id) else {
            return;
        };
        let was_live_direct = peer.core.live_direct();
        let reoffer = peer.core.reoffer_after(&ending);
        if self.keeper {
            self.retract_relayed(id, peer.speaker());
        }
        let reason = ending.to_string();
        let limit = ending.limit();
        match ending {
            Ending::Gone(_) => info!(peer = %id, "peer disconnected: {reason}"),
            Ending::Misbehaved { .. } | Ending::TooSlow { .. } => {
                warn!(peer = %id, name = %peer.info.name, limit = limit.map(|l| l.name()), "disconnecting peer: {reason}")
            }
        }
        self.forget_presence(id, peer.speaker());
        peer.link.close().await;
        let _ = self.events.send(RoomEvent::PeerDisconnected {
            peer: id.clone(),
            reason,
            limit,
        });
        if was_live_direct {
            self.followups.push_back(Followup::DirectLinkEnded);
        }
        if reoffer && self.may_link(id) {
            let attempt = self.reoffer_attempts.get(id).copied().unwrap_or(0);
            let delay = REOFFER_FIRST_DELAY
                .saturating_mul(1 << attempt.min(8))
                .min(REOFFER_MAX_DELAY);
            debug!(peer = %id, ?delay, "will offer again");
            self.reoffers.insert(id.clone(), Instant::now() + delay);
        }
    }

    /// Whether we should hold a link to member `id`: the keeper links to
    /// everyone and everyone to the keeper; members link to each other only
    /// in mesh mode.
    fn may_link(&self, id: &PeerId) -> bool {
        let Some(info) = self.members.get(id) else {
            return false;
        };
        self.keeper || info.keeper || self.mesh_mode()
    }

    /// Offers again to the members whose wait is over, if we still should
    /// and nobody has offered to us meanwhile.
    async fn reoffer_due<S: Signaling>(&mut self, signaling: &S, now: Instant) {
        let due: Vec<PeerId> = self
            .reoffers
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            self.reoffers.remove(&id);
            if self.peers.contains_key(&id) || !self.may_link(&id) {
                continue;
            }
            let Some(info) = self.members.get(&id).cloned() else {
                continue;
            };
            *self.reoffer_attempts.entry(id.clone()).or_default() += 1;
            info!(peer = %id, "offering again");
            if let Err(e) = self.connect(signaling, info).await {
                warn!(peer = %id, "cannot offer again: {e}");
            }
        }
    }

    /// Sends what disconnects left to send, until nothing is left.
    async fn run_followups(&mut self) {
        while let Some(followup) = self.followups.pop_front() {
            match followup {
                Followup::Retract { to, entries } => {
                    self.send_each(&to, |core, link| core.relayed_awareness(&entries, link))
                        .await;
                }
                Followup::DirectLinkEnded => {
                    // The report first: from it on, the keeper relays the
                    // peer's traffic, what we held for it included; the
                    // resync fetches what the link dropped meanwhile.
                    self.report_links().await;
                    self.release_keeper_hold().await;
                    self.resync_with_keeper().await;
                }
            }
        }
    }

    /// Whether the room is in mesh mode: its members other than the keeper,
    /// us included, are within the welcome's mesh limit.
    fn mesh_mode(&self) -> bool {
        let members = 1 + self.members.values().filter(|m| !m.keeper).count();
        match self.mesh_limit {
            Some(limit) => members <= limit,
            None => true,
        }
    }

    /// The room went into star mode: every direct member link closes (the
    /// keeper relays from now on), and never opens again unless we rejoin.
    async fn close_direct_links(&mut self) {
        let direct: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|(_, p)| !p.info.keeper)
            .map(|(id, _)| id.clone())
            .collect();
        for id in direct {
            self.disconnect(&id, Ending::Gone("the room is in star mode".to_owned()))
                .await;
        }
        // Nor offered to again, should the room shrink back under the limit.
        let members = &self.members;
        self.reoffers
            .retain(|id, _| members.get(id).is_some_and(|m| m.keeper));
    }

    /// What a core handling `id`'s link needs of [`RoomState::live_links`]:
    /// only a link to the keeper uses it (links report, relayed cursors), so
    /// the keeper and member-to-member links skip the walk on every frame.
    fn live_links_for(&self, id: &PeerId) -> BTreeSet<PeerId> {
        if self.peers.get(id).is_some_and(|p| p.info.keeper) {
            self.live_links()
        } else {
            BTreeSet::new()
        }
    }

    /// The members we hold live direct links to (not the keeper).
    fn live_links(&self) -> BTreeSet<PeerId> {
        self.peers
            .iter()
            .filter(|(_, p)| p.core.live_direct())
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Whether we hold a live direct link to every other member (or are
    /// alone with the keeper): the keeper would forward what we send to no one.
    fn everyone_linked_directly(&self) -> bool {
        self.members
            .iter()
            .filter(|(_, m)| !m.keeper)
            .all(|(id, _)| self.peers.get(id).is_some_and(|p| p.core.live_direct()))
    }

    /// Tells the keeper our live direct links, if they changed since we last
    /// did (each keeper link's core remembers what it reported).
    async fn report_links(&mut self) {
        let live = self.live_links();
        for id in self.keeper_links() {
            self.with_core(&id, |core, link| core.report_links(&live, link))
                .await;
        }
    }

    /// Our links to the keeper (one, unless a new one is replacing the old).
    fn keeper_links(&self) -> Vec<PeerId> {
        self.peers
            .iter()
            .filter(|(_, p)| p.info.keeper)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Asks the keeper for everything we lack: what a direct link that ended
    /// may have dropped on the way.
    async fn resync_with_keeper(&mut self) {
        let board = self.board.clone();
        let now = Instant::now();
        for id in self.keeper_links() {
            self.with_core(&id, |core, link| {
                core.resync(&board.lock().expect("board lock"), now, link)
            })
            .await;
        }
    }

    /// Sends the resyncs that waited for their interval ([`PeerCore::due_resync`]).
    async fn due_resyncs(&mut self, now: Instant) {
        let board = self.board.clone();
        for id in self.keeper_links() {
            self.with_core(&id, |core, link| {
                core.due_resync(&board.lock().expect("board lock"), now, link)
            })
            .await;
        }
    }

    /// The keeper's forwarding after member `from`'s frame was handled: what
    /// it changed in our board, the presence entries that won for its
    /// clients, and its new links report.
    async fn forward(
        &mut self,
        from: &PeerId,
        applied: Vec<Vec<u8>>,
        won: Vec<PresenceEntry>,
        links: Option<Vec<PeerId>>,
    ) {
        let receivers = self.relay.receivers(from, &self.speaking_peers());
        for update in &applied {
            self.send_each(&receivers, |core, link| core.relayed_update(update, link))
                .await;
        }
        if !won.is_empty() {
            self.send_each(&receivers, |core, link| core.relayed_awareness(&won, link))
                .await;
        }
        let Some(links) = links else {
            return;
        };
        let members = &self.members;
        let dropped = self
            .relay
            .report(from, links, |id| members.contains_key(id));
        for other in dropped {
            // Relayed from now on: each gets the other's presence, which it
            // dropped with the link.
            for (to, about) in [(from, &other), (&other, from)] {
                let Some(speaker) = self.peers.get(about).map(Peer::speaker) else {
                    continue;
                };
                let entries = self.presence.owned_entries(speaker.id);
                if !entries.is_empty() {
                    self.send_each(std::slice::from_ref(to), |core, link| {
                        core.relayed_awareness(&entries, link)
                    })
                    .await;
                }
            }
        }
    }

    /// The keeper lost its link to `id`: the members it relayed `id`'s
    /// presence to get `null`s for its clients (same clocks), and nothing of
    /// `id` is relayed any more.
    fn retract_relayed(&mut self, id: &PeerId, speaker: Speaker) {
        let receivers = self.relay.receivers(id, &self.speaking_peers());
        self.relay.forget(id);
        self.coalescer.forget(id);
        let gone: Vec<PresenceEntry> = self
            .presence
            .owned_entries(speaker.id)
            .into_iter()
            .map(|entry| PresenceEntry {
                json: "null".to_owned(),
                ..entry
            })
            .collect();
        if !gone.is_empty() {
            self.followups.push_back(Followup::Retract {
                to: receivers,
                entries: gone,
            });
        }
    }

    /// Sends each of `to` the frames `make` gives with its core.
    async fn send_each(
        &mut self,
        to: &[PeerId],
        make: impl Fn(&mut PeerCore, LinkBytes) -> Result<Vec<Vec<u8>>, Ending>,
    ) {
        for id in to {
            self.with_core(id, &make).await;
        }
    }

    /// The keeper's cursor round: each member whose cursor channel has room
    /// gets the cursors waiting for it, in relayed cursor frames.
    async fn relay_cursors(&mut self) {
        let mut busy = HashSet::new();
        let waiting: Vec<PeerId> = self.coalescer.receivers().cloned().collect();
        for id in waiting {
            if let Some(peer) = self.peers.get(&id) {
                if peer.link.cursor_buffered_bytes().await > CURSOR_RELAY_BUFFERED_BYTES {
                    busy.insert(id);
                }
            }
        }
        for (id, frames) in self.coalescer.round(Instant::now(), |id| busy.contains(id)) {
            let Some(peer) = self.peers.get(&id) else {
                continue;
            };
            for frame in frames {
                // Cursors are best effort: a frame the channel refuses is gone.
                let _ = peer.link.send_cursor_bytes(&frame).await;
            }
        }
    }

    /// Sends the edits made before leaving (still queued, or held for the
    /// keeper), then our goodbye, and closes every link.
    async fn leave(&mut self, updates: &mut mpsc::UnboundedReceiver<Vec<u8>>) {
        while let Ok(update) = updates.try_recv() {
            self.broadcast_update(&update).await;
        }
        self.release_keeper_hold().await;
        let update = self.local_presence.leave();
        self.broadcast_awareness(&update).await;
        // Give our last edits and the goodbye a moment to reach every peer
        // at once: closing a link drops what it has not acknowledged.
        let links: Vec<Arc<PeerLink>> = self.peers.drain().map(|(_, peer)| peer.link).collect();
        let mut delivered = tokio::task::JoinSet::new();
        for link in &links {
            let link = link.clone();
            delivered.spawn(async move { link.board_delivered().await });
        }
        tokio::time::timeout(LEAVE_DELIVERY, delivered.join_all())
            .await
            .ok();
        for link in links {
            link.close().await;
        }
    }
}

/// Sleeps until `due`, or forever if there is nothing to wait for.
async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due.into()).await,
        None => std::future::pending().await,
    }
}
