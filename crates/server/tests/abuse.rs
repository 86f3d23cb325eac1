//! The abuse suite: the attacks of issue 10, one test per row of its table,
//! against the real `inkmesh` binary, with real WebRTC members where the
//! attack needs one.
//!
//! Every attack is bounded in count and time. Every test asserts that the
//! server's memory stays under a stated bound (its RSS, sampled from
//! `/proc/PID/status` while the attack runs), that the attacker is refused or
//! disconnected with the documented reason, and that honest editors, one in
//! the attacked room and one in another, keep drawing and have their edits
//! stored.

mod common;

use std::collections::BTreeSet;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::binary::Binary;
use common::hostile::{Answer, Hostile};
use common::*;
use futures_util::SinkExt;
use inkmesh_doc::{Board, Encoding, NewElement, Point, Style};
use inkmesh_server::limits::label;
use inkmesh_server::stores::{NewUpdate, SqliteStore, Store};
use inkmesh_transport::limits::{STEP1_BURST, STEP1_REFILL};
use inkmesh_transport::protocol::chunk::chunk_frame;
use inkmesh_transport::{IceCandidate, Role, Signal, Signaling, TransportConfig};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};
use tokio_tungstenite::tungstenite::Message;

const ROOM: &str = "attacked";
const OTHER_ROOM: &str = "elsewhere";

/// The binary with a secret (tokens are minted by the tests) and keepers that
/// leave quickly.
async fn server(dir: &Path) -> Binary {
    server_with(dir, &[]).await
}

async fn server_with(dir: &Path, args: &[&str]) -> Binary {
    let mut all = vec!["--auth-secret", SECRET, "--keeper-idle-secs", "1"];
    all.extend_from_slice(args);
    Binary::start(dir, &all).await
}

/// Who hands out tokens: the tests with the shared secret, or the server in
/// open mode.
#[derive(Clone, Copy)]
enum Gate {
    Secret,
    Open,
}

impl Gate {
    async fn token(self, server: &Binary, room: &str, user: &str, role: Role) -> String {
        match self {
            Gate::Secret => token(room, user, role),
            Gate::Open => {
                let body = serde_json::json!({"name": user, "role": role}).to_string();
                let path = format!("/api/rooms/{room}/token");
                let answer = http_response(server.addr, "POST", &path, &[], body.as_bytes()).await;
                assert_eq!(answer.status, 200, "a guest token");
                answer.json()["token"].as_str().unwrap().to_owned()
            }
        }
    }

    /// The element ids the server stores for `room`, read over HTTP.
    async fn stored(self, server: &Binary, room: &str) -> BTreeSet<String> {
        let token = self.token(server, room, "reader", Role::Viewer).await;
        stored_ids_as(server.addr, room, &token).await
    }
}

/// Honest editors: one in the attacked room, one in another.
struct Bystanders {
    gate: Gate,
    here: Peer,
    elsewhere: Peer,
}

impl Bystanders {
    /// Joins both and checks they draw before the attack starts.
    async fn join(server: &Binary) -> Bystanders {
        Self::join_through(server, Gate::Secret).await
    }

    async fn join_through(server: &Binary, gate: Gate) -> Bystanders {
        Self::join_with(server, gate, TransportConfig::loopback()).await
    }

    /// Joins with the editors' peers bound as `config` says.
    async fn join_with(server: &Binary, gate: Gate, config: TransportConfig) -> Bystanders {
        let url = server.signal_url();
        let mut editors = Vec::new();
        for (room, name) in [(ROOM, "honest-here"), (OTHER_ROOM, "honest-elsewhere")] {
            let token = gate.token(server, room, name, Role::Editor).await;
            let board = Arc::new(Mutex::new(Board::new(name)));
            editors.push(Peer::rejoin_with(&url, room, &token, board, config.clone()).await);
        }
        let elsewhere = editors.pop().unwrap();
        let here = editors.pop().unwrap();
        let bystanders = Bystanders {
            gate,
            here,
            elsewhere,
        };
        bystanders.draw_and_store(server).await;
        bystanders
    }

    /// Each draws a rectangle, and the keepers store both: neither editor was
    /// cut off from its keeper.
    async fn draw_and_store(&self, server: &Binary) {
        for (peer, room) in [(&self.here, ROOM), (&self.elsewhere, OTHER_ROOM)] {
            let id = peer
                .room
                .edit(|b| b.add(NewElement::rect(1.0, 2.0, 3.0, 4.0)))
                .await
                .unwrap();
            wait_for(
                &format!("the honest editor's rectangle in `{room}` to be stored"),
                30,
                || async { self.gate.stored(server, room).await.contains(&id) },
            )
            .await;
        }
    }
}

