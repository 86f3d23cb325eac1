//! Images over HTTP: `PUT` and `GET /api/rooms/{room}/images/{sha256}`, with
//! the checks in the protocol's order (size, type, decode, hash, quota), the
//! room's auth, and collection at compaction.

mod common;

use std::io::Cursor;
use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use image::{DynamicImage, ImageFormat, RgbaImage};
use inkmesh_doc::{ImageRef, NewElement};
use inkmesh_server::limits::{label, IMAGE_MAX_BYTES};
use inkmesh_server::retention::Retention;
use inkmesh_transport::Role;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A `width × height` image with a gradient (so each size hashes apart),
/// encoded in `format`.
fn encoded(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let pixels = RgbaImage::from_fn(width, height, |x, y| {
        image::Rgba([(x * 7) as u8, (y * 5) as u8, (x ^ y) as u8, 255])
    });
    let image = match format {
        // JPEG has no alpha channel.
        ImageFormat::Jpeg => DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(pixels).to_rgb8()),
        _ => DynamicImage::ImageRgba8(pixels),
    };
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    encoded(ImageFormat::Png, width, height)
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn bearer(room: &str, user: &str, role: Role) -> String {
    format!("Bearer {}", token(room, user, role))
}

/// `PUT`s `bytes` as `content_type` under `hash` with `auth` (if any).
async fn put_as(
    addr: SocketAddr,
    room: &str,
    hash: &str,
    content_type: &str,
    auth: Option<&str>,
    bytes: &[u8],
) -> HttpResponse {
    let mut headers = vec![("Content-Type", content_type)];
    if let Some(auth) = auth {
        headers.push(("Authorization", auth));
    }
    http_response(
        addr,
        "PUT",
        &format!("/api/rooms/{room}/images/{hash}"),
        &headers,
        bytes,
    )
    .await
}

/// An editor of `room` uploads `bytes` under their own hash.
async fn put(addr: SocketAddr, room: &str, content_type: &str, bytes: &[u8]) -> HttpResponse {
    let auth = bearer(room, "ed", Role::Editor);
    put_as(addr, room, &sha256(bytes), content_type, Some(&auth), bytes).await
}

/// `GET`s image `hash` of `room` with a viewer's token of `token_room`.
async fn get_with(addr: SocketAddr, room: &str, hash: &str, token_room: &str) -> HttpResponse {
    let viewer = token(token_room, "vi", Role::Viewer);
    http_response(
        addr,
        "GET",
        &format!("/api/rooms/{room}/images/{hash}?token={viewer}"),
        &[],
        b"",
    )
    .await
}

async fn get(addr: SocketAddr, room: &str, hash: &str) -> HttpResponse {
    get_with(addr, room, hash, room).await
}

/// The error code of a refusal, checking its shape.
fn code(response: &HttpResponse) -> String {
    let body = response.json();
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body["code"].as_str().unwrap().to_owned()
}

