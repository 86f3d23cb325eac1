//! The signaling WebSocket by hand: the auth matrix, and bad input of every
//! kind. Each gets an error or a disconnect; the server stays up and other
//! rooms carry on.

mod common;

use std::time::Duration;

use common::*;
use futures_util::SinkExt;
use inkmesh_server::auth::now_secs;
use inkmesh_server::limits::label;
use inkmesh_server::{Server, ServerConfig};
use inkmesh_transport::Role;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_auth_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.addr();
    let cases = [
        ("no token", String::new(), "unauthorized"),
        (
            "a bad signature",
            token_with(
                "a",
                "u",
                Role::Editor,
                now_secs() + 60,
                "another-secret-0123456",
            ),
            "unauthorized",
        ),
        (
            "an expired token",
            token_with("a", "u", Role::Editor, now_secs() - 3600, SECRET),
            "unauthorized",
        ),
        (
            "a token for another room",
            token("b", "u", Role::Editor),
            "forbidden",
        ),
        ("not a JWT", "hello".to_owned(), "unauthorized"),
    ];
    for (case, token, code) in cases {
        let (mut client, answer) = RawClient::join(addr, "a", &token).await;
        assert_eq!(answer["type"], "error", "{case}: {answer}");
        assert_eq!(answer["code"], code, "{case}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().len() > 10,
            "{case}: a sentence"
        );
        assert!(client.closes().await, "{case}: the socket closes");
    }
    // Nobody got in: no room exists.
    let (status, body) = http(addr, "GET", "/healthz", &[], b"").await;
    assert_eq!(status, 200);
    let health: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(health["peers"], 0);

    // HTTP: the same checks, and the token endpoint is disabled with a secret.
    let (status, body) = http(addr, "GET", "/api/rooms/a/snapshot", &[], b"").await;
    assert_eq!(status, 401);
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["code"], "unauthorized");
    let wrong = format!("Bearer {}", token("b", "u", Role::Editor));
    let (status, _) = http(
        addr,
        "GET",
        "/api/rooms/a/snapshot",
        &[("Authorization", &wrong)],
        b"",
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = http(addr, "POST", "/api/rooms/a/token", &[], b"").await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("mints"));

    // A good token gets a welcome listing the keeper, with camelCase iceServers.
    let (_client, welcome) = RawClient::join(addr, "a", &token("a", "u", Role::Viewer)).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    assert_eq!(welcome["me"]["role"], "viewer");
    assert!(welcome["iceServers"].is_array());
    let peers = welcome["peers"].as_array().unwrap();
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0]["keeper"], true);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_mode_issues_guest_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.auth_secret = None;
    let server = inkmesh_server::Server::start(config).await.unwrap();
    let (status, body) = http(
        server.addr(),
        "POST",
        "/api/rooms/demo/token",
        &[("Content-Type", "application/json")],
        br#"{"name":"Ada"}"#,
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let issued: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(issued["role"], "editor");
    let (_client, welcome) =
        RawClient::join(server.addr(), "demo", issued["token"].as_str().unwrap()).await;
    assert_eq!(welcome["type"], "welcome");
    assert_eq!(welcome["me"]["name"], "Ada");
    // A token signed with anything else is refused even in open mode.
    let (_c, refused) =
        RawClient::join(server.addr(), "demo", &token("demo", "u", Role::Editor)).await;
    assert_eq!(refused["code"], "unauthorized");
    // The board's reads answer without a token (anyone here may mint one),
    // but a token that is sent must be good.
    for read in [
        "snapshot",
        "render",
        "render?first=800x600",
        "board.svg",
        "history",
    ] {
        let path = format!("/api/rooms/demo/{read}");
        let (status, body) = http(server.addr(), "GET", &path, &[], b"").await;
        assert_eq!(status, 200, "{read}: {}", String::from_utf8_lossy(&body));
        let forged = format!("Bearer {}", token("demo", "u", Role::Editor));
        let headers = [("Authorization", forged.as_str())];
        let (status, _) = http(server.addr(), "GET", &path, &headers, b"").await;
        assert_eq!(status, 401, "{read} with a forged token");
    }
    let (status, _) = http(
        server.addr(),
        "POST",
        "/api/rooms/bad%20room/token",
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 400);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_errors_and_other_rooms_carry_on() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.addr();
    let (mut a, welcome_a) = RawClient::join(addr, "ra", &token("ra", "a", Role::Editor)).await;
    assert_eq!(welcome_a["type"], "welcome");
    let (mut b, welcome_b) = RawClient::join(addr, "rb", &token("rb", "b", Role::Editor)).await;
    assert_eq!(welcome_b["type"], "welcome");
    let b_id = welcome_b["me"]["id"].as_str().unwrap().to_owned();

    let expect_error = |reply: Option<serde_json::Value>, code: &str| {
        let reply = reply.expect("an answer");
        assert_eq!(reply["type"], "error", "{reply}");
        assert_eq!(reply["code"], code, "{reply}");
    };
    a.send_text("{not json").await;
    expect_error(a.next_reply().await, "bad_request");
    a.send(json!({"type": "teleport", "to": "x"})).await;
    expect_error(a.next_reply().await, "bad_request");
    a.send(json!({"type": "signal", "to": b_id, "signal": {"type": "offer", "sdp": "v=0"}}))
        .await;
    expect_error(a.next_reply().await, "unknown_peer");
    a.send(json!({"type": "signal", "to": "p-x", "signal": {"type": "bogus"}}))
        .await;
    expect_error(a.next_reply().await, "bad_request");
    a.send_text(&format!(
        r#"{{"type":"ping","pad":"{}"}}"#,
        "x".repeat(70 << 10)
    ))
    .await;
    expect_error(a.next_reply().await, "too_large");
    a.send_binary(vec![1, 2, 3]).await;
    expect_error(a.next_reply().await, "bad_request");
    // Still connected after all that.
    a.send(json!({"type": "ping"})).await;
    assert_eq!(a.next_reply().await.unwrap()["type"], "pong");

    // A flood: rate_limited, then a disconnect with its close code.
    for _ in 0..2000 {
        if !a.send(json!({"type": "ping"})).await {
            break;
        }
    }
    let ending = a.ending().await;
    assert!(
        ending.error_codes().contains(&"rate_limited"),
        "the flood was answered with rate_limited: {ending:?}"
    );
    assert_eq!(ending.close, Some((1008, "rate_limited".to_owned())));

    // Room b never noticed.
    b.send(json!({"type": "ping"})).await;
    assert_eq!(b.next_reply().await.unwrap()["type"], "pong");
    let (status, _) = http(addr, "GET", "/healthz", &[], b"").await;
    assert_eq!(status, 200);

    // Frames beyond the WebSocket layer's limit close that socket only, with
    // too_large and 1009.
    let (mut c, _) = RawClient::join(addr, "rc", &token("rc", "c", Role::Editor)).await;
    c.send_text(&"x".repeat(2 << 20)).await;
    let ending = c.ending().await;
    assert_eq!(ending.error_codes(), ["too_large"], "{ending:?}");
    assert_eq!(ending.close, Some((1009, "too_large".to_owned())));
    b.send(json!({"type": "ping"})).await;
    assert_eq!(b.next_reply().await.unwrap()["type"], "pong");

    // A client that never joins is dropped; one that joins twice is told no.
    b.send(json!({"type": "join", "room": "ra", "token": token("ra", "b", Role::Editor)}))
        .await;
    expect_error(b.next_reply().await, "bad_request");
    let mut first_not_join = RawClient::connect(addr).await;
    first_not_join.send(json!({"type": "ping"})).await;
    expect_error(first_not_join.next().await, "bad_request");
    assert!(first_not_join.closes().await);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_have_a_member_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.limits.max_peers_per_room = 2;
    let server = inkmesh_server::Server::start(config).await.unwrap();
    let addr = server.addr();
    let (_a, w) = RawClient::join(addr, "full", &token("full", "a", Role::Editor)).await;
    assert_eq!(w["type"], "welcome");
    let (_b, w) = RawClient::join(addr, "full", &token("full", "b", Role::Editor)).await;
    assert_eq!(w["type"], "welcome");
    let (mut c, w) = RawClient::join(addr, "full", &token("full", "c", Role::Editor)).await;
    assert_eq!(w["code"], "room_full", "{w}");
    assert!(c.closes().await);
    server.shutdown().await;
}