/// Runs `attack` while sampling the server's RSS every 20 ms: its output and
/// the peak (KiB).
async fn peak_rss_during<F: Future>(server: &Binary, attack: F) -> (F::Output, u64) {
    let mut peak = server.rss_kib();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tokio::pin!(attack);
    loop {
        tokio::select! {
            out = &mut attack => return (out, peak.max(server.rss_kib())),
            _ = tick.tick() => peak = peak.max(server.rss_kib()),
        }
    }
}

fn assert_grew_at_most(before_kib: u64, peak_kib: u64, bound_mib: u64, attack: &str) {
    let grew = peak_kib.saturating_sub(before_kib);
    eprintln!("{attack}: server RSS {before_kib} KiB, peak {peak_kib} KiB (+{grew} KiB)");
    assert!(
        grew <= bound_mib << 10,
        "{attack}: the server grew by {} MiB, over the bound of {bound_mib} MiB",
        grew >> 10
    );
}

/// Stores a board of about `bytes` (v1) for `room` before the server starts.
fn seed_board(dir: &Path, room: &str, bytes: usize) {
    let mut board = Board::new("seed");
    let style = Style::default();
    while board.encode_state(Encoding::V1).len() < bytes {
        for _ in 0..20 {
            let stroke = board.begin_stroke(0.0, 0.0, &style).unwrap();
            let points: Vec<Point> = (0..500)
                .map(|i| Point::new(f64::from(i % 97) * 1.5, f64::from(i) * 0.75))
                .collect();
            board.append_points(&stroke, &points).unwrap();
            board.end_stroke(&stroke).unwrap();
        }
    }
    let store = SqliteStore::open(dir).unwrap();
    store
        .append(&[NewUpdate {
            room: room.to_owned(),
            epoch: 0,
            bytes: board.encode_state(Encoding::V1),
        }])
        .unwrap();
}

/// lib0 varuint.
fn varuint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A whole board frame around one awareness update announcing `clients`.
fn awareness_frame(clients: std::ops::Range<u64>) -> Vec<u8> {
    let mut update = Vec::new();
    varuint(&mut update, clients.end - clients.start);
    for client in clients {
        let state = br##"{"name":"x","colour":"#000000"}"##;
        varuint(&mut update, client);
        varuint(&mut update, 1);
        varuint(&mut update, state.len() as u64);
        update.extend_from_slice(state);
    }
    let mut frame = vec![0x00, 0x01];
    varuint(&mut frame, update.len() as u64);
    frame.extend_from_slice(&update);
    frame
}

/// Waits until the keeper has counted `limit` tripping (it counts as it
/// handles the disconnect, a moment after the attacker sees it).
async fn tripped(server: &Binary, limit: &str) {
    wait_for(&format!("the server to count `{limit}`"), 10, || async {
        metric(server.addr, &trips(limit)).await >= 1
    })
    .await;
}

/// A signaling client joined to `room`, for attacks over the WebSocket.
async fn joined(server: &Binary, room: &str, user: &str) -> RawClient {
    let (client, welcome) =
        RawClient::join(server.addr, room, &token(room, user, Role::Editor)).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    client
}

// Row 1 -------------------------------------------------------------------

/// A whole frame holding a sync step 1 with an empty state vector: it asks for
/// the whole board.
const EMPTY_STEP1: [u8; 5] = [0x00, 0x00, 0x00, 0x01, 0x00];

