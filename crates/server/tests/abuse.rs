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
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::binary::Binary;
use common::*;
use futures_util::SinkExt;
use inkmesh_doc::{Board, Encoding, NewElement};
use inkmesh_server::limits::label;
use inkmesh_transport::Role;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
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
        let auth = format!(
            "Bearer {}",
            self.token(server, room, "reader", Role::Viewer).await
        );
        let path = format!("/api/rooms/{room}/snapshot");
        let (status, body) =
            http(server.addr, "GET", &path, &[("Authorization", &auth)], b"").await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let mut board = Board::new("reader");
        board
            .apply_remote(&body, Encoding::V1)
            .expect("a v1 update");
        ids(&board)
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
        let url = server.signal_url();
        let mut editors = Vec::new();
        for (room, name) in [(ROOM, "honest-here"), (OTHER_ROOM, "honest-elsewhere")] {
            let token = gate.token(server, room, name, Role::Editor).await;
            let board = Arc::new(Mutex::new(Board::new(name)));
            editors.push(Peer::rejoin(&url, room, &token, board).await);
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

/// A signaling client joined to `room`, for attacks over the WebSocket.
async fn joined(server: &Binary, room: &str, user: &str) -> RawClient {
    let (client, welcome) =
        RawClient::join(server.addr, room, &token(room, user, Role::Editor)).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    client
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
