//! One link's sans-I/O core: everything per peer that is not a socket, the
//! Rust twin of `web/src/net/core.ts`.
//!
//! The room glue feeds it what happened on the link (it opened, a board frame,
//! a cursor frame, the link's byte counters) and what we want to send (a local
//! update, our presence, our cursor, a relayed update); the core answers with
//! the frames to queue on the board channel, the events to report, or an
//! [`Ending`]: disconnect the peer, for this reason. It owns the rules of
//! `docs/PROTOCOL.md` that concern one link:
//!
//! - who speaks first: the answerer; the offerer sends nothing, on either
//!   channel, before the answerer's first board frame. Local updates,
//!   presence and cursors meanwhile are not queued: the offerer's step 1 and
//!   step 2 carry the board, and its first frames carry its presence;
//! - the sync session, and the repeated-step-1 rule: the peer may send step 1
//!   again only once our answer to the previous one has left the queue;
//! - the one queue limit: every board frame for the peer passes it, answers
//!   to its own messages included; over it, the peer is too slow;
//! - the peer's cursor sequence, and ours;
//! - on the keeper's link, the relayed cursors of each member (their own
//!   sequence, restarted after a pause) and the links report we last sent.
//!
//! Room-wide state stays with the caller and is lent per call ([`Shared`]):
//! the board, the presence table, our presence.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use inkmesh_doc::Board;
use tracing::debug;

use super::cursor::{CursorFilter, CursorFrame, CursorSequencer};
use super::presence::{LocalPresence, PresenceChange, PresenceEntry, PresenceTable, Speaker};
use super::relayed_cursor::{CursorMessage, RelayedCursorFilter};
use super::session::{Ends, SyncSession, SyncState};
use super::{Limits, ProtocolError};
use crate::limits::Limit;
use crate::signaling::PeerId;

/// The room-wide state one call may read or change.
pub struct Shared<'a> {
    pub board: &'a mut Board,
    pub presence: &'a mut PresenceTable,
    pub local_presence: &'a mut LocalPresence,
    /// The members we hold live direct links to (for the keeper's links
    /// report).
    pub live_links: &'a BTreeSet<PeerId>,
}

/// The link's board-channel counters, read just before the call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkBytes {
    /// Bytes queued and not yet taken by the channel.
    pub queued: usize,
    /// Bytes ever queued: where the frame queued last ends in the stream.
    pub queued_total: u64,
    /// Bytes ever handed to the channel.
    pub sent_total: u64,
}

/// Why a link ends. A misbehaving or too-slow peer is logged as a warning.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
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
    pub fn refused(error: &ProtocolError) -> Self {
        Ending::Misbehaved {
            reason: error.to_string(),
            limit: error.limit(),
        }
    }

    /// The named limit the peer exceeded, if that is why.
    pub fn limit(&self) -> Option<Limit> {
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

/// Something a board frame did, in the order the room reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum PeerEvent {
    /// The peer's update changed the board.
    BoardChanged,
    /// The peer is a viewer and tried to change the board: dropped.
    ViewerUpdateDropped,
    Presence(PresenceChange),
    /// New presence clients not tracked because the table was full.
    PresenceUntracked(usize),
    /// We hold everything the peer had when we connected (once per link).
    Synced,
}

/// What one board frame produced.
#[derive(Debug, Default, PartialEq)]
pub struct BoardOutput {
    /// Frames to queue for the peer, in order; they passed the queue limit.
    pub frames: Vec<Vec<u8>>,
    pub events: Vec<PeerEvent>,
    /// Awareness entries that won for clients the peer owns (the keeper
    /// forwards them).
    pub presence_won: Vec<PresenceEntry>,
    /// The member's new links report (we are the keeper).
    pub links: Option<Vec<PeerId>>,
}

/// One link's core.
#[derive(Debug)]
pub struct PeerCore {
    ends: Ends,
    /// The peer is the server's keeper: it relays cursors, and gets our links
    /// reports.
    remote_keeper: bool,
    offerer: bool,
    /// Whether we may send on this link yet (the answerer speaks first).
    speaking: bool,
    session: SyncSession,
    max_queued_bytes: usize,
    /// Where our answer to the peer's last step 1 ends in the link's board
    /// stream, until it has left the queue.
    answer_end: Option<u64>,
    reported_synced: bool,
    cursors: CursorFilter,
    sequencer: CursorSequencer,
    /// On the keeper's link: each member's relayed cursor sequence.
    relayed_cursors: HashMap<PeerId, RelayedCursorFilter>,
    /// On the keeper's link: the live direct links we last reported.
    reported_links: BTreeSet<PeerId>,
}

