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
//! - With TLS (`--tls-cert`/`--tls-key`, see [`crate::tls`]) each connection
//!   first completes its handshake within the handshake timeout, holding its
//!   place under the cap meanwhile; the accept loop itself never waits on a
//!   handshake. TLS sits here, under the same loop, rather than in a second
//!   server (axum-server) that would need the cap and timers again.
//!
//! Only HTTP/1.1, over TLS too (ALPN says so): hyper's HTTP/2 would need its
//! own limits, and its version detection would read the first bytes with no
//! timer at all. A proxy in front may speak HTTP/2 to browsers.

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
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
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
    pub tls_handshake_timeout: Duration,
}

/// Serves `app` on `listener`, over TLS with `tls`, until `stop` turns
/// `true`, then shuts down gracefully: returns once every HTTP connection has
/// finished (upgraded WebSockets live on; the signaling tasks close them).
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
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
        let http = http.clone();
        let app = app.clone();
        let tls = tls.clone();
        let metrics = metrics.clone();
        let mut stop = stop.clone();
        let open = connection_open.clone();
        tokio::spawn(async move {
            let stream = match tls {
                None => Stream::Plain(stream),
                Some(acceptor) => {
                    let handshake = tokio::select! {
                        handshake = tokio::time::timeout(
                            limits.tls_handshake_timeout,
                            acceptor.accept(stream),
                        ) => handshake,
                        () = stopping(&mut stop) => return,
                    };
                    match handshake {
                        Ok(Ok(stream)) => Stream::Tls(Box::new(stream)),
                        Ok(Err(e)) => {
                            debug!("TLS handshake failed: {e}");
                            return;
                        }
                        Err(_) => {
                            metrics.limit_tripped(label::TLS_HANDSHAKE_TIMEOUT);
                            debug!("TLS handshake timed out");
                            return;
                        }
                    }
                }
            };
            let io = TokioIo::new(Permitted {
                stream,
                _permit: permit,
            });
            let connection = http
                .serve_connection(io, TowerToHyperService::new(app))
                .with_upgrades();
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

/// A connection's bytes: as they arrive, or through TLS.
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// A connection with its place under the cap: the place is given back when
/// the socket closes, which for a WebSocket is long after the HTTP exchange.
struct Permitted {
    stream: Stream,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for Permitted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.stream {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Permitted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.stream {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match &mut self.stream {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match &self.stream {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.stream {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.stream {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
