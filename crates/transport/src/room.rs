//! A room for native peers: join through a [`Signaling`], connect to every
//! other member, keep one board in sync with all of them, and report cursors,
//! presence and membership as [`RoomEvent`]s.
//!
//! One task owns the room: it reads signaling, every link's frames and the
//! board's local updates, and drives one [`SyncSession`] per peer. Links are
//! plain socket glue ([`PeerLink`]); what frames mean is decided by the
//! sans-I/O protocol.
//!
//! Every frame we send a peer on its board channel (sync replies, updates,
//! presence, the goodbye) goes through [`RoomState::send_frames`], so one
//! limit bounds what we hold for each peer: a peer that does not read is cut
//! off as too slow, whatever made us write to it.
//!
//! Topology (`docs/PROTOCOL.md`, "Topology"): a member links to the keeper,
//! and to the other members only while the room is within the welcome's mesh
//! limit; it tells the keeper its live direct links, and asks the keeper to
//! resync when one ends. When we are the keeper we forward what members send
//! to every member that does not get it directly: the decisions are the
//! sans-I/O [`Relay`] and [`CursorCoalescer`]; this file only moves bytes.

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
use crate::peer::{LinkEvent, PeerLink};
use crate::protocol::cursor::{CursorFilter, CursorFrame, CursorSequencer};
use crate::protocol::cursor_relay::CursorCoalescer;
use crate::protocol::presence::{
    LocalPresence, Presence, PresenceChange, PresenceEntry, PresenceTable, Speaker,
};
use crate::protocol::relay::Relay;
use crate::protocol::relayed_cursor::{CursorMessage, RelayedCursorFilter};
use crate::protocol::session::{Ends, SyncSession, SyncState};
use crate::protocol::{ProtocolError, Role};
use crate::signaling::{IceServer, PeerId, PeerInfo, Signal, SignalEvent, Signaling};

/// How often the room checks timeouts, expiry and presence renewal.
const TICK: Duration = Duration::from_millis(500);

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
            cursor: CursorSequencer::default(),
            events: events_tx,
            links_tx,
            next_speaker: 0,
            reported_links: BTreeSet::new(),
            relayed_cursors: HashMap::new(),
            relay: Relay::new(),
            coalescer: CursorCoalescer::new(),
            applied,
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

    /// Sends our cursor to every member, on the unreliable channel.
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

/// Why a link ended; misbehaving and too-slow peers are logged as warnings.
enum Ending {
    /// Left, closed or failed: nothing the peer did wrong.
    Gone(String),
    /// Sent what the protocol refuses, or exceeded a limit.
    Misbehaved {
        reason: String,
        limit: Option<Limit>,
    },
    /// Did not read: this many board bytes would have been queued for it.
    TooSlow { queued: usize, limit: usize },
}

impl Ending {
    fn refused(error: &ProtocolError) -> Self {
        Ending::Misbehaved {
            reason: error.to_string(),
            limit: error.limit(),
        }
    }

    fn limit(&self) -> Option<Limit> {
        match self {
            Ending::Gone(_) => None,
            Ending::Misbehaved { limit, .. } => *limit,
            Ending::TooSlow { .. } => Some(Limit::PeerQueueBytes),
        }
    }
}

impl std::fmt::Display for Ending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ending::Gone(reason) => f.write_str(reason),
            Ending::Misbehaved { reason, .. } => write!(f, "misbehaved: {reason}"),
            Ending::TooSlow { queued, limit } => write!(
                f,
                "too slow: {queued} bytes would be queued for it, over the limit of {limit}"
            ),
        }
    }
}

