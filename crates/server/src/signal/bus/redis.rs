//! The bus over Redis (`--bus redis://host:port`).
//!
//! - Membership: a hash per room, `inkmesh:room:<room>`, member id ->
//!   [`RemoteMember`] JSON. Joins, leaves and relays are Lua scripts, so a
//!   check and what follows from it (the room-size limit and the insert, the
//!   membership test and the publish) are one step for every node. Each join
//!   and reconciliation sets the hash to expire [`BUS_ROOM_TTL`] later, so
//!   the members of nodes that died are dropped even from a room nobody
//!   reads again.
//! - Colours: what each user last had in a room, for every node, in
//!   `inkmesh:colours:<room>` (a digest of the user id -> colour) and
//!   `inkmesh:colour-use:<room>` (the digests by when they last joined, for
//!   forgetting the least recent past [`BUS_COLOUR_MEMORY_PER_ROOM`]); both
//!   expire [`BUS_COLOUR_MEMORY_TTL`] after the room's last join.
//! - Liveness: each node renews `inkmesh:alive:<node>` with an expiry
//!   ([`BUS_NODE_TTL`]); the members of a node whose key expired are removed
//!   by whichever node next reads the room, and that node's members hear
//!   `peer-left` through the hub's reconciliation.
//! - Messages between nodes: Redis pub/sub on a channel per node,
//!   `inkmesh:node:<node>`, carrying [`BusEvent`] JSON. Pub/sub delivers at
//!   most once: a lost signal costs one offer/answer exchange, which clients
//!   repeat with backoff anyway, and a lost join or leave is repaired by the
//!   reconciliation ([`BUS_RECONCILE_INTERVAL`]). See docs/DEPLOY.md.

use async_trait::async_trait;
use futures_util::StreamExt;
use inkmesh_transport::{PeerId, PeerInfo, Signal};
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Client, Script};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::{debug, warn};

use super::{Admission, Bus, BusEvent, NodeId, RemoteMember};
use crate::error::{ApiError, Code};
use crate::ids::new_peer_id;
use crate::limits::{
    BUS_COLOUR_MEMORY_PER_ROOM, BUS_COLOUR_MEMORY_TTL, BUS_HEARTBEAT_INTERVAL, BUS_NODE_TTL,
    BUS_RECONNECT_DELAY, BUS_ROOM_TTL,
};
use crate::signal::colours::ColourChoice;

const ROOM_PREFIX: &str = "inkmesh:room:";
const COLOURS_PREFIX: &str = "inkmesh:colours:";
const COLOUR_USE_PREFIX: &str = "inkmesh:colour-use:";
const ALIVE_PREFIX: &str = "inkmesh:alive:";
const CHANNEL_PREFIX: &str = "inkmesh:node:";

/// A node's connection to the cluster's Redis. Dropping it stops its
/// heartbeat and its subscription.
pub struct RedisBus {
    node: NodeId,
    commands: ConnectionManager,
    join: Script,
    leave: Script,
    relay: Script,
    members: Script,
    deleted: Script,
    tasks: Vec<JoinHandle<()>>,
}

impl RedisBus {
    /// Connects to `url`, names this node, starts its heartbeat and
    /// subscribes to its channel: what other nodes send it from now on goes
    /// to `events`.
    pub async fn connect(
        url: &str,
        events: mpsc::Sender<BusEvent>,
    ) -> Result<Self, redis::RedisError> {
        let client = Client::open(url)?;
        let mut commands = client.get_connection_manager().await?;
        let node = new_peer_id("node-");
        renew(&mut commands, &node).await?;
        let mut pubsub = client.get_async_pubsub().await?;
        let channel = format!("{CHANNEL_PREFIX}{node}");
        pubsub.subscribe(&channel).await?;
        let heartbeat = tokio::spawn(heartbeat(commands.clone(), node.clone()));
        let listener = tokio::spawn(listen(client, pubsub, channel, events));
        Ok(Self {
            node,
            commands,
            join: Script::new(include_str!("join.lua")),
            leave: Script::new(include_str!("leave.lua")),
            relay: Script::new(include_str!("relay.lua")),
            members: Script::new(include_str!("members.lua")),
            deleted: Script::new(include_str!("deleted.lua")),
            tasks: vec![heartbeat, listener],
        })
    }