/// Limits small enough to trip quickly: 20 frames at once, 10 a second
/// after, 30 dropped frames before the disconnect.
fn tight(dir: &std::path::Path) -> ServerConfig {
    let mut config = config(dir);
    config.limits.burst = 20.0;
    config.limits.rate_per_sec = 10.0;
    config.limits.max_rate_strikes = 30;
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_frame_counts_against_the_rate() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(tight(dir.path())).await.unwrap();
    let addr = server.addr();
    for kind in ["binary", "ping"] {
        let (mut client, welcome) =
            RawClient::join(addr, "r", &token("r", kind, Role::Editor)).await;
        assert_eq!(welcome["type"], "welcome");
        for _ in 0..300 {
            let frame = match kind {
                "binary" => Message::binary(vec![1, 2, 3]),
                _ => Message::Ping(vec![1].into()),
            };
            if client.ws.send(frame).await.is_err() {
                break;
            }
        }
        let ending = client.ending().await;
        let codes = ending.error_codes();
        let count = |code| codes.iter().filter(|c| **c == code).count();
        // Error replies never outrun the rate: one per allowed frame (the
        // burst, and what the rate refilled meanwhile), one report of the
        // first drop, one for the disconnect.
        assert!(count("bad_request") <= 25, "{kind}: {codes:?}");
        if kind == "binary" {
            assert!(count("bad_request") >= 20, "{kind}: {codes:?}");
        }
        assert_eq!(count("rate_limited"), 2, "{kind}: {codes:?}");
        assert_eq!(
            ending.close,
            Some((1008, "rate_limited".to_owned())),
            "{kind}"
        );
    }
    assert!(metric(addr, &trips(label::SIGNAL_RATE)).await >= 60);
    assert_eq!(metric(addr, &trips(label::SIGNAL_RATE_DISCONNECT)).await, 2);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_closes_always_arrive_with_their_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.limits.join_timeout = Duration::from_millis(500);
    let server = Server::start(config).await.unwrap();
    let addr = server.addr();

    // No join in time.
    let mut late = RawClient::connect(addr).await;
    let ending = late.ending().await;
    assert_eq!(ending.error_codes(), ["bad_request"], "{ending:?}");
    assert_eq!(ending.close, Some((1008, "bad_request".to_owned())));

    // A bad token.
    let (mut refused, answer) = RawClient::join(addr, "r", "not-a-token").await;
    assert_eq!(answer["code"], "unauthorized");
    assert_eq!(
        refused.ending().await.close,
        Some((1008, "unauthorized".to_owned()))
    );

    // A first frame over the hard limit.
    let mut huge = RawClient::connect(addr).await;
    huge.send_text(&"x".repeat(2 << 20)).await;
    let ending = huge.ending().await;
    assert_eq!(ending.error_codes(), ["too_large"], "{ending:?}");
    assert_eq!(ending.close, Some((1009, "too_large".to_owned())));

    assert_eq!(metric(addr, &trips(label::JOIN_TIMEOUT)).await, 1);
    assert_eq!(metric(addr, &trips(label::SIGNAL_HARD_LIMIT)).await, 1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_waiting_to_join_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.max_pending_websockets = 2;
    let server = Server::start(config).await.unwrap();
    let addr = server.addr();
    let mut first = RawClient::connect(addr).await;
    let _second = RawClient::connect(addr).await;
    match RawClient::connect_with(addr, &[]).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
            let body: serde_json::Value =
                serde_json::from_slice(response.body().as_deref().unwrap_or_default()).unwrap();
            assert_eq!(body["code"], "unavailable");
        }
        other => panic!("a third waiting socket must get 503, got {other:?}"),
    }
    // Joining frees the place.
    first
        .send(json!({"type": "join", "room": "r", "token": token("r", "u", Role::Editor)}))
        .await;
    assert_eq!(first.next().await.unwrap()["type"], "welcome");
    wait_for("a place for a waiting socket", 10, || async {
        RawClient::connect_with(addr, &[]).await.is_ok()
    })
    .await;
    assert!(metric(addr, &trips(label::PENDING_WEBSOCKETS)).await >= 1);
    server.shutdown().await;
}

