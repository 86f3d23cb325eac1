//! Packet loss: inside a network namespace where nftables drops 15% of incoming UDP
//! packets, cursor frames keep arriving with low latency (they are never
//! retransmitted, so a lost one is simply replaced by the next) while every
//! board update still arrives on the reliable channel, and a joining peer gets
//! the whole board.
//!
//! The test re-runs itself inside a fresh namespace (`ip netns exec`). Where no
//! namespace can be made (not root, no `ip` or `nft`), it says so and skips.

mod common;

use std::collections::HashMap;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{converged, init_tracing, TestPeer};
use inkmesh_doc::{Board, Point, Style};
use inkmesh_transport::{MemoryHub, Role, RoomEvent};

const INSIDE: &str = "INKMESH_TEST_IN_LOSSY_NETNS";
const LOSS_PERCENT: u32 = 15;
/// How long the link may take to come up at [`LOSS_PERCENT`] loss.
const SETUP_UNDER_LOSS: Duration = Duration::from_secs(60);

/// A network namespace with only loopback, dropping a share of UDP packets.
/// Deleted on drop.
struct LossyNamespace(String);

impl LossyNamespace {
    /// `Err` only when no namespace can be made here at all (then the test skips);
    /// a namespace that cannot be set up is a failure.
    fn create(loss_percent: u32) -> Result<Self, String> {
        // Unique per test too: the tests of this binary run at once, and a
        // shared name made all but one of them skip.
        static CREATED: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "inkmesh-loss-{}-{}",
            std::process::id(),
            CREATED.fetch_add(1, Ordering::Relaxed)
        );
        run("ip", &["netns", "add", &name])?;
        let ns = LossyNamespace(name);
        let percent = loss_percent.to_string();
        let ns_exec = |args: &[&str]| {
            let mut full = vec!["netns", "exec", &ns.0];
            full.extend_from_slice(args);
            run("ip", &full).unwrap_or_else(|e| panic!("setting up the lossy namespace: {e}"));
        };
        ns_exec(&["ip", "link", "set", "lo", "up"]);
        ns_exec(&["nft", "add", "table", "inet", "inkmesh_loss"]);
        ns_exec(&[
            "nft",
            "add",
            "chain",
            "inet",
            "inkmesh_loss",
            "input",
            "{ type filter hook input priority 0 ; policy accept ; }",
        ]);
        ns_exec(&[
            "nft",
            "add",
            "rule",
            "inet",
            "inkmesh_loss",
            "input",
            "meta",
            "l4proto",
            "udp",
            "numgen",
            "random",
            "mod",
            "100",
            "<",
            &percent,
            "drop",
        ]);
        Ok(ns)
    }
}

impl Drop for LossyNamespace {
    fn drop(&mut self) {
        let _ = run("ip", &["netns", "del", &self.0]);
    }
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

#[test]
fn cursors_stay_fast_and_updates_arrive_under_packet_loss() {
    if std::env::var_os(INSIDE).is_some() {
        return inside_lossy_namespace();
    }
    rerun_in_lossy_namespace("cursors_stay_fast_and_updates_arrive_under_packet_loss");
}

/// The join path under loss: a board of many SCTP packets (every retransmission
/// rule of the stack, fast and on timeout) arrives whole, element for element.
#[test]
fn a_board_joins_intact_under_packet_loss() {
    if std::env::var_os(INSIDE).is_some() {
        return join_inside_lossy_namespace();
    }
    rerun_in_lossy_namespace("a_board_joins_intact_under_packet_loss");
}

/// Runs the test `name` of this binary again inside a fresh lossy namespace
/// and fails if it fails there; skips where no namespace can be made.
fn rerun_in_lossy_namespace(name: &str) {
    let ns = match LossyNamespace::create(LOSS_PERCENT) {
        Ok(ns) => ns,
        Err(e) => {
            eprintln!("SKIPPED: cannot create a lossy network namespace ({e}); run as root with iproute2 and nftables");
            return;
        }
    };
    let exe = std::env::current_exe().expect("test binary path");
    let output = Command::new("ip")
        .args(["netns", "exec", &ns.0])
        .arg(exe)
        .args(["--exact", name, "--nocapture"])
        .env(INSIDE, "1")
        // Warnings and errors at least, so that a failure here says what the
        // stack saw (a stalled association, a peer disconnected for a limit).
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
        )
        .output()
        .expect("run the test inside the namespace");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{log}");
    assert!(output.status.success(), "the lossy run failed:\n{log}");
    assert!(
        log.contains("1 passed"),
        "the lossy run did not run the test:\n{log}"
    );
}

/// Runs `test` on a two-thread runtime, as the peers need, with tracing on.
fn block_on_two_threads(test: impl std::future::Future<Output = ()>) {
    init_tracing();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(test);
}

