//! One WebRTC connection to one remote peer, with the two pre-negotiated data
//! channels of `docs/PROTOCOL.md`. This is socket glue only: it moves frames
//! between the channels and the room, and says when the link opens or closes.
//! What the frames mean is the sans-I/O [`crate::protocol`]'s business.
//!
//! [`PeerLink`] is public so that tools and tests can speak the wire directly,
//! including peers that misbehave on purpose.
//!
//! Remote candidates pass the configuration's [`CandidatePolicy`] first:
//! refused ones are dropped and reported ([`LinkEvent::CandidatesRefused`]).

mod candidate;
mod inbound;
mod outbound;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use rtc::ice::mdns::MulticastDnsMode;
use rtc::peer_connection::configuration::setting_engine::SctpMaxMessageSize;
use rtc::peer_connection::transport::RTCDtlsRole;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use webrtc::data_channel::{DataChannel, RTCDataChannelInit};
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder,
    RTCIceCandidateInit, RTCIceServer, RTCIceTransportPolicy, RTCPeerConnectionIceEvent,
    RTCPeerConnectionState, RTCSessionDescription, SettingEngineBuilder,
};

use self::candidate::LocalMid;
pub use self::inbound::InboundFrame;
use self::inbound::{read_board, read_cursor, InboundBudget};
use self::outbound::{write_board, write_cursor, BoardCounters};
use crate::candidates::CandidatePolicy;
use crate::config::TransportConfig;
use crate::error::TransportError;
use crate::protocol::cursor::CursorFrame;
use crate::signaling::{IceCandidate, IceServer, PeerId};

/// The reliable, ordered channel: board sync, updates and presence.
pub const BOARD_CHANNEL: (&str, u16) = ("board", 0);
/// The unreliable, unordered channel: cursor frames, never retransmitted.
pub const CURSOR_CHANNEL: (&str, u16) = ("cursor", 1);

/// How long the controlling ICE agent waits before it may nominate a pair whose
/// remote candidate is peer-reflexive, i.e. learnt from the peer's connectivity
/// check before its trickled candidate arrived. webrtc-rs waits 1 s (hoping a
/// better pair turns up); libwebrtc does not wait. The pair has passed a check
/// with the session's ICE credentials, and when the peer's check outruns its
/// signaled candidate (common on loopback and fast LANs) the wait was the
/// whole join's largest delay.
const PRFLX_ACCEPTANCE_WAIT: Duration = Duration::ZERO;
/// How often [`PeerLink::board_delivered`] asks SCTP what is unacknowledged (as the cursor writer does).
const DELIVERED_POLL: Duration = Duration::from_millis(1);

/// Which link an event comes from: the peer's, and which of its links. A
/// peer's link can be replaced (a new offer from the same member) while the
/// old one's last events are still queued; the room drops those, so the old
/// link's `Closed` cannot end the new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkId {
    pub peer: PeerId,
    /// Unique among this process's links.
    pub serial: u64,
}

/// Where a link sends what it reports.
pub type LinkEvents = mpsc::UnboundedSender<(LinkId, LinkEvent)>;

/// The next [`LinkId::serial`].
static NEXT_LINK_SERIAL: AtomicU64 = AtomicU64::new(0);