impl PeerCore {
    /// A core for a new link. `offerer`: we made the offer, so we wait for
    /// the answerer's first frame before sending anything.
    pub fn new(
        ends: Ends,
        remote_keeper: bool,
        offerer: bool,
        limits: Limits,
        max_queued_bytes: usize,
    ) -> Self {
        Self {
            ends,
            remote_keeper,
            offerer,
            speaking: false,
            session: SyncSession::new(ends, limits),
            max_queued_bytes,
            answer_end: None,
            reported_synced: false,
            cursors: CursorFilter::default(),
            sequencer: CursorSequencer::default(),
            relayed_cursors: HashMap::new(),
            reported_links: BTreeSet::new(),
        }
    }

    pub fn state(&self) -> SyncState {
        self.session.state()
    }

    /// The presence speaker this link is.
    pub fn speaker(&self) -> Speaker {
        self.ends.speaker
    }

    /// Whether we may send to the peer yet.
    pub fn speaking(&self) -> bool {
        self.speaking
    }

    /// A live direct link between two members (neither is the keeper): the
    /// keeper relays nothing between them, so when it ends the member reports
    /// its links again and resyncs with the keeper.
    pub fn live_direct(&self) -> bool {
        !self.ends.keeper && !self.remote_keeper && self.state() == SyncState::Live
    }

    /// Whether to offer again once the link ended this way: we made the
    /// offer, and the peer did nothing wrong (one we refused is not offered
    /// to again).
    pub fn reoffer_after(&self, ending: &Ending) -> bool {
        self.offerer && matches!(ending, Ending::Gone(_))
    }

    /// The board channel opened. The answerer speaks: its step 1, its
    /// presence (and, on the keeper, everyone else's), and its links report
    /// if the peer is the keeper. The offerer waits.
    pub fn open(
        &mut self,
        shared: &mut Shared,
        now: Instant,
        link: LinkBytes,
    ) -> Result<Vec<Vec<u8>>, Ending> {
        if self.offerer {
            return Ok(Vec::new());
        }
        self.start_speaking(shared, now, link)
    }

    fn start_speaking(
        &mut self,
        shared: &mut Shared,
        now: Instant,
        link: LinkBytes,
    ) -> Result<Vec<Vec<u8>>, Ending> {
        self.speaking = true;
        let mut frames = self
            .session
            .on_open(shared.board)
            .map_err(|e| Ending::Gone(format!("cannot start sync: {e}")))?;
        if let Some(update) = shared.local_presence.renew(now) {
            // Presence is best effort: an update too large to frame is not sent.
            if let Ok(more) = self.session.local_awareness(&update) {
                frames.extend(more);
            }
        }
        if self.ends.keeper {
            // Everyone's presence but the member's own, as the keeper knows it.
            let others = shared.presence.entries_not_owned_by(self.ends.speaker.id);
            if !others.is_empty() {
                if let Ok(more) = self.session.relayed_awareness(&others) {
                    frames.extend(more);
                }
            }
        }
        let mut frames = self.admit(frames, link)?;
        // A new keeper link knows none of our links yet.
        let after = queued_after(link, &frames);
        frames.extend(self.report_links(shared.live_links, after)?);
        Ok(frames)
    }

