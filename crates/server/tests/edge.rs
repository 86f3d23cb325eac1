//! The HTTP edge under abuse: connections that never finish a request, more
//! connections than the cap, pages on other sites in open mode, and the
//! headers that keep browsers from misreading answers.

mod common;

use std::time::{Duration, Instant};

use common::*;
use inkmesh_server::limits::label;
use inkmesh_server::server::StartError;
use inkmesh_server::Server;
use inkmesh_transport::Role;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_trickling_and_idle_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.header_read_timeout = Duration::from_secs(1);
    let server = Server::start(config).await.unwrap();
    let addr = server.addr();
    let started = Instant::now();

    let mut silent = TcpStream::connect(addr).await.unwrap();
    let mut trickling = TcpStream::connect(addr).await.unwrap();
    trickling
        .write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .unwrap();
    let trickle = tokio::spawn(async move {
        // One header byte every 200 ms, for at most 10 s.
        for _ in 0..50 {
            if trickling.write_all(b"X").await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    });
    // A keep-alive connection that asks once, then goes quiet.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();

    assert!(closed_within(&mut silent, 10).await, "the silent one");
    assert!(
        closed_within(&mut idle, 10).await,
        "the idle keep-alive one"
    );
    assert!(trickle.await.unwrap(), "the trickling one");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "not before the timeout"
    );
    // An honest request in the meantime was never affected.
    let (status, _) = http(addr, "GET", "/healthz", &[], b"").await;
    assert_eq!(status, 200);
    assert!(metric(addr, &trips(label::HEADER_TIMEOUT)).await >= 3);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_cap_refuses_extra_connections_and_frees_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.max_connections = 4;
    let server = Server::start(config).await.unwrap();
    let addr = server.addr();

    // Three connections hold their places; an honest client still gets the last.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    // One at a time: an answered connection's place comes back when its
    // task ends, a moment after the answer, so the next may ask again.
    for _ in 0..3 {
        wait_for("an honest request answered under the cap", 10, || {
            healthz_answered(addr)
        })
        .await;
    }
    // A WebSocket keeps its place after the upgrade: the fourth is taken...
    let (member, welcome) = RawClient::join(addr, "r", &token("r", "u", Role::Editor)).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    // Fill what is left (the honest connections' places come back as their
    // tasks end); the first connection over the cap is closed at once.
    let mut filling = Vec::new();
    let refused = loop {
        let mut extra = TcpStream::connect(addr).await.unwrap();
        if closed_within(&mut extra, 1).await {
            break true;
        }
        filling.push(extra);
        if filling.len() > 4 {
            break false;
        }
    };
    assert!(refused, "a connection over the cap is closed");
    assert!(
        held.len() + 1 + filling.len() <= 4,
        "never more than the cap open"
    );

    // Places come back when connections close.
    drop(member);
    drop(held);
    drop(filling);
    wait_for("a place under the cap", 10, || healthz_answered(addr)).await;
    assert!(metric(addr, &trips(label::CONNECTIONS)).await >= 1);
    server.shutdown().await;
}

/// Whether a new connection's `GET /healthz` is answered 200 (false when the
/// server closed it at once, over its connection cap).
async fn healthz_answered(addr: std::net::SocketAddr) -> bool {
    let mut probe = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    probe.write_all(request.as_bytes()).await.is_ok() && {
        let mut answer = Vec::new();
        let _ = tokio::io::AsyncReadExt::read_to_end(&mut probe, &mut answer).await;
        answer.starts_with(b"HTTP/1.1 200")
    }
}