/// Row 1's setting: a 500 KB board, the bystanders, and a viewer linked to
/// the keeper.
async fn viewer_on_a_500_kb_board(dir: &Path) -> (Binary, Bystanders, Hostile) {
    seed_board(dir, ROOM, 500 << 10);
    let server = server(dir).await;
    let bystanders = Bystanders::join(&server).await;
    let token = token(ROOM, "mallory", Role::Viewer);
    let viewer = Hostile::connect(&server.signal_url(), ROOM, &token).await;
    (server, bystanders, viewer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row1_a_viewer_repeating_sync_step_1_is_cut_off_and_the_server_does_not_grow() {
    let dir = tempfile::tempdir().unwrap();
    let (server, bystanders, mut viewer) = viewer_on_a_500_kb_board(dir.path()).await;

    let before = server.rss_kib();
    let (closed, peak) = peak_rss_during(&server, async {
        for _ in 0..2_000 {
            viewer.link.send_board(EMPTY_STEP1.to_vec());
        }
        viewer.closed_within(20).await
    })
    .await;
    assert!(closed, "the viewer is disconnected");
    assert_grew_at_most(before, peak, 64, "2,000 sync step 1 on a 500 KB board");
    server.wait_for_log("sync step 1", 10).await;
    tripped(&server, "sync_step1_repeat").await;
    bystanders.draw_and_store(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row1_a_viewer_asking_again_as_each_answer_arrives_is_cut_off_after_a_burst() {
    let dir = tempfile::tempdir().unwrap();
    let (server, bystanders, mut viewer) = viewer_on_a_500_kb_board(dir.path()).await;

    // Each step 1 waits for its answer, so the queue rule never trips: only
    // the allowance (a burst, then one a second) stops the loop.
    let asks = STEP1_BURST + 8;
    let start = std::time::Instant::now();
    let mut answered = 0;
    let mut closed = false;
    for _ in 0..asks {
        viewer.link.send_board(EMPTY_STEP1.to_vec());
        match viewer.step2_within(20).await {
            Answer::Step2 => answered += 1,
            Answer::Closed => {
                closed = true;
                break;
            }
            Answer::Nothing => panic!("no answer and no disconnect in 20 s"),
        }
    }
    let refills = (start.elapsed().as_secs_f64() / STEP1_REFILL.as_secs_f64()) as u32;
    assert!(
        closed || viewer.closed_within(20).await,
        "the viewer is disconnected ({answered} of {asks} answered)"
    );
    assert!(
        (STEP1_BURST..=STEP1_BURST + refills).contains(&answered),
        "{answered} answered in {:?}",
        start.elapsed()
    );
    server
        .wait_for_log("sync step 1 repeated more often", 10)
        .await;
    tripped(&server, "sync_step1_repeat").await;
    bystanders.draw_and_store(&server).await;
}

// Row 2 -------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row2_a_viewer_cannot_fill_the_presence_table_and_lock_editors_out() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path()).await;
    let bystanders = Bystanders::join(&server).await;
    let token = token(ROOM, "mallory", Role::Viewer);
    let mut viewer = Hostile::connect(&server.signal_url(), ROOM, &token).await;

    let before = server.rss_kib();
    let (closed, peak) = peak_rss_during(&server, async {
        for batch in 0..4 {
            viewer
                .link
                .send_board(awareness_frame(batch * 1024 + 1..(batch + 1) * 1024 + 1));
        }
        viewer.closed_within(10).await
    })
    .await;
    assert!(closed, "the viewer is disconnected");
    assert_grew_at_most(before, peak, 16, "4 x 1,024 made-up presence clients");
    tripped(&server, "awareness_clients_per_peer").await;

    // An editor who joins afterwards is not refused, and its edit is stored.
    let late = Peer::join(&server.signal_url(), ROOM, "late-editor", Role::Editor).await;
    let id = late
        .room
        .edit(|b| b.add(NewElement::rect(5.0, 5.0, 5.0, 5.0)))
        .await
        .unwrap();
    wait_for("the late editor's rectangle to be stored", 30, || async {
        stored_ids(server.addr, ROOM).await.contains(&id)
    })
    .await;
    assert!(!server.log().contains("presence table is full"));
    bystanders.draw_and_store(&server).await;
}

// Row 3 -------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row3_half_sent_chunked_messages_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path()).await;
    let bystanders = Bystanders::join(&server).await;
    let url = server.signal_url();
    let payload = vec![0x42u8; 16 * 1024 - 9];

    // A viewer may send messages of 1 MiB at most: one announced larger is
    // refused at its first chunk.
    let before = server.rss_kib();
    let mut large = Hostile::connect(&url, ROOM, &token(ROOM, "mallory-1", Role::Viewer)).await;
    large.link.send_board(chunk_frame(0, 0, 200, &payload));
    assert!(
        large.closed_within(10).await,
        "a 3 MiB message from a viewer is refused"
    );
    tripped(&server, "message_bytes").await;

    // Messages being reassembled at once are few: a third is refused.
    let mut many = Hostile::connect(&url, ROOM, &token(ROOM, "mallory-2", Role::Viewer)).await;
    let (closed, peak) = peak_rss_during(&server, async {
        for id in 0..3 {
            for index in 0..30 {
                many.link.send_board(chunk_frame(id, index, 60, &payload));
            }
        }
        many.closed_within(10).await
    })
    .await;
    assert!(
        closed,
        "the viewer holding three partial messages is disconnected"
    );
    assert_grew_at_most(before, peak, 32, "partial chunked messages");
    tripped(&server, "partial_messages").await;
    bystanders.draw_and_store(&server).await;
}

// Row 4 -------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row4_slow_silent_and_unjoined_connections_are_timed_out_and_capped() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path()).await;
    let bystanders = Bystanders::join(&server).await;
    let addr = server.addr;
    let before = server.rss_kib();

    // 20 connections that never send a byte and 20 that trickle their
    // headers, one byte every 500 ms: all closed by the 10 s header timeout.
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(TcpStream::connect(addr).await.unwrap());
    }
    let mut trickling = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        trickling.spawn(async move {
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\n")
                .await
                .unwrap();
            for _ in 0..60 {
                if stream.write_all(b"X").await.is_err() {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            false
        });
    }
    // 2,000 WebSockets that never join: 1,024 wait their 10 s, the rest are
    // refused with 503 at once.
    let ((waiting, refused), peak) = peak_rss_during(&server, async {
        let (mut waiting, mut refused) = (Vec::new(), 0);
        for _ in 0..2_000 {
            match RawClient::connect_with(addr, &[]).await {
                Ok(client) => waiting.push(client),
                Err(tokio_tungstenite::tungstenite::Error::Http(answer)) => {
                    assert_eq!(answer.status(), 503);
                    refused += 1;
                }
                Err(e) => panic!("a refusal is a 503, not {e}"),
            }
        }
        (waiting, refused)
    })
    .await;
    assert_eq!(waiting.len(), 1024, "the pending-WebSocket cap");
    assert_eq!(refused, 2_000 - 1024);
    assert_grew_at_most(
        before,
        peak,
        48,
        "40 slow connections and 2,000 unjoined WebSockets",
    );
    // Members already in carry on meanwhile.
    bystanders.draw_and_store(&server).await;

    for stream in &mut silent {
        assert!(
            closed_within(stream, 20).await,
            "a silent connection is closed"
        );
    }
    while let Some(closed) = trickling.join_next().await {
        assert!(closed.unwrap(), "a trickling connection is closed");
    }
    for mut client in waiting.into_iter().take(10) {
        let ending = client.ending().await;
        assert_eq!(
            ending.close,
            Some((1008, "bad_request".to_owned())),
            "no join in time"
        );
    }
    assert!(metric(addr, &trips(label::HEADER_TIMEOUT)).await >= 40);
    assert!(metric(addr, &trips(label::PENDING_WEBSOCKETS)).await >= 976);
    bystanders.draw_and_store(&server).await;
}

// Row 5 -------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row5_open_mode_answers_only_this_machine_and_stays_off_the_network() {
    // Open mode on a network address is refused unless asked for by name.
    let dir = tempfile::tempdir().unwrap();
    let refused = tokio::process::Command::new(env!("CARGO_BIN_EXE_inkmesh"))
        .args(["--bind", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path())
        .output();
    let refused = tokio::time::timeout(Duration::from_secs(30), refused)
        .await
        .expect("the server exits at once")
        .unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("--allow-open-mode-on-network"), "{said}");

    let server = Binary::start(dir.path(), &["--keeper-idle-secs", "1"]).await;
    let bystanders = Bystanders::join_through(&server, Gate::Open).await;
    let addr = server.addr;
    let before = server.rss_kib();
    // A page on evil.example whose name now resolves to 127.0.0.1 (DNS
    // rebinding), and one that calls 127.0.0.1 from its own origin.
    let rebound = format!("evil.example:{}", addr.port());
    let attacks: [&[(&str, &str)]; 2] = [
        &[("Host", &rebound), ("Origin", "http://evil.example")],
        &[("Origin", "https://evil.example")],
    ];
    for headers in attacks {
        for (method, path) in [
            ("POST", "/api/rooms/attacked/token"),
            ("GET", "/api/rooms/attacked/snapshot"),
            ("GET", "/api/rooms/attacked/board.svg"),
        ] {
            let answer = http_response(addr, method, path, headers, b"").await;
            assert_eq!(answer.status, 403, "{method} {path} {headers:?}");
            assert_eq!(answer.json()["code"], "forbidden");
        }
        match RawClient::connect_with(addr, headers).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(answer)) => {
                assert_eq!(answer.status(), 403)
            }
            other => panic!("the signaling upgrade must be refused, got {other:?}"),
        }
    }
    assert_grew_at_most(
        before,
        server.rss_kib(),
        8,
        "cross-site requests in open mode",
    );
    assert!(metric(addr, &trips(label::OPEN_MODE_HOST)).await >= 4);
    assert!(metric(addr, &trips(label::OPEN_MODE_ORIGIN)).await >= 4);
    bystanders.draw_and_store(&server).await;
}

