//! Crash: the real `inkmesh` binary is SIGKILLed while peers draw. Restarted on
//! the same data directory it has everything its keeper held more than a batch
//! window before the kill; once the peers come back with their boards, nothing
//! at all is missing, counted element by element.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use inkmesh_doc::NewElement;
use inkmesh_transport::Role;
use tokio::process::Child;

async fn spawn_server(dir: &Path) -> (Child, SocketAddr) {
    let args = [
        "--auth-secret",
        SECRET,
        "--keeper-bind",
        "127.0.0.1:0",
        "--keeper-mdns",
        "false",
        "--batch-ms",
        "50",
        "--keeper-idle-secs",
        "1",
    ];
    spawn_inkmesh(Path::new(env!("CARGO_BIN_EXE_inkmesh")), dir, &args).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_at_most_a_batch_window_and_reconnecting_peers_restore_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_server(dir.path()).await;
    let url = format!("ws://{addr}/api/signal");
    let room = "crash";
    let alice = Peer::join(&url, room, "alice", Role::Editor).await;
    let bob = Peer::join(&url, room, "bob", Role::Editor).await;

    // Draw for a while, watching what the keeper holds.
    let mut seen: Vec<(Instant, BTreeSet<String>)> = Vec::new();
    let started = Instant::now();
    let mut drawn = 0;
    while started.elapsed() < Duration::from_millis(1500) || drawn < 40 {
        let who = if drawn % 2 == 0 { &alice } else { &bob };
        who.room
            .edit(|b| b.add(NewElement::rect(drawn as f64, 0.0, 1.0, 1.0)))
            .await
            .unwrap();
        drawn += 1;
        if drawn % 4 == 0 {
            seen.push((Instant::now(), stored_ids(addr, room).await));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.start_kill().unwrap();
    let killed_at = Instant::now();
    child.wait().await.unwrap();

    // What the keeper held a batch window (plus commit time) before the kill
    // must have survived.
    let margin = Duration::from_millis(50 + 250);
    let must_survive = seen
        .iter()
        .rev()
        .find(|(at, _)| *at + margin <= killed_at)
        .map(|(_, ids)| ids.clone())
        .expect("the keeper was observed well before the kill");
    assert!(must_survive.len() >= 10, "the keeper had synced by then");

    let (mut child, addr) = spawn_server(dir.path()).await;
    let recovered = stored_ids(addr, room).await;
    let missing: Vec<_> = must_survive.difference(&recovered).collect();
    assert!(
        missing.is_empty(),
        "lost {} elements older than the batch window: {missing:?}",
        missing.len()
    );
    eprintln!(
        "recovered {} of {drawn} elements after SIGKILL ({} were required)",
        recovered.len(),
        must_survive.len()
    );

    // The peers reconnect with their boards: nothing at all is missing.
    let everything: BTreeSet<String> = alice.ids().union(&bob.ids()).cloned().collect();
    assert_eq!(everything.len(), drawn);
    let url = format!("ws://{addr}/api/signal");
    let (alice_board, bob_board) = (alice.board.clone(), bob.board.clone());
    drop(alice);
    drop(bob);
    let alice = Peer::rejoin(&url, room, &token(room, "alice", Role::Editor), alice_board).await;
    let bob = Peer::rejoin(&url, room, &token(room, "bob", Role::Editor), bob_board).await;
    wait_for("the keeper to hold every element again", 60, || async {
        stored_ids(addr, room).await == everything
    })
    .await;
    assert_eq!(alice.ids(), everything);
    assert_eq!(bob.ids(), everything);

    // And it is durable: a clean stop and start keeps all of it.
    drop(alice);
    drop(bob);
    #[cfg(unix)]
    {
        let pid = child.id().unwrap();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
            .await
            .expect("SIGTERM stops the server within 30 s")
            .unwrap();
        assert!(status.success(), "graceful exit: {status:?}");
        let (_child, addr) = spawn_server(dir.path()).await;
        let stored = stored_ids(addr, room).await;
        assert_eq!(stored.len(), everything.len(), "counted element by element");
        assert_eq!(stored, everything);
    }
}
