//! The accept loop: HTTP/1.1 on hyper with the bounds `axum::serve` lacks.
//!
//! - At most [`ServeLimits::max_connections`] connections are open at once,
//!   WebSockets included (the permit travels with the socket into the
//!   upgrade). Over the cap a new connection is closed at once.
//! - Every request head must arrive within the header-read timeout: hyper's
//!   HTTP/1 timer runs from the moment it waits for a request, so a connection
//!   that trickles its headers, one that sends nothing after connecting, and a
//!   keep-alive connection idle between requests are all closed by it.
//! - Every socket has `TCP_NODELAY`: small signaling messages must not wait for
//!   Nagle's algorithm and the peer's delayed ACK (tens of ms).
//! - Shutdown stops accepting, lets requests in flight finish and closes idle
//!   connections (hyper's graceful shutdown of each; hyper-util's
//!   `GracefulShutdown` does not take HTTP/1 connections with upgrades).
//!
//! Only HTTP/1.1: browsers speak HTTP/2 only over TLS, which a proxy in front
//! terminates, and hyper's version detection would read the first bytes with
//! no timer at all.

use std::io;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tracing::{debug, warn};

use crate::limits::{label, MAX_HEADER_BYTES};
use crate::metrics::Metrics;

/// Pause after a failed `accept` (out of file descriptors, say) before the
/// next: accepting again at once would spin on the same error.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// The bounds of the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
}

/// Serves `app` on `listener` until `stop` turns `true`, then shuts down
/// gracefully: returns once every HTTP connection has finished (upgraded
/// WebSockets live on; the signaling tasks close them).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    // Every connection task holds a receiver; `closed` resolves once all are gone.
    let (open_connections, connection_open) = watch::channel(());
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_HEADER_BYTES);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stopping(&mut stop) => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                warn!("cannot accept a connection: {e}");
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            metrics.limit_tripped(label::CONNECTIONS);
            debug!(
                max = limits.max_connections,
                "refusing a connection over the cap"
            );
            continue;
        };
        if let Err(e) = stream.set_nodelay(true) {
            debug!("cannot set TCP_NODELAY: {e}");
        }
        let io = TokioIo::new(Permitted {
            stream,
            _permit: permit,
        });
        let connection = http
            .serve_connection(io, TowerToHyperService::new(app.clone()))
            .with_upgrades();
        let metrics = metrics.clone();
        let mut stop = stop.clone();
        let open = connection_open.clone();
        tokio::spawn(async move {
            let mut connection = pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = stopping(&mut stop) => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            drop(open);
            if let Err(e) = result {
                if e.is_timeout() {
                    metrics.limit_tripped(label::HEADER_TIMEOUT);
                } else if e.is_parse_too_large() {
                    metrics.limit_tripped(label::HEADER_BYTES);
                }
                debug!("connection ended: {e}");
            }
        });
    }
    drop(listener);
    drop(connection_open);
    open_connections.closed().await;
}

/// Resolves once `stop` turns `true` (or the server is gone).
async fn stopping(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: drop it here.
    let _ = stop.wait_for(|stopping| *stopping).await.is_ok();
}

/// A connection with its place under the cap: the place is given back when
/// the socket closes, which for a WebSocket is long after the HTTP exchange.
struct Permitted {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for Permitted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Permitted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
