//! Logs a person can read: to stderr, without colour codes unless stderr is a
//! terminal (a file or a journal would show them as `^[[2m` litter), without
//! the three warnings the `webrtc` stack logs on every connection although
//! nothing is wrong ([`HarmlessWebrtcWarnings`]), and without tokens at any
//! level ([`env_filter`]; request URIs are redacted by `http::trace`).

use std::fmt::{self, Write as _};
use std::io::IsTerminal;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::LogFormat;

/// Installs the global subscriber: level from `RUST_LOG` (default `info`),
/// `format` for people or for log collectors.
pub fn init(format: LogFormat) {
    let directives = std::env::var(EnvFilter::DEFAULT_ENV).unwrap_or_else(|_| "info".into());
    let filter = env_filter(&directives);
    let base = tracing_subscriber::registry()
        .with(filter)
        .with(HarmlessWebrtcWarnings);
    match format {
        LogFormat::Text => base
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(std::io::stderr().is_terminal()),
            )
            .init(),
        LogFormat::Json => base
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::io::stderr),
            )
            .init(),
    }
}

/// tungstenite logs every WebSocket frame's payload at `trace`, and a signaling
/// `join` carries its token: that module never logs below `debug`.
const NO_FRAME_PAYLOADS: &str = "tungstenite::protocol=debug";

/// The filter for `directives` (`RUST_LOG` syntax), with tungstenite's frame
/// payloads kept out whatever they say. The cap is added only where some
/// directive reaches `trace` (by name or as level 5): added to a quieter
/// filter it would turn tungstenite's debug lines on.
pub fn env_filter(directives: &str) -> EnvFilter {
    let filter = EnvFilter::new(directives);
    if directives.to_ascii_lowercase().contains("trace") || directives.contains('5') {
        filter.add_directive(NO_FRAME_PAYLOADS.parse().expect("a valid filter directive"))
    } else {
        filter
    }
}

/// Warnings the `webrtc` stack (through the `log` crate) logs on every
/// connection, each harmless; the module and the text must both match, so
/// every other warning of those modules still shows.
const HARMLESS: [(&str, &str); 3] = [
    // Both ends of a WebRTC data channel send an SCTP INIT at once. The end
    // in the DTLS client role has no server configuration and refuses the
    // other's INIT; the association is made from its own INIT instead.
    (
        "rtc_sctp",
        "refusing first packet due to empty server_config",
    ),
    // DTLS's server name is only for certificate checks by name; WebRTC
    // checks the certificate's fingerprint from the SDP instead, and the
    // `webrtc` crate offers no way to set the name.
    ("rtc_dtls", "conn.remote_addr is empty"),
    // ICE's first connectivity-check tick runs before the other side's
    // candidates arrive (they trickle in over signaling); later ticks check
    // the pairs.
    (
        "rtc_ice",
        "pingAllCandidates called with no candidate pairs",
    ),
];

/// A layer that drops exactly the [`HARMLESS`] warnings.
pub struct HarmlessWebrtcWarnings;

impl<S: Subscriber> Layer<S> for HarmlessWebrtcWarnings {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        if *event.metadata().level() != Level::WARN {
            return true;
        }
        let mut seen = Seen::default();
        event.record(&mut seen);
        // Events from the `log` crate carry their module in `log.target`.
        let target = seen
            .log_target
            .as_deref()
            .unwrap_or(event.metadata().target());
        !HARMLESS.iter().any(|(module, text)| {
            target.split("::").next() == Some(*module) && seen.message.contains(text)
        })
    }
}

/// The fields of an event the filter looks at.
#[derive(Default)]
struct Seen {
    message: String,
    log_target: Option<String>,
}

impl Visit for Seen {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message.push_str(value),
            "log.target" => self.log_target = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_frame_payload_cap_only_ever_lowers_a_level() {
        use tracing::level_filters::LevelFilter;
        // At the default level nothing of tungstenite's debug is turned on...
        assert_eq!(env_filter("info").max_level_hint(), Some(LevelFilter::INFO));
        // ...and where trace is asked for, tungstenite's frames stay out.
        let capped = env_filter("trace").to_string();
        assert!(capped.contains("tungstenite::protocol=debug"), "{capped}");
        assert!(env_filter("inkmesh_server=5")
            .to_string()
            .contains("tungstenite"));
    }

    #[test]
    fn only_the_harmless_warnings_are_dropped() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::registry()
            .with(HarmlessWebrtcWarnings)
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(move || writer.clone()),
            );
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(target: "rtc_sctp::endpoint", "refusing first packet due to empty server_config");
            tracing::warn!(target: "rtc_dtls::config", "conn.remote_addr is empty, please set explicitly server_name in Config! Use default \"localhost\" as server_name now");
            tracing::warn!(target: "rtc_ice::agent", "[controlled]: pingAllCandidates called with no candidate pairs. Connection is not possible yet.");
            tracing::warn!(target: "rtc_sctp::endpoint", "association refused: kept");
            tracing::warn!(target: "inkmesh_server", "conn.remote_addr is empty: kept");
            tracing::info!(target: "rtc_ice::agent", "pingAllCandidates called with no candidate pairs: kept");
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.lines().all(|l| l.ends_with("kept")), "{text}");
    }
}
