//! The storage contract: what every [`Store`] backend must do, one suite run
//! against each (the in-memory store, SQLite, and PostgreSQL where it is
//! installed). A new backend adds one line to the `contract!` call below.

mod common;

use std::any::Any;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::postgres::Postgres;
use inkmesh_doc::{Board, BoardOptions, ChangeOrigin, Encoding, NewElement};
use inkmesh_server::limits::RECOVERY_SNAPSHOTS;
use inkmesh_server::recovery::recover;
use inkmesh_server::retention::Retention;
use inkmesh_server::stores::{
    ImagePut, MemoryStore, NewImage, NewUpdate, PostgresStore, SnapshotMeta, SqliteStore, Store,
    StoreError, Sweep, VersionInfo,
};

/// A store under test, with whatever keeps it alive (its file, its database).
pub struct Backend {
    store: Box<dyn Store>,
    _keep: Box<dyn Any>,
}

/// How each backend opens an empty store; `None` (after saying why) when the
/// backend cannot run here.
mod open {
    use super::*;

    pub fn memory() -> Option<Backend> {
        Some(Backend {
            store: Box::new(MemoryStore::new()),
            _keep: Box::new(()),
        })
    }

    pub fn sqlite() -> Option<Backend> {
        let dir = tempfile::tempdir().unwrap();
        Some(Backend {
            store: Box::new(SqliteStore::open(dir.path()).unwrap()),
            _keep: Box::new(dir),
        })
    }

    /// A fresh database on the test binary's shared PostgreSQL server.
    pub fn postgres() -> Option<Backend> {
        let database = Postgres::database()?;
        Some(Backend {
            store: Box::new(PostgresStore::connect(&database.url).unwrap()),
            _keep: Box::new(database),
        })
    }
}

/// Runs one contract test on one backend.
fn run(open: fn() -> Option<Backend>, test: fn(&dyn Store)) {
    if let Some(backend) = open() {
        test(&*backend.store);
    }
}

macro_rules! contract {
    ([$($backend:ident),* $(,)?], $tests:tt) => {
        $(contract!(@backend $backend $tests);)*
    };
    (@backend $backend:ident [$($test:ident),* $(,)?]) => {
        mod $backend {
            $(
                #[test]
                fn $test() {
                    super::run(super::open::$backend, super::suite::$test);
                }
            )*
        }
    };
}

contract!(
    [memory, sqlite, postgres],
    [
        an_empty_room_loads_empty,
        appends_return_increasing_seqs_and_load_in_order,
        rooms_are_isolated,
        compaction_keeps_the_log_after_through_seq,
        history_keeps_the_newest_n_newest_first,
        retention_thins_versions_inside_the_compaction,
        versions_carry_their_metadata,
        a_version_is_read_by_room_and_id,
        a_load_reads_only_the_newest_versions,
        recovery_skips_corrupt_rows,
        a_lease_is_granted_renewed_and_refused_to_others,
        an_expired_lease_is_taken_over_with_the_next_epoch,
        a_released_lease_is_taken_over_at_once,
        a_fenced_append_stores_nothing_of_its_batch,
        a_fenced_compaction_changes_nothing,
        images_are_stored_per_room_and_a_repeat_changes_nothing,
        the_room_quota_refuses_an_image_and_stores_nothing,
        concurrent_uploads_cannot_slip_under_the_quota_together,
        compaction_collects_images_no_kept_version_references,
        deleting_a_room_removes_everything_and_leaves_a_tombstone,
        a_deleted_room_fences_its_keeper_and_refuses_new_ones,
        the_sweep_collects_only_rooms_without_a_live_lease,
        a_room_with_log_rows_past_its_last_version_is_not_swept,
        rooms_with_images_are_listed_in_pages,
    ]
);

/// Long enough that no lease in a test lapses unless the test waits for it.
const LONG: Duration = Duration::from_secs(60);

/// A lease short enough to wait out.
const SHORT: Duration = Duration::from_millis(300);

/// The longest a test waits for a short lease to lapse.
const LAPSE_DEADLINE: Duration = Duration::from_secs(10);

/// A policy that keeps every version for a day, at most `n` of them.
fn newest(n: usize) -> Retention {
    Retention {
        keep_all_for: Duration::from_secs(86_400),
        max_versions: n,
        ..Retention::default()
    }
}

/// A policy that keeps one version per slot of all time: the newest only.
fn one_slot() -> Retention {
    Retention {
        keep_all_for: Duration::ZERO,
        dense_for: Duration::ZERO,
        sparse_for: Duration::MAX,
        sparse_every: Duration::MAX,
        ..Retention::default()
    }
}

