//! Crash: the real `inkmesh` binary is SIGKILLed while peers draw. Restarted on
//! the same store it has everything its keeper held more than a batch window
//! before the kill; once the peers come back with their boards, nothing at all
//! is missing, counted element by element. Run on each store: the default
//! SQLite file in the data directory, and PostgreSQL (`INKMESH_STORE`) where
//! it is installed.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use common::binary::Binary;
use common::postgres::{Postgres, PASSWORD};
use common::*;
use inkmesh_doc::NewElement;
use inkmesh_transport::Role;

/// The binary with a short batch window and keeper idle time, storing in
/// `store` (`INKMESH_STORE`) or, without, in the data directory.
async fn spawn_server(dir: &Path, store: Option<&str>) -> Binary {
    let env: Vec<(&str, &str)> = store
        .map(|url| ("INKMESH_STORE", url))
        .into_iter()
        .collect();
    Binary::start_with_env(
        dir,
        &[
            "--auth-secret",
            SECRET,
            "--batch-ms",
            "50",
            "--keeper-idle-secs",
            "1",
        ],
        &env,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_on_sqlite_loses_at_most_a_batch_window_and_peers_restore_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    sigkill_then_recover(dir.path(), None).await;
    assert!(dir.path().join("inkmesh.db").is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_on_postgres_loses_at_most_a_batch_window_and_peers_restore_the_rest() {
    let Some(database) = tokio::task::spawn_blocking(Postgres::database)
        .await
        .unwrap()
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = sigkill_then_recover(dir.path(), Some(&database.url)).await;
    assert!(
        !dir.path().join("inkmesh.db").exists(),
        "the boards went to PostgreSQL, not to a SQLite file"
    );
    assert!(log.contains("postgres://postgres:***@127.0.0.1"), "{log}");
    assert!(!log.contains(PASSWORD), "the log shows no password");
}

/// Draws, SIGKILLs the server, restarts it on the same store, checks what
/// survived; returns the last server's log.
async fn sigkill_then_recover(dir: &Path, store: Option<&str>) -> String {
    let server = spawn_server(dir, store).await;
    let (addr, url) = (server.addr, server.signal_url());
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
    server.kill().await;
    let killed_at = Instant::now();

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

    let server = spawn_server(dir, store).await;
    let addr = server.addr;
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
    let url = server.signal_url();
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
    server.terminate().await;
    let server = spawn_server(dir, store).await;
    let stored = stored_ids(server.addr, room).await;
    assert_eq!(stored.len(), everything.len(), "counted element by element");
    assert_eq!(stored, everything);
    server.log()
}
