//! One signaling WebSocket: the join handshake, then relaying until either side
//! goes. Everything a client sends is untrusted; bad input is answered with an
//! error message and, for what cannot be recovered from (no valid join, abuse),
//! a close frame with the documented code whose reason is the error code.
//!
//! What a socket may cost is bounded: few sockets may wait unjoined, each with
//! small buffers; every frame draws from the rate limit; and every close the
//! server starts completes the closing handshake, so the client reads the code
//! instead of a reset connection.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use inkmesh_transport::{ClientMessage, PeerInfo, ServerMessage};
use tokio::sync::{mpsc, Notify, OwnedSemaphorePermit};
use tokio_tungstenite::tungstenite::Error as WsError;
use tracing::{debug, info};

use crate::auth::check_room;
use crate::error::{ApiError, Code};
use crate::ids::new_peer_id;
use crate::limits::{
    label, CLOSE_HANDSHAKE_TIMEOUT, MAX_NAME_CHARS, SEND_TIMEOUT, SIGNAL_HARD_LIMIT,
    SIGNAL_STRIKE_WINDOW, WS_MAX_WRITE_BUFFER_BYTES, WS_READ_BUFFER_BYTES, WS_WRITE_BUFFER_BYTES,
};
use crate::signal::hub::Outbox;
use crate::signal::ratelimit::{RateLimiter, Verdict};
use crate::state::AppState;

/// Close codes (RFC 6455): refused by policy, message too big, server going
/// away, try again later.
const CLOSE_POLICY: u16 = 1008;
const CLOSE_TOO_BIG: u16 = 1009;
const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_TRY_LATER: u16 = 1013;

/// `GET /api/signal`: upgrades, unless too many sockets already wait to join.
pub async fn upgrade(State(app): State<AppState>, ws: WebSocketUpgrade) -> Response {
    let Ok(waiting) = app.pending_websockets.clone().try_acquire_owned() else {
        app.metrics.limit_tripped(label::PENDING_WEBSOCKETS);
        return ApiError::new(
            Code::Unavailable,
            "Too many signaling connections are waiting to join a room; try again in a moment.",
        )
        .into_response();
    };
    ws.read_buffer_size(WS_READ_BUFFER_BYTES)
        .write_buffer_size(WS_WRITE_BUFFER_BYTES)
        .max_write_buffer_size(WS_MAX_WRITE_BUFFER_BYTES)
        .max_message_size(SIGNAL_HARD_LIMIT)
        .max_frame_size(SIGNAL_HARD_LIMIT)
        .on_upgrade(move |socket| serve(app, socket, waiting))
}

struct Joined {
    room: String,
    me: PeerInfo,
    outbox: mpsc::Receiver<ServerMessage>,
    kick: Arc<Notify>,
}

/// Whether the socket can still be read after the server sends its close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AfterClose {
    /// Read and discard until the client's close frame.
    Drain,
    /// Reading failed (a frame over the hard limit): the socket can no longer
    /// be read, so wait instead, giving the client time to read the close.
    Linger,
}

/// Ends a connection from the server's side.
struct Refusal {
    error: ApiError,
    close_code: u16,
    after: AfterClose,
}

impl Refusal {
    fn new(error: ApiError, close_code: u16) -> Self {
        Self {
            error,
            close_code,
            after: AfterClose::Drain,
        }
    }
}

async fn serve(app: AppState, mut socket: WebSocket, waiting: OwnedSemaphorePermit) {
    let joined = handshake(&app, &mut socket).await;
    drop(waiting);
    let joined = match joined {
        Ok(Some(joined)) => joined,
        Ok(None) => return,
        Err(refusal) => return refuse(&app, &mut socket, refusal).await,
    };
    info!(room = %joined.room, peer = %joined.me.id, name = %joined.me.name, role = ?joined.me.role, "member joined");
    let (room, id) = (joined.room.clone(), joined.me.id.clone());
    relay(&app, &mut socket, joined).await;
    app.hub.leave(&room, &id);
    info!(room = %room, peer = %id, "member left");
}

