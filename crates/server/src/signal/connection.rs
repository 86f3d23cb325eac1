//! One signaling WebSocket: the join handshake, then relaying until either side
//! goes. Everything a client sends is untrusted; bad input is answered with an
//! error message and, for what cannot be recovered from (no valid join, abuse),
//! a close frame whose reason is the error code.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use inkmesh_transport::PeerInfo;
use tokio::sync::{mpsc, Notify};
use tracing::{debug, info};

use crate::auth::check_room;
use crate::error::{ApiError, Code};
use crate::signal::hub::{colour_for, new_peer_id, Outbox};
use crate::signal::messages::{ClientMessage, ServerMessage};
use crate::signal::ratelimit::TokenBucket;
use crate::state::AppState;

/// Frames beyond this are refused by the WebSocket layer itself (the
/// connection closes with 1009); below it, messages over the configured limit
/// get a `too_large` error and the connection stays.
const HARD_LIMIT: usize = 1 << 20;
/// A client that cannot take a message for this long is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Close codes: policy violation (refused), server going away.
const CLOSE_POLICY: u16 = 1008;
const CLOSE_TOO_BIG: u16 = 1009;
const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_TRY_LATER: u16 = 1013;

/// `GET /api/signal`
pub async fn upgrade(State(app): State<AppState>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(HARD_LIMIT)
        .max_frame_size(HARD_LIMIT)
        .on_upgrade(move |socket| serve(app, socket))
}

struct Joined {
    room: String,
    me: PeerInfo,
    outbox: mpsc::Receiver<ServerMessage>,
    kick: Arc<Notify>,
}

async fn serve(app: AppState, mut socket: WebSocket) {
    let Some(joined) = handshake(&app, &mut socket).await else {
        return;
    };
    info!(room = %joined.room, peer = %joined.me.id, name = %joined.me.name, role = ?joined.me.role, "member joined");
    let (room, id) = (joined.room.clone(), joined.me.id.clone());
    relay(&app, &mut socket, joined).await;
    app.hub.leave(&room, &id);
    info!(room = %room, peer = %id, "member left");
}

/// Waits for a valid `join`, admits the client to the room and welcomes it.
async fn handshake(app: &AppState, socket: &mut WebSocket) -> Option<Joined> {
    let limits = &app.config.limits;
    let first = match tokio::time::timeout(limits.join_timeout, socket.recv()).await {
        Err(_) => {
            let e = ApiError::bad_request(format!(
                "No join message within {} s of connecting.",
                limits.join_timeout.as_secs()
            ));
            return refuse(app, socket, e, CLOSE_POLICY).await;
        }
        Ok(None | Some(Err(_))) => return None,
        Ok(Some(Ok(message))) => message,
    };
    let text = match first {
        Message::Text(text) => text,
        Message::Close(_) => return None,
        _ => {
            let e = ApiError::bad_request(
                "The first message must be a JSON text message of type `join`.",
            );
            return refuse(app, socket, e, CLOSE_POLICY).await;
        }
    };
    if text.len() > limits.max_message_bytes {
        let e = too_large(limits.max_message_bytes);
        return refuse(app, socket, e, CLOSE_TOO_BIG).await;
    }
    let (room, token) = match serde_json::from_str::<ClientMessage>(&text) {
        Ok(ClientMessage::Join { room, token }) => (room, token),
        Ok(_) => {
            let e =
                ApiError::bad_request("The first message must be `join`, with `room` and `token`.");
            return refuse(app, socket, e, CLOSE_POLICY).await;
        }
        Err(e) => {
            let e = ApiError::bad_request(format!("Malformed join message: {e}."));
            return refuse(app, socket, e, CLOSE_POLICY).await;
        }
    };
    let claims = match check_room(&room).and_then(|()| app.auth.authorize(Some(&token), &room)) {
        Ok(claims) => claims,
        Err(e) => return refuse(app, socket, e, CLOSE_POLICY).await,
    };
    let name = match claims.name.trim() {
        "" => "Guest".to_owned(),
        name => name.chars().take(64).collect(),
    };
    let me = PeerInfo {
        id: new_peer_id("p-"),
        name,
        colour: colour_for(&claims.sub).to_owned(),
        role: claims.role,
        keeper: false,
    };
    let (tx, outbox) = mpsc::channel(limits.outbox);
    let kick = Arc::new(Notify::new());
    let member = Outbox::Remote {
        tx,
        kick: kick.clone(),
    };
    let admitted = app
        .keepers
        .admit(&room, || app.hub.join(&room, me.clone(), member))
        .await
        .and_then(|joined| joined);
    let welcome = match admitted {
        Ok(welcome) => welcome,
        Err(e) => return refuse(app, socket, e, CLOSE_TRY_LATER).await,
    };
    if send(socket, &ServerMessage::Welcome(welcome))
        .await
        .is_err()
    {
        app.hub.leave(&room, &me.id);
        return None;
    }
    Some(Joined {
        room,
        me,
        outbox,
        kick,
    })
}

