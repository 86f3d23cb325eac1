//! The per-peer sync session over the board channel.
//!
//! Both ends run the same session (a browser, or the server's keeper): there is
//! no client and server. When the channel opens each sends a sync step 1, its
//! state vector; each answers the other's step 1 with a step 2, the update the
//! other lacks. Once a side has both received the other's step 2 and answered
//! its step 1, the two replicas have exchanged everything, and from then on each
//! local change goes out as an update. Updates and awareness are handled in any
//! state: the channel is ordered, so nothing arrives out of turn.
//!
//! ```text
//! Connecting --on_open (send step 1)--> AwaitingStep2 --their step 2--> Synced
//!                                            |                            |
//!                                  (answered their step 1)       answer their step 1
//!                                            |                            v
//!                                            +------their step 2------> Live
//! ```
//!
//! A peer may send step 1 again (to resync), but not while our answer to its
//! previous one is still queued for it: each answer is a whole board, so
//! repeats would multiply our work and memory. The session cannot see the
//! queue; the link's core says when an answer has left
//! ([`SyncSession::answer_sent`], from [`super::peer::PeerCore`]). Nor more
//! often than [`STEP1_BURST`] at once and one per [`STEP1_REFILL`] since: a
//! link that drains fast would otherwise carry the board over and over.

use std::time::Instant;

use inkmesh_doc::{Board, Encoding};

use super::chunk::{Chunker, Reassembler};
use super::frame::BoardMessage;
use super::presence::{PresenceChange, PresenceEntry, PresenceTable, Speaker};
use super::{Limits, ProtocolError, Role};
use crate::limits::{RESYNC_INTERVAL, STEP1_BURST, STEP1_REFILL};
use crate::signaling::PeerId;
use crate::token_bucket::TokenBucket;

/// A v1 update with nothing in it: what a peer that has nothing new sends as
/// its step 2.
const EMPTY_UPDATE: [u8; 2] = [0x00, 0x00];

/// Where a session is in the sync handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// The board channel is not open yet.
    Connecting,
    /// Our step 1 is sent; the peer's step 2 has not arrived.
    AwaitingStep2,
    /// We have the peer's state; the peer has not asked for ours yet.
    Synced,
    /// Both sides have each other's state; live updates flow.
    Live,
}

/// The two ends of a session, as signaling stamped them.
#[derive(Debug, Clone, Copy)]
pub struct Ends {
    /// Our role. A viewer answers step 1 with an empty step 2: receivers drop
    /// a viewer's updates anyway, and bound its messages far below a board.
    pub local: Role,
    /// The peer's role. A viewer's updates are dropped, and its messages are
    /// bounded by [`Limits::viewer_max_message_bytes`].
    pub remote: Role,
    /// The peer as a presence speaker (a relay if it is the server's keeper).
    pub speaker: Speaker,
    /// We are the server's keeper: members send us their links reports.
    pub keeper: bool,
}

/// What handling one frame produced.
#[derive(Debug, Default, PartialEq)]
pub struct SessionOutput {
    /// Frames to send back to this peer: our step 2, or a step 1 that
    /// [`SyncSession::resync`] deferred until this step 2.
    pub frames: Vec<Vec<u8>>,
    /// `frames` answer the peer's step 1: call [`SyncSession::answer_sent`]
    /// once they have left.
    pub answered_step1: bool,
    /// Presence changes, already applied to the table.
    pub presence: Vec<PresenceChange>,
    /// New presence clients not tracked because the table was full.
    pub presence_untracked: usize,
    /// The peer's update changed the board (it may have held nothing new, or
    /// only structs still waiting for others).
    pub board_changed: bool,
    /// The peer is a viewer and tried to change the board: dropped. A viewer's
    /// empty step 2 does not count.
    pub dropped_from_viewer: bool,
    /// Awareness entries that won for clients the peer owns (what the keeper
    /// forwards).
    pub presence_won: Vec<PresenceEntry>,
    /// The member's new links report (we are the keeper).
    pub links: Option<Vec<PeerId>>,
}

/// One peer's sync session: the handshake state, and the framing in both
/// directions.
#[derive(Debug)]
pub struct SyncSession {
    ends: Ends,
    max_message_bytes: usize,
    chunker: Chunker,
    reassembler: Reassembler,
    opened: bool,
    received_step2: bool,
    answered_step1: bool,
    /// Our answer to the peer's last step 1 has not left yet.
    answer_pending: bool,
    /// How many more step 1s the peer may send now: full at its first.
    step1_allowance: Option<TokenBucket>,
    /// Our last step 1 has not been answered yet.
    step1_unanswered: bool,
    /// A resync was asked for while `step1_unanswered` or sooner than
    /// [`RESYNC_INTERVAL`] after the previous one: send a step 1 once neither
    /// holds ([`SyncSession::due_resync`]).
    resync_deferred: bool,
    /// When we last sent a resync's step 1.
    last_resync: Option<Instant>,
    /// Our first step 1 waits for `release_step1` (see `hold_step1`).
    step1_held: bool,
}

