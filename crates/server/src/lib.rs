//! `inkmesh-server`: the thin server of Inkmesh.
//!
//! - [`signal`]: the signaling WebSocket (`docs/PROTOCOL.md`, "Signaling"): a hub of rooms that
//!   relays WebRTC offers, answers and candidates between members. Its messages
//!   and the Rust client (`WsSignaling`, feature `ws-client`) are the transport
//!   crate's.
//! - [`auth`]: HS256 room tokens, or open mode with guest tokens; [`admin`]:
//!   the operator's token, which [`deletion`] of a board takes.
//! - [`turn`]: short-lived TURN credentials minted per member.
//! - [`keeper`]: the server's own peer in each active room, which persists it;
//!   [`cold`]: reading the boards of rooms whose keeper is not awake.
//! - [`stores`], [`persist`], [`recovery`]: the update log, snapshots, history;
//!   [`retention`]: which versions are kept; [`editors`]: who edited since the last;
//!   [`image_sweep`]: collecting images of rooms nobody edits.
//! - [`http`]: the API, health, metrics and the web client, behind open
//!   mode's guard.
//! - [`server`]: start and ordered, flushing shutdown; [`listen`]: the accept
//!   loop with its timeouts and connection cap; [`tls`]: HTTPS with
//!   certificates reloaded on change.
//! - [`limits`]: every bound on what a client may cost, named once.
//! - [`metrics`], [`logging`]: what an operator sees.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use inkmesh_server::{Server, ServerConfig};
//! let server = Server::start(ServerConfig::local("./data")).await?;
//! println!("open {}", server.url());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

pub mod admin;
pub mod auth;
pub mod cold;
pub mod config;
pub mod deletion;
pub mod editors;
pub mod error;
#[cfg(unix)]
mod fdlimit;
pub mod http;
pub mod ids;
pub mod image_sweep;
pub mod images;
pub mod keeper;
pub mod lease;
pub mod limits;
pub mod listen;
pub mod live_views;
pub mod logging;
pub mod metrics;
pub mod persist;
pub mod recovery;
pub mod retention;
pub mod room_uploads;
pub mod secret;
pub mod server;
pub mod signal;
pub mod state;
pub mod stores;
pub mod tls;
pub mod turn;
pub mod view_body;

pub use auth::{Auth, Claims};
pub use config::{Cli, KeeperConfig, ServerConfig, SignalLimits};
pub use error::{ApiError, Code};
pub use server::Server;
