//! Rebuilding a board from storage: the newest readable snapshot, then the log
//! written after it. Nothing stored can crash the server: a snapshot that does
//! not decode is reported and the next older one is tried; an update that does
//! not decode is reported and skipped (the rest of the log still applies, and
//! the peers who still hold that edit send it again when they sync).

use inkmesh_doc::{Board, BoardOptions, Encoding};
use tracing::warn;

use crate::stores::RoomData;

/// A board rebuilt from storage, and what it took.
pub struct Recovered {
    pub board: Board,
    /// The snapshot it started from, if any was readable.
    pub snapshot_id: Option<i64>,
    /// Log updates applied on top.
    pub replayed: usize,
    /// Snapshots and updates that were unreadable and skipped.
    pub skipped: usize,
    /// The newest log sequence number the board includes (or skipped as
    /// unreadable): a compaction of this board may remove the log up to it.
    pub log_seq: i64,
}

/// Rebuilds `room`'s board from what the store holds.
pub fn recover(room: &str, data: RoomData, options: BoardOptions) -> Recovered {
    let mut skipped = 0;
    let mut start = None;
    for snapshot in &data.snapshots {
        match Board::from_snapshot(&snapshot.bytes, options.clone()) {
            Ok(board) => {
                start = Some((board, snapshot.meta.id, snapshot.meta.log_seq));
                break;
            }
            Err(e) => {
                skipped += 1;
                warn!(
                    room,
                    snapshot = snapshot.meta.id,
                    "skipping unreadable snapshot: {e}"
                );
            }
        }
    }
    let (mut board, snapshot_id, after) = match start {
        Some((board, id, log_seq)) => (board, Some(id), log_seq),
        None => (Board::with_options(options), None, i64::MIN),
    };
    let mut replayed = 0;
    let mut log_seq = after.max(0);
    for update in data.updates.iter().filter(|u| u.seq > after) {
        log_seq = log_seq.max(update.seq);
        match board.apply_remote(&update.bytes, Encoding::V1) {
            Ok(_) => replayed += 1,
            Err(e) => {
                skipped += 1;
                warn!(
                    room,
                    seq = update.seq,
                    "skipping unreadable logged update: {e}"
                );
            }
        }
    }
    Recovered {
        board,
        snapshot_id,
        replayed,
        skipped,
        log_seq,
    }
}
