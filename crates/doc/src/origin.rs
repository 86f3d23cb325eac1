//! Transaction origins. They tell local edits (undoable, broadcast to peers) from
//! remote ones (never undone here, never echoed back).
//!
//! yrs's `DefaultProtocol` applies sync messages with no origin at all, which
//! would make remote edits look local to undo and to echo suppression: apply
//! remote updates through [`crate::Board::apply_remote`] instead.

use yrs::{Origin, TransactionMut};

/// Edits by this replica's user: tracked by undo.
pub const LOCAL: &str = "inkmesh:local";
/// Housekeeping by this replica (merging a finished stroke's chunks): sent to
/// peers like any local edit, but never an undo step of its own.
pub const LOCAL_UNTRACKED: &str = "inkmesh:local-untracked";
/// Updates received from other peers.
pub const REMOTE: &str = "inkmesh:remote";

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeOrigin {
    /// Made on this replica (edits, undo and redo, stroke merging).
    Local,
    /// Received from a peer or loaded from storage.
    Remote,
}

impl ChangeOrigin {
    pub(crate) fn of(txn: &TransactionMut) -> Self {
        if txn.origin() == Some(&Origin::from(REMOTE)) {
            ChangeOrigin::Remote
        } else {
            ChangeOrigin::Local
        }
    }
}
