//! Deleting a board (`DELETE /api/rooms/{room}`, the operator's act: see
//! [`crate::admin`]).
//!
//! In this order, so that nothing is written after the delete:
//! 1. The store deletes the room's log, versions and images and records a
//!    tombstone, in one transaction ([`Store::delete_room`]). The same
//!    transaction moves the room's keeper lease to a new epoch held by no
//!    keeper: every write the room's keeper still has queued, on any node,
//!    is fenced and dropped by the writer, and no keeper claims it again.
//! 2. This node's keeper of the room leaves without storing anything, and
//!    its members get `board_deleted` and are disconnected.
//! 3. The other nodes with members there are told through the bus
//!    ([`crate::signal::bus::BusEvent::RoomDeleted`]) and do the same. A
//!    node that misses the word (the bus delivers at most once) finds out
//!    anyway: its keeper of the room is fenced and steps down, and the one
//!    started to replace it cannot claim the room, reads the tombstone and
//!    ends the members.
//!
//! Afterwards a join is refused with `board_deleted`, and the room's HTTP
//! reads and image uploads answer 410, for as long as the tombstone stays:
//! until an operator removes it (README, "Deleting a board"). Tombstones are
//! one small row per deleted room, and only the admin token makes them.

use std::sync::Arc;

use tracing::{info, warn};

use crate::error::{ApiError, Code};
use crate::keeper::Keepers;
use crate::limits::TOMBSTONE_LOOKUP_TIMEOUT;
use crate::signal::hub::Hub;
use crate::stores::{Store, StoreError};

/// Whether `room` was deleted, as far as the store answers within
/// [`TOMBSTONE_LOOKUP_TIMEOUT`]: `None` when it cannot say now (down, slow,
/// failing; logged). Every join and board read asks, so a blackholed
/// database must not hold each of them for the storage's own timeout.
pub async fn lookup_deleted(store: &Arc<dyn Store>, room: &str) -> Option<bool> {
    let (store, name) = (store.clone(), room.to_owned());
    let read = tokio::task::spawn_blocking(move || store.deleted(&name));
    let answer = match tokio::time::timeout(TOMBSTONE_LOOKUP_TIMEOUT, read).await {
        Ok(Ok(Ok(tombstone))) => return Some(tombstone.is_some()),
        Ok(Ok(Err(e))) => e.to_string(),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no answer within {TOMBSTONE_LOOKUP_TIMEOUT:?}"),
    };
    warn!(room, "cannot read whether the board was deleted: {answer}");
    None
}

/// `board_deleted` if `room` was deleted. A store that cannot answer now
/// ([`lookup_deleted`]) refuses nothing: joining a live board, whose members
/// sync with each other, must not depend on storage, and the data is safe
/// all the same (the deleted room's lease fences every write, and members
/// who joined a deleted board meanwhile are ended by the keeper that cannot
/// start there).
pub async fn refuse_deleted(store: &Arc<dyn Store>, room: &str) -> Result<(), ApiError> {
    match lookup_deleted(store, room).await {
        Some(true) => Err(ApiError::board_deleted(room)),
        Some(false) | None => Ok(()),
    }
}

/// Deletes `room`'s board everywhere (steps 1 to 3 above), in a task of
/// its own: the request's future can be dropped (the API's timeout, a client
/// that hangs up) after the store commits, and the members must be ended
/// and the other nodes told all the same.
pub async fn delete_board(
    store: Arc<dyn Store>,
    keepers: Arc<Keepers>,
    hub: Arc<Hub>,
    room: String,
) -> Result<(), ApiError> {
    tokio::spawn(async move {
        let (deleting, name) = (store.clone(), room.clone());
        tokio::task::spawn_blocking(move || deleting.delete_room(&name))
            .await
            .map_err(|e| ApiError::internal("deleting the board failed", e))?
            .map_err(|e| match e {
                StoreError::Unavailable(reason) => {
                    warn!(
                        room,
                        "cannot delete the board, storage unavailable: {reason}"
                    );
                    ApiError::new(
                        Code::Unavailable,
                        "Storage is unavailable, so the board was not deleted; try again later.",
                    )
                }
                other => ApiError::internal("deleting the board failed", other),
            })?;
        hub.metrics().boards_deleted.inc();
        let members = end_here(&keepers, &hub, &room).await;
        hub.announce_deleted(&room).await;
        info!(room, members, "board deleted");
        Ok(())
    })
    .await
    .map_err(|e| ApiError::internal("deleting the board failed", e))?
}

/// Ends `room` on this node: its keeper leaves storing nothing, and its
/// members get `board_deleted`. Answers how many members were told.
pub async fn end_here(keepers: &Keepers, hub: &Hub, room: &str) -> usize {
    keepers.end(room).await;
    hub.end_members(room, &ApiError::board_deleted(room))
}