/// Compacts as a keeper that records no editors, keeping the newest 5.
fn compact(
    store: &dyn Store,
    room: &str,
    snapshot: &[u8],
    through_seq: i64,
    epoch: u64,
) -> Result<SnapshotMeta, StoreError> {
    store.compact(
        room,
        snapshot,
        through_seq,
        epoch,
        &VersionInfo::default(),
        &newest(5),
    )
}

/// An image of `bytes` as the route would store it (the store trusts the
/// route's hash, so a test name is as good as a real one).
fn image<'a>(sha256: &'a str, bytes: &'a [u8]) -> NewImage<'a> {
    NewImage {
        sha256,
        mime: "image/png",
        bytes,
    }
}

/// Effectively no quota.
const NO_QUOTA: u64 = u64::MAX;

/// A hash for test image `n`.
fn hash(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

/// Bytes of images `room` stores, as the server learns them: from the
/// refusal of an upload over a quota of nothing (which stores nothing).
fn stored_bytes(store: &dyn Store, room: &str) -> u64 {
    let probe = hash(0xee);
    match store.put_image(room, image(&probe, b"probe"), 0).unwrap() {
        ImagePut::OverQuota { stored_bytes } => stored_bytes,
        other => panic!("a quota of nothing refuses every new image, not {other:?}"),
    }
}

/// Which of `hashes` `room` still stores.
fn stored<'a>(store: &dyn Store, room: &str, hashes: &[&'a str]) -> Vec<&'a str> {
    hashes
        .iter()
        .copied()
        .filter(|h| store.image(room, h).unwrap().is_some())
        .collect()
}

/// Makes `holder` the keeper of `room` at a higher epoch than before: the
/// current holder releases and `holder` claims.
fn take_over(store: &dyn Store, room: &str, from: (&str, u64), holder: &str) -> u64 {
    store.release(room, from.0, from.1).unwrap();
    store.claim(room, holder, LONG).unwrap().unwrap().epoch
}

/// A board whose every local update is collected, as the keeper would log
/// them: one per element, after the first element's `meta.v` (SCHEMA.md,
/// "Who writes `meta.v`").
fn board_with_log(n: usize) -> (Board, Vec<Vec<u8>>) {
    let mut board = Board::new("u");
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    let sub = board.observe_updates(move |u, origin| {
        assert_eq!(origin, ChangeOrigin::Local);
        sink.lock().unwrap().push(u.to_vec());
    });
    for i in 0..n {
        board
            .add(NewElement::rect(i as f64, 0.0, 1.0, 1.0))
            .unwrap();
    }
    drop(sub);
    let log = log.lock().unwrap().clone();
    (board, log)
}

fn ids(board: &Board) -> Vec<String> {
    board.elements().into_iter().map(|e| e.id).collect()
}

/// The rows of a batch for one room, written without a lease.
fn rows(room: &str, updates: &[Vec<u8>]) -> Vec<NewUpdate> {
    rows_at(room, 0, updates)
}

/// The rows of a batch for one room, written under lease `epoch`.
fn rows_at(room: &str, epoch: u64, updates: &[Vec<u8>]) -> Vec<NewUpdate> {
    updates
        .iter()
        .map(|u| NewUpdate {
            room: room.to_owned(),
            epoch,
            bytes: u.clone(),
        })
        .collect()
}

/// The contract, one function per rule, each given an empty store.
mod suite {
    use super::*;

    pub fn an_empty_room_loads_empty(store: &dyn Store) {
        let data = store.load("nobody-here").unwrap();
        assert!(data.snapshots.is_empty() && data.updates.is_empty());
        assert!(store.history("nobody-here").unwrap().is_empty());
        assert_eq!(store.pending_updates("nobody-here").unwrap(), 0);
        assert!(store.append(&[]).unwrap().is_empty());
    }

    pub fn appends_return_increasing_seqs_and_load_in_order(store: &dyn Store) {
        // Two rooms interleaved in one batch, then a second batch.
        let first: Vec<NewUpdate> = (0u8..6)
            .map(|i| NewUpdate {
                room: ["a", "b"][usize::from(i % 2)].to_owned(),
                epoch: 0,
                bytes: vec![i; 3],
            })
            .collect();
        let seqs = store.append(&first).unwrap();
        assert_eq!(seqs.len(), first.len(), "one seq per row");
        assert!(seqs[0] > 0, "seqs are positive");
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "in batch order: {seqs:?}"
        );
        let more = store.append(&rows("a", &[vec![9, 9]])).unwrap();
        assert!(more[0] > seqs[5], "a later batch gets later seqs");