/// What a link reports to its room.
#[derive(Debug)]
pub enum LinkEvent {
    /// The board channel is open: sync can start.
    Open,
    Board(InboundFrame),
    Cursor(InboundFrame),
    /// A text message arrived on this channel (its label): a protocol error.
    /// The channel is no longer read.
    Text(&'static str),
    /// A local ICE candidate to signal to the peer.
    Candidate(IceCandidate),
    /// Remote candidates the candidate policy refused (and dropped), this many.
    CandidatesRefused(usize),
    /// The link's inbound budget is spent: its readers wait for the room.
    InboundFull,
    /// The connection is gone (closed by either side, or failed).
    Closed(String),
}

/// A connection to one peer.
pub struct PeerLink {
    id: LinkId,
    pc: Arc<dyn PeerConnection>,
    events: LinkEvents,
    board_tx: mpsc::UnboundedSender<Vec<u8>>,
    board_counters: Arc<BoardCounters>,
    board: Arc<dyn DataChannel>,
    cursor_tx: watch::Sender<Option<CursorFrame>>,
    cursor: Arc<dyn DataChannel>,
    candidate_policy: Arc<CandidatePolicy>,
    mdns: bool,
    /// The m-section's mid, which our local candidates name.
    local_mid: LocalMid,
    remote: tokio::sync::Mutex<RemoteDescription>,
    tasks: std::sync::Mutex<Vec<JoinHandle<()>>>,
}

#[derive(Default)]
struct RemoteDescription {
    set: bool,
    /// Candidates that arrived before the remote description: webrtc rejects them.
    early_candidates: Vec<RTCIceCandidateInit>,
}

struct Handler {
    link: LinkId,
    events: LinkEvents,
    local_mid: LocalMid,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        if let Ok(init) = event.candidate.to_json() {
            let candidate = self.local_mid.signal(init);
            let _ = self
                .events
                .send((self.link.clone(), LinkEvent::Candidate(candidate)));
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        if matches!(
            state,
            RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed
        ) {
            let reason = format!("connection {state}");
            let _ = self
                .events
                .send((self.link.clone(), LinkEvent::Closed(reason)));
        }
    }
}

impl PeerLink {
    /// Builds the connection and both channels; nothing is sent until an offer
    /// or answer is exchanged.
    pub async fn new(
        peer: PeerId,
        config: &TransportConfig,
        ice_servers: &[IceServer],
        events: LinkEvents,
    ) -> Result<Self, TransportError> {
        let id = LinkId {
            peer,
            serial: NEXT_LINK_SERIAL.fetch_add(1, Ordering::Relaxed),
        };
        let ice_servers = ice_servers
            .iter()
            .map(|s| RTCIceServer {
                urls: s.urls.clone(),
                username: s.username.clone().unwrap_or_default(),
                credential: s.credential.clone().unwrap_or_default(),
            })
            .collect();
        let mdns = if config.mdns {
            MulticastDnsMode::QueryOnly
        } else {
            MulticastDnsMode::Disabled
        };
        let settings = SettingEngineBuilder::new()
            // The answerer is the DTLS (and so SCTP) client, as browsers make it;
            // the room relies on it to decide who speaks first (PROTOCOL.md).
            .with_answering_dtls_role(RTCDtlsRole::Client)
            .with_multicast_dns_mode(mdns)
            .with_sctp_max_message_size(SctpMaxMessageSize::Bounded(config.sctp_max_message_bytes))
            .with_sctp_timer_config(config.sctp_rto.timer_config())
            .with_prflx_acceptance_min_wait(Some(PRFLX_ACCEPTANCE_WAIT))
            .with_ice_timeouts(
                Some(config.ice_disconnected_timeout),
                Some(config.ice_failed_timeout),
                Some(Duration::from_secs(1)),
            )
            .build();
        let local_mid = LocalMid::default();
        let pc = PeerConnectionBuilder::new()
            .with_configuration(
                RTCConfigurationBuilder::new()
                    .with_ice_servers(ice_servers)
                    .with_ice_transport_policy(if config.relay_only {
                        RTCIceTransportPolicy::Relay
                    } else {
                        RTCIceTransportPolicy::All
                    })
                    .build(),
            )
            .with_setting_engine(settings)
            .with_handler(Arc::new(Handler {
                link: id.clone(),
                events: events.clone(),
                local_mid: local_mid.clone(),
            }))
            .with_udp_addrs(config.bind_addrs.clone())
            .with_data_channel_send_buffer_limit(config.send_buffer_bytes)
            .build()
            .await?;
        let pc: Arc<dyn PeerConnection> = Arc::new(pc);

        let board = pc
            .create_data_channel(
                BOARD_CHANNEL.0,
                Some(RTCDataChannelInit {
                    ordered: true,
                    negotiated: Some(BOARD_CHANNEL.1),
                    ..Default::default()
                }),
            )
            .await?;
        let cursor = pc
            .create_data_channel(
                CURSOR_CHANNEL.0,
                Some(RTCDataChannelInit {
                    ordered: false,
                    max_retransmits: Some(0),
                    negotiated: Some(CURSOR_CHANNEL.1),
                    ..Default::default()
                }),
            )
            .await?;

        let (board_tx, board_rx) = mpsc::unbounded_channel();
        let (cursor_tx, cursor_rx) = watch::channel(None);
        let board_counters = Arc::new(BoardCounters::default());
        let budget = InboundBudget::new(config.inbound_link_bytes);
        let tasks = vec![
            tokio::spawn(read_board(
                id.clone(),
                board.clone(),
                events.clone(),
                budget.clone(),
            )),
            tokio::spawn(read_cursor(
                id.clone(),
                cursor.clone(),
                events.clone(),
                budget,
            )),
            tokio::spawn(write_board(board.clone(), board_rx, board_counters.clone())),
            tokio::spawn(write_cursor(cursor.clone(), cursor_rx)),
        ];
        Ok(Self {
            id,
            pc,
            events,
            board_tx,
            board_counters,
            board,
            cursor_tx,
            cursor,
            candidate_policy: config.candidate_policy.clone(),
            mdns: config.mdns,
            local_mid,
            remote: Default::default(),
            tasks: std::sync::Mutex::new(tasks),
        })
    }

