//! The Rust client of the signaling protocol: a [`Signaling`] over the server's
//! WebSocket, so native peers (bots, tests, the benchmark) join rooms through a
//! real server exactly as browsers do. It lives here, behind the `ws-client`
//! feature, so that such a peer needs the transport crate and a WebSocket
//! library but not the server (axum, SQLite).
//!
//! The socket is read by a background task into a channel, which makes
//! [`Signaling::recv`] cancel-safe (the room awaits it in a `select!`), and
//! written by another, which makes [`Signaling::send`] need only `&self`.

use std::time::Duration;

use async_trait::async_trait;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tracing::{debug, warn};

use super::{
    ClientMessage, Code, PeerId, ServerMessage, Signal, SignalEvent, Signaling, SignalingError,
    Welcome,
};

/// How often the client pings, well inside the server's 30 s silence limit.
const PING_EVERY: Duration = Duration::from_secs(10);

/// A signaling connection to an Inkmesh server. Dropping it closes the socket,
/// which leaves the room.
pub struct WsSignaling {
    room: String,
    token: String,
    out: mpsc::UnboundedSender<Message>,
    incoming: mpsc::UnboundedReceiver<ServerMessage>,
    reader: JoinHandle<()>,
}

impl WsSignaling {
    /// Opens the WebSocket (`ws://host:port/api/signal`). Joining happens in
    /// [`Signaling::join`], which the room calls.
    pub async fn connect(url: &str, room: &str, token: &str) -> Result<Self, SignalingError> {
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| SignalingError::Other(format!("cannot connect to {url}: {e}")))?;
        let (mut sink, mut stream) = socket.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<Message>();
        let (in_tx, incoming) = mpsc::unbounded_channel();

        // Writer: queued messages, plus a ping now and then so the server hears
        // from us even when nothing happens. Ends (closing the socket) once every
        // sender is gone.
        tokio::spawn(async move {
            let mut ping = tokio::time::interval(PING_EVERY);
            ping.tick().await;
            loop {
                let message = tokio::select! {
                    message = out_rx.recv() => match message {
                        Some(message) => message,
                        None => break,
                    },
                    _ = ping.tick() => Message::text(r#"{"type":"ping"}"#),
                };
                if sink.send(message).await.is_err() {
                    return;
                }
            }
            let _ = sink.send(Message::Close(None)).await;
            let _ = sink.close().await;
        });

        let pongs = out.clone();
        let reader = tokio::spawn(async move {
            while let Some(frame) = stream.next().await {
                let text = match frame {
                    Ok(Message::Text(text)) => text,
                    Ok(Message::Close(frame)) => {
                        debug!("signaling closed by the server: {frame:?}");
                        break;
                    }
                    Ok(_) => continue,
                    Err(e) => {
                        debug!("signaling socket failed: {e}");
                        break;
                    }
                };
                match serde_json::from_str::<ServerMessage>(&text) {
                    Ok(ServerMessage::Ping) => {
                        let _ = pongs.send(Message::text(r#"{"type":"pong"}"#));
                    }
                    Ok(ServerMessage::Pong) => {}
                    Ok(message) => {
                        if in_tx.send(message).is_err() {
                            break;
                        }
                    }
                    Err(e) => warn!("unreadable message from the signaling server: {e}"),
                }
            }
        });
        Ok(Self {
            room: room.to_owned(),
            token: token.to_owned(),
            out,
            incoming,
            reader,
        })
    }

    fn send_message(&self, message: &ClientMessage) -> Result<(), SignalingError> {
        let json = serde_json::to_string(message).expect("client messages always serialize");
        self.out
            .send(Message::text(json))
            .map_err(|_| SignalingError::Closed)
    }
}

#[async_trait]
impl Signaling for WsSignaling {
    async fn join(&mut self) -> Result<Welcome, SignalingError> {
        self.send_message(&ClientMessage::Join {
            room: self.room.clone(),
            token: self.token.clone(),
            // Native members do not renegotiate links or take media.
            media: false,
        })?;
        loop {
            match self.incoming.recv().await {
                Some(ServerMessage::Welcome(welcome)) => return Ok(welcome),
                Some(ServerMessage::Error { code, message }) => {
                    return Err(SignalingError::Refused {
                        code: code.as_str().to_owned(),
                        message,
                    })
                }
                Some(other) => debug!("ignoring {other:?} before the welcome"),
                None => return Err(SignalingError::Closed),
            }
        }
    }

    async fn send(&self, to: &PeerId, signal: Signal) -> Result<(), SignalingError> {
        self.send_message(&ClientMessage::Signal {
            to: to.clone(),
            signal,
        })
    }

    async fn recv(&mut self) -> Option<SignalEvent> {
        loop {
            // Each message is taken and then either returned or dropped with no
            // await in between: cancelling this future loses nothing.
            match SignalEvent::try_from(self.incoming.recv().await?) {
                Ok(event) => return Some(event),
                Err(ServerMessage::Error { code, message }) => {
                    // A peer left while we signalled it: the room notices the
                    // peer-left on its own. Anything else is worth a line.
                    if code == Code::UnknownPeer {
                        debug!("signaling: {message}");
                    } else {
                        warn!(code = code.as_str(), "signaling server error: {message}");
                    }
                }
                Err(other) => debug!("ignoring unexpected {other:?}"),
            }
        }
    }
}

impl Drop for WsSignaling {
    fn drop(&mut self) {
        // The writer closes the socket once `out` (and the reader's clone) are
        // gone; stop the reader so its clone goes too.
        self.reader.abort();
    }
}
