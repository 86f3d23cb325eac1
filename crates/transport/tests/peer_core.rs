//! Replays the shared fixtures (`tests/fixtures/peer-core/*.json`, described in
//! its README) through the Rust peer core; `web/test/net-core-fixtures.test.ts`
//! replays the same files through the web core, so both follow one script.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use inkmesh_doc::{Board, BoardOptions, Encoding};
use inkmesh_transport::protocol::peer::{Ending, LinkBytes, PeerCore, PeerEvent, Shared};
use inkmesh_transport::protocol::presence::{
    LocalPresence, PresenceTable, Speaker, PRESENCE_EXPIRY,
};
use inkmesh_transport::protocol::session::Ends;
use inkmesh_transport::{limits, Limits, Role, SyncState};
use serde_json::Value;

fn fixtures() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/peer-core");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the fixture directory")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a fixture");
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, serde_json::from_str(&text).expect("fixture JSON"))
        })
        .collect()
}

fn bytes(hex: &str) -> Vec<u8> {
    hex.split_whitespace()
        .map(|pair| u8::from_str_radix(pair, 16).expect("hex pair"))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn role(value: &Value) -> Role {
    match value.as_str() {
        Some("viewer") => Role::Viewer,
        _ => Role::Editor,
    }
}

fn state_name(state: SyncState) -> &'static str {
    match state {
        SyncState::Connecting => "connecting",
        SyncState::AwaitingStep2 => "awaitingStep2",
        SyncState::Synced => "synced",
        SyncState::Live => "live",
    }
}

/// One link: the core, the room-wide state it borrows, and the link's queue.
struct Link {
    core: PeerCore,
    board: Board,
    presence: PresenceTable,
    local_presence: LocalPresence,
    queued_total: u64,
    sent_total: u64,
}

impl Link {
    fn bytes(&self) -> LinkBytes {
        LinkBytes {
            queued: (self.queued_total - self.sent_total) as usize,
            queued_total: self.queued_total,
            sent_total: self.sent_total,
        }
    }

    fn queue(&mut self, frames: &[Vec<u8>]) -> Vec<String> {
        self.queued_total += frames.iter().map(|f| f.len() as u64).sum::<u64>();
        frames.iter().map(|f| hex(f)).collect()
    }
}

/// What one step did.
#[derive(Default)]
struct Outcome {
    out: Vec<String>,
    cursor_out: Vec<String>,
    cursors: Vec<u64>,
    dropped: bool,
    error: Option<Ending>,
}

fn step(link: &mut Link, step: &Value, now: Instant) -> Outcome {
    let mut outcome = Outcome::default();
    let live = BTreeSet::new();
    let hex_in = || bytes(step["hex"].as_str().expect("hex"));
    let frames = match step["action"].as_str().expect("action") {
        "open" | "board" => {
            let link_bytes = link.bytes();
            let mut shared = Shared {
                board: &mut link.board,
                presence: &mut link.presence,
                local_presence: &mut link.local_presence,
                live_links: &live,
            };
            if step["action"] == "open" {
                link.core.open(&mut shared, now, link_bytes)
            } else {
                link.core
                    .board_frame(&mut shared, &hex_in(), now, link_bytes)
                    .map(|out| {
                        outcome.dropped = out.events.contains(&PeerEvent::ViewerUpdateDropped);
                        out.frames
                    })
            }
        }
        "cursor" => link
            .core
            .cursor_frame(&hex_in(), now, |_| true)
            .map(|cursors| {
                outcome.cursors = cursors.iter().map(|(_, f)| u64::from(f.seq)).collect();
                Vec::new()
            }),
        "text" => Err(link.core.text_message(step["channel"].as_str().unwrap())),
        "update" => {
            let link_bytes = link.bytes();
            link.core.local_update(&hex_in(), link_bytes)
        }
        "sendCursor" => {
            let number = |key: &str| step[key].as_f64().expect("a number");
            let frame = link.core.local_cursor(
                number("x") as f32,
                number("y") as f32,
                number("buttons") as u8,
                number("tool") as u8,
            );
            outcome.cursor_out = frame.iter().map(|f| hex(&f.encode())).collect();
            Ok(Vec::new())
        }
        "drain" => {
            link.sent_total = link.queued_total;
            Ok(Vec::new())
        }
        "hold" => {
            link.core.hold_sync();
            Ok(Vec::new())
        }
        "release" => {
            let link_bytes = link.bytes();
            link.core.release_sync(&link.board, link_bytes)
        }
        other => panic!("unknown action {other}"),
    };
    match frames {
        Ok(frames) => outcome.out = link.queue(&frames),
        Err(ending) => outcome.error = Some(ending),
    }
    outcome
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().expect("hex").to_owned())
        .collect()
}

#[test]
fn the_rust_core_follows_every_shared_fixture() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 8, "the fixtures are missing");
    let now = Instant::now();
    for (name, fixture) in fixtures {
        let local = role(&fixture["local"]);
        let mut options = BoardOptions::new("u-fixture");
        options.client_id = Some(1);
        let mut board = Board::with_options(options);
        if let Some(update) = fixture["board"].as_str() {
            board.apply_remote(&bytes(update), Encoding::V1).unwrap();
        }
        let ends = Ends {
            local,
            remote: role(&fixture["remote"]),
            speaker: Speaker {
                id: 7,
                relay: false,
            },
            keeper: false,
        };
        let max_queued = fixture["maxQueuedBytes"]
            .as_u64()
            .map_or(limits::MAX_QUEUED_BYTES, |n| n as usize);
        let offerer = fixture["offerer"].as_bool().expect("offerer");
        let mut link = Link {
            core: PeerCore::new(ends, false, offerer, Limits::default(), max_queued),
            board,
            presence: PresenceTable::new(PRESENCE_EXPIRY),
            local_presence: LocalPresence::new(1),
            queued_total: 0,
            sent_total: 0,
        };
        let steps = fixture["steps"].as_array().expect("steps");
        for (i, expected) in steps.iter().enumerate() {
            let at = format!("{name}, step {i} ({})", expected["action"]);
            let outcome = step(&mut link, expected, now);
            match (&outcome.error, expected.get("error")) {
                (Some(ending), Some(error)) => {
                    let limit = ending.limit().map(|l| l.name());
                    assert_eq!(limit, error["limit"].as_str(), "{at}: the limit");
                    let says = error["says"].as_str().unwrap();
                    assert!(
                        ending.to_string().contains(says),
                        "{at}: {ending} does not say {says:?}"
                    );
                    assert_eq!(i + 1, steps.len(), "{at}: no step follows an error");
                    break;
                }
                (Some(ending), None) => panic!("{at}: the link ended: {ending}"),
                (None, Some(_)) => panic!("{at}: expected the link to end"),
                (None, None) => {}
            }
            if let Some(out) = expected.get("out") {
                assert_eq!(outcome.out, strings(out), "{at}: board frames out");
            }
            if let Some(out) = expected.get("cursorOut") {
                assert_eq!(outcome.cursor_out, strings(out), "{at}: cursor frames out");
            }
            if let Some(seqs) = expected.get("cursors") {
                let seqs: Vec<u64> = seqs
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_u64().unwrap())
                    .collect();
                assert_eq!(outcome.cursors, seqs, "{at}: cursors accepted");
            }
            if let Some(state) = expected.get("state") {
                assert_eq!(
                    Some(state_name(link.core.state())),
                    state.as_str(),
                    "{at}: state"
                );
            }
            if let Some(dropped) = expected.get("dropped") {
                assert_eq!(Some(outcome.dropped), dropped.as_bool(), "{at}: dropped");
            }
        }
    }
}