impl SyncSession {
    /// # Panics
    ///
    /// If `limits.max_frame_bytes` is 9 or less (no room for a chunk's payload).
    pub fn new(ends: Ends, limits: Limits) -> Self {
        // A viewer's messages are bounded far below an editor's, both ways:
        // what we accept depends on the peer's role, what we send on ours.
        let for_role = |role: Role| match role {
            Role::Editor => limits.max_message_bytes,
            Role::Viewer => limits
                .viewer_max_message_bytes
                .min(limits.max_message_bytes),
        };
        let accepted = Limits {
            max_message_bytes: for_role(ends.remote),
            ..limits.clone()
        };
        Self {
            ends,
            max_message_bytes: for_role(ends.local),
            chunker: Chunker::new(limits.max_frame_bytes),
            reassembler: Reassembler::new(&accepted),
            opened: false,
            received_step2: false,
            answered_step1: false,
            answer_pending: false,
            step1_allowance: None,
            step1_unanswered: false,
            resync_deferred: false,
            last_resync: None,
            step1_held: false,
        }
    }

    pub fn state(&self) -> SyncState {
        match (self.opened, self.received_step2, self.answered_step1) {
            (false, _, _) => SyncState::Connecting,
            (true, false, _) => SyncState::AwaitingStep2,
            (true, true, false) => SyncState::Synced,
            (true, true, true) => SyncState::Live,
        }
    }

    /// Our first step 1 waits until `release_step1`: we are loading the board
    /// from elsewhere (the server's snapshot), and a step 1 sent now would ask
    /// the peer for the whole board again (PROTOCOL.md, "Holding step 1").
    /// Speaking starts as it would; answers and updates flow meanwhile. Only
    /// before the channel opens.
    pub fn hold_step1(&mut self) {
        if !self.opened {
            self.step1_held = true;
        }
    }

    /// The held step 1's frames if the channel is open (else the opening sends
    /// it); nothing if none is held.
    pub fn release_step1(&mut self, board: &Board) -> Result<Vec<Vec<u8>>, ProtocolError> {
        if !std::mem::take(&mut self.step1_held) || !self.opened {
            return Ok(Vec::new());
        }
        self.send_step1(board)
    }

    /// The board channel opened: frames to send (our sync step 1, unless held).
    pub fn on_open(&mut self, board: &Board) -> Result<Vec<Vec<u8>>, ProtocolError> {
        self.opened = true;
        if self.step1_held {
            return Ok(Vec::new());
        }
        self.send_step1(board)
    }

    fn send_step1(&mut self, board: &Board) -> Result<Vec<Vec<u8>>, ProtocolError> {
        self.step1_unanswered = true;
        self.send(&BoardMessage::SyncStep1(board.state_vector()))
    }

    /// Asks the peer again for everything we lack (the keeper, when a direct
    /// link ended and what it carried may be missing): the frames of a new
    /// step 1. Only one step 1 is outstanding at a time (the peer may refuse a
    /// repeat before it answered), and resyncs are [`RESYNC_INTERVAL`] apart
    /// (the peer may refuse step 1s that come too often): otherwise the new
    /// one is deferred, and goes out with the answer's output or from
    /// [`SyncSession::due_resync`]. Before the channel opens there is nothing
    /// to do: the first step 1 asks already.
    pub fn resync(&mut self, board: &Board, now: Instant) -> Result<Vec<Vec<u8>>, ProtocolError> {
        // Before we speak, or while our step 1 is held, the first step 1 asks anyway.
        if !self.opened || self.step1_held {
            return Ok(Vec::new());
        }
        self.resync_deferred = true;
        self.due_resync(board, now)
    }

    /// The step 1 of a deferred resync, if it may go out at `now`. Call on a
    /// timer.
    pub fn due_resync(
        &mut self,
        board: &Board,
        now: Instant,
    ) -> Result<Vec<Vec<u8>>, ProtocolError> {
        let too_soon = self
            .last_resync
            .is_some_and(|last| now.saturating_duration_since(last) < RESYNC_INTERVAL);
        if !self.resync_deferred || !self.opened || self.step1_unanswered || too_soon {
            return Ok(Vec::new());
        }
        self.resync_deferred = false;
        self.last_resync = Some(now);
        self.send_step1(board)
    }