/// Waits for a valid `join`, admits the client to the room and welcomes it.
/// `Ok(None)`: the client went away.
async fn handshake(app: &AppState, socket: &mut WebSocket) -> Result<Option<Joined>, Refusal> {
    let limits = &app.config.limits;
    let first = match tokio::time::timeout(limits.join_timeout, socket.recv()).await {
        Err(_) => {
            app.metrics.limit_tripped(label::JOIN_TIMEOUT);
            let e = ApiError::bad_request(format!(
                "No join message within {} s of connecting.",
                limits.join_timeout.as_secs()
            ));
            return Err(Refusal::new(e, CLOSE_POLICY));
        }
        Ok(Some(Err(e))) => return read_failed(app, e).map(|()| None),
        Ok(None) => return Ok(None),
        Ok(Some(Ok(message))) => message,
    };
    let text = match first {
        Message::Text(text) => text,
        Message::Close(_) => {
            answer_close(socket).await;
            return Ok(None);
        }
        _ => {
            let e = ApiError::bad_request(
                "The first message must be a JSON text message of type `join`.",
            );
            return Err(Refusal::new(e, CLOSE_POLICY));
        }
    };
    if text.len() > limits.max_message_bytes {
        app.metrics.limit_tripped(label::SIGNAL_MESSAGE_BYTES);
        let e = too_large(limits.max_message_bytes);
        return Err(Refusal::new(e, CLOSE_TOO_BIG));
    }
    let (room, token, media) = match serde_json::from_str::<ClientMessage>(&text) {
        Ok(ClientMessage::Join { room, token, media }) => (room, token, media),
        Ok(_) => {
            let e =
                ApiError::bad_request("The first message must be `join`, with `room` and `token`.");
            return Err(Refusal::new(e, CLOSE_POLICY));
        }
        Err(e) => {
            let e = ApiError::bad_request(format!("Malformed join message: {e}."));
            return Err(Refusal::new(e, CLOSE_POLICY));
        }
    };
    let claims = check_room(&room)
        .and_then(|()| app.auth.authorize(Some(&token), &room))
        .map_err(|e| Refusal::new(e, CLOSE_POLICY))?;
    // Before a keeper starts for it.
    let answered = match crate::deletion::lookup_deleted(&app.store, &room).await {
        Some(true) => return Err(Refusal::new(ApiError::board_deleted(&room), CLOSE_POLICY)),
        Some(false) => true,
        None => false,
    };
    let name = match claims.name.trim() {
        "" => "Guest".to_owned(),
        name => name.chars().take(MAX_NAME_CHARS).collect(),
    };
    let me = PeerInfo {
        id: new_peer_id("p-"),
        name,
        // The hub picks the colour as it admits the member.
        colour: String::new(),
        role: claims.role,
        keeper: false,
        // What the member said in its join, repeated to the room: only such
        // members are sent renegotiation offers.
        media,
    };
    let (tx, outbox) = mpsc::channel(limits.outbox);
    let kick = Arc::new(Notify::new());
    let member = Outbox::Remote {
        tx,
        kick: kick.clone(),
    };
    let admitted = app
        .keepers
        .admit(&room, || {
            app.hub.join(&room, &claims.sub, me.clone(), member)
        })
        .await
        .and_then(|joined| joined);
    let welcome = match admitted {
        Ok(welcome) => welcome,
        Err(e) => {
            if e.code == Code::RoomFull {
                app.metrics.limit_tripped(label::ROOM_FULL);
            }
            return Err(Refusal::new(e, CLOSE_TRY_LATER));
        }
    };
    let me = welcome.me.clone();
    // Again once in the room: a deletion that committed after the first look
    // ends the members it finds in the hub, which this one may not have been
    // yet. However quick the first look was, the deletion can commit between
    // it and the join, so a first answer is always checked again. Not when
    // the store gave none: it would most likely wait as long again, and
    // failing open already leaves a member who got in to the keeper, which
    // cannot start on a deleted room and ends its members.
    if answered && crate::deletion::lookup_deleted(&app.store, &room).await == Some(true) {
        app.hub.leave(&room, &me.id);
        return Err(Refusal::new(ApiError::board_deleted(&room), CLOSE_POLICY));
    }
    if send(app, socket, &ServerMessage::Welcome(welcome))
        .await
        .is_err()
    {
        app.hub.leave(&room, &me.id);
        return Ok(None);
    }
    Ok(Some(Joined {
        room,
        me,
        outbox,
        kick,
    }))
}