    /// Which link this is: the events it sends carry it.
    pub fn id(&self) -> &LinkId {
        &self.id
    }

    /// Makes an offer (we are the newcomer) and returns its SDP.
    pub async fn offer(&self) -> Result<String, TransportError> {
        let offer = self.pc.create_offer(None).await?;
        let sdp = offer.sdp.clone();
        self.local_mid.take_from(&sdp);
        self.pc.set_local_description(offer).await?;
        Ok(sdp)
    }

    /// Takes the peer's offer and returns our answer's SDP. Candidates in the
    /// offer that the candidate policy refuses are left out.
    pub async fn answer(&self, offer_sdp: String) -> Result<String, TransportError> {
        let offer_sdp = self.screen_sdp(&offer_sdp);
        self.pc
            .set_remote_description(RTCSessionDescription::offer(offer_sdp)?)
            .await?;
        self.remote_description_set().await?;
        let answer = self.pc.create_answer(None).await?;
        let sdp = answer.sdp.clone();
        self.local_mid.take_from(&sdp);
        self.pc.set_local_description(answer).await?;
        Ok(sdp)
    }

    /// Takes the peer's answer to our offer, less the candidates the
    /// candidate policy refuses.
    pub async fn accept_answer(&self, answer_sdp: String) -> Result<(), TransportError> {
        let answer_sdp = self.screen_sdp(&answer_sdp);
        self.pc
            .set_remote_description(RTCSessionDescription::answer(answer_sdp)?)
            .await?;
        self.remote_description_set().await
    }

    fn screen_sdp(&self, sdp: &str) -> String {
        let (screened, refused) = self.candidate_policy.screen_sdp(sdp, self.mdns);
        self.report_refused(refused);
        screened
    }

    fn report_refused(&self, refused: usize) {
        if refused > 0 {
            let _ = self
                .events
                .send((self.id.clone(), LinkEvent::CandidatesRefused(refused)));
        }
    }

    async fn remote_description_set(&self) -> Result<(), TransportError> {
        let mut remote = self.remote.lock().await;
        remote.set = true;
        for candidate in std::mem::take(&mut remote.early_candidates) {
            self.pc.add_ice_candidate(candidate).await?;
        }
        Ok(())
    }