    /// One frame from the peer. Chunks are reassembled; a whole message is
    /// handled: step 1 is answered with our step 2 in `frames` (unless our
    /// previous answer has not left, or the peer asks too often: an error);
    /// step 2 and updates are applied to `board` with the remote origin,
    /// unless the peer is a viewer (then dropped, though a viewer's step 2
    /// still moves the state on); awareness is applied to `presence_table` as
    /// the peer's speaker, skipping entries about our own client, which
    /// relaying peers echo back.
    ///
    /// Any error means the peer broke the protocol (or sent an update that does
    /// not apply): disconnect it.
    pub fn on_frame(
        &mut self,
        board: &mut Board,
        presence_table: &mut PresenceTable,
        frame: &[u8],
        now: Instant,
    ) -> Result<SessionOutput, ProtocolError> {
        let mut out = SessionOutput::default();
        let Some(message) = self.reassembler.push(frame, now)? else {
            return Ok(out);
        };
        match BoardMessage::decode(&message)? {
            BoardMessage::SyncStep1(state_vector) => {
                if self.answer_pending {
                    return Err(ProtocolError::Step1BeforeAnswerSent);
                }
                let allowance = self.step1_allowance.get_or_insert_with(|| {
                    TokenBucket::new(
                        1.0 / STEP1_REFILL.as_secs_f64(),
                        f64::from(STEP1_BURST),
                        now,
                    )
                });
                if !allowance.take(now) {
                    return Err(ProtocolError::Step1TooOften);
                }
                let diff = match self.ends.local {
                    Role::Editor => board.diff(&state_vector, Encoding::V1)?,
                    Role::Viewer => EMPTY_UPDATE.to_vec(),
                };
                out.frames = self.send(&BoardMessage::SyncStep2(diff))?;
                out.answered_step1 = true;
                self.answered_step1 = true;
                self.answer_pending = true;
            }
            BoardMessage::SyncStep2(update) => {
                self.receive_update(board, &update, &mut out)?;
                // A step 2 we did not ask for is merely an update.
                self.received_step2 |= self.opened && !self.step1_held;
                self.step1_unanswered = false;
                out.frames = self.due_resync(board, now)?;
            }
            BoardMessage::Update(update) => self.receive_update(board, &update, &mut out)?,
            BoardMessage::Awareness(update) => {
                let applied = presence_table.apply_ignoring(
                    self.ends.speaker,
                    &update,
                    now,
                    Some(board.client_id()),
                )?;
                out.presence = applied.changes;
                out.presence_untracked = applied.untracked;
                out.presence_won = applied.won;
            }
            BoardMessage::Links(ids) => {
                if !self.ends.keeper || self.ends.speaker.relay {
                    return Err(ProtocolError::LinksReportMisdirected);
                }
                out.links = Some(ids);
            }
        }
        Ok(out)
    }

    fn receive_update(
        &self,
        board: &mut Board,
        update: &[u8],
        out: &mut SessionOutput,
    ) -> Result<(), ProtocolError> {
        if self.ends.remote == Role::Viewer {
            out.dropped_from_viewer = update != EMPTY_UPDATE;
            return Ok(());
        }
        out.board_changed = board.apply_remote(update, Encoding::V1)?.changed;
        Ok(())
    }

    /// Our answer to the peer's last step 1 has left (the link's queue handed
    /// its last byte to the channel): the peer may ask again.
    pub fn answer_sent(&mut self) {
        self.answer_pending = false;
    }

    /// Our links report to send (the peer is the keeper): frames.
    pub fn links_report(&mut self, ids: &[PeerId]) -> Result<Vec<Vec<u8>>, ProtocolError> {
        self.send(&BoardMessage::Links(ids.to_vec()))
    }

    /// An awareness update we relay (we are the keeper): frames.
    pub fn relayed_awareness(
        &mut self,
        entries: &[PresenceEntry],
    ) -> Result<Vec<Vec<u8>>, ProtocolError> {
        self.send(&BoardMessage::Awareness(super::presence::encode_entries(
            entries,
        )))
    }

    /// A local board update (v1) to send to this peer: frames.
    pub fn local_update(&mut self, update: &[u8]) -> Result<Vec<Vec<u8>>, ProtocolError> {
        self.send(&BoardMessage::Update(update.to_vec()))
    }

    /// Our awareness update to send: frames.
    pub fn local_awareness(&mut self, update: &[u8]) -> Result<Vec<Vec<u8>>, ProtocolError> {
        self.send(&BoardMessage::Awareness(update.to_vec()))
    }

    /// Call periodically: errors if a partial message stalled.
    pub fn check_timeouts(&mut self, now: Instant) -> Result<(), ProtocolError> {
        self.reassembler.check_timeouts(now)
    }