fn join_inside_lossy_namespace() {
    block_on_two_threads(async {
        // 300 strokes of 100 points: about 1.3 MB of update, a thousand
        // SCTP packets, so about a hundred of them lost on the way.
        let mut board = Board::new("u-alice");
        for s in 0..300 {
            let (x, y) = ((s % 20) as f64 * 50.0, (s / 20) as f64 * 50.0);
            let id = board.begin_stroke(x, y, &Style::default()).unwrap();
            let points: Vec<Point> = (0..100)
                .map(|k| Point::new(x + k as f64 * 0.5, y + (k % 7) as f64))
                .collect();
            board.append_points(&id, &points).unwrap();
            board.end_stroke(&id).unwrap();
        }
        let hub = MemoryHub::new();
        let alice = TestPeer::join_with(
            &hub,
            "r",
            "alice",
            Role::Editor,
            Arc::new(Mutex::new(board)),
        )
        .await;
        let mut bob = TestPeer::join(&hub, "r", "bob", Role::Editor).await;
        synced_under_loss(&mut bob, "bob").await;
        let want = alice.board.lock().unwrap().elements();
        let got = bob.board.lock().unwrap().elements();
        assert_eq!(got.len(), 300);
        assert_eq!(got, want, "bob's board equals alice's");
    });
}

/// Waits for `peer` to sync with the room. Setting the link up under loss is
/// slow: the DTLS and SCTP handshakes retransmit on timers, so at 15% loss it
/// takes 8-14 s here and now and then longer than the usual deadline.
async fn synced_under_loss(peer: &mut TestPeer, who: &str) {
    tokio::time::timeout(SETUP_UNDER_LOSS, async {
        loop {
            match peer.events.recv().await {
                Some(RoomEvent::PeerSynced(_)) => return,
                Some(_) => continue,
                None => panic!("room closed while {who} was syncing"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{who} not synced {SETUP_UNDER_LOSS:?} into the loss"));
}

fn inside_lossy_namespace() {
    block_on_two_threads(async {
        let hub = MemoryHub::new();
        let a = TestPeer::join(&hub, "r", "alice", Role::Editor).await;
        let mut b = TestPeer::join(&hub, "r", "bob", Role::Editor).await;
        // Speed under loss is the subject below, once the link is up.
        synced_under_loss(&mut b, "bob").await;

        // Alice moves her cursor at 60 Hz for 5 s while drawing at 60 Hz.
        let sent: Arc<Mutex<HashMap<u32, Instant>>> = Arc::default();
        let frames = 300u32;
        let cursor = async {
            for i in 1..=frames {
                sent.lock().unwrap().insert(i, Instant::now());
                a.room.send_cursor(i as f32, 0.0, 0, 0);
                tokio::time::sleep(Duration::from_micros(16_667)).await;
            }
        };
        let receive = async {
            let mut latencies = Vec::new();
            let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
            while let Ok(Some(event)) = tokio::time::timeout_at(deadline, b.events.recv()).await {
                if let RoomEvent::Cursor { frame, .. } = event {
                    let at = sent.lock().unwrap()[&(frame.x as u32)];
                    latencies.push(at.elapsed());
                    if frame.x as u32 == frames {
                        break;
                    }
                }
            }
            latencies
        };
        let frame = Some(Duration::from_micros(16_667));
        let (_, mut latencies, strokes) =
            tokio::join!(cursor, receive, a.draw_paced(10, 20, 1.0, frame));

        latencies.sort();
        let received = latencies.len() as u32;
        let p50 = latencies[latencies.len() / 2];
        let p90 = latencies[latencies.len() * 9 / 10];
        let p99 = latencies[latencies.len() * 99 / 100];
        println!("cursor frames: {received}/{frames} received at {LOSS_PERCENT}% loss, p50 {p50:?}, p90 {p90:?}, p99 {p99:?}");
        // A lost frame is not retransmitted: about (100 - loss)% arrive,
        // fast. Now and then the association stalls for one retransmission
        // timeout (rtc-sctp's minimum is 1 s) with the pen's reliable data
        // in flight, and the cursor frames of that second arrive late or
        // not at all (seen: 163 of 300, p99 1.09 s); the tail is the
        // transport's, not ours, so the bounds leave room for one stall.
        assert!(
            received >= frames / 2,
            "only {received} of {frames} cursor frames arrived"
        );
        assert!(
            p90 < Duration::from_millis(100),
            "cursor p90 {p90:?} under loss"
        );

        let elements = converged(&[&a, &b]).await;
        assert_eq!(
            elements.len(),
            strokes.len(),
            "every stroke arrives despite the loss"
        );
        assert!(elements.iter().all(|e| e.points.len() == 40));
    });
}