/// A `PUT` written by hand: the head, then as much of `body` as the server
/// takes (it may answer and close before reading it all), chunked when
/// `declare_length` is false. Answers the status.
async fn put_raw(
    addr: SocketAddr,
    path: &str,
    auth: &str,
    body: &[u8],
    declare_length: bool,
) -> u16 {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let length = if declare_length {
        format!("Content-Length: {}\r\n", body.len())
    } else {
        "Transfer-Encoding: chunked\r\n".to_owned()
    };
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: {auth}\r\n\
         Content-Type: image/png\r\n{length}\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(64 << 10) {
        let written = if declare_length {
            stream.write_all(chunk).await
        } else {
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
            stream.write_all(&framed).await
        };
        if written.is_err() {
            break;
        }
    }
    if !declare_length {
        let _ = stream.write_all(b"0\r\n\r\n").await;
    }
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut response)).await;
    let head = String::from_utf8_lossy(&response);
    head.split(' ').nth(1).expect("an answer").parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_round_trips_with_its_headers_once_per_hash() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.addr();

    for (format, mime) in [
        (ImageFormat::Png, "image/png"),
        (ImageFormat::Jpeg, "image/jpeg"),
        (ImageFormat::Gif, "image/gif"),
        (ImageFormat::WebP, "image/webp"),
    ] {
        let bytes = encoded(format, 33, 21);
        let hash = sha256(&bytes);
        let created = put(addr, "r", mime, &bytes).await;
        assert_eq!(created.status, 201, "{mime}: {:?}", created.json());
        assert_eq!(created.json()["sha256"], hash.as_str());
        let again = put(addr, "r", mime, &bytes).await;
        assert_eq!(again.status, 200, "{mime}: stored already");

        let fetched = get(addr, "r", &hash).await;
        assert_eq!(fetched.status, 200, "{mime}");
        assert_eq!(fetched.body, bytes, "{mime}");
        assert_eq!(fetched.header("content-type"), Some(mime));
        assert_eq!(
            fetched.header("cache-control"),
            Some("private, max-age=31536000, immutable")
        );
        assert_eq!(fetched.header("etag"), Some(format!("\"{hash}\"").as_str()));
        assert_eq!(fetched.header("x-content-type-options"), Some("nosniff"));
    }
    // Either way of giving the token works, for uploads and reads alike.
    let bytes = png(5, 5);
    let hash = sha256(&bytes);
    let editor = token("r", "ed", Role::Editor);
    let by_query = http_response(
        addr,
        "PUT",
        &format!("/api/rooms/r/images/{hash}?token={editor}"),
        &[("Content-Type", "image/png")],
        &bytes,
    )
    .await;
    assert_eq!(by_query.status, 201);
    let viewer = bearer("r", "vi", Role::Viewer);
    let by_header = http_response(
        addr,
        "GET",
        &format!("/api/rooms/r/images/{hash}"),
        &[("Authorization", &viewer)],
        b"",
    )
    .await;
    assert_eq!((by_header.status, by_header.body), (200, bytes));

    // A hash the room does not have, or that is no hash at all.
    assert_eq!(get(addr, "r", &"ab".repeat(32)).await.status, 404);
    let not_a_hash = get(addr, "r", "cat.png").await;
    assert_eq!(
        (not_a_hash.status, code(&not_a_hash).as_str()),
        (404, "not_found")
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_editor_of_the_room_uploads_and_only_the_room_reads() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.addr();
    let bytes = png(8, 8);
    let hash = sha256(&bytes);

    let viewer = bearer("r", "vi", Role::Viewer);
    let refused = put_as(addr, "r", &hash, "image/png", Some(&viewer), &bytes).await;
    assert_eq!(
        (refused.status, code(&refused).as_str()),
        (403, "forbidden")
    );
    let anonymous = put_as(addr, "r", &hash, "image/png", None, &bytes).await;
    assert_eq!(
        (anonymous.status, code(&anonymous).as_str()),
        (401, "unauthorized")
    );
    let other_room = bearer("other", "ed", Role::Editor);
    let foreign = put_as(addr, "r", &hash, "image/png", Some(&other_room), &bytes).await;
    assert_eq!(foreign.status, 403);
    assert_eq!(get(addr, "r", &hash).await.status, 404, "nothing stored");

    assert_eq!(put(addr, "r", "image/png", &bytes).await.status, 201);
    assert_eq!(get(addr, "r", &hash).await.status, 200);
    // Another room's token cannot read it; the other room has no such image.
    assert_eq!(get_with(addr, "r", &hash, "other").await.status, 403);
    assert_eq!(get(addr, "other", &hash).await.status, 404);
    let no_token = http_response(
        addr,
        "GET",
        &format!("/api/rooms/r/images/{hash}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(no_token.status, 401);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_follow_the_protocol_order_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.addr();
    let editor = bearer("r", "ed", Role::Editor);
    let trips_of = |limit| trips(limit);

    // Over the size limit, declared or streamed: 413 without reading it all.
    let oversized = vec![0u8; IMAGE_MAX_BYTES + 1];
    let path = format!("/api/rooms/r/images/{}", sha256(&oversized));
    assert_eq!(put_raw(addr, &path, &editor, &oversized, true).await, 413);
    assert_eq!(put_raw(addr, &path, &editor, &oversized, false).await, 413);
    assert_eq!(metric(addr, &trips_of(label::IMAGE_BYTES)).await, 2);

    // SVG (or any other type): 415.
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let refused = put(addr, "r", "image/svg+xml", svg).await;
    assert_eq!(
        (refused.status, code(&refused).as_str()),
        (415, "unsupported_type")
    );
    assert!(refused.json()["message"].as_str().unwrap().contains("SVG"));
    assert_eq!(metric(addr, &trips_of(label::IMAGE_TYPE)).await, 1);

    // A truncated PNG, and a PNG declared as JPEG: 422.
    let whole = png(64, 64);
    let truncated = &whole[..whole.len() / 2];
    let refused = put(addr, "r", "image/png", truncated).await;
    assert_eq!(
        (refused.status, code(&refused).as_str()),
        (422, "unprocessable")
    );
    assert_eq!(put(addr, "r", "image/jpeg", &whole).await.status, 422);
    assert_eq!(metric(addr, &trips_of(label::IMAGE_INVALID)).await, 2);

    // A whole image under another image's hash: 422.
    let named_wrong = put_as(
        addr,
        "r",
        &"00".repeat(32),
        "image/png",
        Some(&editor),
        &whole,
    )
    .await;
    assert_eq!(
        (named_wrong.status, code(&named_wrong).as_str()),
        (422, "unprocessable")
    );
    assert_eq!(metric(addr, &trips_of(label::IMAGE_HASH)).await, 1);

    for hash in [
        sha256(&oversized),
        sha256(svg),
        sha256(truncated),
        sha256(&whole),
        "00".repeat(32),
    ] {
        assert_eq!(get(addr, "r", &hash).await.status, 404, "nothing stored");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_over_its_image_quota_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = png(16, 16);
    let second = png(17, 17);
    let mut config = config(dir.path());
    config.room_image_max_bytes = (first.len() + second.len() - 1) as u64;
    let server = inkmesh_server::Server::start(config).await.unwrap();
    let addr = server.addr();

    assert_eq!(put(addr, "r", "image/png", &first).await.status, 201);
    let refused = put(addr, "r", "image/png", &second).await;
    assert_eq!(
        (refused.status, code(&refused).as_str()),
        (413, "too_large")
    );
    assert_eq!(get(addr, "r", &sha256(&second)).await.status, 404);
    assert_eq!(metric(addr, &trips(label::ROOM_IMAGE_BYTES)).await, 1);
    // The room's first image uploads again (it costs nothing more), and
    // another room has its own quota.
    assert_eq!(put(addr, "r", "image/png", &first).await.status, 200);
    assert_eq!(put(addr, "s", "image/png", &second).await.status, 201);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_collects_images_no_kept_version_shows() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    // A version after every keeper tick with edits; only the newest kept;
    // unreferenced images collected at once.
    config.keeper.compact_updates = 1;
    config.keeper.retention = Retention {
        max_versions: 1,
        image_grace: Duration::ZERO,
        ..Retention::default()
    };
    let server = inkmesh_server::Server::start(config).await.unwrap();
    let (url, addr) = (server.signal_url(), server.addr());

    let (shown, unplaced) = (png(10, 10), png(11, 11));
    let (shown_hash, unplaced_hash) = (sha256(&shown), sha256(&unplaced));
    assert_eq!(put(addr, "c", "image/png", &shown).await.status, 201);
    assert_eq!(put(addr, "c", "image/png", &unplaced).await.status, 201);

    let alice = Peer::join(&url, "c", "alice", Role::Editor).await;
    let image = ImageRef {
        sha256: shown_hash.clone(),
        mime: "image/png".into(),
        width: 10.0,
        height: 10.0,
        bytes: shown.len() as f64,
    };
    let id = alice
        .room
        .edit(|b| b.add(NewElement::image(0.0, 0.0, 100.0, 100.0, image)))
        .await
        .unwrap();
    wait_for("the image never placed to be collected", 30, || async {
        get(addr, "c", &unplaced_hash).await.status == 404
    })
    .await;
    assert_eq!(get(addr, "c", &shown_hash).await.status, 200, "still shown");

    alice.room.edit(|b| b.delete(&[&id])).await;
    wait_for("the deleted image to be collected", 30, || async {
        get(addr, "c", &shown_hash).await.status == 404
    })
    .await;
    drop(alice);
    server.shutdown().await;
}

/// Writes an image `PUT`'s head (with its `Content-Length`) on a new
/// connection, leaving the body to the caller.
/// Starts uploading a `side`-px image to room `r` and sends 16 bytes of it:
/// the upload holds one of the room's places until it is dropped.
async fn hold_upload(addr: SocketAddr, side: u32) -> TcpStream {
    let trickle = png(side, side);
    let mut stream = put_head(addr, "r", &trickle).await;
    stream.write_all(&trickle[..16]).await.unwrap();
    stream
}

/// Whether the server has answered on `stream` already.
async fn answered(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    let peek = tokio::time::timeout(Duration::from_millis(5), stream.peek(&mut byte)).await;
    matches!(peek, Ok(Ok(n)) if n > 0)
}

async fn put_head(addr: SocketAddr, room: &str, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PUT /api/rooms/{room}/images/{} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: {}\r\nContent-Type: image/png\r\nContent-Length: {}\r\n\r\n",
        sha256(bytes),
        bearer(room, "ed", Role::Editor),
        bytes.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// The status and body of the answer on `stream`, within 30 s.
async fn answer(mut stream: TcpStream) -> (u16, String) {
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut response)).await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split(' ').nth(1).expect("an answer").parse().unwrap();
    (status, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_slower_than_the_request_timeout_but_steady_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.request_timeout = Duration::from_millis(500);
    config.image_upload.min_bytes_per_sec = 1;
    let server = inkmesh_server::Server::start(config).await.unwrap();
    let addr = server.addr();

    // Eight pieces 250 ms apart: the body takes about 2 s, four request
    // timeouts, arriving steadily all the while.
    let bytes = png(64, 64);
    let mut stream = put_head(addr, "r", &bytes).await;
    for piece in bytes.chunks(bytes.len().div_ceil(8)) {
        // A server that answered early (408) has closed: its answer says so.
        if stream.write_all(piece).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (status, text) = answer(stream).await;
    assert_eq!(status, 201, "{text}");
    assert_eq!(get(addr, "r", &sha256(&bytes)).await.body, bytes);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_trickling_below_the_minimum_rate_is_refused_and_frees_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.image_upload.rate_grace = Duration::from_millis(300);
    let server = inkmesh_server::Server::start(config).await.unwrap();
    let addr = server.addr();

    let bytes = png(64, 64);
    let mut stream = put_head(addr, "r", &bytes).await;
    stream.write_all(&bytes[..16]).await.unwrap();
    let (status, text) = answer(stream).await;
    assert_eq!(status, 408, "{text}");
    assert!(text.contains("slower than 64 KiB/s"), "{text}");
    assert_eq!(metric(addr, &trips(label::IMAGE_UPLOAD_SLOW)).await, 1);
    assert_eq!(get(addr, "r", &sha256(&bytes)).await.status, 404);
    // Its place is free again: a whole upload goes through at once.
    assert_eq!(put(addr, "r", "image/png", &bytes).await.status, 201);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_reads_two_uploads_at_once_and_asks_a_third_to_retry() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    // The held uploads send nothing more for the whole test.
    config.image_upload.rate_grace = Duration::from_secs(120);
    let server = inkmesh_server::Server::start(config).await.unwrap();
    let addr = server.addr();

    let bytes = png(64, 64);
    let mut held = Vec::new();
    for side in [65, 66] {
        held.push(hold_upload(addr, side).await);
    }
    // Once both hold the room's places, a third upload is refused at once.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let refused = loop {
        let answer = put(addr, "r", "image/png", &bytes).await;
        if answer.status == 429 {
            break answer;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "a third upload to the room was never refused: {}",
            answer.status
        );
        // A try the server reached before a held upload took that upload's
        // place, and the held one was refused (429): it is held again.
        for (side, stream) in (65..).zip(held.iter_mut()) {
            if answered(stream).await {
                *stream = hold_upload(addr, side).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(code(&refused), "rate_limited");
    assert_eq!(refused.header("retry-after"), Some("2"));
    assert!(metric(addr, &trips(label::IMAGE_UPLOADS_ROOM)).await >= 1);
    // Another room is not held up by them.
    assert_eq!(put(addr, "s", "image/png", &bytes).await.status, 201);
    // A held upload that goes away gives its place back.
    held.pop();
    wait_for("the room's place given back", 10, || async {
        put(addr, "r", "image/png", &bytes).await.status != 429
    })
    .await;
    drop(held);
    server.shutdown().await;
}
