//! Open mode answers only this machine's pages.
//!
//! Open mode hands a token to whoever asks, so its only gate is who can ask.
//! On 127.0.0.1 that looks like "this machine only", but a page on any site can
//! make the browser ask: by DNS rebinding (its own host name, re-pointed at
//! 127.0.0.1, arrives as `Host: evil.example`) or by fetching
//! `http://127.0.0.1:8080` directly (arrives with `Origin: https://evil.example`).
//! So in open mode every request's `Host` must name a loopback host (or the host
//! of an `--allow-origin`), and its `Origin`, when there is one, must be a
//! loopback origin or an `--allow-origin`. Browsers send `Origin` on every
//! WebSocket and every cross-origin or non-GET request, which are what an
//! attacking page can do.
//!
//! With `--allow-open-mode-on-network` the server is meant to be reached under
//! other names, so `Host` is not checked; an `Origin` must then be the page's
//! own server (same host and port as `Host`) or listed. With an auth secret
//! none of this applies: tokens are the gate.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, Code};
use crate::limits::label;
use crate::metrics::Metrics;

/// Characters of a refused `Host` or `Origin` quoted back in the error.
const QUOTED_CHARS: usize = 100;

/// The open-mode check, with the allowed origins parsed once.
pub struct OpenModeGuard {
    allowed: Vec<Origin>,
    on_network: bool,
    metrics: Arc<Metrics>,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Host(String),
    Origin(String),
}

impl OpenModeGuard {
    /// `allow_origins`: `scheme://host[:port]` as `--allow-origin` takes them;
    /// `on_network`: `--allow-open-mode-on-network`.
    pub fn new(allow_origins: &[String], on_network: bool, metrics: Arc<Metrics>) -> Self {
        Self {
            allowed: allow_origins
                .iter()
                .filter_map(|o| Origin::parse(o))
                .collect(),
            on_network,
            metrics,
        }
    }

    /// Whether a request with these `Host` and `Origin` headers may be answered.
    pub fn check(&self, host: Option<&str>, origin: Option<&str>) -> Result<(), Refusal> {
        let host_authority = host.and_then(Authority::parse);
        if !self.on_network {
            let allowed = host_authority.as_ref().is_some_and(|h| {
                h.is_loopback() || self.allowed.iter().any(|o| o.authority.host == h.host)
            });
            if !allowed {
                return Err(Refusal::Host(host.unwrap_or_default().to_owned()));
            }
        }
        let Some(origin) = origin else {
            return Ok(());
        };
        let allowed = Origin::parse(origin).is_some_and(|o| {
            self.allowed.contains(&o)
                || (!self.on_network && o.authority.is_loopback())
                || host_authority.as_ref().is_some_and(|h| o.serves(h))
        });
        if allowed {
            Ok(())
        } else {
            Err(Refusal::Origin(origin.to_owned()))
        }
    }
}

/// The middleware: refuses with 403 and a JSON error, counted per reason.
pub async fn open_mode_guard(
    State(guard): State<Arc<OpenModeGuard>>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let verdict = guard.check(
        header_str(headers, header::HOST),
        header_str(headers, header::ORIGIN),
    );
    match verdict {
        Ok(()) => next.run(request).await,
        Err(refusal) => {
            let (limit, message) = match refusal {
                Refusal::Host(host) => (
                    label::OPEN_MODE_HOST,
                    format!(
                        "Open mode only answers pages on this machine, and this request is for \
                         host `{}`, not localhost or 127.0.0.1 (a page on another site reaching \
                         this server through DNS rebinding looks like this). To serve other \
                         machines, give the server an --auth-secret-file.",
                        quoted(&host)
                    ),
                ),
                Refusal::Origin(origin) => (
                    label::OPEN_MODE_ORIGIN,
                    format!(
                        "Open mode only answers pages on this machine, and this request comes \
                         from a page at `{}`. To let that site embed boards, list it with \
                         --allow-origin (or give the server an --auth-secret-file).",
                        quoted(&origin)
                    ),
                ),
            };
            guard.metrics.limit_tripped(limit);
            // Counted in /metrics; a line per refusal would let a hostile page fill the log.
            tracing::debug!(limit, "open mode refused a request: {message}");
            ApiError::new(Code::Forbidden, message).into_response()
        }
    }
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn quoted(text: &str) -> String {
    text.chars().take(QUOTED_CHARS).collect()
}

/// `host[:port]`, the host lowercased and without IPv6 brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Authority {
    host: String,
    port: Option<u16>,
}

