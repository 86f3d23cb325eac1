//! Sync primitives: state vectors, diffs, and applying updates from peers.
//!
//! Everything here may be fed bytes from the network, so every decode returns an
//! error instead of panicking, and updates are bounded in size and checked
//! (`update_check.rs`) before yrs decodes them.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};

use yrs::updates::decoder::Decode;
use yrs::updates::encoder::{Encode, Encoder};
use yrs::{Origin, ReadTxn, StateVector, Transact, TransactionMut, Update, WriteTxn};

use crate::board::Board;
use crate::bounded_v2::decode_v2_bounded;
use crate::encoder_v2::FixedEncoderV2;
use crate::error::{Error, UpdateError};
use crate::limits::MAX_UPDATE_BYTES;
use crate::origin::{ChangeOrigin, LOCAL, REMOTE};
use crate::update_check::check_v1;

/// What applying a peer's update did to a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// The update added structs or deleted something. An update can decode and
    /// apply yet change nothing: a step 2 from a peer with nothing new, a
    /// repeat of what we hold, or structs parked until the ones they depend on
    /// arrive. yrs's own test (`has_changes`: the transaction inserted or
    /// deleted something) is the one its update observers fire on.
    pub changed: bool,
}

/// The two Yjs update encodings. Sync messages use v1 (what y-protocols speaks);
/// snapshots use v2, about half the size for strokes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    V1 = 1,
    V2 = 2,
}

impl Board {
    /// This replica's state vector (v1 encoding), for sync step 1.
    pub fn state_vector(&self) -> Vec<u8> {
        self.doc.transact().state_vector().encode_v1()
    }

    /// Everything this replica has integrated that a peer with `state_vector`
    /// lacks: sync step 2. Structs yrs holds pending are left out
    /// ([`Board::encode_state`] has them).
    pub fn diff(&self, state_vector: &[u8], encoding: Encoding) -> Result<Vec<u8>, Error> {
        let sv = decode_guarded(|| StateVector::decode_v1(state_vector))
            .map_err(Error::MalformedStateVector)?;
        Ok(encode_diff(&self.doc.transact(), &sv, encoding))
    }

    /// The whole board as one update, with the structs and deletions yrs holds
    /// pending until the edits they depend on arrive (as Yjs's
    /// `encodeStateAsUpdate` gives it): a board loaded from it holds all this
    /// one holds, and integrates the pending structs when what they wait for
    /// arrives.
    ///
    /// It may show less until then. yrs integrates a client's edit ahead of
    /// that client's missing earlier ones when the edit needs none of them;
    /// loaded in one update, such an edit waits behind an earlier edit of the
    /// same client that is pending, as Yjs would have it wait in any case.
    pub fn encode_state(&self, encoding: Encoding) -> Vec<u8> {
        let txn = self.doc.transact();
        if !txn.has_missing_updates() {
            return encode_diff(&txn, &StateVector::default(), encoding);
        }
        // yrs merges what is pending in v1 only (its v2 merge writes with the
        // encoder FixedEncoderV2 corrects). It reads back the v1 it wrote, as
        // the decode below does, and panics if it cannot; should that yrs bug
        // show, the board still saves what it has integrated.
        let merged = catch_unwind(AssertUnwindSafe(|| {
            let v1 = txn.encode_state_as_update_v1(&StateVector::default());
            match encoding {
                Encoding::V1 => Some(v1),
                Encoding::V2 => Update::decode_v1(&v1).ok().map(|update| {
                    let mut encoder = FixedEncoderV2::new();
                    update.encode(&mut encoder);
                    encoder.to_vec()
                }),
            }
        }));
        merged
            .ok()
            .flatten()
            .unwrap_or_else(|| encode_diff(&txn, &StateVector::default(), encoding))
    }

    /// At most how many structs [`Board::encode_state`] writes, or `None` when
    /// structs are pending. Every struct takes at least one clock of its
    /// client, and a client's integrated structs cover its clocks up to the
    /// state vector's without overlapping; pending structs lie past it.
    pub(crate) fn struct_bound(&self) -> Option<u64> {
        let txn = self.doc.transact();
        if txn.has_missing_updates() {
            return None;
        }
        let clocks = txn.state_vector();
        Some(clocks.iter().map(|(_, clock)| u64::from(*clock)).sum())
    }

    /// Applies an update from a peer with the remote origin: it is not undoable
    /// here and change events report it as remote. Says whether the board
    /// changed, so a transport can tell a peer's news from a repeat.
    pub fn apply_remote(&mut self, update: &[u8], encoding: Encoding) -> Result<Applied, Error> {
        self.apply(update, encoding, REMOTE)
    }

    /// Merges an update as this user's own edit (an imported board file): it is
    /// sent to peers and one undo step removes it.
    pub fn apply_local(&mut self, update: &[u8], encoding: Encoding) -> Result<(), Error> {
        self.history.start(None);
        self.apply(update, encoding, LOCAL).map(|_| ())
    }

    fn apply(&mut self, bytes: &[u8], encoding: Encoding, origin: &str) -> Result<Applied, Error> {
        let update = decode_update(bytes, encoding)?;
        // Remote keys may be above our cached top.
        self.top_z = None;
        let doc = &self.doc;
        // yrs can still panic while integrating a hostile update that decoded
        // (fuzzing reached an `unreachable!` in `Update::find_index` on a host
        // that grants huge allocations). One bad peer must not take the whole
        // process down; the board may then hold part of that update, which is
        // no worse than the peer sending the part on its own.
        let applied = catch_unwind(AssertUnwindSafe(|| {
            let mut txn = doc.transact_mut_with(origin);
            txn.apply_update(update)
                .map_err(|e| UpdateError::Apply(e.to_string()))?;
            retry_pending(&mut txn)?;
            rewrite_pending(&mut txn);
            Ok(Applied {
                changed: txn.has_changes(),
            })
        }));
        applied.unwrap_or(Err(UpdateError::ApplyPanicked.into()))
    }

