//! The SQLite store and recovery: append, compaction, history retention,
//! recovery from snapshot plus log, and corrupt rows skipped.

use std::sync::Arc;
use std::time::Duration;

use inkmesh_doc::{Board, BoardOptions, ChangeOrigin, NewElement};
use inkmesh_server::metrics::Metrics;
use inkmesh_server::persist::Writer;
use inkmesh_server::recovery::recover;
use inkmesh_server::stores::{SqliteStore, Store};

/// A board whose every local update is collected, as the keeper would log them:
/// one per element, after the first element's `meta.v` (SCHEMA.md, "Who writes
/// `meta.v`").
fn board_with_log(n: usize) -> (Board, Vec<Vec<u8>>) {
    let board = Board::new("u");
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = log.clone();
    let sub = board.observe_updates(move |u, origin| {
        assert_eq!(origin, ChangeOrigin::Local);
        sink.lock().unwrap().push(u.to_vec());
    });
    let mut board = board;
    for i in 0..n {
        board
            .add(NewElement::rect(i as f64, 0.0, 1.0, 1.0))
            .unwrap();
    }
    drop(sub);
    let log = log.lock().unwrap().clone();
    (board, log)
}

fn recovered_ids(store: &SqliteStore, room: &str) -> (Vec<String>, usize) {
    let r = recover(room, store.load(room).unwrap(), BoardOptions::new("k"));
    (
        r.board.elements().into_iter().map(|e| e.id).collect(),
        r.skipped,
    )
}

fn ids(board: &Board) -> Vec<String> {
    board.elements().into_iter().map(|e| e.id).collect()
}

#[test]
fn append_then_recover_from_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let (board, log) = board_with_log(10);
    assert_eq!(log.len(), 11);
    let batch: Vec<_> = log.into_iter().map(|u| ("r".to_owned(), u)).collect();
    store.append(&batch).unwrap();
    store.append(&[("other".to_owned(), vec![0, 0])]).unwrap();
    assert_eq!(store.pending_updates("r").unwrap(), 11);
    assert_eq!(recovered_ids(&store, "r"), (ids(&board), 0));
    // Reopening the file finds the same.
    drop(store);
    let store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(recovered_ids(&store, "r").0, ids(&board));
}

#[test]
fn compaction_replaces_the_log_and_keeps_k_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let (board, log) = board_with_log(8);
    let (first, rest) = log.split_at(4);
    for u in first {
        store.append(&[("r".to_owned(), u.clone())]).unwrap();
    }
    for _ in 0..7 {
        store.compact("r", &board.snapshot(), 5).unwrap();
    }
    assert_eq!(store.pending_updates("r").unwrap(), 0);
    let history = store.history("r").unwrap();
    assert_eq!(history.len(), 5, "only the last 5 are kept");
    assert!(
        history.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    assert!(history.iter().all(|h| h.size > 0 && h.created_ms > 0));
    // Log after the snapshot is replayed on top of it.
    for u in rest {
        store.append(&[("r".to_owned(), u.clone())]).unwrap();
    }
    assert_eq!(recovered_ids(&store, "r"), (ids(&board), 0));
}

#[test]
fn corrupt_rows_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let (board, log) = board_with_log(6);
    let (before, after) = log.split_at(3);
    for u in before {
        store.append(&[("r".to_owned(), u.clone())]).unwrap();
    }
    // A good snapshot of the first three updates (`meta.v`, two elements)...
    let mut partial = Board::new("p");
    for u in before {
        partial.apply_remote(u, inkmesh_doc::Encoding::V1).unwrap();
    }
    store.compact("r", &partial.snapshot(), 5).unwrap();
    // ...then a newer snapshot that is garbage, and a garbage log row among good ones.
    store
        .insert_raw_snapshot("r", b"IMSH not really a snapshot")
        .unwrap();
    store.append(&[("r".to_owned(), after[0].clone())]).unwrap();
    store
        .append(&[("r".to_owned(), vec![0xff, 0xff, 0xff, 0x01])])
        .unwrap();
    for u in &after[1..] {
        store.append(&[("r".to_owned(), u.clone())]).unwrap();
    }
    let (recovered, skipped) = recovered_ids(&store, "r");
    assert_eq!(recovered, ids(&board), "nothing good was lost");
    assert_eq!(skipped, 2, "the bad snapshot and the bad update");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_batches_and_flushes() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let metrics = Arc::new(Metrics::default());
    let writer = Writer::start(store.clone(), Duration::from_millis(200), metrics.clone());
    let (board, log) = board_with_log(50);
    for u in &log {
        writer.append("r", u.clone());
    }
    writer.flush().await;
    assert_eq!(store.pending_updates("r").unwrap(), log.len() as u64);
    let batches = metrics.batches.get();
    assert!(
        batches <= 2,
        "{} appends in {batches} transactions",
        log.len()
    );
    let meta = writer.compact("r", board.snapshot(), 5).await.unwrap();
    assert!(meta.size > 0);
    assert_eq!(store.pending_updates("r").unwrap(), 0);
    writer.append("r", vec![0, 0]);
    writer.close().await;
    assert_eq!(
        store.pending_updates("r").unwrap(),
        1,
        "close commits what is pending"
    );
}
