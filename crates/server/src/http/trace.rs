//! Request spans for the logs, without tokens in them. A token in `?token=`
//! (how `<img src>` and the like authenticate) opens a room for a day; a URL
//! logged whole at `RUST_LOG=debug` would hand it to whoever reads the logs.

use std::borrow::Cow;

use axum::http::{Request, Uri};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{MakeSpan, TraceLayer};
use tracing::Span;

/// What a token's value is logged as.
pub const REDACTED: &str = "REDACTED";

/// The query parameter that carries a token.
const TOKEN_PARAM: &str = "token";

/// tower-http's tracing, with [`RedactedSpan`] for each request.
pub fn layer() -> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RedactedSpan> {
    TraceLayer::new_for_http().make_span_with(RedactedSpan)
}

/// A `request` span like tower-http's default, with the URI redacted.
#[derive(Debug, Clone, Copy)]
pub struct RedactedSpan;

impl<B> MakeSpan<B> for RedactedSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        tracing::debug_span!(
            "request",
            method = %request.method(),
            uri = %redact_token(request.uri()),
            version = ?request.version(),
        )
    }
}

/// `uri` with the value of every `token` query parameter replaced by
/// [`REDACTED`] (the name compared as the server decodes it, so
/// `%74oken=` is caught too).
pub fn redact_token(uri: &Uri) -> Cow<'_, str> {
    let Some(query) = uri.query() else {
        return Cow::Borrowed(uri.path());
    };
    let pairs: Vec<Cow<'_, str>> = query
        .split('&')
        .map(|pair| {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name);
            if percent_decoded(name).eq_ignore_ascii_case(TOKEN_PARAM) {
                Cow::Owned(format!("{name}={REDACTED}"))
            } else {
                Cow::Borrowed(pair)
            }
        })
        .collect();
    Cow::Owned(format!("{}?{}", uri.path(), pairs.join("&")))
}

/// A query parameter name as form decoding reads it (`+` is a space, `%XX` a
/// byte); malformed escapes are kept as they are.
fn percent_decoded(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(uri: &str) -> String {
        redact_token(&uri.parse().unwrap()).into_owned()
    }

    #[test]
    fn token_values_are_replaced_and_the_rest_kept() {
        assert_eq!(redacted("/healthz"), "/healthz");
        assert_eq!(redacted("/a?x=1"), "/a?x=1");
        assert_eq!(
            redacted("/api/rooms/r/board.svg?token=eyJhbGc.secret.sig"),
            "/api/rooms/r/board.svg?token=REDACTED"
        );
        assert_eq!(
            redacted("/a?x=1&token=s3cret&TOKEN=s3cret&%74oken=s3cret&token"),
            "/a?x=1&token=REDACTED&TOKEN=REDACTED&%74oken=REDACTED&token=REDACTED"
        );
        assert_eq!(redacted("/a?tokens=1&%zz=2"), "/a?tokens=1&%zz=2");
    }
}