    /// Calls `f` with every update this replica commits (v1 encoding) and where it
    /// came from. Transports send the local ones to peers; they must not echo
    /// remote ones back. The callback runs while the transaction commits: it must
    /// not touch the board, only hand the bytes on.
    pub fn observe_updates<F>(&self, f: F) -> UpdateSubscription
    where
        F: Fn(&[u8], ChangeOrigin) + Send + Sync + 'static,
    {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let key = Origin::from(format!(
            "inkmesh:updates:{}",
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        self.doc
            .observe_update_v1(key.clone(), move |txn, event| {
                f(&event.update, ChangeOrigin::of(txn))
            })
            .expect("no transaction is open while subscribing");
        UpdateSubscription {
            doc: self.doc.clone(),
            key,
        }
    }
}

/// Re-applies structs yrs left pending while that makes progress.
///
/// yrs 0.28.1 can keep structs pending after everything they depend on has
/// arrived, when updates from several clients arrive out of order (B's edit of
/// C's edit of A's element, received before both; routine in a mesh, where each
/// peer hears from the others at its own pace). Yjs integrates them; yrs waits
/// forever and the replicas diverge. `tests/convergence.rs` finds such chains.
fn retry_pending(txn: &mut TransactionMut) -> Result<(), Error> {
    loop {
        let before = txn.state_vector();
        let Some(pending) = txn.store_mut().pending_update_mut() else {
            return Ok(());
        };
        if pending.update.is_empty() {
            return Ok(());
        }
        let update = std::mem::replace(&mut pending.update, Update::new());
        txn.apply_update(update)
            .map_err(|e| UpdateError::Apply(e.to_string()))?;
        if txn.state_vector() == before {
            return Ok(());
        }
    }
}

/// Rebuilds the update yrs holds pending from its structs' own ids.
///
/// yrs 0.28.1 can leave overlapping skips in it (merging a new update's rest
/// into it: `convergence.rs` finds such cases). Skips hold no data and yrs
/// ignores them when it retries the update, but a written update gives each
/// struct's clock only as the sum of the lengths before it, so an overlapping
/// skip shifts every struct after it: a snapshot would give them other ids.
/// Merging the update on its own drops its skips and writes one per gap.
fn rewrite_pending(txn: &mut TransactionMut) {
    if let Some(pending) = txn.store_mut().pending_update_mut() {
        let update = std::mem::take(&mut pending.update);
        pending.update = Update::merge_updates([update]);
    }
}

/// What this replica has integrated beyond `sv`, in `encoding`.
fn encode_diff<T: ReadTxn>(txn: &T, sv: &StateVector, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::V1 => txn.encode_diff_v1(sv),
        Encoding::V2 => {
            let mut encoder = FixedEncoderV2::new();
            txn.encode_diff(sv, &mut encoder);
            encoder.to_vec()
        }
    }
}

/// Decodes an update without trusting it: bounded size, checked structure,
/// errors instead of panics. Every way into a board passes here.
///
/// A v1 update is checked before yrs reads it. A v2 update (a snapshot from
/// storage or a board file) is decoded by yrs first, within a bound on the
/// structs it stands for (`bounded_v2.rs`), and its v1 form checked: v2
/// stores fields in run-length encoded columns, so a few bytes may
/// legitimately stand for many structs and its counts cannot be bounded by
/// its size; and yrs gives no other view of the structs it decoded. The
/// check then still refuses subdocuments and content yrs misreads before
/// anything is integrated.
pub(crate) fn decode_update(bytes: &[u8], encoding: Encoding) -> Result<Update, Error> {
    if bytes.len() > MAX_UPDATE_BYTES {
        return Err(Error::UpdateTooLarge {
            len: bytes.len(),
            limit: MAX_UPDATE_BYTES,
        });
    }
    match encoding {
        Encoding::V1 => {
            check_v1(bytes)?;
            decode_guarded(|| Update::decode_v1(bytes)).map_err(|e| UpdateError::Decode(e).into())
        }
        Encoding::V2 => {
            let update = catch_unwind(AssertUnwindSafe(|| decode_v2_bounded(bytes)))
                .unwrap_or_else(|_| {
                    Err(UpdateError::Decode("decoder rejected the input".to_owned()))
                })?;
            let v1 = catch_unwind(AssertUnwindSafe(|| update.encode_v1())).map_err(|_| {
                UpdateError::Decode("yrs failed to write the update in v1".to_owned())
            })?;
            check_v1(&v1).map_err(|e| UpdateError::InV1Form(Box::new(e)))?;
            Ok(update)
        }
    }
}

/// Runs a yrs decoder, turning both its errors and any panic into a message.
/// Decoding only reads its input, so unwinding out of it leaves nothing broken.
fn decode_guarded<T, E: std::fmt::Display>(
    decode: impl FnOnce() -> Result<T, E>,
) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(decode)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("decoder rejected the input".to_owned()),
    }
}

/// Stops an [`Board::observe_updates`] callback when dropped.
pub struct UpdateSubscription {
    doc: yrs::Doc,
    key: Origin,
}

impl Drop for UpdateSubscription {
    fn drop(&mut self) {
        // Fails only if a transaction is open on this thread; the callback then
        // stays until the board is dropped, which is harmless.
        let _ = self.doc.unobserve_update_v1(self.key.clone());
    }
}
