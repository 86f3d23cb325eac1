//! What every handler shares, through axum's `State`.

use std::sync::Arc;

use tokio::sync::{watch, Semaphore};

use crate::admin::AdminToken;
use crate::auth::Auth;
use crate::config::ServerConfig;
use crate::keeper::Keepers;
use crate::limits::{IMAGE_DECODES, IMAGE_UPLOADS, IMAGE_UPLOADS_PER_ROOM};
use crate::metrics::Metrics;
use crate::persist::Writer;
use crate::room_uploads::RoomUploads;
use crate::signal::hub::Hub;
use crate::stores::Store;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<ServerConfig>,
    pub auth: Arc<Auth>,
    pub hub: Arc<Hub>,
    pub keepers: Arc<Keepers>,
    pub store: Arc<dyn Store>,
    /// The storage writer, for `/healthz` to tell whether storage is failing.
    pub writer: Writer,
    pub metrics: Arc<Metrics>,
    /// Turns `true` when the server starts shutting down; WebSocket tasks close.
    pub shutdown: watch::Receiver<bool>,
    /// Places for WebSockets not yet joined to a room.
    pub pending_websockets: Arc<Semaphore>,
    pub image_work: ImageWork,
    /// The operator's token that deleting a board takes; `None`: deletion
    /// is off (`--admin-token-file`).
    pub admin: Option<Arc<AdminToken>>,
}

/// Bounds on image uploads in progress, so that a burst of them cannot hold
/// unbounded memory or every core.
#[derive(Clone)]
pub struct ImageWork {
    /// Places for uploads reading their bodies ([`IMAGE_UPLOADS`]).
    pub uploads: Arc<Semaphore>,
    /// Uploads in progress per room ([`IMAGE_UPLOADS_PER_ROOM`]).
    pub rooms: Arc<RoomUploads>,
    /// Places for decoding ([`IMAGE_DECODES`]).
    pub decodes: Arc<Semaphore>,
}

impl Default for ImageWork {
    fn default() -> Self {
        Self {
            uploads: Arc::new(Semaphore::new(IMAGE_UPLOADS)),
            rooms: RoomUploads::new(IMAGE_UPLOADS_PER_ROOM),
            decodes: Arc::new(Semaphore::new(IMAGE_DECODES)),
        }
    }
}