/// A server in open mode, as `inkmesh` without a secret runs it.
async fn open_mode(dir: &std::path::Path, allow_origins: &[&str]) -> Server {
    let mut config = config(dir);
    config.auth_secret = None;
    config.allow_origins = allow_origins.iter().map(|o| o.to_string()).collect();
    Server::start(config).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_mode_refuses_other_sites_and_answers_this_machine() {
    let dir = tempfile::tempdir().unwrap();
    let server = open_mode(dir.path(), &["https://app.example.com"]).await;
    let addr = server.addr();
    let port = addr.port();
    let token_path = "/api/rooms/r/token";

    // DNS rebinding: the attacker's own name, resolving to 127.0.0.1.
    let rebound = format!("evil.example:{port}");
    for path in ["/healthz", token_path, "/api/rooms/r/snapshot", "/"] {
        let method = if path == token_path { "POST" } else { "GET" };
        let answer = http_response(addr, method, path, &[("Host", &rebound)], b"").await;
        assert_eq!(answer.status, 403, "{path}");
        assert_eq!(answer.json()["code"], "forbidden");
        let message = answer.json()["message"].as_str().unwrap().to_owned();
        assert!(
            message.contains("only answers pages on this machine"),
            "{message}"
        );
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    }
    // A page on another site calling 127.0.0.1 directly.
    let answer = http_response(
        addr,
        "POST",
        token_path,
        &[("Origin", "https://evil.example")],
        b"",
    )
    .await;
    assert_eq!(answer.status, 403);
    assert!(answer.json()["message"]
        .as_str()
        .unwrap()
        .contains("--allow-origin"));
    let refused = RawClient::connect_with(addr, &[("Origin", "https://evil.example")]).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("the upgrade must be refused with 403, got {other:?}"),
    }
    let refused = RawClient::connect_with(addr, &[("Host", &rebound)]).await;
    assert!(refused.is_err(), "a rebound WebSocket is refused");

    // This machine's pages, and the listed origin, are answered.
    let loopback_origin = format!("http://localhost:{port}");
    for headers in [
        vec![],
        vec![("Host", format!("localhost:{port}"))],
        vec![("Host", format!("[::1]:{port}"))],
        vec![("Origin", loopback_origin.clone())],
        vec![("Origin", "https://app.example.com".to_owned())],
    ] {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let answer = http_response(addr, "POST", token_path, &headers, b"").await;
        assert_eq!(answer.status, 200, "{headers:?}");
    }
    let guest = http_response(addr, "POST", token_path, &[], b"")
        .await
        .json();
    let mut member = RawClient::connect_with(addr, &[("Origin", &loopback_origin)])
        .await
        .expect("a loopback page may connect");
    member
        .send(serde_json::json!({"type": "join", "room": "r", "token": guest["token"]}))
        .await;
    assert_eq!(member.next().await.unwrap()["type"], "welcome");

    assert!(metric(addr, &trips(label::OPEN_MODE_HOST)).await >= 5);
    assert!(metric(addr, &trips(label::OPEN_MODE_ORIGIN)).await >= 2);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_mode_on_a_network_address_needs_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.auth_secret = None;
    config.bind = "0.0.0.0:0".parse().unwrap();
    let refused = Server::start(config.clone()).await.err();
    let Some(StartError::OpenModeOnNetwork(_)) = &refused else {
        panic!("open mode on 0.0.0.0 must be refused, got {refused:?}");
    };
    assert!(refused
        .unwrap()
        .to_string()
        .contains("--allow-open-mode-on-network"));

    // With the flag it runs; any Host is answered, but a page on another
    // site still is not.
    config.allow_open_mode_on_network = true;
    let server = Server::start(config).await.unwrap();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], server.addr().port()));
    let host = [("Host", "board.lan:8080")];
    assert_eq!(http(addr, "GET", "/healthz", &host, b"").await.0, 200);
    let same_site = [
        ("Host", "board.lan:8080"),
        ("Origin", "http://board.lan:8080"),
    ];
    assert_eq!(http(addr, "GET", "/healthz", &same_site, b"").await.0, 200);
    let cross_site = [
        ("Host", "board.lan:8080"),
        ("Origin", "https://evil.example"),
    ];
    assert_eq!(http(addr, "GET", "/healthz", &cross_site, b"").await.0, 403);
    server.shutdown().await;

    // With a secret, tokens are the gate: no Host or Origin check, the
    // signaling socket included (PROTOCOL.md, "Host and Origin").
    let server = start(dir.path()).await;
    let foreign = [("Host", "evil.example"), ("Origin", "https://evil.example")];
    assert_eq!(
        http(server.addr(), "GET", "/healthz", &foreign, b"")
            .await
            .0,
        200
    );
    let mut foreign_page = RawClient::connect_with(server.addr(), &foreign)
        .await
        .expect("with a secret, a page on any site may open the signaling socket");
    foreign_page
        .send(serde_json::json!({"type": "join", "room": "r", "token": token("r", "u", Role::Editor)}))
        .await;
    assert_eq!(foreign_page.next().await.unwrap()["type"], "welcome");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_not_sniffed_and_the_svg_is_contained() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.addr();
    let auth = format!("Bearer {}", token("r", "u", Role::Viewer));
    let svg = http_response(
        addr,
        "GET",
        "/api/rooms/r/board.svg",
        &[("Authorization", &auth)],
        b"",
    )
    .await;
    assert_eq!(svg.status, 200);
    assert_eq!(svg.header("content-type"), Some("image/svg+xml"));
    assert_eq!(svg.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        svg.header("content-security-policy"),
        Some("default-src 'none'; sandbox")
    );
    assert_eq!(
        svg.header("content-disposition"),
        Some("inline; filename=\"board.svg\"")
    );
    for path in ["/healthz", "/metrics", "/api/rooms/r/snapshot", "/nope"] {
        let answer = http_response(addr, "GET", path, &[], b"").await;
        assert_eq!(
            answer.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
    }
    server.shutdown().await;
}