/// Relays between the client and its room until one of them ends it.
async fn relay(app: &AppState, socket: &mut WebSocket, mut joined: Joined) {
    let limits = &app.config.limits;
    let mut bucket = TokenBucket::new(limits.rate_per_sec, limits.burst, Instant::now());
    let mut strikes = 0u32;
    let mut strikes_since = Instant::now();
    let mut last_heard = Instant::now();
    let mut ping = tokio::time::interval(limits.ping_interval);
    ping.tick().await;
    let mut shutdown = app.shutdown.clone();
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let message = match incoming {
                    Some(Ok(message)) => message,
                    Some(Err(e)) => {
                        debug!(peer = %joined.me.id, "signaling socket error: {e}");
                        break;
                    }
                    None => break,
                };
                last_heard = Instant::now();
                let text = match message {
                    Message::Text(text) => text,
                    Message::Binary(_) => {
                        let e = ApiError::bad_request("Binary messages are not part of the protocol; send JSON text.");
                        if report(app, socket, e).await.is_err() { break; }
                        continue;
                    }
                    Message::Close(_) => break,
                    Message::Ping(_) | Message::Pong(_) => continue,
                };
                let now = Instant::now();
                if !bucket.take(now) {
                    if now.duration_since(strikes_since) > Duration::from_secs(10) {
                        strikes = 0;
                        strikes_since = now;
                    }
                    strikes += 1;
                    if strikes > limits.max_rate_strikes {
                        let e = ApiError::new(Code::RateLimited, "Too many messages for too long; disconnecting.");
                        refuse::<()>(app, socket, e, CLOSE_POLICY).await;
                        break;
                    }
                    if strikes == 1 {
                        let e = ApiError::new(Code::RateLimited, format!(
                            "Too many messages: at most {} a second (bursts of {}); messages over the limit are dropped.",
                            limits.rate_per_sec, limits.burst));
                        if report(app, socket, e).await.is_err() { break; }
                    }
                    continue;
                }
                if on_text(app, socket, &joined, &text).await.is_err() {
                    break;
                }
            }
            Some(message) = joined.outbox.recv() => {
                if send(socket, &message).await.is_err() {
                    break;
                }
            }
            _ = joined.kick.notified() => {
                let e = ApiError::new(Code::RateLimited, "This connection fell too far behind the messages for it; disconnecting.");
                refuse::<()>(app, socket, e, CLOSE_POLICY).await;
                break;
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > limits.idle_timeout {
                    debug!(peer = %joined.me.id, "dropping a silent client");
                    close(socket, CLOSE_GOING_AWAY, "idle").await;
                    break;
                }
                if timed_send(socket, Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
            _ = closing(&mut shutdown) => {
                close(socket, CLOSE_GOING_AWAY, "server shutting down").await;
                break;
            }
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
        return report(app, socket, too_large(limit)).await;
    }
    match serde_json::from_str::<ClientMessage>(text) {
        Ok(ClientMessage::Signal { to, signal }) => {
            match app.hub.relay(&joined.room, &joined.me.id, &to, signal) {
                Ok(()) => Ok(()),
                Err(e) => report(app, socket, e).await,
            }
        }
        Ok(ClientMessage::Ping) => send(socket, &ServerMessage::Pong).await,
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
    app.metrics.signaling_errors.fetch_add(1, Ordering::Relaxed);
    debug!(code = e.code.as_str(), "signaling error: {}", e.message);
    send(socket, &e.into()).await
}

/// Sends a fatal error, then closes with the code as the reason.
async fn refuse<T>(
    app: &AppState,
    socket: &mut WebSocket,
    e: ApiError,
    close_code: u16,
) -> Option<T> {
    let code = e.code.as_str();
    info!(code, "refusing a signaling client: {}", e.message);
    if report(app, socket, e).await.is_ok() {
        close(socket, close_code, code).await;
    }
    None
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = timed_send(socket, Message::Close(Some(frame))).await;
}

async fn send(socket: &mut WebSocket, message: &ServerMessage) -> Result<(), ()> {
    timed_send(socket, Message::Text(message.to_json().into())).await
}

async fn timed_send(socket: &mut WebSocket, message: Message) -> Result<(), ()> {
    match tokio::time::timeout(SEND_TIMEOUT, socket.send(message)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}