// Row 6 -------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row6_binary_and_ping_floods_are_rate_limited_then_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path()).await;
    let bystanders = Bystanders::join(&server).await;
    let before = server.rss_kib();
    for kind in ["binary", "ping"] {
        let mut flooder = joined(&server, ROOM, &format!("flood-{kind}")).await;
        let (ending, peak) = peak_rss_during(&server, async {
            for _ in 0..3_000 {
                let frame = match kind {
                    "binary" => Message::binary(vec![0u8; 64]),
                    _ => Message::Ping(vec![0u8; 8].into()),
                };
                if flooder.ws.send(frame).await.is_err() {
                    break;
                }
            }
            flooder.ending().await
        })
        .await;
        assert_grew_at_most(before, peak, 16, &format!("3,000 {kind} frames"));
        assert_eq!(
            ending.close,
            Some((1008, "rate_limited".to_owned())),
            "{kind}"
        );
        let replies = ending.error_codes().len();
        assert!(
            replies <= 250,
            "{kind}: {replies} error replies for 3,000 frames"
        );
    }
    assert_eq!(
        metric(server.addr, &trips(label::SIGNAL_RATE_DISCONNECT)).await,
        2
    );
    bystanders.draw_and_store(&server).await;
}

// Row 7 -------------------------------------------------------------------

