//! draw-bot: joins a board through an Inkmesh server, like a browser does, and
//! draws a spiral live: one batch of points per frame, so anyone watching the
//! board sees the stroke grow.
//!
//! ```sh
//! cargo run -p inkmesh-draw-bot -- --room demo            # a server in open mode on 127.0.0.1:8080
//! cargo run -p inkmesh-draw-bot -- --room demo --token T  # a server with an auth secret
//! ```

use std::f64::consts::TAU;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use inkmesh_doc::{Board, Point, Style};
use inkmesh_transport::{Room, RoomEvent, TransportConfig, WsSignaling};

#[derive(Parser)]
#[command(about = "Join an Inkmesh board and draw a spiral on it, live")]
struct Args {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// The board (room) to draw on.
    #[arg(long)]
    room: String,
    /// A room token. Without one, a guest token is requested (servers in open mode only).
    #[arg(long)]
    token: Option<String>,
    /// Centre of the spiral, in board coordinates.
    #[arg(long, default_value_t = 400.0)]
    x: f64,
    #[arg(long, default_value_t = 300.0)]
    y: f64,
    /// Turns of the spiral.
    #[arg(long, default_value_t = 5.0)]
    turns: f64,
    /// Gather ICE candidates on loopback only (server and browsers on this machine).
    #[arg(long)]
    loopback: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .try_init();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("draw-bot: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let base = args.server.trim_end_matches('/');
    let token = match &args.token {
        Some(token) => token.clone(),
        None => guest_token(base, &args.room)?,
    };
    let ws = format!("{}/api/signal", base.replacen("http", "ws", 1));
    let signaling = WsSignaling::connect(&ws, &args.room, &token)
        .await
        .map_err(|e| e.to_string())?;
    let config = if args.loopback {
        TransportConfig::loopback()
    } else {
        TransportConfig::default()
    };
    let board = Arc::new(Mutex::new(Board::new("draw-bot")));
    let (room, mut events) = Room::join(signaling, board, config)
        .await
        .map_err(|e| e.to_string())?;
    println!("joined board {:?} as {}", args.room, room.me().id);

    // Draw once the keeper (or anyone) is connected, so the stroke is stored.
    let connected = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(event) = events.recv().await {
            if let RoomEvent::PeerSynced(peer) = event {
                return Some(peer);
            }
        }
        None
    })
    .await;
    match connected {
        Ok(Some(peer)) => println!("connected to {peer}; drawing"),
        _ => {
            return Err("no peer connected within 20 s (is the server reachable over UDP?)".into())
        }
    }

    let style = Style {
        stroke: "#9c36b5".into(),
        width: 3.0,
        ..Style::default()
    };
    let points = spiral(args.x, args.y, args.turns);
    let id = room
        .edit(|b| b.begin_stroke(points[0].x, points[0].y, &style))
        .await
        .map_err(|e| e.to_string())?;
    let mut frame = tokio::time::interval(Duration::from_micros(16_667));
    for batch in points.chunks(3) {
        frame.tick().await;
        room.edit(|b| b.append_points(&id, batch))
            .await
            .map_err(|e| e.to_string())?;
    }
    room.edit(|b| b.end_stroke(&id))
        .await
        .map_err(|e| e.to_string())?;
    println!("drew a spiral of {} points", points.len());
    room.leave().await;
    Ok(())
}

/// An Archimedean spiral: the radius grows 12 px per turn, about 4 px between points.
fn spiral(cx: f64, cy: f64, turns: f64) -> Vec<Point> {
    let mut points = Vec::new();
    let mut angle: f64 = 0.0;
    while angle < turns * TAU {
        let r = 12.0 * angle / TAU;
        points.push(Point::new(cx + r * angle.cos(), cy + r * angle.sin()));
        angle += 4.0 / r.max(4.0);
    }
    points
}

/// Asks a server in open mode for a guest editor token.
fn guest_token(base: &str, room: &str) -> Result<String, String> {
    let url = format!("{base}/api/rooms/{room}/token");
    let body: serde_json::Value = ureq::post(&url)
        .send_json(serde_json::json!({ "name": "draw-bot" }))
        .map_err(|e| format!("cannot get a guest token from {url}: {e} (a server with an auth secret needs --token)"))?
        .body_mut()
        .read_json()
        .map_err(|e| format!("unexpected answer from {url}: {e}"))?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no token in the answer from {url}"))
}