    /// A frame on the board channel. The offerer's first one from the
    /// answerer starts our side: our step 1 and presence go out before our
    /// reply to the frame (our step 2 when the frame is the answerer's
    /// step 1).
    pub fn board_frame(
        &mut self,
        shared: &mut Shared,
        frame: &[u8],
        now: Instant,
        link: LinkBytes,
    ) -> Result<BoardOutput, Ending> {
        let mut out = BoardOutput::default();
        if !self.speaking {
            out.frames = self.start_speaking(shared, now, link)?;
        }
        if self.answer_end.is_some_and(|end| link.sent_total >= end) {
            self.answer_end = None;
            self.session.answer_sent();
        }
        let output = self
            .session
            .on_frame(shared.board, shared.presence, frame, now)
            .map_err(|e| Ending::refused(&e))?;
        let link = queued_after(link, &out.frames);
        let replies = self.admit(output.frames, link)?;
        if output.answered_step1 {
            self.answer_end = Some(queued_after(link, &replies).queued_total);
        }
        out.frames.extend(replies);
        if output.board_changed {
            out.events.push(PeerEvent::BoardChanged);
        }
        if output.dropped_from_viewer {
            out.events.push(PeerEvent::ViewerUpdateDropped);
        }
        out.events
            .extend(output.presence.into_iter().map(PeerEvent::Presence));
        if output.presence_untracked > 0 {
            out.events
                .push(PeerEvent::PresenceUntracked(output.presence_untracked));
        }
        if !self.reported_synced && matches!(self.state(), SyncState::Synced | SyncState::Live) {
            self.reported_synced = true;
            out.events.push(PeerEvent::Synced);
        }
        out.presence_won = output.presence_won;
        out.links = output.links;
        Ok(out)
    }

    /// A frame on the cursor channel: cursors to show, each with the member
    /// it belongs to (`None`: the peer's own). The peer's own frame counts if
    /// it is newer than its last; the keeper's relayed entries count if
    /// `wanted` says so for their member (not us, not one we get directly,
    /// one we know) and they are newer than that member's last.
    pub fn cursor_frame(
        &mut self,
        bytes: &[u8],
        now: Instant,
        wanted: impl Fn(&PeerId) -> bool,
    ) -> Result<Vec<(Option<PeerId>, CursorFrame)>, Ending> {
        match CursorMessage::decode(bytes, self.remote_keeper).map_err(|e| Ending::refused(&e))? {
            CursorMessage::Own(frame) => Ok(if self.cursors.accept(&frame) {
                vec![(None, frame)]
            } else {
                Vec::new()
            }),
            CursorMessage::Relayed(entries) => Ok(entries
                .into_iter()
                .filter(|(origin, frame)| {
                    wanted(origin)
                        && self
                            .relayed_cursors
                            .entry(origin.clone())
                            .or_insert_with(|| RelayedCursorFilter::new(now))
                            .accept(frame, now)
                })
                .map(|(origin, frame)| (Some(origin), frame))
                .collect()),
        }
    }

    /// Member `id` left the room: its relayed cursor sequence is forgotten.
    pub fn forget_member(&mut self, id: &PeerId) {
        self.relayed_cursors.remove(id);
    }

    /// Our cursor, numbered for this link; `None` while we may not speak.
    pub fn local_cursor(&mut self, x: f32, y: f32, buttons: u8, tool: u8) -> Option<CursorFrame> {
        self.speaking
            .then(|| self.sequencer.next(x, y, buttons, tool))
    }

    /// A local board update (v1). Nothing while we may not speak: our step 2
    /// carries it. An update too large for the peer ends the link.
    pub fn local_update(&mut self, update: &[u8], link: LinkBytes) -> Result<Vec<Vec<u8>>, Ending> {
        if !self.speaking {
            return Ok(Vec::new());
        }
        let frames = self
            .session
            .local_update(update)
            .map_err(|e| Ending::Gone(format!("cannot send an update: {e}")))?;
        self.admit(frames, link)
    }

    /// Our awareness update. Nothing while we may not speak: our first frames
    /// carry our presence. Best effort: one too large to frame is not sent.
    pub fn local_awareness(
        &mut self,
        update: &[u8],
        link: LinkBytes,
    ) -> Result<Vec<Vec<u8>>, Ending> {
        if !self.speaking {
            return Ok(Vec::new());
        }
        let framed = self.session.local_awareness(update);
        self.admit_best_effort(framed, "presence", link)
    }

    /// An update the keeper forwards to this member. One too large for it is
    /// not sent (it would disconnect us): it gets the content in its next sync.
    pub fn relayed_update(
        &mut self,
        update: &[u8],
        link: LinkBytes,
    ) -> Result<Vec<Vec<u8>>, Ending> {
        if !self.speaking {
            return Ok(Vec::new());
        }
        let framed = self.session.local_update(update);
        self.admit_best_effort(framed, "relayed update", link)
    }