/// This machine's first IPv4 address that is not loopback, where a keeper
/// deployed on a network binds; `None` on a host with loopback only.
fn network_address() -> Option<IpAddr> {
    if_addrs::get_if_addrs()
        .ok()?
        .into_iter()
        .map(|interface| interface.ip())
        .find(|ip| ip.is_ipv4() && !ip.is_loopback())
}

/// An ICE candidate naming `target`, as a member would trickle it.
fn forged_candidate(target: SocketAddr) -> String {
    format!(
        "candidate:9 1 udp 2122260223 {} {} typ host",
        target.ip(),
        target.port()
    )
}

/// Two members steer the keeper at `target`: one trickles a candidate naming
/// it, the other puts it in its offer. Returns them, still connected.
async fn forge_candidates(
    server: &Binary,
    config: &TransportConfig,
    target: SocketAddr,
) -> [Hostile; 2] {
    let url = server.signal_url();
    let trickler = Hostile::connect_with(
        &url,
        ROOM,
        &token(ROOM, "mallory-trickle", Role::Editor),
        config.clone(),
        |sdp| sdp,
    )
    .await;
    let candidate = IceCandidate {
        candidate: forged_candidate(target),
        sdp_mid: Some("0".to_owned()),
        sdp_m_line_index: Some(0),
        username_fragment: None,
    };
    trickler
        .signaling
        .send(&trickler.keeper, Signal::Candidate { candidate })
        .await
        .unwrap();
    let in_offer = Hostile::connect_with(
        &url,
        ROOM,
        &token(ROOM, "mallory-offer", Role::Editor),
        config.clone(),
        |sdp| format!("{sdp}a={}\r\n", forged_candidate(target)),
    )
    .await;
    [trickler, in_offer]
}

