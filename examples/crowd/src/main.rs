//! crowd: many native members in one Inkmesh room, in one process, driven
//! over stdin and reporting as JSON lines on stdout. It fills rooms for the
//! relay's end-to-end tests and the room-size benchmark, where a browser per
//! member would need more machine than a test has.
//!
//! ```sh
//! cargo run -p inkmesh-crowd -- --room demo --members 15 --loopback
//! ```
//!
//! Commands, one per line on stdin:
//!
//! - `draw`: every member draws one short stroke (three batches of points,
//!   one per frame, like a pen) and prints `{"event":"drew",...}`;
//! - `cursor`: every member sends one cursor frame;
//! - `wiggle MS`: every member moves its cursor at 60 Hz for MS milliseconds
//!   (at most a minute), then prints `{"event":"wiggled"}`;
//! - `report`: prints `{"event":"report","members":[...]}`: per member its
//!   id, how many links are up, the board's element ids (sorted), and whose
//!   cursors it has received;
//! - `quit` (or the end of stdin): every member leaves, then the process exits.
//!
//! Each member prints `{"event":"joined",...}` once the server welcomed it and
//! `{"event":"live",...}` once the keeper's sync arrived.

use std::collections::BTreeSet;
use std::io::BufRead;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use inkmesh_doc::{Board, Point, Style};
use inkmesh_transport::{Room, RoomEvent, SyncState, TransportConfig, WsSignaling};
use serde_json::json;
use tokio::sync::mpsc;

/// The longest `wiggle` a command may ask for.
const MAX_WIGGLE_MS: u64 = 60_000;

#[derive(Parser)]
#[command(about = "Join many native members to one Inkmesh board, driven over stdin")]
struct Args {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// The board (room) to join.
    #[arg(long)]
    room: String,
    /// How many members to join.
    #[arg(long, default_value_t = 10)]
    members: usize,
    /// Names are this prefix and the member's number.
    #[arg(long, default_value = "crowd")]
    name: String,
    /// Gather ICE candidates on loopback only (server on this machine).
    #[arg(long)]
    loopback: bool,
}

/// What one member has seen, for `report`.
#[derive(Default)]
struct Seen {
    cursors_from: BTreeSet<String>,
}

struct Member {
    room: Room,
    seen: Arc<Mutex<Seen>>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .try_init();
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crowd: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let base = args.server.trim_end_matches('/').to_owned();
    let ws = format!("{}/api/signal", base.replacen("http", "ws", 1));
    let config = if args.loopback {
        TransportConfig::loopback()
    } else {
        TransportConfig::default()
    };
    let mut members = Vec::with_capacity(args.members);
    for index in 0..args.members {
        let name = format!("{}-{index}", args.name);
        let token = guest_token(&base, &args.room, &name)?;
        let signaling = WsSignaling::connect(&ws, &args.room, &token)
            .await
            .map_err(|e| format!("member {index}: {e}"))?;
        let board = Arc::new(Mutex::new(Board::new(name.clone())));
        let (room, events) = Room::join(signaling, board, config.clone())
            .await
            .map_err(|e| format!("member {index}: {e}"))?;
        let id = room.me().id.to_string();
        emit(json!({ "event": "joined", "member": id, "index": index }));
        let seen = Arc::new(Mutex::new(Seen::default()));
        tokio::spawn(watch(id, events, seen.clone()));
        members.push(Member { room, seen });
    }

    let commands = stdin_lines();
    run_commands(&members, commands).await;
    for member in members {
        member.room.leave().await;
    }
    Ok(())
}

/// Prints what a member's room reports that the driver needs.
async fn watch(id: String, mut events: mpsc::UnboundedReceiver<RoomEvent>, seen: Arc<Mutex<Seen>>) {
    let mut live = false;
    while let Some(event) = events.recv().await {
        match event {
            RoomEvent::PeerSynced(peer) if !live && peer.as_str().starts_with("keeper-") => {
                live = true;
                emit(json!({ "event": "live", "member": id }));
            }
            RoomEvent::Cursor { peer, .. } => {
                seen.lock()
                    .expect("seen lock")
                    .cursors_from
                    .insert(peer.to_string());
            }
            RoomEvent::PeerDisconnected { peer, reason, .. } => {
                emit(
                    json!({ "event": "disconnected", "member": id, "peer": peer.to_string(), "reason": reason }),
                );
            }
            _ => {}
        }
    }
}

