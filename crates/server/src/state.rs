//! What every handler shares, through axum's `State`.

use std::sync::Arc;

use tokio::sync::{watch, Semaphore};

use crate::auth::Auth;
use crate::config::ServerConfig;
use crate::keeper::Keepers;
use crate::metrics::Metrics;
use crate::persist::Writer;
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
}