/// One member we are connected (or connecting) to.
struct Peer {
    info: PeerInfo,
    link: Arc<PeerLink>,
    session: SyncSession,
    cursors: CursorFilter,
    /// Who owns the presence clients this peer announces.
    speaker: Speaker,
    /// Where our answer to the peer's last step 1 ends in the link's board
    /// stream, until it has left the queue.
    answer_end: Option<u64>,
    reported_synced: bool,
    /// We made the offer. The answerer speaks first; see [`Peer::speaking`].
    offerer: bool,
    /// Whether we may send on this link yet. The offerer waits for the
    /// answerer's first frame (`docs/PROTOCOL.md`, "Who speaks first").
    speaking: bool,
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
    cursor: CursorSequencer,
    events: mpsc::UnboundedSender<RoomEvent>,
    links_tx: mpsc::UnboundedSender<(PeerId, LinkEvent)>,
    /// The next link's presence speaker id.
    next_speaker: u64,
    /// The live direct links we last reported to the keeper.
    reported_links: BTreeSet<PeerId>,
    /// Per member, the seq filter of its cursors relayed by the keeper.
    relayed_cursors: HashMap<PeerId, RelayedCursorFilter>,
    /// The keeper's: members' links reports, and who gets what we forward.
    relay: Relay,
    /// The keeper's: cursors waiting for each member's next relay round.
    coalescer: CursorCoalescer,
    /// The keeper's: the updates the last apply made to our board.
    applied: Arc<Mutex<Vec<Vec<u8>>>>,
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
        mut links: mpsc::UnboundedReceiver<(PeerId, LinkEvent)>,
        mut updates: mpsc::UnboundedReceiver<Vec<u8>>,
    ) {
        let mut tick = tokio::time::interval(TICK);
        loop {
            let cursor_round = self.coalescer.due();
            tokio::select! {
                event = signaling.recv() => match event {
                    Some(event) => self.on_signal(&signaling, event).await,
                    None => {
                        warn!("signaling closed; leaving the room");
                        break;
                    }
                },
                Some((peer, event)) = links.recv() => self.on_link(&signaling, peer, event).await,
                Some(update) = updates.recv() => self.broadcast_update(&update).await,
                Some(command) = commands.recv() => {
                    if let Some(done) = self.on_command(command).await {
                        let _ = done.send(());
                        return;
                    }
                }
                _ = tick.tick() => self.on_tick(&signaling).await,
                _ = sleep_until(cursor_round) => self.relay_cursors().await,
            }
            self.run_followups().await;
        }
        self.leave().await;
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
        signaling.send(&info.id, Signal::Offer { sdp }).await?;
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
        let peer = Peer {
            session: SyncSession::new(ends, self.config.limits.clone()),
            info: info.clone(),
            link: Arc::new(link),
            cursors: CursorFilter::default(),
            speaker,
            answer_end: None,
            reported_synced: false,
            offerer,
            speaking: false,
        };
        let id = info.id;
        if let Some(old) = self.peers.insert(id.clone(), peer) {
            self.forget_presence(&id, old.speaker);
            old.link.close().await;
        }
    }

    async fn on_signal<S: Signaling>(&mut self, signaling: &S, event: SignalEvent) {
        match event {
            SignalEvent::PeerJoined(info) => {
                debug!(peer = %info.id, name = %info.name, "member joined");
                self.members.insert(info.id.clone(), info.clone());
                let _ = self.events.send(RoomEvent::PeerJoined(info));
                if !self.keeper && !self.mesh_mode() {
                    self.close_direct_links().await;
                }
            }
            SignalEvent::PeerLeft(id) => {
                self.members.remove(&id);
                self.relayed_cursors.remove(&id);
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
            Signal::Offer { sdp } => {
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

    async fn on_link<S: Signaling>(&mut self, signaling: &S, id: PeerId, event: LinkEvent) {
        let now = Instant::now();
        match event {
            LinkEvent::Candidate(candidate) => {
                if self.peers.contains_key(&id) {
                    let _ = signaling.send(&id, Signal::Candidate { candidate }).await;
                }
            }
            LinkEvent::Open => {
                let Some(peer) = self.peers.get(&id) else {
                    return;
                };
                if !peer.offerer {
                    self.start_speaking(&id, now).await;
                }
                let _ = self.events.send(RoomEvent::PeerConnected(id));
            }
            LinkEvent::Board(frame) => self.on_board_frame(id, &frame, now).await,
            LinkEvent::Cursor(bytes) => {
                let Some(peer) = self.peers.get_mut(&id) else {
                    return;
                };
                match CursorMessage::decode(&bytes, peer.info.keeper) {
                    Ok(CursorMessage::Own(frame)) => {
                        if peer.cursors.accept(&frame) {
                            if self.keeper {
                                let receivers = self.relay.receivers(&id, &self.speaking_peers());
                                self.coalescer.push(&id, frame, &receivers, now);
                            }
                            let _ = self.events.send(RoomEvent::Cursor { peer: id, frame });
                        }
                    }
                    Ok(CursorMessage::Relayed(entries)) => self.on_relayed_cursors(entries),
                    Err(e) => self.disconnect(&id, Ending::refused(&e)).await,
                }
            }
            LinkEvent::Text(channel) => {
                let ending = Ending::Misbehaved {
                    reason: format!("text message on the {channel} channel"),
                    limit: None,
                };
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

    /// Queues frames for a peer's board channel. Every frame we send a peer
    /// goes through here: if it would take the bytes queued for the peer over
    /// the limit, the peer is too slow and is disconnected instead. Returns
    /// whether the peer is still connected.
    async fn send_frames(&mut self, id: &PeerId, frames: Vec<Vec<u8>>) -> bool {
        let Some(peer) = self.peers.get(id) else {
            return false;
        };
        let queued = peer.link.queued_bytes() + frames.iter().map(Vec::len).sum::<usize>();
        let limit = self.config.max_queued_bytes;
        if queued > limit {
            self.disconnect(id, Ending::TooSlow { queued, limit }).await;
            return false;
        }
        frames.into_iter().for_each(|f| peer.link.send_board(f));
        true
    }

    /// Starts sync with a peer: our sync step 1 and our presence.
    async fn start_speaking(&mut self, id: &PeerId, now: Instant) {
        let Some(peer) = self.peers.get_mut(id) else {
            return;
        };
        peer.speaking = true;
        let mut frames = {
            let board = self.board.lock().expect("board lock");
            peer.session.on_open(&board)
        };
        if let (Ok(frames), Some(update)) = (&mut frames, self.local_presence.renew(now)) {
            // Presence is best effort: an update too large to frame is not sent.
            if let Ok(more) = peer.session.local_awareness(&update) {
                frames.extend(more);
            }
        }
        if let (Ok(frames), true) = (&mut frames, self.keeper) {
            // Everyone's presence but the member's own, as the keeper knows it.
            let others = self.presence.entries_not_owned_by(peer.speaker.id);
            if !others.is_empty() {
                if let Ok(more) = peer.session.relayed_awareness(&others) {
                    frames.extend(more);
                }
            }
        }
        let to_keeper = peer.info.keeper;
        match frames {
            Ok(frames) => {
                if self.send_frames(id, frames).await && to_keeper {
                    // A new keeper link knows none of our links yet.
                    self.reported_links.clear();
                    self.report_links().await;
                }
            }
            Err(e) => {
                self.disconnect(id, Ending::Gone(format!("cannot start sync: {e}")))
                    .await
            }
        }
    }

    async fn on_board_frame(&mut self, id: PeerId, frame: &[u8], now: Instant) {
        if self.peers.get(&id).is_some_and(|p| !p.speaking) {
            // The answerer's first frame: our turn to speak.
            self.start_speaking(&id, now).await;
        }
        let Some(peer) = self.peers.get_mut(&id) else {
            return;
        };
        if peer
            .answer_end
            .is_some_and(|end| peer.link.board_bytes_sent_total() >= end)
        {
            peer.answer_end = None;
            peer.session.answer_sent();
        }
        let output = {
            let mut board = self.board.lock().expect("board lock");
            peer.session
                .on_frame(&mut board, &mut self.presence, frame, now)
        };
        let applied = std::mem::take(&mut *self.applied.lock().expect("applied lock"));
        let mut output = match output {
            Ok(output) => output,
            Err(e) => {
                self.disconnect(&id, Ending::refused(&e)).await;
                return;
            }
        };
        if !self
            .send_frames(&id, std::mem::take(&mut output.frames))
            .await
        {
            return;
        }
        let Some(peer) = self.peers.get_mut(&id) else {
            return;
        };
        if output.answered_step1 {
            // The room task is the only one queueing: the answer ends here.
            peer.answer_end = Some(peer.link.board_bytes_queued_total());
        }
        if output.board_changed {
            let _ = self
                .events
                .send(RoomEvent::BoardChanged { peer: id.clone() });
        }
        if self.keeper {
            let won = std::mem::take(&mut output.presence_won);
            let links = output.links.take();
            self.forward(&id, applied, won, links).await;
        }
        if output.dropped_from_viewer {
            let _ = self
                .events
                .send(RoomEvent::ViewerUpdateDropped { peer: id.clone() });
        }
        for change in output.presence {
            let _ = self.events.send(RoomEvent::Presence {
                peer: id.clone(),
                change,
            });
        }
        if output.presence_untracked > 0 {
            debug!(peer = %id, clients = output.presence_untracked, "presence table full; clients not tracked");
            let _ = self.events.send(RoomEvent::LimitTripped {
                peer: id.clone(),
                limit: Limit::PresenceTableClients,
            });
        }
        let Some(peer) = self.peers.get_mut(&id) else {
            return;
        };
        if !peer.reported_synced
            && matches!(peer.session.state(), SyncState::Synced | SyncState::Live)
        {
            peer.reported_synced = true;
            let _ = self.events.send(RoomEvent::PeerSynced(id.clone()));
        }
        if peer.session.state() == SyncState::Live {
            self.reoffer_attempts.remove(&id);
        }
        // A direct link may have just become live.
        self.report_links().await;
    }

    /// Sends a local board update to every peer we are speaking to. Peers still
    /// connecting get it in sync step 2 instead.
    async fn broadcast_update(&mut self, update: &[u8]) {
        let ids: Vec<PeerId> = self.speaking_peers();
        for id in ids {
            let Some(peer) = self.peers.get_mut(&id) else {
                continue;
            };
            match peer.session.local_update(update) {
                Ok(frames) => {
                    self.send_frames(&id, frames).await;
                }
                Err(e) => {
                    let ending = Ending::Gone(format!("cannot send an update: {e}"));
                    self.disconnect(&id, ending).await;
                }
            }
        }
    }

    fn speaking_peers(&self) -> Vec<PeerId> {
        self.peers
            .iter()
            .filter(|(_, p)| p.speaking)
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
                let frame = self.cursor.next(x, y, buttons, tool);
                for peer in self.peers.values().filter(|p| p.speaking) {
                    peer.link.send_cursor(frame);
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
                        sync: p.session.state(),
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
            Command::Leave(done) => {
                self.leave().await;
                return Some(done);
            }
        }
        None
    }

    async fn broadcast_awareness(&mut self, update: &[u8]) {
        for id in self.speaking_peers() {
            let Some(peer) = self.peers.get_mut(&id) else {
                continue;
            };
            // Presence is best effort: an update too large to frame is not sent.
            if let Ok(frames) = peer.session.local_awareness(update) {
                self.send_frames(&id, frames).await;
            }
        }
    }

    async fn on_tick<S: Signaling>(&mut self, signaling: &S) {
        let now = Instant::now();
        self.reoffer_due(signaling, now).await;
        let mut stalled = Vec::new();
        for (id, peer) in &mut self.peers {
            if let Err(e) = peer.session.check_timeouts(now) {
                stalled.push((id.clone(), Ending::refused(&e)));
            }
        }
        for (id, reason) in stalled {
            self.disconnect(&id, reason).await;
        }
        for change in self.presence.expire(now) {
            let PresenceChange::Removed { client } = &change else {
                continue;
            };
            let owner = self.presence.owner(*client);
            if let Some((id, _)) = self.peers.iter().find(|(_, p)| Some(p.speaker.id) == owner) {
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
        let was_live_direct =
            !self.keeper && !peer.info.keeper && peer.session.state() == SyncState::Live;
        if self.keeper {
            self.retract_relayed(id, peer.speaker);
        }
        let reason = ending.to_string();
        let limit = ending.limit();
        // A peer we refused is not offered to again.
        let blameless = matches!(ending, Ending::Gone(_));
        match ending {
            Ending::Gone(_) => info!(peer = %id, "peer disconnected: {reason}"),
            Ending::Misbehaved { .. } | Ending::TooSlow { .. } => {
                warn!(peer = %id, name = %peer.info.name, limit = limit.map(|l| l.name()), "disconnecting peer: {reason}")
            }
        }
        self.forget_presence(id, peer.speaker);
        peer.link.close().await;
        let _ = self.events.send(RoomEvent::PeerDisconnected {
            peer: id.clone(),
            reason,
            limit,
        });
        if was_live_direct {
            self.followups.push_back(Followup::DirectLinkEnded);
        }
        if peer.offerer && blameless && self.may_link(id) {
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
                    self.send_each(&to, |session| session.relayed_awareness(&entries))
                        .await;
                }
                Followup::DirectLinkEnded => {
                    // The report first: from it on, the keeper relays the
                    // peer's traffic; the resync fetches what the link
                    // dropped meanwhile.
                    self.report_links().await;
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

    /// Whether we have a live direct link to member `id` (not the keeper).
    fn live_direct(&self, id: &PeerId) -> bool {
        self.peers
            .get(id)
            .is_some_and(|p| !p.info.keeper && p.session.state() == SyncState::Live)
    }

    /// Cursors the keeper relayed: reported under the member they belong to,
    /// unless we get that member's cursor directly, it is us, or we do not know
    /// it (yet).
    fn on_relayed_cursors(&mut self, entries: Vec<(PeerId, CursorFrame)>) {
        for (origin, frame) in entries {
            if origin == self.me || self.live_direct(&origin) || !self.members.contains_key(&origin)
            {
                continue;
            }
            let now = Instant::now();
            let filter = self
                .relayed_cursors
                .entry(origin.clone())
                .or_insert_with(|| RelayedCursorFilter::new(now));
            if filter.accept(&frame, now) {
                let _ = self.events.send(RoomEvent::Cursor {
                    peer: origin,
                    frame,
                });
            }
        }
    }

    /// Tells the keeper our live direct links, if they changed since we last
    /// did (and we may speak to it yet: otherwise when we may).
    async fn report_links(&mut self) {
        if self.keeper {
            return;
        }
        let live: BTreeSet<PeerId> = self
            .peers
            .keys()
            .filter(|id| self.live_direct(id))
            .cloned()
            .collect();
        if live == self.reported_links {
            return;
        }
        let ids: Vec<PeerId> = live.iter().cloned().collect();
        let keepers: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|(_, p)| p.info.keeper && p.speaking)
            .map(|(id, _)| id.clone())
            .collect();
        if keepers.is_empty() {
            return;
        }
        for id in keepers {
            let Some(peer) = self.peers.get_mut(&id) else {
                continue;
            };
            match peer.session.links_report(&ids) {
                Ok(frames) => {
                    self.send_frames(&id, frames).await;
                }
                Err(e) => warn!(peer = %id, "cannot send a links report: {e}"),
            }
        }
        self.reported_links = live;
    }

    /// Asks the keeper for everything we lack: what a direct link that ended
    /// may have dropped on the way.
    async fn resync_with_keeper(&mut self) {
        let keepers: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|(_, p)| p.info.keeper)
            .map(|(id, _)| id.clone())
            .collect();
        for id in keepers {
            let Some(peer) = self.peers.get_mut(&id) else {
                continue;
            };
            let frames = {
                let board = self.board.lock().expect("board lock");
                peer.session.resync(&board)
            };
            match frames {
                Ok(frames) => {
                    self.send_frames(&id, frames).await;
                }
                Err(e) => warn!(peer = %id, "cannot resync with the keeper: {e}"),
            }
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
            self.send_each(&receivers, |session| session.local_update(update))
                .await;
        }
        if !won.is_empty() {
            self.send_each(&receivers, |session| session.relayed_awareness(&won))
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
                let Some(speaker) = self.peers.get(about).map(|p| p.speaker) else {
                    continue;
                };
                let entries = self.presence.owned_entries(speaker.id);
                if !entries.is_empty() {
                    self.send_each(std::slice::from_ref(to), |session| {
                        session.relayed_awareness(&entries)
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

    /// Sends each of `to` the frames `make` encodes with its session. A
    /// message too large for one of them is not sent to it (it would
    /// disconnect us); it gets the content in its next sync instead.
    async fn send_each(
        &mut self,
        to: &[PeerId],
        make: impl Fn(&mut SyncSession) -> Result<Vec<Vec<u8>>, ProtocolError>,
    ) {
        for id in to {
            let Some(peer) = self.peers.get_mut(id) else {
                continue;
            };
            match make(&mut peer.session) {
                Ok(frames) => {
                    self.send_frames(id, frames).await;
                }
                Err(e) => debug!(peer = %id, "not relayed: {e}"),
            }
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

    async fn leave(&mut self) {
        let update = self.local_presence.leave();
        self.broadcast_awareness(&update).await;
        let ids: Vec<PeerId> = self.peers.keys().cloned().collect();
        for id in ids {
            if let Some(peer) = self.peers.remove(&id) {
                // Give the goodbye a moment to leave before the link closes.
                tokio::time::timeout(Duration::from_millis(200), peer.link.drained_below(0))
                    .await
                    .ok();
                peer.link.close().await;
            }
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