/// Relays between the client and its room until one of them ends it.
async fn relay(app: &AppState, socket: &mut WebSocket, mut joined: Joined) {
    let limits = &app.config.limits;
    let mut limiter = RateLimiter::new(
        limits.rate_per_sec,
        limits.burst,
        limits.max_rate_strikes,
        SIGNAL_STRIKE_WINDOW,
        Instant::now(),
    );
    let mut last_heard = Instant::now();
    let mut ping = tokio::time::interval(limits.ping_interval);
    ping.tick().await;
    let mut shutdown = app.shutdown.clone();
    let refusal = loop {
        tokio::select! {
            incoming = socket.recv() => {
                let message = match incoming {
                    Some(Ok(message)) => message,
                    Some(Err(e)) => match read_failed(app, e) {
                        Ok(()) => return,
                        Err(refusal) => break refusal,
                    },
                    None => return,
                };
                let now = Instant::now();
                last_heard = now;
                if let Message::Close(_) = message {
                    return answer_close(socket).await;
                }
                match limiter.frame(now) {
                    Verdict::Allow => {}
                    Verdict::Drop { report: first } => {
                        app.metrics.limit_tripped(label::SIGNAL_RATE);
                        if first {
                            let e = ApiError::new(Code::RateLimited, format!(
                                "Too many messages: at most {} a second (bursts of {}), WebSocket pings included; \
                                 messages over the limit are dropped.",
                                limits.rate_per_sec, limits.burst));
                            if report(app, socket, e).await.is_err() { return; }
                        }
                        continue;
                    }
                    Verdict::Disconnect => {
                        app.metrics.limit_tripped(label::SIGNAL_RATE_DISCONNECT);
                        let e = ApiError::new(Code::RateLimited, "Too many messages for too long; disconnecting.");
                        break Refusal::new(e, CLOSE_POLICY);
                    }
                }
                let handled = match message {
                    Message::Text(text) => on_text(app, socket, &joined, &text).await,
                    Message::Binary(_) => {
                        let e = ApiError::bad_request("Binary messages are not part of the protocol; send JSON text.");
                        report(app, socket, e).await
                    }
                    // tungstenite answers pings itself; either is a sign of life.
                    Message::Ping(_) | Message::Pong(_) | Message::Close(_) => Ok(()),
                };
                if handled.is_err() { return; }
            }
            Some(message) = joined.outbox.recv() => {
                // The room ended (its board was deleted): the error is the
                // last message, and the close follows it.
                if let ServerMessage::Error { code: Code::BoardDeleted, message } = message {
                    break Refusal::new(ApiError::new(Code::BoardDeleted, message), CLOSE_POLICY);
                }
                if send(app, socket, &message).await.is_err() {
                    return;
                }
            }
            _ = joined.kick.notified() => {
                app.metrics.limit_tripped(label::SIGNAL_OUTBOX);
                let e = ApiError::new(Code::RateLimited, "This connection fell too far behind the messages for it; disconnecting.");
                break Refusal::new(e, CLOSE_POLICY);
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > limits.idle_timeout {
                    app.metrics.limit_tripped(label::SIGNAL_IDLE);
                    debug!(peer = %joined.me.id, "dropping a silent client");
                    return close(app, socket, CLOSE_GOING_AWAY, "idle", AfterClose::Drain).await;
                }
                if timed_send(app, socket, Message::Ping(Default::default())).await.is_err() {
                    return;
                }
            }
            _ = closing(&mut shutdown) => {
                return close(app, socket, CLOSE_GOING_AWAY, "server shutting down", AfterClose::Drain).await;
            }
        }
    };
    refuse(app, socket, refusal).await;
}

/// What a failed read means: a frame over the hard limit is refused with
/// `too_large` (the socket cannot be read after it); anything else means the
/// client is gone.
fn read_failed(app: &AppState, error: axum::Error) -> Result<(), Refusal> {
    let error = error.into_inner();
    match error.downcast_ref::<WsError>() {
        Some(WsError::Capacity(capacity)) => {
            app.metrics.limit_tripped(label::SIGNAL_HARD_LIMIT);
            debug!("signaling frame over the hard limit: {capacity}");
            Err(Refusal {
                error: ApiError::new(
                    Code::TooLarge,
                    format!(
                        "Frames and messages are limited to {SIGNAL_HARD_LIMIT} bytes; disconnecting."
                    ),
                ),
                close_code: CLOSE_TOO_BIG,
                after: AfterClose::Linger,
            })
        }
        _ => {
            debug!("signaling socket failed: {error}");
            Ok(())
        }
    }
}

