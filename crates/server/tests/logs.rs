//! Tokens never reach the logs, at any level: this binary installs the
//! server's filter at the most talkative level (`trace`, for every module) and
//! reads everything it wrote.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use inkmesh_transport::Role;

/// Everything logged, shared with the subscriber's writer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_in_urls_are_redacted_from_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter(inkmesh_server::logging::env_filter("trace"))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.addr();
    let token = token("r", "u", Role::Viewer);
    for path in [
        format!("/api/rooms/r/board.svg?token={token}"),
        format!("/api/rooms/r/snapshot?size=1&token={token}"),
        format!("/api/rooms/r/history?%74oken={token}"),
        format!("/api/rooms/other/snapshot?token={token}"),
    ] {
        let (status, _) = http(addr, "GET", &path, &[], b"").await;
        assert!(status == 200 || status == 403, "{path}: {status}");
    }
    let (_member, welcome) = RawClient::join(addr, "r", &token).await;
    assert_eq!(welcome["type"], "welcome");
    server.shutdown().await;

    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(
        logs.contains("token=REDACTED"),
        "the request spans were logged"
    );
    // Neither the whole token nor its signature appears anywhere.
    let signature = token.rsplit('.').next().unwrap();
    let leaks: Vec<&str> = logs.lines().filter(|l| l.contains(signature)).collect();
    assert!(leaks.is_empty(), "a token leaked into the logs: {leaks:#?}");
}
