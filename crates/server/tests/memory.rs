//! What an idle signaling connection costs the server, measured on the real
//! binary: its resident memory before and after thousands of minimal
//! WebSocket clients join (in rooms whose keepers are already running, so the
//! figure is the connection's own). Ignored by default (it takes a while and
//! prints figures); run it with
//! `cargo test -p inkmesh-server --test memory -- --ignored --nocapture`,
//! and `INKMESH_MEMORY_BIN=path/to/inkmesh` to measure another build.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use common::*;
use inkmesh_transport::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Clients joined per measurement, and rooms they fill (50 each, the most a
/// room takes).
const CLIENTS: usize = 2000;
const ROOMS: usize = CLIENTS / 50;

/// A WebSocket client of the least a client can be: the upgrade, one masked
/// `join` frame, and the socket kept open without reading.
async fn raw_member(addr: SocketAddr, join: Option<&str>) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    let upgrade = format!(
        "GET /api/signal HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(upgrade.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert!(head.len() < 4096, "an upgrade answer");
        stream
            .read_exact(&mut byte)
            .await
            .expect("an upgrade answer");
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "upgraded");
    let Some(join) = join else { return stream };
    // FIN + text; masked, with a zero mask (valid, and leaves the payload as is).
    let mut frame = vec![0x81u8];
    let len = join.len();
    assert!((126..1 << 16).contains(&len));
    frame.push(0x80 | 126);
    frame.extend_from_slice(&(len as u16).to_be_bytes());
    frame.extend_from_slice(&[0, 0, 0, 0]);
    frame.extend_from_slice(join.as_bytes());
    stream.write_all(&frame).await.unwrap();
    let mut first = [0u8; 2];
    tokio::time::timeout(Duration::from_secs(30), stream.read_exact(&mut first))
        .await
        .expect("a welcome within 30 s")
        .unwrap();
    assert_eq!(first[0], 0x81, "a text frame (the welcome)");
    stream
}

fn join_message(room: &str, user: &str) -> String {
    serde_json::json!({"type": "join", "room": room, "token": token(room, user, Role::Editor)})
        .to_string()
}

/// Settles, then reads the server's resident memory.
async fn settled_rss(pid: u32) -> u64 {
    tokio::time::sleep(Duration::from_secs(2)).await;
    rss_kib(pid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --ignored --nocapture"]
async fn memory_per_idle_connection() {
    let program = std::env::var_os("INKMESH_MEMORY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_inkmesh")));
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--auth-secret",
        SECRET,
        "--keeper-bind",
        "127.0.0.1:0",
        "--keeper-mdns",
        "false",
    ];
    let (child, addr) = spawn_inkmesh(&program, dir.path(), &args).await;
    let pid = child.id().expect("a running server");

    let idle = settled_rss(pid).await;
    // One member per room first: the keepers start and stay.
    let mut members = Vec::new();
    for room in 0..ROOMS {
        let join = join_message(&format!("room-{room}"), "first");
        members.push(raw_member(addr, Some(&join)).await);
    }
    let keepers = settled_rss(pid).await;
    for i in ROOMS..CLIENTS {
        let join = join_message(&format!("room-{}", i % ROOMS), &format!("u{i}"));
        members.push(raw_member(addr, Some(&join)).await);
    }
    let joined = settled_rss(pid).await;
    let mut waiting = Vec::new();
    for _ in 0..1000 {
        waiting.push(raw_member(addr, None).await);
    }
    let unjoined = settled_rss(pid).await;

    let per = |kib: u64, n: usize| kib as f64 / n as f64;
    println!("server {}: RSS idle {idle} KiB", program.display());
    println!(
        "{ROOMS} rooms with one member (keepers running): +{} KiB, {:.1} KiB per room",
        keepers - idle,
        per(keepers - idle, ROOMS)
    );
    println!(
        "{} more idle joined members: +{} KiB, {:.1} KiB per connection",
        CLIENTS - ROOMS,
        joined.saturating_sub(keepers),
        per(joined.saturating_sub(keepers), CLIENTS - ROOMS)
    );
    println!(
        "1000 WebSockets not yet joined: +{} KiB, {:.1} KiB per connection",
        unjoined.saturating_sub(joined),
        per(unjoined.saturating_sub(joined), 1000)
    );
    drop((members, waiting, child));
}