/// Resolves once the server starts shutting down.
async fn closing(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: drop it here.
    let _ = shutdown.wait_for(|closing| *closing).await.is_ok();
}

/// Handles one message from a joined client. `Err` means the socket is gone.
async fn on_text(
    app: &AppState,
    socket: &mut WebSocket,
    joined: &Joined,
    text: &str,
) -> Result<(), ()> {
    let limit = app.config.limits.max_message_bytes;
    if text.len() > limit {
        app.metrics.limit_tripped(label::SIGNAL_MESSAGE_BYTES);
        return report(app, socket, too_large(limit)).await;
    }
    match serde_json::from_str::<ClientMessage>(text) {
        Ok(ClientMessage::Signal { to, signal }) => {
            match app
                .hub
                .relay(&joined.room, &joined.me.id, &to, signal)
                .await
            {
                Ok(()) => Ok(()),
                Err(e) => report(app, socket, e).await,
            }
        }
        Ok(ClientMessage::Ping) => send(app, socket, &ServerMessage::Pong).await,
        Ok(ClientMessage::Pong) => Ok(()),
        Ok(ClientMessage::Join { .. }) => {
            let e = ApiError::bad_request(format!(
                "Already joined room `{}`; open another connection to join another room.",
                joined.room
            ));
            report(app, socket, e).await
        }
        Err(e) => {
            let e = ApiError::bad_request(format!("Malformed message: {e}."));
            report(app, socket, e).await
        }
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        Code::TooLarge,
        format!("Messages are limited to {limit} bytes; this one was dropped."),
    )
}

/// Sends a non-fatal error.
async fn report(app: &AppState, socket: &mut WebSocket, e: ApiError) -> Result<(), ()> {
    app.metrics.signaling_errors.inc();
    debug!(code = e.code.as_str(), "signaling error: {}", e.message);
    send(app, socket, &e.into()).await
}

/// Sends a fatal error, then closes with the error's code as the reason.
async fn refuse(app: &AppState, socket: &mut WebSocket, refusal: Refusal) {
    let code = refusal.error.code.as_str();
    info!(
        code,
        "refusing a signaling client: {}", refusal.error.message
    );
    if report(app, socket, refusal.error).await.is_ok() {
        close(app, socket, refusal.close_code, code, refusal.after).await;
    }
}

/// The server's half of the closing handshake, bounded by
/// [`CLOSE_HANDSHAKE_TIMEOUT`]: send the close frame, then read (and discard)
/// until the client's close frame arrives. Dropping the socket at once would
/// leave unread data in the kernel, which then resets the connection, and the
/// client would see 1006 instead of the code.
async fn close(app: &AppState, socket: &mut WebSocket, code: u16, reason: &str, after: AfterClose) {
    let deadline = tokio::time::Instant::now() + CLOSE_HANDSHAKE_TIMEOUT;
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    if timed_send(app, socket, Message::Close(Some(frame)))
        .await
        .is_err()
    {
        return;
    }
    match after {
        AfterClose::Drain => {
            while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, socket.recv()).await
            {
                if let Message::Close(_) = message {
                    break;
                }
            }
        }
        AfterClose::Linger => tokio::time::sleep_until(deadline).await,
    }
}

/// Sends the reply to a client's close frame (tungstenite queued it when the
/// frame arrived), so the client's closing handshake completes too.
async fn answer_close(socket: &mut WebSocket) {
    let _ = tokio::time::timeout(SEND_TIMEOUT, SinkExt::close(socket)).await;
}

async fn send(app: &AppState, socket: &mut WebSocket, message: &ServerMessage) -> Result<(), ()> {
    timed_send(app, socket, Message::Text(message.to_json().into())).await
}

async fn timed_send(app: &AppState, socket: &mut WebSocket, message: Message) -> Result<(), ()> {
    match tokio::time::timeout(SEND_TIMEOUT, socket.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(()),
        Err(_) => {
            app.metrics.limit_tripped(label::SEND_TIMEOUT);
            Err(())
        }
    }
}