        let a = store.load("a").unwrap();
        let expected: Vec<(i64, Vec<u8>)> = [(seqs[0], vec![0; 3]), (seqs[2], vec![2; 3])]
            .into_iter()
            .chain([(seqs[4], vec![4; 3]), (more[0], vec![9, 9])])
            .collect();
        let got: Vec<(i64, Vec<u8>)> = a.updates.into_iter().map(|u| (u.seq, u.bytes)).collect();
        assert_eq!(
            got, expected,
            "the room's rows, oldest first, with their seqs"
        );
        assert_eq!(store.pending_updates("a").unwrap(), 4);
        assert_eq!(store.pending_updates("b").unwrap(), 3);
    }

    pub fn rooms_are_isolated(store: &dyn Store) {
        let (board, log) = board_with_log(3);
        store.append(&rows("a", &log)).unwrap();
        store.append(&rows("b", &log[..1])).unwrap();
        let through = store.load("a").unwrap().updates.last().unwrap().seq;
        compact(store, "a", &board.snapshot(), through, 0).unwrap();
        assert_eq!(store.pending_updates("a").unwrap(), 0);
        assert_eq!(store.pending_updates("b").unwrap(), 1, "b's log untouched");
        assert!(
            store.history("b").unwrap().is_empty(),
            "a's snapshot is a's"
        );
        assert_eq!(store.load("b").unwrap().updates[0].bytes, log[0]);
        assert_eq!(store.history("a").unwrap().len(), 1);
    }

    pub fn compaction_keeps_the_log_after_through_seq(store: &dyn Store) {
        let (board, log) = board_with_log(6);
        let (covered, later) = log.split_at(4);
        let seqs = store.append(&rows("r", covered)).unwrap();
        // The snapshot covers the first rows only; more are logged before the
        // compaction runs (another writer, or a batch committed meanwhile).
        let mut partial = Board::new("p");
        for u in covered {
            partial.apply_remote(u, Encoding::V1).unwrap();
        }
        let later_seqs = store.append(&rows("r", later)).unwrap();
        let snapshot = partial.snapshot();
        let meta = compact(store, "r", &snapshot, seqs[3], 0).unwrap();
        assert_eq!(meta.log_seq, seqs[3]);
        assert_eq!(meta.size, snapshot.len() as u64);
        assert!(meta.created_ms > 0);

        let data = store.load("r").unwrap();
        let kept: Vec<i64> = data.updates.iter().map(|u| u.seq).collect();
        assert_eq!(kept, later_seqs, "only the rows after through_seq stay");
        assert_eq!(store.pending_updates("r").unwrap(), later.len() as u64);
        assert_eq!(data.snapshots.len(), 1);
        assert_eq!(data.snapshots[0].meta, meta);
        assert_eq!(data.snapshots[0].bytes, snapshot);

        let recovered = recover("r", data, BoardOptions::new("k"));
        assert_eq!(
            ids(&recovered.board),
            ids(&board),
            "snapshot plus the rest of the log"
        );
        assert_eq!(recovered.replayed, later.len());
        assert_eq!(recovered.skipped, 0);
        assert_eq!(recovered.log_seq, *later_seqs.last().unwrap());
    }

    pub fn history_keeps_the_newest_n_newest_first(store: &dyn Store) {
        let mut snapshots = Vec::new();
        for i in 0..7u8 {
            let seqs = store.append(&rows("r", &[vec![i]])).unwrap();
            let snapshot = vec![i; 10 + usize::from(i)];
            let meta = compact(store, "r", &snapshot, seqs[0], 0).unwrap();
            snapshots.push((meta, snapshot));
        }
        let newest_five: Vec<_> = snapshots.iter().rev().take(5).cloned().collect();
        let history = store.history("r").unwrap();
        assert_eq!(
            history,
            newest_five
                .iter()
                .map(|(m, _)| m.clone())
                .collect::<Vec<_>>(),
            "the newest 5, newest first"
        );
        assert!(history.windows(2).all(|w| w[0].id > w[1].id));
        let data = store.load("r").unwrap();
        let loaded: Vec<_> = data
            .snapshots
            .into_iter()
            .map(|s| (s.meta, s.bytes))
            .collect();
        assert_eq!(loaded, newest_five);
        assert!(data.updates.is_empty());
        assert_eq!(store.pending_updates("r").unwrap(), 0);
    }

    pub fn recovery_skips_corrupt_rows(store: &dyn Store) {
        let (board, log) = board_with_log(6);
        let (before, after) = log.split_at(3);
        let seqs = store.append(&rows("r", before)).unwrap();
        // A good snapshot of the first three updates (`meta.v`, two elements)...
        let mut partial = Board::new("p");
        for u in before {
            partial.apply_remote(u, Encoding::V1).unwrap();
        }
        compact(store, "r", &partial.snapshot(), seqs[2], 0).unwrap();
        // ...then a newer snapshot that is garbage, and a garbage log row
        // among good ones.
        compact(store, "r", b"IMSH not really a snapshot", seqs[2], 0).unwrap();
        store.append(&rows("r", &after[..1])).unwrap();
        store
            .append(&rows("r", &[vec![0xff, 0xff, 0xff, 0x01]]))
            .unwrap();
        store.append(&rows("r", &after[1..])).unwrap();
        let recovered = recover("r", store.load("r").unwrap(), BoardOptions::new("k"));
        assert_eq!(ids(&recovered.board), ids(&board), "nothing good was lost");
        assert_eq!(recovered.skipped, 2, "the bad snapshot and the bad update");
    }

    pub fn a_lease_is_granted_renewed_and_refused_to_others(store: &dyn Store) {
        let first = store
            .claim("r", "keeper-a", LONG)
            .unwrap()
            .expect("no lease yet");
        assert_eq!(first.epoch, 1, "the first lease of a room");
        assert!(first.expires_ms > 0);
        let again = store
            .claim("r", "keeper-a", LONG)
            .unwrap()
            .expect("its own lease");
        assert_eq!(again.epoch, 1, "claiming its own live lease renews it");
        assert!(again.expires_ms >= first.expires_ms);
        assert_eq!(
            store.claim("r", "keeper-b", LONG).unwrap(),
            None,
            "refused while another holder's lease is live"
        );
        assert!(store.renew("r", "keeper-a", 1, LONG).unwrap());
        assert!(!store.renew("r", "keeper-b", 1, LONG).unwrap(), "not b's");
        assert!(
            !store.renew("r", "keeper-a", 2, LONG).unwrap(),
            "not that epoch"
        );
        let other = store
            .claim("s", "keeper-b", LONG)
            .unwrap()
            .expect("rooms are separate");
        assert_eq!(other.epoch, 1);
        assert_eq!(
            store.claim("r", "keeper-b", LONG).unwrap(),
            None,
            "r is still a's"
        );
    }

    pub fn an_expired_lease_is_taken_over_with_the_next_epoch(store: &dyn Store) {
        let started = Instant::now();
        let first = store.claim("r", "keeper-a", SHORT).unwrap().unwrap();
        assert_eq!(store.claim("r", "keeper-b", LONG).unwrap(), None);
        let taken = loop {
            if let Some(lease) = store.claim("r", "keeper-b", LONG).unwrap() {
                break lease;
            }
            assert!(
                started.elapsed() < LAPSE_DEADLINE,
                "a {SHORT:?} lease still refuses others after {LAPSE_DEADLINE:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // Clocks tick in whole milliseconds; allow for one.
        assert!(
            started.elapsed() + Duration::from_millis(1) >= SHORT,
            "taken over after {:?}, before the {SHORT:?} lease lapsed",
            started.elapsed()
        );
        assert_eq!(
            taken.epoch,
            first.epoch + 1,
            "a takeover raises the epoch by one"
        );
        assert!(
            !store.renew("r", "keeper-a", first.epoch, LONG).unwrap(),
            "the old holder cannot renew once the room moved on"
        );
        assert_eq!(store.claim("r", "keeper-a", LONG).unwrap(), None);
    }

    pub fn a_released_lease_is_taken_over_at_once(store: &dyn Store) {
        let first = store.claim("r", "keeper-a", LONG).unwrap().unwrap();
        store.release("r", "keeper-b", first.epoch).unwrap();
        store.release("r", "keeper-a", first.epoch + 1).unwrap();
        assert_eq!(
            store.claim("r", "keeper-b", LONG).unwrap(),
            None,
            "a release by another holder or for another epoch changes nothing"
        );
        store.release("r", "keeper-a", first.epoch).unwrap();
        let next = store
            .claim("r", "keeper-b", LONG)
            .unwrap()
            .expect("released");
        assert_eq!(
            next.epoch,
            first.epoch + 1,
            "the epoch survives the release"
        );
    }

    pub fn a_fenced_append_stores_nothing_of_its_batch(store: &dyn Store) {
        let (_, log) = board_with_log(4);
        let old = store.claim("r", "keeper-a", LONG).unwrap().unwrap().epoch;
        let stored = store.append(&rows_at("r", old, &log[..2])).unwrap();
        let new = take_over(store, "r", ("keeper-a", old), "keeper-b");

        // A batch mixing the stale keeper's row with another room's.
        let mut batch = rows("other", &log[2..3]);
        batch.extend(rows_at("r", old, &log[3..]));
        match store.append(&batch) {
            Err(StoreError::Fenced { room, current }) => {
                assert_eq!((room.as_str(), current), ("r", new));
            }
            other => panic!("a stale epoch's append must be fenced, got {other:?}"),
        }
        let kept: Vec<i64> = store
            .load("r")
            .unwrap()
            .updates
            .iter()
            .map(|u| u.seq)
            .collect();
        assert_eq!(kept, stored, "nothing of the fenced batch is in r's log");
        assert!(
            store.load("other").unwrap().updates.is_empty(),
            "nor the other room's row of the same batch"
        );
        assert!(
            matches!(
                store.append(&rows("r", &log[3..])),
                Err(StoreError::Fenced { .. })
            ),
            "a writer without a lease is fenced once the room has one"
        );
        let current = store.append(&rows_at("r", new, &log[3..])).unwrap();
        let logged: Vec<i64> = store
            .load("r")
            .unwrap()
            .updates
            .iter()
            .map(|u| u.seq)
            .collect();
        assert_eq!(
            logged,
            [stored, current].concat(),
            "the current keeper appends"
        );
        store.append(&rows("other", &log[2..3])).unwrap();
    }

    pub fn a_fenced_compaction_changes_nothing(store: &dyn Store) {
        let (board, log) = board_with_log(3);
        let old = store.claim("r", "keeper-a", LONG).unwrap().unwrap().epoch;
        let seqs = store.append(&rows_at("r", old, &log)).unwrap();
        let kept = compact(store, "r", &board.snapshot(), seqs[1], old).unwrap();
        let new = take_over(store, "r", ("keeper-a", old), "keeper-b");

        let before = store.load("r").unwrap();
        let stale = VersionInfo {
            elements: 1,
            editors: vec!["stale".into()],
            more_editors: false,
            images: Vec::new(),
        };
        match store.compact("r", b"a stale board", seqs[2], old, &stale, &one_slot()) {
            Err(StoreError::Fenced { room, current }) => {
                assert_eq!((room.as_str(), current), ("r", new));
            }
            other => panic!("a stale epoch's compaction must be fenced, got {other:?}"),
        }
        let after = store.load("r").unwrap();
        assert_eq!(
            store.history("r").unwrap(),
            vec![kept],
            "no snapshot added or pruned"
        );
        assert_eq!(after.updates, before.updates, "no row of the log removed");
        compact(store, "r", &board.snapshot(), seqs[2], new).unwrap();
        assert_eq!(
            store.history("r").unwrap().len(),
            2,
            "the new keeper compacts"
        );
    }

    pub fn retention_thins_versions_inside_the_compaction(store: &dyn Store) {
        let mut ids = Vec::new();
        for i in 0..3u8 {
            let seqs = store.append(&rows("r", &[vec![i]])).unwrap();
            ids.push(compact(store, "r", &[i; 8], seqs[0], 0).unwrap().id);
        }
        assert_eq!(store.history("r").unwrap().len(), 3);
        // One slot for all time: the compaction's own version stays, every
        // older one goes, in the same transaction.
        let seqs = store.append(&rows("r", &[vec![3]])).unwrap();
        let thinned = store
            .compact(
                "r",
                &[3; 8],
                seqs[0],
                0,
                &VersionInfo::default(),
                &one_slot(),
            )
            .unwrap();
        let history: Vec<i64> = store.history("r").unwrap().iter().map(|m| m.id).collect();
        assert_eq!(history, vec![thinned.id], "only the newest is in its slot");
        let data = store.load("r").unwrap();
        assert_eq!(data.snapshots.len(), 1);
        assert_eq!(data.snapshots[0].bytes, vec![3; 8]);
        for id in ids {
            assert_eq!(
                store.version("r", id).unwrap(),
                None,
                "version {id} deleted"
            );
        }
        // Another room's versions are not the policy's to judge.
        let other = store.append(&rows("o", &[vec![9]])).unwrap();
        compact(store, "o", &[9; 8], other[0], 0).unwrap();
        compact(store, "o", &[9; 8], other[0], 0).unwrap();
        let seqs = store.append(&rows("r", &[vec![4]])).unwrap();
        store
            .compact(
                "r",
                &[4; 8],
                seqs[0],
                0,
                &VersionInfo::default(),
                &one_slot(),
            )
            .unwrap();
        assert_eq!(store.history("o").unwrap().len(), 2);
    }

    pub fn versions_carry_their_metadata(store: &dyn Store) {
        let seqs = store.append(&rows("r", &[vec![1]])).unwrap();
        let info = VersionInfo {
            elements: 42,
            editors: vec!["Ada".into(), "Bob \"the builder\" ✏️".into()],
            more_editors: true,
            images: vec!["0f".repeat(32), "a1".repeat(32)],
        };
        let meta = store
            .compact("r", b"some board", seqs[0], 0, &info, &newest(5))
            .unwrap();
        assert_eq!(meta.info, info);
        let seqs = store.append(&rows("r", &[vec![2]])).unwrap();
        let plain = compact(store, "r", b"next board", seqs[0], 0).unwrap();
        let history = store.history("r").unwrap();
        assert_eq!(history, vec![plain.clone(), meta.clone()]);
        assert_eq!(history[0].info, VersionInfo::default());
        let loaded: Vec<SnapshotMeta> = store
            .load("r")
            .unwrap()
            .snapshots
            .into_iter()
            .map(|s| s.meta)
            .collect();
        assert_eq!(loaded, vec![plain, meta], "load describes them alike");
    }

    pub fn a_load_reads_only_the_newest_versions(store: &dyn Store) {
        let kept = RECOVERY_SNAPSHOTS + 2;
        let mut ids = Vec::new();
        for k in 0..kept {
            let seqs = store.append(&rows("r", &[vec![k as u8]])).unwrap();
            let meta = store
                .compact(
                    "r",
                    &[k as u8; 4],
                    seqs[0],
                    0,
                    &VersionInfo::default(),
                    &newest(kept),
                )
                .unwrap();
            ids.push(meta.id);
        }
        ids.reverse();
        let history: Vec<i64> = store.history("r").unwrap().iter().map(|m| m.id).collect();
        assert_eq!(history, ids, "every version is kept");
        let loaded: Vec<i64> = store
            .load("r")
            .unwrap()
            .snapshots
            .iter()
            .map(|s| s.meta.id)
            .collect();
        assert_eq!(
            loaded,
            ids[..RECOVERY_SNAPSHOTS],
            "a load reads the newest only"
        );
        // The older ones are still there, one at a time.
        let oldest = *ids.last().unwrap();
        assert_eq!(store.version("r", oldest).unwrap(), Some(vec![0; 4]));
    }

    pub fn a_version_is_read_by_room_and_id(store: &dyn Store) {
        let seqs = store.append(&rows("r", &[vec![1], vec![2]])).unwrap();
        let first = compact(store, "r", b"first board", seqs[0], 0).unwrap();
        let second = compact(store, "r", b"second board", seqs[1], 0).unwrap();
        assert_eq!(
            store.version("r", first.id).unwrap().as_deref(),
            Some(&b"first board"[..])
        );
        assert_eq!(
            store.version("r", second.id).unwrap().as_deref(),
            Some(&b"second board"[..])
        );
        assert_eq!(
            store.version("other", first.id).unwrap(),
            None,
            "r's, not other's"
        );
        assert_eq!(store.version("r", second.id + 1000).unwrap(), None);
        assert_eq!(store.version("r", -1).unwrap(), None);
    }

    pub fn images_are_stored_per_room_and_a_repeat_changes_nothing(store: &dyn Store) {
        let a = hash(1);
        assert_eq!(
            store
                .put_image("r", image(&a, b"png bytes"), NO_QUOTA)
                .unwrap(),
            ImagePut::Stored
        );
        let stored = store.image("r", &a).unwrap().expect("stored");
        assert_eq!(
            (stored.mime.as_str(), &stored.bytes[..]),
            ("image/png", &b"png bytes"[..])
        );
        assert!(stored.uploaded_ms > 0);
        assert_eq!(
            store
                .put_image("r", image(&a, b"png bytes"), NO_QUOTA)
                .unwrap(),
            ImagePut::AlreadyStored
        );
        let again = store.image("r", &a).unwrap().unwrap();
        assert!(
            again.uploaded_ms >= stored.uploaded_ms,
            "renewed, never older"
        );
        assert_eq!(stored_bytes(store, "r"), 9, "counted once");
        assert_eq!(store.image("other", &a).unwrap(), None, "r's, not other's");
        assert_eq!(stored_bytes(store, "other"), 0);
        assert_eq!(store.image("r", &hash(2)).unwrap(), None);
    }

    pub fn the_room_quota_refuses_an_image_and_stores_nothing(store: &dyn Store) {
        let (a, b, c) = (hash(1), hash(2), hash(3));
        assert_eq!(
            store.put_image("r", image(&a, b"123456"), 10).unwrap(),
            ImagePut::Stored
        );
        assert_eq!(
            store.put_image("r", image(&b, b"12345"), 10).unwrap(),
            ImagePut::OverQuota { stored_bytes: 6 }
        );
        assert_eq!(store.image("r", &b).unwrap(), None, "nothing half-stored");
        assert_eq!(stored_bytes(store, "r"), 6);
        // Exactly at the quota fits; an image the room has costs nothing more.
        assert_eq!(
            store.put_image("r", image(&c, b"1234"), 10).unwrap(),
            ImagePut::Stored
        );
        assert_eq!(
            store.put_image("r", image(&a, b"123456"), 10).unwrap(),
            ImagePut::AlreadyStored
        );
        // Another room has a quota of its own.
        assert_eq!(
            store.put_image("other", image(&b, b"12345"), 10).unwrap(),
            ImagePut::Stored
        );
    }

    pub fn concurrent_uploads_cannot_slip_under_the_quota_together(store: &dyn Store) {
        // Eight uploads of 10 bytes at once under a quota of 35: exactly three fit.
        let hashes: Vec<String> = (0..8).map(hash).collect();
        let outcomes: Vec<ImagePut> = std::thread::scope(|scope| {
            let uploads: Vec<_> = hashes
                .iter()
                .map(|h| scope.spawn(move || store.put_image("r", image(h, b"0123456789"), 35)))
                .collect();
            uploads
                .into_iter()
                .map(|upload| upload.join().unwrap().unwrap())
                .collect()
        });
        let stored = outcomes.iter().filter(|o| **o == ImagePut::Stored).count();
        assert_eq!(stored, 3, "{outcomes:?}");
        assert_eq!(stored_bytes(store, "r"), 30);
    }

    pub fn compaction_collects_images_no_kept_version_references(store: &dyn Store) {
        let (a, b, c, d) = (hash(1), hash(2), hash(3), hash(4));
        let all = [a.as_str(), b.as_str(), c.as_str(), d.as_str()];
        for h in [&a, &b, &c] {
            store.put_image("r", image(h, b"bytes"), NO_QUOTA).unwrap();
        }
        store
            .put_image("other", image(&c, b"bytes"), NO_QUOTA)
            .unwrap();
        let referencing = |images: &[&String]| VersionInfo {
            images: images.iter().map(|h| h.to_string()).collect(),
            ..VersionInfo::default()
        };
        let no_grace = |kept| Retention {
            image_grace: Duration::ZERO,
            ..newest(kept)
        };
        let compact_with = |images: &[&String], retention: &Retention| {
            let seqs = store.append(&rows("r", &[vec![1]])).unwrap();
            store
                .compact("r", b"board", seqs[0], 0, &referencing(images), retention)
                .unwrap();
        };

        // Uploaded but referenced by no version, and past the (zero) grace.
        compact_with(&[&a, &b], &no_grace(5));
        assert_eq!(stored(store, "r", &all), [a.as_str(), b.as_str()]);
        assert_eq!(stored_bytes(store, "r"), 10);
        assert_eq!(
            stored(store, "other", &all),
            [c.as_str()],
            "another room's images are its own"
        );

        // b leaves the board but an older kept version still shows it.
        compact_with(&[&a], &no_grace(5));
        assert_eq!(stored(store, "r", &all), [a.as_str(), b.as_str()]);

        // Once no kept version references b, it goes.
        compact_with(&[&a], &no_grace(1));
        assert_eq!(stored(store, "r", &all), [a.as_str()]);

        // An upload whose element has not arrived yet survives its grace.
        store.put_image("r", image(&d, b"bytes"), NO_QUOTA).unwrap();
        compact_with(&[&a], &newest(1));
        assert_eq!(stored(store, "r", &all), [a.as_str(), d.as_str()]);
    }

    pub fn deleting_a_room_removes_everything_and_leaves_a_tombstone(store: &dyn Store) {
        let (board, log) = board_with_log(3);
        for room in ["doomed", "kept"] {
            let seqs = store.append(&rows(room, &log)).unwrap();
            compact(store, room, &board.snapshot(), seqs[1], 0).unwrap();
            store
                .put_image(room, image(&hash(1), b"bytes"), NO_QUOTA)
                .unwrap();
        }
        assert_eq!(store.deleted("doomed").unwrap(), None);

        store.delete_room("doomed").unwrap();
        let gone = store.load("doomed").unwrap();
        assert!(gone.snapshots.is_empty() && gone.updates.is_empty());
        assert!(store.history("doomed").unwrap().is_empty());
        assert_eq!(store.pending_updates("doomed").unwrap(), 0);
        assert_eq!(store.image("doomed", &hash(1)).unwrap(), None);
        let deleted_ms = store.deleted("doomed").unwrap().expect("a tombstone");
        assert!(deleted_ms > 0);
        assert_eq!(
            store
                .put_image("doomed", image(&hash(2), b"bytes"), NO_QUOTA)
                .unwrap(),
            ImagePut::RoomDeleted,
            "nothing is stored for a deleted room"
        );
        assert_eq!(store.image("doomed", &hash(2)).unwrap(), None);

        // Another room is untouched.
        let kept = store.load("kept").unwrap();
        assert_eq!(
            (kept.snapshots.len(), kept.updates.len()),
            (1, log.len() - 2)
        );
        assert!(store.image("kept", &hash(1)).unwrap().is_some());
        assert_eq!(store.deleted("kept").unwrap(), None);

        // Deleting again changes nothing, the tombstone's time included.
        store.delete_room("doomed").unwrap();
        assert_eq!(store.deleted("doomed").unwrap(), Some(deleted_ms));
    }

    pub fn a_deleted_room_fences_its_keeper_and_refuses_new_ones(store: &dyn Store) {
        let (board, log) = board_with_log(2);
        let epoch = store
            .claim("doomed", "keeper-1", LONG)
            .unwrap()
            .unwrap()
            .epoch;
        store.append(&rows_at("doomed", epoch, &log[..1])).unwrap();

        store.delete_room("doomed").unwrap();
        // Whatever the keeper still had queued is refused...
        assert!(matches!(
            store.append(&rows_at("doomed", epoch, &log[1..])),
            Err(StoreError::Fenced { .. })
        ));
        assert!(matches!(
            compact(store, "doomed", &board.snapshot(), 0, epoch),
            Err(StoreError::Fenced { .. })
        ));
        let gone = store.load("doomed").unwrap();
        assert!(gone.snapshots.is_empty() && gone.updates.is_empty());
        // ... its lease is no longer its own...
        assert!(!store.renew("doomed", "keeper-1", epoch, LONG).unwrap());
        // ... and no keeper gets the room again, the old one included.
        assert_eq!(store.claim("doomed", "keeper-2", LONG).unwrap(), None);
        assert_eq!(store.claim("doomed", "keeper-1", LONG).unwrap(), None);
    }

    pub fn the_sweep_collects_only_rooms_without_a_live_lease(store: &dyn Store) {
        let no_grace = Retention {
            image_grace: Duration::ZERO,
            ..newest(5)
        };
        let (shown, dropped) = (hash(1), hash(2));
        for room in ["quiet", "edited"] {
            for h in [&shown, &dropped] {
                store.put_image(room, image(h, b"bytes"), NO_QUOTA).unwrap();
            }
            let info = VersionInfo {
                images: vec![shown.clone()],
                ..VersionInfo::default()
            };
            store
                .compact(room, b"board", 0, 0, &info, &no_grace)
                .unwrap();
        }
        // Compaction collected `dropped` already: upload it again, as a
        // page would that placed it and then removed it.
        for room in ["quiet", "edited"] {
            store
                .put_image(room, image(&dropped, b"bytes"), NO_QUOTA)
                .unwrap();
        }
        store.claim("edited", "keeper-1", LONG).unwrap().unwrap();
        let both = [shown.as_str(), dropped.as_str()];

        assert_eq!(
            store.collect_idle_images("quiet", &no_grace).unwrap(),
            Sweep::Collected(1)
        );
        assert_eq!(stored(store, "quiet", &both), [shown.as_str()]);
        assert_eq!(
            store.collect_idle_images("edited", &no_grace).unwrap(),
            Sweep::Kept
        );
        assert_eq!(stored(store, "edited", &both), both);

        // Within its grace, an unreferenced upload stays.
        store
            .put_image("quiet", image(&dropped, b"bytes"), NO_QUOTA)
            .unwrap();
        assert_eq!(
            store.collect_idle_images("quiet", &newest(5)).unwrap(),
            Sweep::Collected(0)
        );
        assert_eq!(stored(store, "quiet", &both), both);
    }

    pub fn a_room_with_log_rows_past_its_last_version_is_not_swept(store: &dyn Store) {
        let no_grace = Retention {
            image_grace: Duration::ZERO,
            ..newest(5)
        };
        let placed = hash(3);
        store
            .put_image("r", image(&placed, b"bytes"), NO_QUOTA)
            .unwrap();
        store
            .compact("r", b"board", 0, 0, &VersionInfo::default(), &no_grace)
            .unwrap();
        store
            .put_image("r", image(&placed, b"bytes"), NO_QUOTA)
            .unwrap();
        // The update that places the image is logged, but its keeper died
        // before a compaction folded it into a version.
        let (_, log) = board_with_log(1);
        let seqs = store.append(&rows("r", &log)).unwrap();
        assert_eq!(
            store.collect_idle_images("r", &no_grace).unwrap(),
            Sweep::Unfolded
        );
        assert_eq!(stored(store, "r", &[placed.as_str()]), [placed.as_str()]);

        // Once a version holds the log (and, here, not the image), it goes.
        store
            .compact(
                "r",
                b"board",
                *seqs.last().unwrap(),
                0,
                &VersionInfo::default(),
                &newest(5),
            )
            .unwrap();
        assert_eq!(
            store.collect_idle_images("r", &no_grace).unwrap(),
            Sweep::Collected(1)
        );
        assert!(stored(store, "r", &[placed.as_str()]).is_empty());
    }

    pub fn rooms_with_images_are_listed_in_pages(store: &dyn Store) {
        assert!(store.rooms_with_images("", 10).unwrap().is_empty());
        for room in ["c", "a", "b", "d"] {
            for h in [hash(1), hash(2)] {
                store
                    .put_image(room, image(&h, b"bytes"), NO_QUOTA)
                    .unwrap();
            }
        }
        assert_eq!(store.rooms_with_images("", 3).unwrap(), ["a", "b", "c"]);
        assert_eq!(store.rooms_with_images("c", 3).unwrap(), ["d"]);
        store.delete_room("b").unwrap();
        assert_eq!(store.rooms_with_images("", 10).unwrap(), ["a", "c", "d"]);
    }
}
