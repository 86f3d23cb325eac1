//! Shared test helpers: a real server on loopback, native peers that join it
//! through the real WebSocket, raw WebSocket clients for bad input, a minimal
//! HTTP client, and waiting on conditions with deadlines.
#![allow(dead_code)]

pub mod binary;
pub mod cluster;
pub mod coturn;
pub mod hostile;
pub mod postgres;
pub mod redis;

use std::collections::BTreeSet;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use inkmesh_doc::{Board, Encoding};
use inkmesh_server::{Auth, Claims, Server, ServerConfig};
use inkmesh_transport::{Role, Room, RoomEvent, TransportConfig, WsSignaling};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::Message;

pub const SECRET: &str = "test-secret-0123456789";

pub fn config(dir: &Path) -> ServerConfig {
    let mut config = ServerConfig::local(dir);
    config.auth_secret = Some(SECRET.into());
    config.keeper.idle = Duration::from_millis(500);
    config
}

pub async fn start(dir: &Path) -> Server {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    Server::start(config(dir)).await.expect("server starts")
}

pub fn token(room: &str, user: &str, role: Role) -> String {
    token_with(
        room,
        user,
        role,
        inkmesh_server::auth::now_secs() + 3600,
        SECRET,
    )
}

pub fn token_with(room: &str, user: &str, role: Role, exp: u64, secret: &str) -> String {
    Auth::new(Some(secret)).mint(&Claims {
        room: room.to_owned(),
        sub: user.to_owned(),
        name: user.to_owned(),
        role,
        exp,
    })
}