/// Whether a STUN binding request reaches `socket` within `secs`.
async fn stun_arrives(socket: &UdpSocket, secs: u64) -> bool {
    let mut packet = [0u8; 1500];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while let Ok(Ok((len, _))) =
        tokio::time::timeout_at(deadline, socket.recv_from(&mut packet)).await
    {
        // STUN: message type 0x0001 (binding request), magic cookie 0x2112a442.
        if len >= 20 && packet[..2] == [0x00, 0x01] && packet[4..8] == [0x21, 0x12, 0xa4, 0x42] {
            return true;
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row7_members_cannot_steer_the_keepers_checks_at_the_servers_own_loopback() {
    let Some(ip) = network_address() else {
        eprintln!(
            "skipped: this host has no network address besides loopback to deploy a keeper on"
        );
        return;
    };
    let keeper_bind = format!("{ip}:0");
    let on_network = TransportConfig {
        bind_addrs: vec![keeper_bind.clone()],
        ..TransportConfig::loopback()
    };
    // Something on the server's own loopback that a member would like probed.
    let target = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let target_addr = target.local_addr().unwrap();

    // The control: a keeper told that loopback is one of its networks does
    // check a forged loopback candidate, so silence below means refusal.
    let dir = tempfile::tempdir().unwrap();
    let allowed = server_with(
        dir.path(),
        &[
            "--keeper-bind",
            &keeper_bind,
            "--keeper-peer-networks",
            "127.0.0.0/8",
        ],
    )
    .await;
    let forgers = forge_candidates(&allowed, &on_network, target_addr).await;
    assert!(
        stun_arrives(&target, 10).await,
        "control: a keeper allowed to reach loopback checks the forged candidate"
    );
    drop(forgers);
    allowed.kill().await;
    while stun_arrives(&target, 1).await {}

    // By default a keeper deployed on the network checks only its networks
    // and public addresses: not the server's own loopback.
    let dir = tempfile::tempdir().unwrap();
    let server = server_with(dir.path(), &["--keeper-bind", &keeper_bind]).await;
    let bystanders = Bystanders::join_with(&server, Gate::Secret, on_network.clone()).await;
    let before = server.rss_kib();
    let _forgers = forge_candidates(&server, &on_network, target_addr).await;
    assert!(
        !stun_arrives(&target, 5).await,
        "the keeper sent a connectivity check to a forged loopback candidate"
    );
    assert!(metric(server.addr, &trips("candidate_address")).await >= 2);
    assert_grew_at_most(before, server.rss_kib(), 16, "forged candidates");
    bystanders.draw_and_store(&server).await;
}

// Row 8 -------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row8_a_token_not_valid_yet_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path()).await;
    let bystanders = Bystanders::join(&server).await;
    let now = inkmesh_server::auth::now_secs();
    let claims = serde_json::json!({
        "room": ROOM, "sub": "early", "name": "Early", "role": "editor",
        "exp": now + 7200, "nbf": now + 3600,
    });
    let early = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let (mut client, answer) = RawClient::join(server.addr, ROOM, &early).await;
    assert_eq!(answer["code"], "unauthorized", "{answer}");
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("not valid yet"));
    assert_eq!(
        client.ending().await.close,
        Some((1008, "unauthorized".to_owned()))
    );
    let path = format!("/api/rooms/{ROOM}/snapshot?token={early}");
    assert_eq!(http(server.addr, "GET", &path, &[], b"").await.0, 401);
    bystanders.draw_and_store(&server).await;
}

// Row 9 -------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row9_tokens_never_reach_the_log_even_at_debug() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--auth-secret", SECRET, "--keeper-idle-secs", "1"];
    let server = Binary::start_with_env(dir.path(), &args, &[("RUST_LOG", "debug")]).await;
    let bystanders = Bystanders::join(&server).await;
    let secret_token = token(ROOM, "reader", Role::Viewer);
    for path in [
        format!("/api/rooms/{ROOM}/snapshot?token={secret_token}"),
        format!("/api/rooms/{ROOM}/board.svg?x=1&token={secret_token}"),
    ] {
        assert_eq!(http(server.addr, "GET", &path, &[], b"").await.0, 200);
    }
    server.wait_for_log("token=REDACTED", 10).await;
    bystanders.draw_and_store(&server).await;
    let log = server.log();
    assert!(!log.contains(&secret_token), "a token was logged");
    assert!(
        !log.contains("\x1b["),
        "no colour codes in a log that is not a terminal"
    );
}

// Row 10 ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row10_text_on_a_data_channel_is_a_protocol_error() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path()).await;
    let bystanders = Bystanders::join(&server).await;
    let url = server.signal_url();

    let mut board_text =
        Hostile::connect(&url, ROOM, &token(ROOM, "mallory-1", Role::Editor)).await;
    board_text
        .link
        .send_board_text("\0\0\0\x01\0")
        .await
        .unwrap();
    assert!(board_text.closed_within(10).await);
    server
        .wait_for_log("text message on the board channel", 10)
        .await;

    let mut cursor_text =
        Hostile::connect(&url, ROOM, &token(ROOM, "mallory-2", Role::Editor)).await;
    cursor_text
        .link
        .send_cursor_text("01234567890123")
        .await
        .unwrap();
    assert!(cursor_text.closed_within(10).await);
    server
        .wait_for_log("text message on the cursor channel", 10)
        .await;
    bystanders.draw_and_store(&server).await;
}