impl Authority {
    fn parse(text: &str) -> Option<Authority> {
        let (host, port) = match text.strip_prefix('[') {
            Some(bracketed) => {
                let (host, rest) = bracketed.split_once(']')?;
                let port = match rest {
                    "" => None,
                    rest => Some(rest.strip_prefix(':')?),
                };
                (host, port)
            }
            None => match text.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (text, None),
            },
        };
        let port = match port {
            Some(port) => Some(port.parse().ok()?),
            None => None,
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() || host.contains(['/', '@', ' ']) {
            return None;
        }
        Some(Authority { host, port })
    }

    /// `localhost`, `*.localhost` (which browsers resolve to loopback
    /// themselves), `127.0.0.0/8` and `::1`.
    fn is_loopback(&self) -> bool {
        if self.host == "localhost" || self.host.ends_with(".localhost") {
            return true;
        }
        self.host
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
    }
}

/// A web origin, `scheme://host[:port]`, with the port made explicit.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    authority: Authority,
}

impl Origin {
    fn parse(text: &str) -> Option<Origin> {
        let (scheme, rest) = text.trim_end_matches('/').split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let mut authority = Authority::parse(rest)?;
        authority.port.get_or_insert(default_port);
        Some(Origin { scheme, authority })
    }

    /// Whether this origin's page came from the server reached as `host`
    /// (same host, same port; `Host` omits the scheme's default port).
    fn serves(&self, host: &Authority) -> bool {
        let default_port = if self.scheme == "https" { 443 } else { 80 };
        self.authority.host == host.host
            && self.authority.port == Some(host.port.unwrap_or(default_port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(allow: &[&str], on_network: bool) -> OpenModeGuard {
        let allow: Vec<String> = allow.iter().map(|s| s.to_string()).collect();
        OpenModeGuard::new(&allow, on_network, Arc::default())
    }

    #[test]
    fn loopback_hosts_pass_and_others_do_not() {
        let g = guard(&[], false);
        for host in [
            "127.0.0.1:8080",
            "127.9.9.9",
            "localhost",
            "LOCALHOST:80",
            "localhost.:8080",
            "board.localhost:8080",
            "[::1]:8080",
            "[::1]",
            "[::ffff:127.0.0.1]:1",
        ] {
            assert_eq!(g.check(Some(host), None), Ok(()), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "0.0.0.0:8080",
            "192.168.1.5:8080",
            "[::2]:8080",
            "127.0.0.1:99999",
            "",
        ] {
            assert!(
                matches!(g.check(Some(host), None), Err(Refusal::Host(_))),
                "{host}"
            );
        }
        assert!(g.check(None, None).is_err(), "no Host at all");
    }

    #[test]
    fn origins_must_be_loopback_or_listed() {
        let g = guard(&["https://app.example.com"], false);
        let host = Some("127.0.0.1:8080");
        for origin in [
            "http://127.0.0.1:8080",
            "http://localhost:3000",
            "https://app.example.com",
            "https://app.example.com:443",
        ] {
            assert_eq!(g.check(host, Some(origin)), Ok(()), "{origin}");
        }
        for origin in [
            "https://evil.example",
            "http://app.example.com",
            "https://app.example.com:8443",
            "null",
            "file://",
            "chrome-extension://abcdefghijklmnop",
            "ws://127.0.0.1:8080",
        ] {
            assert!(
                matches!(g.check(host, Some(origin)), Err(Refusal::Origin(_))),
                "{origin}"
            );
        }
        // The host of an allowed origin may be named in `Host`.
        assert_eq!(g.check(Some("app.example.com"), None), Ok(()));
    }

    #[test]
    fn on_the_network_host_is_free_but_origin_must_match_it() {
        let g = guard(&["https://app.example.com"], true);
        assert_eq!(g.check(Some("board.lan:8080"), None), Ok(()));
        assert_eq!(
            g.check(Some("board.lan:8080"), Some("http://board.lan:8080")),
            Ok(())
        );
        assert_eq!(
            g.check(Some("board.lan"), Some("https://board.lan")),
            Ok(())
        );
        assert_eq!(
            g.check(Some("board.lan"), Some("https://app.example.com")),
            Ok(())
        );
        for origin in [
            "http://evil.example",
            "http://board.lan:9090",
            "http://localhost:8080",
        ] {
            assert!(
                matches!(
                    g.check(Some("board.lan:8080"), Some(origin)),
                    Err(Refusal::Origin(_))
                ),
                "{origin}"
            );
        }
    }
}