    /// Frames for a message, refusing one the peer would refuse (it would
    /// disconnect us for it).
    fn send(&mut self, message: &BoardMessage) -> Result<Vec<Vec<u8>>, ProtocolError> {
        let bytes = message.encode();
        if bytes.len() > self.max_message_bytes {
            return Err(ProtocolError::MessageTooLarge {
                len: bytes.len(),
                limit: self.max_message_bytes,
            });
        }
        self.chunker.frames(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::chunk::CHUNK_HEADER_BYTES;
    use crate::protocol::frame::{CHUNK_FRAME, WHOLE_FRAME};
    use crate::protocol::hex;
    use crate::protocol::presence::{LocalPresence, Presence, PRESENCE_EXPIRY};
    use inkmesh_doc::{BoardOptions, ChangeOrigin, NewElement, UpdateSubscription};
    use proptest::prelude::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    struct Peer {
        board: Board,
        session: SyncSession,
        table: PresenceTable,
        /// Local updates, as the glue would collect them to send.
        outbox: Arc<Mutex<Vec<Vec<u8>>>>,
        _subscription: UpdateSubscription,
    }

    impl Peer {
        /// An editor whose peer has `remote_role`.
        fn new(client_id: u32, remote_role: Role, limits: Limits) -> Self {
            Self::with_roles(client_id, Role::Editor, remote_role, limits)
        }

        fn with_roles(client_id: u32, local: Role, remote: Role, limits: Limits) -> Self {
            let mut options = BoardOptions::new(format!("u-{client_id}"));
            options.client_id = Some(client_id);
            let board = Board::with_options(options);
            let outbox = Arc::new(Mutex::new(Vec::new()));
            let sink = Arc::clone(&outbox);
            let subscription = board.observe_updates(move |update, origin| {
                if origin == ChangeOrigin::Local {
                    sink.lock().unwrap().push(update.to_vec());
                }
            });
            Self {
                board,
                session: SyncSession::new(ends(local, remote), limits),
                table: PresenceTable::new(PRESENCE_EXPIRY),
                outbox,
                _subscription: subscription,
            }
        }

        fn draw(&mut self, rects: usize) {
            for i in 0..rects {
                let x = i as f64;
                self.board.add(NewElement::rect(x, x, 10.0, 10.0)).unwrap();
            }
        }

        /// Local updates since the last call, as frames for the peer.
        fn flush(&mut self) -> Vec<Vec<u8>> {
            let updates = std::mem::take(&mut *self.outbox.lock().unwrap());
            updates
                .iter()
                .flat_map(|u| self.session.local_update(u).unwrap())
                .collect()
        }

        fn receive(&mut self, frames: &[Vec<u8>]) -> Vec<SessionOutput> {
            frames
                .iter()
                .map(|frame| {
                    self.session
                        .on_frame(&mut self.board, &mut self.table, frame, Instant::now())
                        .unwrap()
                })
                .collect()
        }

        /// Receives `frames` and returns every frame the session sends back.
        fn replies(&mut self, frames: &[Vec<u8>]) -> Vec<Vec<u8>> {
            self.receive(frames)
                .into_iter()
                .flat_map(|o| o.frames)
                .collect()
        }

        fn receive_one(&mut self, frame: &[u8]) -> Result<SessionOutput, ProtocolError> {
            self.session
                .on_frame(&mut self.board, &mut self.table, frame, Instant::now())
        }
    }

    fn ends(local: Role, remote: Role) -> Ends {
        Ends {
            local,
            remote,
            speaker: Speaker {
                id: 1,
                relay: false,
            },
            keeper: false,
        }
    }

    /// Delivers frames both ways until neither side has anything to say.
    fn pump(a: &mut Peer, b: &mut Peer, mut to_b: Vec<Vec<u8>>, mut to_a: Vec<Vec<u8>>) {
        while !(to_a.is_empty() && to_b.is_empty()) {
            let replies_to_a: Vec<_> = b.replies(&to_b);
            let replies_to_b: Vec<_> = a.replies(&to_a);
            to_a = replies_to_a;
            to_b = replies_to_b;
        }
    }

    fn connect(a: &mut Peer, b: &mut Peer) {
        let to_b = a.session.on_open(&a.board).unwrap();
        let to_a = b.session.on_open(&b.board).unwrap();
        pump(a, b, to_b, to_a);
    }

    fn small_limits() -> Limits {
        Limits {
            max_frame_bytes: 512,
            ..Limits::default()
        }
    }

    #[test]
    fn a_resync_asks_again_once_the_previous_step_1_is_answered() {
        let mut alice = Peer::new(1, Role::Editor, small_limits());
        let mut keeper = Peer::new(2, Role::Editor, small_limits());
        let start = Instant::now();
        assert!(alice
            .session
            .resync(&alice.board, start)
            .unwrap()
            .is_empty());
        connect(&mut alice, &mut keeper);
        keeper.session.answer_sent();
        // Things Alice missed while another link carried them.
        keeper.draw(3);
        keeper.flush();
        let step1 = alice.session.resync(&alice.board, start).unwrap();
        assert_eq!(step1.len(), 1);
        // A second resync before the answer waits for it...
        assert!(alice
            .session
            .resync(&alice.board, start)
            .unwrap()
            .is_empty());
        let answer = keeper.replies(&step1);
        keeper.session.answer_sent();
        assert_eq!(answer.len(), 1);
        let output = alice
            .session
            .on_frame(
                &mut alice.board,
                &mut alice.table,
                &answer[0],
                start + RESYNC_INTERVAL,
            )
            .unwrap();
        assert!(output.board_changed);
        assert_eq!(alice.board.len(), 3);
        // ...and goes out with it: the keeper accepts it, its answer was sent.
        assert_eq!(output.frames.len(), 1);
        assert!(
            keeper
                .receive_one(&output.frames[0])
                .unwrap()
                .answered_step1
        );
    }

    #[test]
    fn resyncs_sooner_than_the_interval_wait_and_go_out_once() {
        let mut alice = Peer::new(1, Role::Editor, small_limits());
        let mut keeper = Peer::new(2, Role::Editor, small_limits());
        connect(&mut alice, &mut keeper);
        keeper.session.answer_sent();
        let start = Instant::now();
        let step1 = alice.session.resync(&alice.board, start).unwrap();
        let answer = keeper.replies(&step1);
        keeper.session.answer_sent();
        let at = |ms: u64| start + Duration::from_millis(ms);
        for frame in &answer {
            let output = alice
                .session
                .on_frame(&mut alice.board, &mut alice.table, frame, at(10))
                .unwrap();
            assert!(output.frames.is_empty());
        }
        // Two more asks soon after: they wait for the interval, then go out
        // as one step 1.
        let resync =
            |alice: &mut Peer, ms: u64| alice.session.resync(&alice.board, at(ms)).unwrap();
        let due =
            |alice: &mut Peer, ms: u64| alice.session.due_resync(&alice.board, at(ms)).unwrap();
        assert!(resync(&mut alice, 1000).is_empty());
        assert!(resync(&mut alice, 1500).is_empty());
        let interval = RESYNC_INTERVAL.as_millis() as u64;
        assert!(due(&mut alice, interval - 1).is_empty());
        let step1 = due(&mut alice, interval);
        assert_eq!(step1.len(), 1);
        assert!(keeper.receive_one(&step1[0]).unwrap().answered_step1);
        assert!(due(&mut alice, 10 * interval).is_empty());
    }

    #[test]
    fn only_the_keeper_reads_links_reports_and_only_from_members() {
        let report = BoardMessage::Links(vec!["p-0k3j5x9q2m1a".to_owned()]);
        let frame = [&[WHOLE_FRAME][..], &report.encode()].concat();
        let session = |keeper: bool, from_keeper: bool| {
            let mut ends = ends(Role::Editor, Role::Editor);
            ends.keeper = keeper;
            ends.speaker.relay = from_keeper;
            let mut peer = Peer::new(1, Role::Editor, small_limits());
            peer.session = SyncSession::new(ends, small_limits());
            peer
        };
        let out = session(true, false).receive_one(&frame).unwrap();
        assert_eq!(out.links, Some(vec!["p-0k3j5x9q2m1a".to_owned()]));
        for (keeper, from_keeper) in [(false, false), (false, true), (true, true)] {
            let error = session(keeper, from_keeper)
                .receive_one(&frame)
                .unwrap_err();
            assert!(
                matches!(error, ProtocolError::LinksReportMisdirected),
                "{error}"
            );
        }
    }

    #[test]
    fn a_fresh_board_opens_with_protocol_md_step_1() {
        let mut peer = Peer::new(1234, Role::Editor, Limits::default());
        assert_eq!(peer.session.state(), SyncState::Connecting);
        let frames = peer.session.on_open(&peer.board).unwrap();
        assert_eq!(frames.len(), 1);
        assert_eq!(hex(&frames[0]), "00 00 00 01 00");
        assert_eq!(peer.session.state(), SyncState::AwaitingStep2);
        // The state vector {1234: 5} as a whole frame.
        let sv = vec![0x01, 0xd2, 0x09, 0x05];
        let frames = peer.session.send(&BoardMessage::SyncStep1(sv)).unwrap();
        assert_eq!(hex(&frames[0]), "00 00 00 04 01 d2 09 05");
    }

    #[test]
    fn boards_larger_than_a_frame_sync_and_go_live() {
        let limits = Limits::default();
        let mut alice = Peer::new(1, Role::Editor, limits.clone());
        let mut bob = Peer::new(2, Role::Editor, limits.clone());
        alice.draw(300);
        bob.draw(3);
        alice.flush();
        bob.flush();
        let full_state = alice.board.encode_state(Encoding::V1);
        assert!(
            full_state.len() > 2 * limits.max_frame_bytes,
            "{}",
            full_state.len()
        );

        let to_bob = alice.session.on_open(&alice.board).unwrap();
        let to_alice = bob.session.on_open(&bob.board).unwrap();
        // Bob answers Alice's step 1 before he has her state.
        let bob_out = bob.receive(&to_bob);
        assert_eq!(bob.session.state(), SyncState::AwaitingStep2);
        let bob_step2: Vec<_> = bob_out.into_iter().flat_map(|o| o.frames).collect();
        // Alice gets Bob's step 1 and answers with a chunked step 2...
        let alice_step2: Vec<_> = alice.replies(&to_alice);
        assert_eq!(alice.session.state(), SyncState::AwaitingStep2);
        assert!(alice_step2.len() >= 3);
        assert!(alice_step2.iter().all(|f| f[0] == CHUNK_FRAME
            && f.len() <= limits.max_frame_bytes
            && f.len() > CHUNK_HEADER_BYTES));
        // ...which Bob reassembles: nothing until the last chunk.
        let outputs = bob.receive(&alice_step2);
        let (last, rest) = outputs.split_last().unwrap();
        assert!(rest.iter().all(|o| *o == SessionOutput::default()));
        assert!(last.board_changed && last.frames.is_empty());
        assert_eq!(bob.session.state(), SyncState::Live);
        // Alice receives Bob's step 2 last.
        let outputs = alice.receive(&bob_step2);
        assert!(outputs[0].board_changed);
        assert_eq!(alice.session.state(), SyncState::Live);
        assert_eq!(alice.board.elements(), bob.board.elements());
        assert_eq!(alice.board.len(), 303);

        // Live updates flow, as small whole frames.
        let id = alice
            .board
            .add(NewElement::rect(0.0, 0.0, 1.0, 1.0))
            .unwrap();
        let frames = alice.flush();
        assert!(frames.iter().all(|f| f[0] == WHOLE_FRAME));
        assert!(bob.receive(&frames).iter().all(|o| o.board_changed));
        assert!(bob.board.element(&id).is_some());
        bob.board.delete(&[id.as_str()]);
        let frames = bob.flush();
        assert!(alice.receive(&frames)[0].board_changed);
        assert!(alice.board.element(&id).is_none());
        assert_eq!(alice.board.elements(), bob.board.elements());
    }

    #[test]
    fn tiny_frames_sync_a_board_too() {
        let limits = Limits {
            max_frame_bytes: CHUNK_HEADER_BYTES + 1,
            ..Limits::default()
        };
        let mut alice = Peer::new(1, Role::Editor, limits.clone());
        let mut bob = Peer::new(2, Role::Editor, limits);
        alice.draw(5);
        bob.draw(5);
        connect(&mut alice, &mut bob);
        assert_eq!(alice.session.state(), SyncState::Live);
        assert_eq!(bob.session.state(), SyncState::Live);
        assert_eq!(alice.board.elements(), bob.board.elements());
        assert_eq!(alice.board.len(), 10);
    }

    #[test]
    fn step_2_before_answering_step_1_passes_through_synced() {
        let mut alice = Peer::new(1, Role::Editor, small_limits());
        let mut bob = Peer::new(2, Role::Editor, small_limits());
        let to_bob = alice.session.on_open(&alice.board).unwrap();
        let to_alice = bob.session.on_open(&bob.board).unwrap();
        let bob_step2: Vec<_> = bob.replies(&to_bob);
        let out = alice.receive(&bob_step2);
        // Bob's board was empty: nothing changed.
        assert!(!out[0].board_changed);
        assert_eq!(alice.session.state(), SyncState::Synced);
        alice.receive(&to_alice);
        assert_eq!(alice.session.state(), SyncState::Live);
    }

    #[test]
    fn a_viewers_updates_are_dropped() {
        // Bob is a viewer: Alice's session says so. His client sends its
        // board anyway (older clients did, and a hostile one may).
        let mut alice = Peer::new(1, Role::Viewer, small_limits());
        let mut bob = Peer::new(2, Role::Editor, small_limits());
        alice.draw(2);
        bob.draw(4);
        alice.flush();
        bob.flush();

        let to_bob = alice.session.on_open(&alice.board).unwrap();
        let to_alice = bob.session.on_open(&bob.board).unwrap();
        let bob_step2: Vec<_> = bob.replies(&to_bob);
        let outputs = alice.receive(&bob_step2);
        let last = outputs.last().unwrap();
        assert!(last.dropped_from_viewer && !last.board_changed);
        assert_eq!(alice.session.state(), SyncState::Synced);
        // The viewer still gets the board.
        let alice_step2: Vec<_> = alice.replies(&to_alice);
        assert_eq!(alice.session.state(), SyncState::Live);
        bob.receive(&alice_step2);
        assert_eq!(bob.board.len(), 6);
        assert_eq!(alice.board.len(), 2);

        bob.draw(1);
        let outputs = alice.receive(&bob.flush());
        assert!(outputs.iter().all(|o| o.dropped_from_viewer));
        assert_eq!(alice.board.len(), 2);

        // A viewer with nothing to say is not reported.
        let mut carol = Peer::new(3, Role::Viewer, small_limits());
        let mut dave = Peer::new(4, Role::Editor, small_limits());
        let to_dave = carol.session.on_open(&carol.board).unwrap();
        let dave_step2: Vec<_> = dave.replies(&to_dave);
        assert!(!carol.receive(&dave_step2)[0].dropped_from_viewer);
    }

    #[test]
    fn a_viewers_presence_is_applied_and_our_own_echo_ignored() {
        let mut alice = Peer::new(1, Role::Viewer, small_limits());
        let presence = Presence {
            name: "Bo".into(),
            colour: "#2f9e44".into(),
            selection: vec![],
            viewport: None,
        };
        let mut bob_presence = LocalPresence::new(2);
        let mut bob_session = SyncSession::new(ends(Role::Editor, Role::Editor), small_limits());
        let frames = bob_session
            .local_awareness(&bob_presence.set(presence.clone(), Instant::now()))
            .unwrap();
        let out = alice.receive(&frames);
        assert_eq!(
            out[0].presence,
            [PresenceChange::Updated {
                client: 2,
                presence: presence.clone()
            }]
        );
        // Bob relays Alice's own state back: not a remote client.
        let mut echo = LocalPresence::new(1);
        let frames = bob_session
            .local_awareness(&echo.set(presence, Instant::now()))
            .unwrap();
        assert!(alice.receive(&frames)[0].presence.is_empty());
        assert_eq!(alice.table.len(), 1);
    }

    #[test]
    fn a_malformed_update_is_an_error() {
        let mut alice = Peer::new(1, Role::Editor, small_limits());
        let mut bob = Peer::new(2, Role::Editor, small_limits());
        bob.draw(1);
        let update = bob.board.encode_state(Encoding::V1);
        let truncated = &update[..update.len() / 2];
        let frames = bob.session.local_update(truncated).unwrap();
        let result = alice.session.on_frame(
            &mut alice.board,
            &mut alice.table,
            &frames[0],
            Instant::now(),
        );
        assert!(matches!(result, Err(ProtocolError::Board(_))), "{result:?}");
        assert!(alice.board.is_empty());
    }

    #[test]
    fn what_the_peer_would_refuse_is_not_sent() {
        let limits = Limits {
            max_message_bytes: 1000,
            ..small_limits()
        };
        let mut alice = Peer::new(1, Role::Editor, limits.clone());
        let mut bob = Peer::new(2, Role::Editor, limits);
        assert!(matches!(
            alice.session.local_update(&[0; 1000]),
            Err(ProtocolError::MessageTooLarge { .. })
        ));
        // A board too large to answer a step 1 with.
        alice.draw(20);
        let to_alice = bob.session.on_open(&bob.board).unwrap();
        let result = alice.session.on_frame(
            &mut alice.board,
            &mut alice.table,
            &to_alice[0],
            Instant::now(),
        );
        assert!(matches!(result, Err(ProtocolError::MessageTooLarge { .. })));

        // A viewer sends no more than a viewer may.
        let limits = Limits {
            viewer_max_message_bytes: 100,
            ..small_limits()
        };
        let mut viewer = Peer::with_roles(3, Role::Viewer, Role::Editor, limits);
        assert!(matches!(
            viewer.session.local_awareness(&[0; 100]),
            Err(ProtocolError::MessageTooLarge { limit: 100, .. })
        ));
        assert!(viewer.session.local_awareness(&[0; 90]).is_ok());
    }

    #[test]
    fn a_stalled_step_2_times_out() {
        let mut alice = Peer::new(1, Role::Editor, small_limits());
        let mut bob = Peer::new(2, Role::Editor, small_limits());
        alice.draw(20);
        let to_alice = bob.session.on_open(&bob.board).unwrap();
        let step2: Vec<_> = alice.replies(&to_alice);
        assert!(step2.len() > 2);
        let start = Instant::now();
        bob.session
            .on_frame(&mut bob.board, &mut bob.table, &step2[0], start)
            .unwrap();
        let timeout = small_limits().reassembly_timeout;
        bob.session.check_timeouts(start + timeout).unwrap();
        assert!(matches!(
            bob.session
                .check_timeouts(start + timeout + Duration::from_millis(1)),
            Err(ProtocolError::ReassemblyTimeout(_))
        ));
    }

    #[test]
    fn step_1_is_answered_in_a_burst_then_once_per_refill() {
        let mut alice = Peer::new(1, Role::Viewer, small_limits());
        let step1 = [WHOLE_FRAME, 0x00, 0x00, 0x01, 0x00];
        let mut ask = |at: Instant| {
            let result = alice
                .session
                .on_frame(&mut alice.board, &mut alice.table, &step1, at);
            alice.session.answer_sent();
            match result {
                Ok(out) if out.answered_step1 => Ok(()),
                Ok(_) => Err("not answered".to_owned()),
                Err(e) => Err(e.to_string()),
            }
        };
        let too_often =
            |result: Result<(), String>| result == Err(ProtocolError::Step1TooOften.to_string());
        let start = Instant::now();
        for _ in 0..STEP1_BURST {
            assert_eq!(ask(start), Ok(()));
        }
        assert!(too_often(ask(
            start + STEP1_REFILL - Duration::from_millis(1)
        )));
        assert_eq!(ask(start + STEP1_REFILL), Ok(()));
        assert!(too_often(ask(start + STEP1_REFILL)));
        // Two more refills, two more answers.
        assert_eq!(ask(start + STEP1_REFILL * 3), Ok(()));
        assert_eq!(ask(start + STEP1_REFILL * 3), Ok(()));
        assert!(too_often(ask(start + STEP1_REFILL * 3)));
        // A long quiet refills the burst, and no more.
        let later = start + STEP1_REFILL * 1000;
        for _ in 0..STEP1_BURST {
            assert_eq!(ask(later), Ok(()));
        }
        assert!(too_often(ask(later)));
        assert_eq!(
            ProtocolError::Step1TooOften.limit(),
            Some(crate::limits::Limit::SyncStep1Repeat)
        );
    }

    #[test]
    fn a_repeated_step_1_waits_for_our_answer_to_leave() {
        let mut alice = Peer::new(1, Role::Viewer, small_limits());
        alice.draw(20);
        let step1 = [WHOLE_FRAME, 0x00, 0x00, 0x01, 0x00];
        let first = alice.receive_one(&step1).unwrap();
        assert!(first.answered_step1 && first.frames.len() > 2);
        // Asking again before the answer left: refused, without a second diff.
        let result = alice.receive_one(&step1);
        assert!(
            matches!(result, Err(ProtocolError::Step1BeforeAnswerSent)),
            "{result:?}"
        );
        assert_eq!(
            ProtocolError::Step1BeforeAnswerSent.limit(),
            Some(crate::limits::Limit::SyncStep1Repeat)
        );
        // Other messages are fine meanwhile, and once it left, asking again is too.
        let awareness = alice.receive_one(&[WHOLE_FRAME, 0x01, 0x01, 0x00]).unwrap();
        assert!(!awareness.answered_step1 && awareness.frames.is_empty());
        alice.session.answer_sent();
        let again = alice.receive_one(&step1).unwrap();
        // The same answer, under the next message id.
        let payloads = |frames: &[Vec<u8>]| -> Vec<Vec<u8>> {
            frames
                .iter()
                .map(|f| f[CHUNK_HEADER_BYTES..].to_vec())
                .collect()
        };
        assert_eq!(payloads(&again.frames), payloads(&first.frames));
        assert!(again.answered_step1);
    }

    #[test]
    fn a_viewer_answers_step_1_with_an_empty_step_2() {
        let mut viewer = Peer::with_roles(1, Role::Viewer, Role::Editor, small_limits());
        viewer.draw(20);
        let mut editor = Peer::new(2, Role::Viewer, small_limits());
        let to_viewer = editor.session.on_open(&editor.board).unwrap();
        let answer = viewer.replies(&to_viewer);
        assert_eq!(answer, [vec![WHOLE_FRAME, 0x00, 0x01, 0x02, 0x00, 0x00]]);
        let out = editor.receive(&answer);
        assert!(!out[0].dropped_from_viewer && !out[0].board_changed);
        assert_eq!(editor.session.state(), SyncState::Synced);
    }

    #[test]
    fn a_viewers_messages_are_bounded_far_below_an_editors() {
        let limits = Limits {
            max_message_bytes: 4000,
            viewer_max_message_bytes: 1000,
            ..small_limits()
        };
        let mut sender = Peer::new(9, Role::Editor, limits.clone());
        // A state vector of 1,200 bytes: 300 clients, 4 bytes each.
        let mut sv = Vec::new();
        crate::protocol::lib0::write_varuint(&mut sv, 300);
        for client in 1000..1300 {
            crate::protocol::lib0::write_varuint(&mut sv, client);
            crate::protocol::lib0::write_varuint(&mut sv, 129);
        }
        let frames = sender.session.send(&BoardMessage::SyncStep1(sv)).unwrap();
        assert!(frames.len() > 2);
        let mut from_editor = Peer::new(1, Role::Editor, limits.clone());
        let outputs: Vec<_> = frames
            .iter()
            .map(|f| from_editor.receive_one(f).unwrap())
            .collect();
        assert!(outputs.last().unwrap().answered_step1);

        let mut from_viewer = Peer::new(1, Role::Viewer, limits);
        let result: Result<Vec<_>, _> = frames.iter().map(|f| from_viewer.receive_one(f)).collect();
        let error = result.unwrap_err();
        assert_eq!(error.limit(), Some(crate::limits::Limit::MessageBytes));
    }

    #[test]
    fn a_member_announcing_too_many_clients_is_an_error() {
        let mut alice = Peer::new(1, Role::Viewer, small_limits());
        let json = r##"{"name":"M","colour":"#000000"}"##;
        let count = crate::limits::MAX_CLIENTS_PER_PEER as u64 + 1;
        let mut update = vec![count as u8];
        for client in 10..10 + count {
            update.extend_from_slice(&crate::protocol::awareness::encode(client, 1, json)[1..]);
        }
        let frames = bob_frames(BoardMessage::Awareness(update));
        let error = alice.receive_one(&frames[0]).unwrap_err();
        assert_eq!(
            error.limit(),
            Some(crate::limits::Limit::AwarenessClientsPerPeer),
            "{error:?}"
        );
        assert!(alice.table.is_empty());
    }

    fn bob_frames(message: BoardMessage) -> Vec<Vec<u8>> {
        SyncSession::new(ends(Role::Editor, Role::Editor), small_limits())
            .send(&message)
            .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn random_frames_never_panic(
            frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 1..8),
            role in prop_oneof![Just(Role::Editor), Just(Role::Viewer)],
        ) {
            let mut peer = Peer::new(1, role, small_limits());
            for frame in &frames {
                let _ = peer
                    .session
                    .on_frame(&mut peer.board, &mut peer.table, frame, Instant::now());
            }
        }

        #[test]
        fn random_sync_messages_never_panic(
            kind in 0..3u8,
            payload in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let message = match kind {
                0 => BoardMessage::SyncStep1(payload),
                1 => BoardMessage::SyncStep2(payload),
                _ => BoardMessage::Update(payload),
            };
            let frame = [&[WHOLE_FRAME][..], &message.encode()].concat();
            let mut peer = Peer::new(1, Role::Editor, small_limits());
            let _ = peer
                .session
                .on_frame(&mut peer.board, &mut peer.table, &frame, Instant::now());
        }
    }
}