// Row 11 ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row11_refusals_arrive_with_their_close_code() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path()).await;
    let bystanders = Bystanders::join(&server).await;
    let before = server.rss_kib();

    // A 1 MiB frame: `too_large`, then 1009.
    let mut huge = joined(&server, ROOM, "huge").await;
    let (ending, peak) = peak_rss_during(&server, async {
        huge.send_text(&"x".repeat((1 << 20) + 1)).await;
        huge.ending().await
    })
    .await;
    assert!(ending.error_codes().contains(&"too_large"), "{ending:?}");
    assert_eq!(ending.close, Some((1009, "too_large".to_owned())));
    assert_grew_at_most(before, peak, 16, "a 1 MiB signaling frame");

    // A flood of messages until disconnected: `rate_limited`, then 1008.
    let mut flooder = joined(&server, ROOM, "flooder").await;
    let ping = serde_json::json!({"type": "ping"}).to_string();
    for _ in 0..5_000 {
        if !flooder.send_text(&ping).await {
            break;
        }
    }
    let ending = flooder.ending().await;
    assert!(ending.error_codes().contains(&"rate_limited"), "{ending:?}");
    assert_eq!(ending.close, Some((1008, "rate_limited".to_owned())));
    bystanders.draw_and_store(&server).await;
}

// Row 12 ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row12_the_board_svg_cannot_be_sniffed_or_run_script() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path()).await;
    let bystanders = Bystanders::join(&server).await;
    // An editor types markup into a text element.
    let id = bystanders
        .here
        .room
        .edit(|b| {
            b.add(NewElement::text(
                0.0,
                0.0,
                200.0,
                40.0,
                "</text><script>alert(1)</script>",
            ))
        })
        .await
        .unwrap();
    wait_for("the text to be stored", 30, || async {
        stored_ids(server.addr, ROOM).await.contains(&id)
    })
    .await;
    let auth = format!("Bearer {}", token(ROOM, "viewer", Role::Viewer));
    let path = format!("/api/rooms/{ROOM}/board.svg");
    let svg = http_response(server.addr, "GET", &path, &[("Authorization", &auth)], b"").await;
    assert_eq!(svg.status, 200);
    assert_eq!(svg.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        svg.header("content-security-policy"),
        Some("default-src 'none'; sandbox")
    );
    let body = String::from_utf8(svg.body).unwrap();
    assert!(!body.contains("<script>"), "user text is escaped: {body}");
    assert!(body.contains("&lt;script&gt;"), "{body}");
    bystanders.draw_and_store(&server).await;
}

// Row 13 ------------------------------------------------------------------