    /// Presence entries the keeper forwards to this member (or retracts, as
    /// `null`s). Best effort, like [`PeerCore::relayed_update`].
    pub fn relayed_awareness(
        &mut self,
        entries: &[PresenceEntry],
        link: LinkBytes,
    ) -> Result<Vec<Vec<u8>>, Ending> {
        if !self.speaking || entries.is_empty() {
            return Ok(Vec::new());
        }
        let framed = self.session.relayed_awareness(entries);
        self.admit_best_effort(framed, "relayed presence", link)
    }

    /// On the keeper's link: our live direct links, if they changed since we
    /// last reported them here and we may speak (otherwise once we may).
    pub fn report_links(
        &mut self,
        live: &BTreeSet<PeerId>,
        link: LinkBytes,
    ) -> Result<Vec<Vec<u8>>, Ending> {
        if !self.remote_keeper || self.ends.keeper || !self.speaking || *live == self.reported_links
        {
            return Ok(Vec::new());
        }
        self.reported_links = live.clone();
        let ids: Vec<PeerId> = live.iter().cloned().collect();
        match self.session.links_report(&ids) {
            Ok(frames) => self.admit(frames, link),
            Err(e) => {
                debug!("cannot send a links report: {e}");
                Ok(Vec::new())
            }
        }
    }

    /// Asks the peer again for everything we lack (a direct link ended, and
    /// what it carried may be missing): a new step 1, now or once our previous
    /// one is answered and the previous resync is far enough back
    /// ([`PeerCore::due_resync`]).
    pub fn resync(
        &mut self,
        board: &Board,
        now: Instant,
        link: LinkBytes,
    ) -> Result<Vec<Vec<u8>>, Ending> {
        let framed = self.session.resync(board, now);
        self.admit_best_effort(framed, "resync", link)
    }

    /// The step 1 of a deferred resync, once it may go out. Call on a timer.
    pub fn due_resync(
        &mut self,
        board: &Board,
        now: Instant,
        link: LinkBytes,
    ) -> Result<Vec<Vec<u8>>, Ending> {
        let framed = self.session.due_resync(board, now);
        self.admit_best_effort(framed, "resync", link)
    }

    /// Holds our first step 1 until [`PeerCore::release_sync`]: the board is
    /// coming from elsewhere (the server's snapshot). Only before we speak.
    pub fn hold_sync(&mut self) {
        self.session.hold_step1();
    }

    /// The held step 1, if we speak already: the board came, or is not coming.
    pub fn release_sync(&mut self, board: &Board, link: LinkBytes) -> Result<Vec<Vec<u8>>, Ending> {
        let frames = self
            .session
            .release_step1(board)
            .map_err(|e| Ending::Gone(format!("cannot start sync: {e}")))?;
        self.admit(frames, link)
    }

    /// A text message on `channel`: every message is binary, so the link ends.
    pub fn text_message(&self, channel: &str) -> Ending {
        Ending::Misbehaved {
            reason: format!("text message on the {channel} channel"),
            limit: None,
        }
    }

    /// Call on a timer: a peer that stalled mid-message ends.
    pub fn tick(&mut self, now: Instant) -> Result<(), Ending> {
        self.session
            .check_timeouts(now)
            .map_err(|e| Ending::refused(&e))
    }

    /// Passes frames for the board channel, unless that would queue more than
    /// the peer may make us hold: too slow.
    /// [`PeerCore::admit`] for what we send best effort: a message that
    /// cannot be framed (too large for the peer) is skipped, not a reason to
    /// disconnect it.
    fn admit_best_effort(
        &self,
        framed: Result<Vec<Vec<u8>>, ProtocolError>,
        what: &str,
        link: LinkBytes,
    ) -> Result<Vec<Vec<u8>>, Ending> {
        match framed {
            Ok(frames) => self.admit(frames, link),
            Err(e) => {
                debug!("{what} not sent: {e}");
                Ok(Vec::new())
            }
        }
    }

    fn admit(&self, frames: Vec<Vec<u8>>, link: LinkBytes) -> Result<Vec<Vec<u8>>, Ending> {
        let queued = link.queued + frames.iter().map(Vec::len).sum::<usize>();
        if queued > self.max_queued_bytes {
            return Err(Ending::TooSlow {
                queued,
                limit: self.max_queued_bytes,
            });
        }
        Ok(frames)
    }
}