async fn run_commands(members: &[Member], mut commands: mpsc::UnboundedReceiver<String>) {
    while let Some(command) = commands.recv().await {
        match command.trim() {
            "draw" => {
                // One after another: about 50 ms each, and the driver waits
                // for every `drew` anyway.
                for (i, member) in members.iter().enumerate() {
                    match draw(i, member).await {
                        Ok((member, id)) => {
                            emit(json!({ "event": "drew", "member": member, "id": id }))
                        }
                        Err(e) => emit(json!({ "event": "error", "message": e })),
                    }
                }
            }
            "cursor" => {
                for (i, member) in members.iter().enumerate() {
                    member
                        .room
                        .send_cursor(100.0 + i as f32 * 10.0, 100.0, 0, 1);
                }
                emit(json!({ "event": "cursored" }));
            }
            "report" => emit(report(members).await),
            wiggle if wiggle.starts_with("wiggle ") => match wiggle[7..].trim().parse::<u64>() {
                Ok(ms) if ms <= MAX_WIGGLE_MS => {
                    let mut frame = tokio::time::interval(Duration::from_micros(16_667));
                    let end = tokio::time::Instant::now() + Duration::from_millis(ms);
                    let mut step = 0.0_f32;
                    while tokio::time::Instant::now() < end {
                        frame.tick().await;
                        step += 1.0;
                        for (i, member) in members.iter().enumerate() {
                            member
                                .room
                                .send_cursor(100.0 + i as f32 * 10.0, 100.0 + step, 0, 1);
                        }
                    }
                    emit(json!({ "event": "wiggled" }));
                }
                _ => emit(
                    json!({ "event": "error", "message": format!("wiggle takes milliseconds, up to {MAX_WIGGLE_MS}") }),
                ),
            },
            "quit" => return,
            "" => {}
            other => {
                emit(json!({ "event": "error", "message": format!("unknown command {other:?}") }))
            }
        }
    }
}

/// Member `i` draws a short stroke of its own: three batches, one per frame.
async fn draw(i: usize, member: &Member) -> Result<(String, String), String> {
    let style = Style {
        stroke: "#1971c2".into(),
        width: 2.0,
        ..Style::default()
    };
    let (x, y) = (50.0 + (i % 10) as f64 * 60.0, 50.0 + (i / 10) as f64 * 60.0);
    let room = &member.room;
    let id = room
        .edit(|b| b.begin_stroke(x, y, &style))
        .await
        .map_err(|e| e.to_string())?;
    for batch in 1..=3 {
        tokio::time::sleep(Duration::from_millis(16)).await;
        let d = batch as f64 * 10.0;
        let points = [
            Point::new(x + d, y + d / 2.0),
            Point::new(x + d + 5.0, y + d),
        ];
        room.edit(|b| b.append_points(&id, &points))
            .await
            .map_err(|e| e.to_string())?;
    }
    room.edit(|b| b.end_stroke(&id))
        .await
        .map_err(|e| e.to_string())?;
    Ok((room.me().id.to_string(), id))
}

async fn report(members: &[Member]) -> serde_json::Value {
    let mut rows = Vec::with_capacity(members.len());
    for member in members {
        let links = member
            .room
            .peers()
            .await
            .iter()
            .filter(|p| p.sync != SyncState::Connecting)
            .count();
        let elements: BTreeSet<String> = member
            .room
            .board()
            .lock()
            .expect("board lock")
            .elements()
            .into_iter()
            .map(|e| e.id)
            .collect();
        let cursors_from = member.seen.lock().expect("seen lock").cursors_from.clone();
        rows.push(json!({
            "id": member.room.me().id.to_string(),
            "links": links,
            "elements": elements,
            "cursorsFrom": cursors_from,
        }));
    }
    json!({ "event": "report", "members": rows })
}

/// Stdin's lines, read on a thread of their own; the channel closes at its end.
fn stdin_lines() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn emit(value: serde_json::Value) {
    println!("{value}");
}

/// Asks a server in open mode for a guest editor token.
fn guest_token(base: &str, room: &str, name: &str) -> Result<String, String> {
    let url = format!("{base}/api/rooms/{room}/token");
    let body: serde_json::Value = ureq::post(&url)
        .send_json(json!({ "name": name }))
        .map_err(|e| {
            format!("cannot get a guest token from {url}: {e} (the server must run in open mode)")
        })?
        .body_mut()
        .read_json()
        .map_err(|e| format!("unexpected answer from {url}: {e}"))?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no token in the answer from {url}"))
}