/// Polls `check` until it holds, failing the test after `secs`.
pub async fn wait_for<F, Fut>(what: &str, secs: u64, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if check().await {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {secs} s waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A native peer joined through the server.
pub struct Peer {
    pub room: Room,
    pub board: Arc<Mutex<Board>>,
    pub events: mpsc::UnboundedReceiver<RoomEvent>,
}

impl Peer {
    pub async fn join(signal_url: &str, room: &str, user: &str, role: Role) -> Peer {
        let board = Arc::new(Mutex::new(Board::new(user)));
        Peer::rejoin(signal_url, room, &token(room, user, role), board).await
    }

    /// Joins with an existing board (a peer coming back after an outage).
    pub async fn rejoin(
        signal_url: &str,
        room: &str,
        token: &str,
        board: Arc<Mutex<Board>>,
    ) -> Peer {
        Peer::rejoin_with(signal_url, room, token, board, TransportConfig::loopback()).await
    }

    /// [`Peer::rejoin`] with the peer's own transport settings (where it binds).
    pub async fn rejoin_with(
        signal_url: &str,
        room: &str,
        token: &str,
        board: Arc<Mutex<Board>>,
        config: TransportConfig,
    ) -> Peer {
        let signaling = WsSignaling::connect(signal_url, room, token)
            .await
            .expect("signaling connects");
        let (room, events) = Room::join(signaling, board.clone(), config)
            .await
            .expect("joins the room");
        Peer {
            room,
            board,
            events,
        }
    }

    pub fn ids(&self) -> BTreeSet<String> {
        ids(&self.board.lock().unwrap())
    }

    /// Draws `n` unit rectangles along `row`, one edit each; answers their ids.
    pub async fn draw(&self, n: usize, row: f64) -> BTreeSet<String> {
        let mut drawn = BTreeSet::new();
        for i in 0..n {
            let id = self
                .room
                .edit(|b| b.add(inkmesh_doc::NewElement::rect(i as f64, row, 1.0, 1.0)))
                .await
                .unwrap();
            drawn.insert(id);
        }
        drawn
    }
}

pub fn ids(board: &Board) -> BTreeSet<String> {
    board.elements().into_iter().map(|e| e.id).collect()
}

/// A minimal HTTP/1.1 request: (status, body).
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let response = http_response(addr, method, path, headers, body).await;
    (response.status, response.body)
}

/// An HTTP answer with its head.
pub struct HttpResponse {
    pub status: u16,
    /// Header names lowercased, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A minimal HTTP/1.1 request with the whole answer. `Host` is the server's
/// address unless `headers` name another.
pub async fn http_response(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    let stream = TcpStream::connect(addr).await.expect("connects");
    http_response_on(stream, &addr.to_string(), method, path, headers, body).await
}

/// [`http_response`] on a connection already open (through TLS, say), with
/// `host` as `Host` unless `headers` name another.
pub async fn http_response_on<S>(
    mut stream: S,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {host}\r\n"));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    // A TLS peer that closes without close_notify ends in an error after the
    // whole answer; what was read is the answer either way.
    let _ = stream.read_to_end(&mut response).await;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response");
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = response[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    HttpResponse {
        status,
        headers,
        body,
    }
}

/// The value of one series in `/metrics` (0 when absent), e.g.
/// `inkmesh_limit_trips_total{limit="connections"}`.
pub async fn metric(addr: SocketAddr, series: &str) -> u64 {
    let (status, body) = http(addr, "GET", "/metrics", &[], b"").await;
    assert_eq!(status, 200);
    String::from_utf8_lossy(&body)
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0)
}

/// The series of one limit's trips in `/metrics`.
pub fn trips(limit: &str) -> String {
    format!("inkmesh_limit_trips_total{{limit=\"{limit}\"}}")
}

/// Whether the server closes `stream` (end of stream or reset) within `secs`,
/// discarding anything it sends first.
pub async fn closed_within(stream: &mut TcpStream, secs: u64) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// The element ids of the room's current board, read over HTTP.
pub async fn stored_ids(addr: SocketAddr, room: &str) -> BTreeSet<String> {
    stored_ids_as(addr, room, &token(room, "reader", Role::Viewer)).await
}

/// [`stored_ids`], reading with `token`.
pub async fn stored_ids_as(addr: SocketAddr, room: &str, token: &str) -> BTreeSet<String> {
    let auth = format!("Bearer {token}");
    let (status, body) = http(
        addr,
        "GET",
        &format!("/api/rooms/{room}/snapshot"),
        &[("Authorization", &auth)],
        b"",
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let mut board = Board::new("reader");
    board
        .apply_remote(&body, Encoding::V1)
        .expect("a v1 update");
    ids(&board)
}

/// Asserts that `GET /api/rooms/{room}/render` is the render stream of the
/// board `GET /api/rooms/{room}/snapshot` holds: the page draws what the CRDT holds.
pub async fn assert_render_matches_snapshot(addr: SocketAddr, room: &str) {
    let auth = format!("Bearer {}", token(room, "reader", Role::Viewer));
    let get = |path: String| {
        let auth = auth.clone();
        async move { http(addr, "GET", &path, &[("Authorization", &auth)], b"").await }
    };
    let (status, update) = get(format!("/api/rooms/{room}/snapshot")).await;
    assert_eq!(status, 200);
    let (status, stream) = get(format!("/api/rooms/{room}/render")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&stream));
    let mut board = Board::new("reader");
    board
        .apply_remote(&update, Encoding::V1)
        .expect("a v1 update");
    assert!(!board.is_empty());
    assert_eq!(stream, board.render_stream());
}

/// Asserts that the room's snapshot, render stream and SVG come
/// brotli-compressed to a request that accepts `br` (the copy the server
/// keeps with each view), and that each decompresses to what a request
/// accepting no encoding gets.
pub async fn assert_views_compress(addr: SocketAddr, room: &str) {
    let auth = format!("Bearer {}", token(room, "reader", Role::Viewer));
    for path in ["snapshot", "render", "board.svg"] {
        let path = format!("/api/rooms/{room}/{path}");
        let plain = http_response(addr, "GET", &path, &[("Authorization", &auth)], b"").await;
        assert_eq!(plain.status, 200, "{path}");
        assert_eq!(plain.header("content-encoding"), None, "{path}");
        for _ in 0..2 {
            let headers = [
                ("Authorization", auth.as_str()),
                ("Accept-Encoding", "gzip, deflate, br, zstd"),
            ];
            let compressed = http_response(addr, "GET", &path, &headers, b"").await;
            assert_eq!(compressed.status, 200, "{path}");
            assert_eq!(compressed.header("content-encoding"), Some("br"), "{path}");
            // A kept copy goes whole, with its length; the layer would stream it chunked.
            assert!(compressed.header("content-length").is_some(), "{path}");
            assert!(compressed.body.len() < plain.body.len(), "{path}");
            let mut body = Vec::new();
            std::io::Read::read_to_end(
                &mut brotli::Decompressor::new(&compressed.body[..], 4096),
                &mut body,
            )
            .unwrap();
            assert_eq!(body, plain.body, "{path} decompressed");
        }
    }
}

/// A raw signaling WebSocket, for speaking the protocol by hand.
#[derive(Debug)]
pub struct RawClient {
    pub ws: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>,
}

/// How a server ended a signaling socket, as a client sees it.
#[derive(Debug)]
pub struct Ending {
    /// The JSON messages before the end (pings skipped).
    pub messages: Vec<Value>,
    /// The close frame's code and reason; `None` if the connection ended
    /// without one (what browsers report as 1006).
    pub close: Option<(u16, String)>,
}

impl Ending {
    /// The `code`s of the error messages received.
    pub fn error_codes(&self) -> Vec<&str> {
        self.messages
            .iter()
            .filter(|m| m["type"] == "error")
            .filter_map(|m| m["code"].as_str())
            .collect()
    }
}

impl RawClient {
    pub async fn connect(addr: SocketAddr) -> RawClient {
        RawClient::connect_with(addr, &[])
            .await
            .expect("websocket connects")
    }

    /// Connects with extra request headers (`Origin`, `Host`); the error holds
    /// the HTTP answer when the upgrade is refused.
    pub async fn connect_with(
        addr: SocketAddr,
        headers: &[(&str, &str)],
    ) -> Result<RawClient, tokio_tungstenite::tungstenite::Error> {
        let mut request = format!("ws://{addr}/api/signal").into_client_request()?;
        for (name, value) in headers {
            request.headers_mut().insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let (ws, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(RawClient { ws })
    }

    /// Reads until the server ends the socket (within 15 s), keeping its
    /// messages and its close frame.
    pub async fn ending(&mut self) -> Ending {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        let mut messages = Vec::new();
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .expect("the server ends the socket within 15 s");
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).expect("server sends JSON");
                    if value["type"] != "ping" {
                        messages.push(value);
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    let close = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                    return Ending { messages, close };
                }
                Some(Ok(_)) => {}
                None | Some(Err(_)) => {
                    return Ending {
                        messages,
                        close: None,
                    }
                }
            }
        }
    }

    pub async fn send_text(&mut self, text: &str) -> bool {
        self.ws.send(Message::text(text)).await.is_ok()
    }

    pub async fn send_binary(&mut self, bytes: Vec<u8>) -> bool {
        self.ws.send(Message::binary(bytes)).await.is_ok()
    }

    pub async fn send(&mut self, value: Value) -> bool {
        self.send_text(&value.to_string()).await
    }

    /// The next JSON message (pings skipped); `None` once closed.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(10), self.ws.next())
                .await
                .expect("a message within 10 s")?;
            match frame {
                Ok(Message::Text(text)) => {
                    let value: Value = serde_json::from_str(&text).expect("server sends JSON");
                    if value["type"] == "ping" {
                        continue;
                    }
                    return Some(value);
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    /// The next message that is not a membership change.
    pub async fn next_reply(&mut self) -> Option<Value> {
        loop {
            let value = self.next().await?;
            if value["type"] != "peer-joined" && value["type"] != "peer-left" {
                return Some(value);
            }
        }
    }

    pub async fn join(addr: SocketAddr, room: &str, token: &str) -> (RawClient, Value) {
        let mut client = RawClient::connect(addr).await;
        client
            .send(serde_json::json!({"type":"join","room":room,"token":token}))
            .await;
        let welcome = client.next().await.expect("an answer to join");
        (client, welcome)
    }

    /// Whether the socket closes (after any messages) within a few seconds.
    pub async fn closes(&mut self) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::time::Instant::now() < deadline {
            match tokio::time::timeout(Duration::from_secs(10), self.ws.next()).await {
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => continue,
                Err(_) => return false,
            }
        }
        false
    }
}