/// A valid 1 × 1 PNG whose header claims `side × side` pixels (its CRC
/// fixed up): a decompression bomb's header, without the bomb.
fn png_claiming(side: u32) -> Vec<u8> {
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::new_rgba8(1, 1)
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let mut png = png.into_inner();
    png[16..20].copy_from_slice(&side.to_be_bytes());
    png[20..24].copy_from_slice(&side.to_be_bytes());
    let crc = crc32fast::hash(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// Uploads `body` to `room` as a chunked PNG (no length declared, so the
/// server must count as it reads), sending no more once the server has
/// answered.
async fn upload_chunked(addr: SocketAddr, room: &str, hash: &str, body: &[u8]) -> u16 {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let auth = token(room, "uploader", Role::Editor);
    let head = format!(
        "PUT /api/rooms/{room}/images/{hash} HTTP/1.1\r\nHost: {addr}\r\n\
         Connection: close\r\nAuthorization: Bearer {auth}\r\nContent-Type: image/png\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(256 << 10) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if stream.write_all(&framed).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut answer),
    )
    .await;
    String::from_utf8_lossy(&answer)
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .expect("an answer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row13_oversized_and_malformed_images_are_refused_and_the_server_does_not_grow() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path()).await;
    let bystanders = Bystanders::join(&server).await;
    let before = server.rss_kib();

    // Eight uploads at once to eight rooms (a room reads two at once), each
    // past the 10 MiB limit with no declared length: each is read to the
    // limit at most, then refused.
    let oversized = vec![0x89u8; inkmesh_server::limits::IMAGE_MAX_BYTES + (1 << 20)];
    let hash = "ab".repeat(32);
    let rooms: Vec<String> = (0..8).map(|i| format!("{ROOM}-{i}")).collect();
    let (statuses, peak) = peak_rss_during(
        &server,
        futures_util::future::join_all(
            rooms
                .iter()
                .map(|room| upload_chunked(server.addr, room, &hash, &oversized)),
        ),
    )
    .await;
    assert!(statuses.iter().all(|&s| s == 413), "{statuses:?}");
    assert_grew_at_most(before, peak, 8 * 10 + 40, "oversized uploads");
    tripped(&server, label::IMAGE_BYTES).await;

    // Headers claiming 10,000² and 60,000² pixels (400 MB and 14 GB decoded),
    // and a truncated image: refused before or while decoding, never
    // allocated.
    let truncated = {
        let mut png = std::io::Cursor::new(Vec::new());
        image::DynamicImage::new_rgba8(300, 300)
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        let png = png.into_inner();
        png[..png.len() / 2].to_vec()
    };
    let before = server.rss_kib();
    let (statuses, peak) = peak_rss_during(&server, async {
        let mut statuses = Vec::new();
        for body in [png_claiming(10_000), png_claiming(60_000), truncated] {
            statuses.push(upload_chunked(server.addr, ROOM, &hash, &body).await);
        }
        statuses
    })
    .await;
    assert_eq!(statuses, [422, 422, 422]);
    assert_grew_at_most(before, peak, 32, "image bombs");
    tripped(&server, label::IMAGE_INVALID).await;

    let viewer = token(ROOM, "viewer", Role::Viewer);
    let path = format!("/api/rooms/{ROOM}/images/{hash}?token={viewer}");
    let fetched = http_response(server.addr, "GET", &path, &[], b"").await;
    assert_eq!(fetched.status, 404, "nothing of them stored");
    bystanders.draw_and_store(&server).await;
}

// Row 14 ------------------------------------------------------------------

/// Wrong admin tokens sent one after another in row 14.
const ADMIN_GUESSES: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row14_only_the_operators_token_deletes_a_board() {
    let dir = tempfile::tempdir().unwrap();
    let admin_file = dir.path().join("admin-token");
    std::fs::write(&admin_file, "operator-token-0123456789\n").unwrap();
    let server = server_with(
        dir.path(),
        &["--admin-token-file", admin_file.to_str().unwrap()],
    )
    .await;
    let bystanders = Bystanders::join(&server).await;
    let stored_before = Gate::Secret.stored(&server, ROOM).await;
    assert!(!stored_before.is_empty());

    let path = format!("/api/rooms/{ROOM}");
    let as_bearer = |token: String| format!("Bearer {token}");
    let attempts = [
        (None, 401),
        (Some(as_bearer(token(ROOM, "viewer", Role::Viewer))), 403),
        (Some(as_bearer(token(ROOM, "editor", Role::Editor))), 403),
        // A room token as a query parameter, as image reads take it.
        (None, 401),
        (Some("Bearer operator-token-012345678".to_owned()), 403),
    ];
    let before = server.rss_kib();
    let ((), peak) = peak_rss_during(&server, async {
        for (i, (auth, status)) in attempts.iter().enumerate() {
            let headers: Vec<(&str, &str)> = auth
                .as_deref()
                .map(|a| vec![("Authorization", a)])
                .unwrap_or_default();
            let target = if i == 3 {
                format!("{path}?token={}", token(ROOM, "editor", Role::Editor))
            } else {
                path.clone()
            };
            let refused = http_response(server.addr, "DELETE", &target, &headers, b"").await;
            assert_eq!(refused.status, *status, "attempt {i}");
            assert!(refused.json()["message"].as_str().is_some(), "attempt {i}");
        }
        // Then guesses, as someone trying tokens would send them.
        for guess in 0..ADMIN_GUESSES {
            let bearer = format!("Bearer guess-{guess:016}");
            let refused = http_response(
                server.addr,
                "DELETE",
                &path,
                &[("Authorization", &bearer)],
                b"",
            )
            .await;
            assert_eq!(refused.status, 403, "guess {guess}");
        }
    })
    .await;
    assert_grew_at_most(before, peak, 16, "admin token guesses");
    let refusals = metric(server.addr, &trips(label::ADMIN_TOKEN)).await;
    assert_eq!(
        refusals,
        attempts.len() as u64 + ADMIN_GUESSES as u64,
        "each counted"
    );
    assert_eq!(
        Gate::Secret.stored(&server, ROOM).await,
        stored_before,
        "the board is intact"
    );
    bystanders.draw_and_store(&server).await;
}