    /// Adds a remote candidate, or keeps it until the remote description is
    /// set; drops it if the candidate policy refuses its address.
    pub async fn add_candidate(&self, c: IceCandidate) -> Result<(), TransportError> {
        if !self.candidate_policy.admit(&c.candidate, self.mdns) {
            self.report_refused(1);
            return Ok(());
        }
        let init = candidate::remote(c);
        let mut remote = self.remote.lock().await;
        if remote.set {
            self.pc.add_ice_candidate(init).await?;
        } else {
            remote.early_candidates.push(init);
        }
        Ok(())
    }

    /// Queues a frame on the board channel. The queue is unbounded here; the
    /// room bounds it through [`PeerLink::queued_bytes`].
    pub fn send_board(&self, frame: Vec<u8>) {
        let len = frame.len();
        self.board_counters.enqueue(len);
        if self.board_tx.send(frame).is_err() {
            // The writer is gone: the link is closing and will report it.
            self.board_counters.withdraw(len);
        }
    }

    /// Bytes queued for the board channel and not yet taken by it (none once
    /// the link is closing).
    pub fn queued_bytes(&self) -> usize {
        if self.board_tx.is_closed() {
            return 0;
        }
        self.board_counters.queued()
    }

    /// Bytes ever queued for the board channel: the position in the stream
    /// where the frame queued last ends.
    pub fn board_bytes_queued_total(&self) -> u64 {
        self.board_counters.enqueued()
    }

    /// Bytes ever handed to the board channel: every position up to here has
    /// left the queue.
    pub fn board_bytes_sent_total(&self) -> u64 {
        self.board_counters.sent()
    }

    /// Waits until at most `bytes` are queued.
    pub async fn drained_below(&self, bytes: usize) {
        loop {
            let notified = self.board_counters.drained().notified();
            if self.queued_bytes() <= bytes {
                return;
            }
            notified.await;
        }
    }

    /// Waits until the peer has acknowledged everything handed to the board
    /// channel (or the channel closed): [`PeerLink::drained_below`] only
    /// waits for SCTP to take the bytes, and closing the connection drops
    /// what it has not delivered yet.
    pub async fn board_delivered(&self) {
        self.drained_below(0).await;
        while self.board.outstanding_bytes().await.is_ok_and(|n| n > 0) {
            tokio::time::sleep(DELIVERED_POLL).await;
        }
    }

    /// Replaces any cursor frame not yet sent: a cursor is never queued behind another.
    pub fn send_cursor(&self, frame: CursorFrame) {
        self.cursor_tx.send_replace(Some(frame));
    }

    /// Bytes the cursor channel holds unsent: the keeper skips a member's
    /// relay round while its channel is full, so cursors never queue.
    pub async fn cursor_buffered_bytes(&self) -> usize {
        self.cursor.outstanding_bytes().await.unwrap_or(usize::MAX)
    }

    /// Sends bytes on the cursor channel as they are, bypassing the cursor
    /// frame writer: the keeper's relayed cursor frames (it checks
    /// [`PeerLink::cursor_buffered_bytes`] first), and tools that test how
    /// peers handle bad frames.
    pub async fn send_cursor_bytes(&self, bytes: &[u8]) -> Result<(), TransportError> {
        Ok(self.cursor.send(BytesMut::from(bytes)).await?)
    }

    /// Sends a text message on the board channel, which the protocol forbids:
    /// for tools that test how peers handle misbehaviour. It bypasses the
    /// board queue.
    pub async fn send_board_text(&self, text: &str) -> Result<(), TransportError> {
        Ok(self.board.send_text(text).await?)
    }

    /// Sends a text message on the cursor channel, which the protocol
    /// forbids: for tools that test how peers handle misbehaviour.
    pub async fn send_cursor_text(&self, text: &str) -> Result<(), TransportError> {
        Ok(self.cursor.send_text(text).await?)
    }

    pub async fn close(&self) {
        let _ = self.pc.close().await;
        for task in self.tasks.lock().expect("tasks lock").drain(..) {
            task.abort();
        }
    }
}