/// A member's `join` says whether it renegotiates links and takes media;
/// the server repeats that per member, so clients send renegotiation offers
/// only to those that said so. The keeper and members that said nothing are
/// never marked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_media_capability_is_repeated_to_the_room() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.addr();
    let (mut old, welcome) = RawClient::join(addr, "m", &token("m", "old", Role::Editor)).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    assert!(welcome["me"].get("media").is_none(), "{welcome}");
    let mut capable = RawClient::connect(addr).await;
    capable
        .send(json!({"type": "join", "room": "m", "token": token("m", "new", Role::Editor), "media": true}))
        .await;
    let welcome = capable.next().await.expect("a welcome");
    assert_eq!(welcome["me"]["media"], true, "{welcome}");
    let peers = welcome["peers"].as_array().expect("peers");
    let old_peer = peers
        .iter()
        .find(|p| p["name"] == "old")
        .expect("old is listed");
    assert!(old_peer.get("media").is_none(), "{welcome}");
    for keeper in peers.iter().filter(|p| p["keeper"] == true) {
        assert!(keeper.get("media").is_none(), "{welcome}");
    }
    let joined = loop {
        let message = old.next().await.expect("peer-joined");
        if message["type"] == "peer-joined" && message["peer"]["name"] == "new" {
            break message;
        }
    };
    assert_eq!(joined["peer"]["media"], true, "{joined}");
    server.shutdown().await;
}