    /// This node's name in the cluster.
    pub fn node(&self) -> &str {
        &self.node
    }
}

impl Drop for RedisBus {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn ttl_millis() -> u64 {
    millis(BUS_NODE_TTL)
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

async fn renew(commands: &mut ConnectionManager, node: &str) -> redis::RedisResult<()> {
    redis::cmd("SET")
        .arg(format!("{ALIVE_PREFIX}{node}"))
        .arg(1)
        .arg("PX")
        .arg(ttl_millis())
        .query_async(commands)
        .await
}

async fn heartbeat(mut commands: ConnectionManager, node: NodeId) {
    let mut every = tokio::time::interval(BUS_HEARTBEAT_INTERVAL);
    loop {
        every.tick().await;
        if let Err(e) = renew(&mut commands, &node).await {
            warn!("bus heartbeat failed: {e}");
        }
    }
}

/// Reads this node's channel into `events`, subscribing again after the
/// connection fails; ends when the hub stops reading.
async fn listen(
    client: Client,
    mut pubsub: redis::aio::PubSub,
    channel: String,
    events: mpsc::Sender<BusEvent>,
) {
    loop {
        {
            let mut messages = pubsub.on_message();
            while let Some(message) = messages.next().await {
                let event = match serde_json::from_slice::<BusEvent>(message.get_payload_bytes()) {
                    Ok(event) => event,
                    Err(e) => {
                        warn!("unreadable message on the bus: {e}");
                        continue;
                    }
                };
                if events.send(event).await.is_err() {
                    return;
                }
            }
        }
        warn!("bus subscription lost; subscribing again");
        pubsub = loop {
            tokio::time::sleep(BUS_RECONNECT_DELAY).await;
            match client.get_async_pubsub().await {
                Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                    Ok(()) => break pubsub,
                    Err(e) => debug!("bus subscription failed: {e}"),
                },
                Err(e) => debug!("bus connection failed: {e}"),
            }
        };
    }
}

fn unavailable(e: redis::RedisError) -> ApiError {
    warn!("the bus failed: {e}");
    ApiError::new(
        Code::Unavailable,
        "The server cannot reach the other servers right now; try again in a moment.",
    )
}

fn event_json(event: &BusEvent) -> String {
    serde_json::to_string(event).expect("bus events always serialize")
}

/// Members as the scripts answer them; an unreadable entry is skipped.
fn read_members(entries: impl IntoIterator<Item = String>) -> Vec<RemoteMember> {
    entries
        .into_iter()
        .filter_map(|json| {
            serde_json::from_str(&json)
                .inspect_err(|e| warn!("unreadable member in the bus: {e}"))
                .ok()
        })
        .collect()
}

#[async_trait]
impl Bus for RedisBus {
    async fn join(
        &self,
        room: &str,
        user: &str,
        peer: &PeerInfo,
        max_people: usize,
        colour: Option<&ColourChoice>,
    ) -> Result<Admission, ApiError> {
        let member = RemoteMember {
            node: self.node.clone(),
            user: user.to_owned(),
            peer: peer.clone(),
        };
        let member_json = serde_json::to_string(&member).expect("members always serialize");
        let joined = event_json(&BusEvent::Joined {
            room: room.to_owned(),
            member,
        });
        let mut script = self.join.key(format!("{ROOM_PREFIX}{room}"));
        script
            .key(format!("{COLOURS_PREFIX}{room}"))
            .key(format!("{COLOUR_USE_PREFIX}{room}"))
            .arg(&peer.id)
            .arg(member_json)
            .arg(&self.node)
            .arg(max_people)
            .arg(if peer.keeper { "1" } else { "0" })
            .arg(joined)
            .arg(ALIVE_PREFIX)
            .arg(CHANNEL_PREFIX)
            .arg(user)
            .arg(millis(BUS_COLOUR_MEMORY_TTL))
            .arg(BUS_COLOUR_MEMORY_PER_ROOM)
            .arg(colour.map_or("", |c| c.fallback))
            .arg(millis(BUS_ROOM_TTL));
        for preferred in colour.map_or(&[][..], |c| &c.preference) {
            script.arg(*preferred);
        }
        let answer: Vec<String> = script
            .invoke_async(&mut self.commands.clone())
            .await
            .map_err(unavailable)?;
        let mut answer = answer.into_iter();
        match answer.next().as_deref() {
            Some("ok") => {
                let picked = answer.next().unwrap_or_default();
                Ok(Admission {
                    colour: colour.map(|_| picked),
                    elsewhere: read_members(answer)
                        .into_iter()
                        .filter(|m| m.node != self.node)
                        .collect(),
                })
            }
            Some("full") => {
                let people = answer.next().unwrap_or_default();
                Err(ApiError::room_full(room, people))
            }
            other => Err(ApiError::internal(
                "the bus answered a join unexpectedly",
                format!("{other:?}"),
            )),
        }
    }

