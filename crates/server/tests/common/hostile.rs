//! A hostile member: a raw WebRTC link to a room's keeper through the real
//! server's signaling, that sends whatever bytes a test wants.

use std::time::Duration;

use inkmesh_transport::peer::{LinkEvent, LinkId, PeerLink};
use inkmesh_transport::{
    IceServer, PeerId, Signal, SignalEvent, Signaling, TransportConfig, WsSignaling,
};
use tokio::sync::mpsc;

/// An open link to the keeper of a room, past the keeper's first frame (the
/// answerer speaks first: PROTOCOL.md), with its signaling still joined.
pub struct Hostile {
    pub keeper: PeerId,
    pub link: PeerLink,
    pub signaling: WsSignaling,
    /// The `candidate:` lines this side gathered, until the link opened.
    pub local_candidates: Vec<String>,
    events: mpsc::UnboundedReceiver<(LinkId, LinkEvent)>,
}

impl Hostile {
    /// Joins `room` with `token` and connects to its keeper, on loopback.
    pub async fn connect(signal_url: &str, room: &str, token: &str) -> Hostile {
        Self::connect_with(
            signal_url,
            room,
            token,
            TransportConfig::loopback(),
            |sdp| sdp,
        )
        .await
    }

    /// [`Hostile::connect`] bound as `config` says, sending the offer as
    /// `forge` rewrites it.
    pub async fn connect_with(
        signal_url: &str,
        room: &str,
        token: &str,
        config: TransportConfig,
        forge: impl FnOnce(String) -> String,
    ) -> Hostile {
        Self::try_connect(
            signal_url,
            room,
            token,
            config,
            |servers| servers,
            forge,
            20,
        )
        .await
        .unwrap_or_else(|failed| panic!("{}", failed.reason))
    }

    /// Connects with the welcome's ICE servers as `ice` rewrites them, and
    /// gives up after `secs`: the attempt, and the local candidates gathered.
    pub async fn try_connect(
        signal_url: &str,
        room: &str,
        token: &str,
        config: TransportConfig,
        ice: impl FnOnce(Vec<IceServer>) -> Vec<IceServer>,
        forge: impl FnOnce(String) -> String,
        secs: u64,
    ) -> Result<Hostile, Unopened> {
        let mut signaling = WsSignaling::connect(signal_url, room, token)
            .await
            .expect("signaling connects");
        let welcome = signaling.join().await.expect("welcomed");
        let keeper = welcome
            .peers
            .iter()
            .find(|p| p.keeper)
            .expect("the welcome lists the keeper")
            .id
            .clone();
        let (tx, mut events) = mpsc::unbounded_channel();
        let link = PeerLink::new(keeper.clone(), &config, &ice(welcome.ice_servers), tx)
            .await
            .expect("a peer connection");
        let sdp = forge(link.offer().await.expect("an offer"));
        signaling
            .send(
                &keeper,
                Signal::Offer {
                    sdp,
                    renegotiate: false,
                },
            )
            .await
            .expect("the offer is sent");
        let mut local_candidates = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        let unopened = |reason: String, local_candidates| {
            Err(Unopened {
                reason,
                local_candidates,
            })
        };
        loop {
            tokio::select! {
                Some(event) = signaling.recv() => match event {
                    SignalEvent::Signal { signal: Signal::Answer { sdp }, .. } => {
                        link.accept_answer(sdp).await.expect("the keeper's answer applies")
                    }
                    SignalEvent::Signal { signal: Signal::Candidate { candidate }, .. } => {
                        link.add_candidate(candidate).await.expect("the keeper's candidate applies")
                    }
                    _ => {}
                },
                Some((_, event)) = events.recv() => match event {
                    LinkEvent::Candidate(candidate) => {
                        local_candidates.push(candidate.candidate.clone());
                        let _ = signaling.send(&keeper, Signal::Candidate { candidate }).await;
                    }
                    LinkEvent::Board(_) => break,
                    LinkEvent::Closed(reason) => {
                        return unopened(format!("the link closed before opening: {reason}"), local_candidates)
                    }
                    _ => {}
                },
                _ = tokio::time::sleep_until(deadline) => {
                    return unopened(format!("the link to the keeper did not open in {secs} s"), local_candidates)
                }
            }
        }
        Ok(Hostile {
            keeper,
            link,
            signaling,
            local_candidates,
            events,
        })
    }

    /// Waits until the keeper closes the link (skipping what it sends
    /// meanwhile); `false` if it stays open for `secs`.
    pub async fn closed_within(&mut self, secs: u64) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some((_, LinkEvent::Closed(_)))) | Ok(None) => return true,
                Ok(Some(_)) => continue,
                Err(_) => return false,
            }
        }
    }
}

/// What came back while a hostile member waited for a sync step 2.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// A whole sync step 2 arrived.
    Step2,
    /// The keeper closed the link.
    Closed,
    /// Neither, within the wait.
    Nothing,
}

impl Hostile {
    /// Waits for the next whole sync step 2 from the keeper (whole frame, or
    /// a chunked message's last chunk), skipping everything else.
    pub async fn step2_within(&mut self, secs: u64) -> Answer {
        /// PROTOCOL.md, "Frames" and "Messages".
        const WHOLE: u8 = 0x00;
        const CHUNK: u8 = 0x01;
        const STEP2: [u8; 2] = [0x00, 0x01];
        const CHUNK_HEADER: usize = 9;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        // The message id of the step 2 being reassembled.
        let mut step2_id: Option<[u8; 4]> = None;
        loop {
            let frame = match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some((_, LinkEvent::Board(frame)))) => frame,
                Ok(Some((_, LinkEvent::Closed(_)))) | Ok(None) => return Answer::Closed,
                Ok(Some(_)) => continue,
                Err(_) => return Answer::Nothing,
            };
            match frame.first() {
                Some(&WHOLE) if frame[1..].starts_with(&STEP2) => return Answer::Step2,
                Some(&CHUNK) if frame.len() >= CHUNK_HEADER => {
                    let id: [u8; 4] = frame[1..5].try_into().expect("four bytes");
                    let index = u16::from_le_bytes([frame[5], frame[6]]);
                    let count = u16::from_le_bytes([frame[7], frame[8]]);
                    if index == 0 && frame[CHUNK_HEADER..].starts_with(&STEP2) {
                        step2_id = Some(id);
                    }
                    if step2_id == Some(id) && index + 1 == count {
                        return Answer::Step2;
                    }
                }
                _ => {}
            }
        }
    }
}

/// A link that did not open: why, and what this side had gathered by then.
#[derive(Debug)]
pub struct Unopened {
    pub reason: String,
    pub local_candidates: Vec<String>,
}