/// The counters once `frames` are queued too.
fn queued_after(link: LinkBytes, frames: &[Vec<u8>]) -> LinkBytes {
    let bytes = frames.iter().map(Vec::len).sum::<usize>();
    LinkBytes {
        queued: link.queued + bytes,
        queued_total: link.queued_total + bytes as u64,
        sent_total: link.sent_total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::MAX_QUEUED_BYTES;
    use crate::protocol::frame::BoardMessage;
    use crate::protocol::presence::PRESENCE_EXPIRY;
    use crate::protocol::relayed_cursor::{encode_relayed, RELAYED_CURSOR_RENUMBER};
    use crate::protocol::Role;
    use inkmesh_doc::BoardOptions;

    /// The room-wide state a core borrows, and the link's queue.
    struct Room {
        board: Board,
        presence: PresenceTable,
        local_presence: LocalPresence,
        live: BTreeSet<PeerId>,
        queued_total: u64,
        sent_total: u64,
    }

    impl Room {
        fn new() -> Self {
            let mut options = BoardOptions::new("u-test");
            options.client_id = Some(1);
            Self {
                board: Board::with_options(options),
                presence: PresenceTable::new(PRESENCE_EXPIRY),
                local_presence: LocalPresence::new(1),
                live: BTreeSet::new(),
                queued_total: 0,
                sent_total: 0,
            }
        }

        fn link(&self) -> LinkBytes {
            LinkBytes {
                queued: (self.queued_total - self.sent_total) as usize,
                queued_total: self.queued_total,
                sent_total: self.sent_total,
            }
        }

        /// Queues what a call gave, returning its messages (whole frames only).
        fn queue(&mut self, frames: Result<Vec<Vec<u8>>, Ending>) -> Vec<BoardMessage> {
            let frames = frames.expect("the link stays up");
            self.queued_total += frames.iter().map(|f| f.len() as u64).sum::<u64>();
            frames
                .iter()
                .map(|f| BoardMessage::decode(&f[1..]).expect("a whole frame"))
                .collect()
        }

        fn open(&mut self, core: &mut PeerCore) -> Vec<BoardMessage> {
            let link = self.link();
            let mut shared = Shared {
                board: &mut self.board,
                presence: &mut self.presence,
                local_presence: &mut self.local_presence,
                live_links: &self.live,
            };
            let frames = core.open(&mut shared, Instant::now(), link);
            self.queue(frames)
        }

        fn receive(&mut self, core: &mut PeerCore, message: &BoardMessage) -> Vec<BoardMessage> {
            let link = self.link();
            let mut shared = Shared {
                board: &mut self.board,
                presence: &mut self.presence,
                local_presence: &mut self.local_presence,
                live_links: &self.live,
            };
            let mut frame = vec![0];
            frame.extend(message.encode());
            let out = core.board_frame(&mut shared, &frame, Instant::now(), link);
            self.queue(out.map(|out| out.frames))
        }
    }

    /// A member's core for its link to the keeper (or, with `keeper` false,
    /// to another member).
    fn member_core(keeper: bool, offerer: bool) -> PeerCore {
        let ends = Ends {
            local: Role::Editor,
            remote: Role::Editor,
            speaker: Speaker {
                id: 1,
                relay: keeper,
            },
            keeper: false,
        };
        PeerCore::new(ends, keeper, offerer, Limits::default(), MAX_QUEUED_BYTES)
    }

    fn links(messages: &[BoardMessage]) -> Vec<Vec<PeerId>> {
        messages
            .iter()
            .filter_map(|m| match m {
                BoardMessage::Links(ids) => Some(ids.clone()),
                _ => None,
            })
            .collect()
    }

    fn frame(seq: u32) -> CursorFrame {
        CursorFrame {
            seq,
            x: 1.0,
            y: 2.0,
            buttons: 0,
            tool: 0,
        }
    }

    #[test]
    fn an_offerer_holds_everything_until_the_answerers_first_frame() {
        let mut room = Room::new();
        let mut core = member_core(true, true);
        room.live.insert("p-b".to_owned());
        assert!(room.open(&mut core).is_empty());
        let link = room.link();
        assert!(room.queue(core.local_update(&[0, 0], link)).is_empty());
        assert!(room.queue(core.local_awareness(&[0], link)).is_empty());
        assert!(room
            .queue(core.report_links(&room.live.clone(), link))
            .is_empty());
        assert!(core.local_cursor(1.0, 2.0, 0, 0).is_none());

        // The keeper's step 1: we speak (step 1, then the links report we
        // held), then answer it.
        let out = room.receive(&mut core, &BoardMessage::SyncStep1(vec![0]));
        assert!(matches!(out[0], BoardMessage::SyncStep1(_)));
        assert_eq!(links(&out), vec![vec!["p-b".to_owned()]]);
        assert!(matches!(out.last(), Some(BoardMessage::SyncStep2(_))));
        assert_eq!(core.local_cursor(1.0, 2.0, 0, 0).map(|f| f.seq), Some(0));
    }

    #[test]
    fn a_links_report_goes_to_the_keeper_only_when_the_set_changes() {
        let mut room = Room::new();
        let mut keeper_link = member_core(true, false);
        let mut member_link = member_core(false, false);
        assert!(
            links(&room.open(&mut keeper_link)).is_empty(),
            "empty: nothing to report"
        );
        room.open(&mut member_link);
        let live: BTreeSet<PeerId> = ["p-b".to_owned()].into();
        let link = room.link();
        assert!(room.queue(member_link.report_links(&live, link)).is_empty());
        let out = room.queue(keeper_link.report_links(&live, link));
        assert_eq!(links(&out), vec![vec!["p-b".to_owned()]]);
        let link = room.link();
        assert!(
            room.queue(keeper_link.report_links(&live, link)).is_empty(),
            "unchanged"
        );
        let out = room.queue(keeper_link.report_links(&BTreeSet::new(), room.link()));
        assert_eq!(links(&out), vec![Vec::<PeerId>::new()], "the link ended");
    }

    #[test]
    fn relayed_cursors_count_per_member_and_only_if_wanted_and_from_the_keeper() {
        let mut keeper_link = member_core(true, false);
        let now = Instant::now();
        let relayed = |entries: &[(&str, u32)]| {
            let entries: Vec<(PeerId, CursorFrame)> = entries
                .iter()
                .map(|(id, seq)| ((*id).to_owned(), frame(*seq)))
                .collect();
            encode_relayed(&entries).expect("fits one frame")
        };
        let shown = |core: &mut PeerCore, bytes: &[u8], at: Instant| {
            core.cursor_frame(bytes, at, |id| id != "p-direct")
                .unwrap()
                .into_iter()
                .map(|(origin, f)| (origin.unwrap(), f.seq))
                .collect::<Vec<_>>()
        };
        let first = relayed(&[("p-b", 5), ("p-c", 9), ("p-direct", 1)]);
        assert_eq!(
            shown(&mut keeper_link, &first, now),
            vec![("p-b".to_owned(), 5), ("p-c".to_owned(), 9)]
        );
        // Each member's sequence is its own.
        let next = relayed(&[("p-b", 4), ("p-c", 10)]);
        assert_eq!(
            shown(&mut keeper_link, &next, now),
            vec![("p-c".to_owned(), 10)]
        );
        // A member that left is forgotten at once; one whose keeper link
        // re-formed is numbered afresh after a pause.
        keeper_link.forget_member(&"p-c".to_owned());
        let rejoined = relayed(&[("p-c", 0)]);
        assert_eq!(
            shown(&mut keeper_link, &rejoined, now),
            vec![("p-c".to_owned(), 0)]
        );
        let restarted = relayed(&[("p-b", 0)]);
        assert!(shown(&mut keeper_link, &restarted, now).is_empty());
        let later = now + RELAYED_CURSOR_RENUMBER * 2;
        assert_eq!(
            shown(&mut keeper_link, &restarted, later),
            vec![("p-b".to_owned(), 0)]
        );

        // A member may not send relayed frames.
        let mut member_link = member_core(false, false);
        let refused = member_link.cursor_frame(&first, now, |_| true).unwrap_err();
        assert!(matches!(refused, Ending::Misbehaved { .. }), "{refused}");
    }
}