    async fn leave(&self, room: &str, id: &PeerId) {
        let left = event_json(&BusEvent::Left {
            room: room.to_owned(),
            id: id.clone(),
        });
        let done: redis::RedisResult<i64> = self
            .leave
            .key(format!("{ROOM_PREFIX}{room}"))
            .arg(id)
            .arg(&self.node)
            .arg(left)
            .arg(CHANNEL_PREFIX)
            .invoke_async(&mut self.commands.clone())
            .await;
        if let Err(e) = done {
            warn!(room, peer = %id, "cannot remove a member from the bus: {e}");
        }
    }

    async fn room_deleted(&self, room: &str) {
        let event = event_json(&BusEvent::RoomDeleted {
            room: room.to_owned(),
        });
        let done: redis::RedisResult<i64> = self
            .deleted
            .key(format!("{ROOM_PREFIX}{room}"))
            .arg(&self.node)
            .arg(event)
            .arg(CHANNEL_PREFIX)
            .invoke_async(&mut self.commands.clone())
            .await;
        if let Err(e) = done {
            warn!(
                room,
                "cannot tell the other nodes that a board was deleted: {e}"
            );
        }
    }

    async fn relay(
        &self,
        room: &str,
        from: &PeerId,
        to: &PeerId,
        signal: &Signal,
    ) -> Result<(), ApiError> {
        let event = event_json(&BusEvent::Signal {
            room: room.to_owned(),
            from: from.clone(),
            to: to.clone(),
            signal: signal.clone(),
        });
        let published: i64 = self
            .relay
            .key(format!("{ROOM_PREFIX}{room}"))
            .arg(from)
            .arg(to)
            .arg(event)
            .arg(CHANNEL_PREFIX)
            .invoke_async(&mut self.commands.clone())
            .await
            .map_err(unavailable)?;
        if published == 1 {
            Ok(())
        } else {
            Err(ApiError::unknown_peer(room, to))
        }
    }

    async fn members(
        &self,
        room: &str,
        here: &[(String, PeerInfo)],
    ) -> Result<Vec<RemoteMember>, ApiError> {
        let mut script = self.members.key(format!("{ROOM_PREFIX}{room}"));
        script
            .arg(&self.node)
            .arg(ALIVE_PREFIX)
            .arg(ttl_millis())
            .arg(millis(BUS_ROOM_TTL));
        for (user, peer) in here {
            let member = RemoteMember {
                node: self.node.clone(),
                user: user.clone(),
                peer: peer.clone(),
            };
            script
                .arg(&peer.id)
                .arg(serde_json::to_string(&member).expect("members always serialize"));
        }
        let members: Vec<String> = script
            .invoke_async(&mut self.commands.clone())
            .await
            .map_err(unavailable)?;
        Ok(read_members(members))
    }

    async fn retire(&self) {
        for task in &self.tasks {
            task.abort();
        }
        let key = format!("{ALIVE_PREFIX}{}", self.node);
        if let Err(e) = self.commands.clone().del::<_, ()>(key).await {
            warn!("cannot retire this node from the bus: {e}");
        }
    }
}
