//! The Redis Cluster connection of a sharded node: `SPUBLISH`, `SSUBSCRIBE`,
//! `PUBSUB SHARDNUMSUB` summed over the masters.
//!
//! redis-rs' cluster connection (RESP3) follows the slots and reconnects by itself; its push
//! messages are routed here by channel. It also subscribes again after a reconnection, but
//! not when every node was away at that moment (its attempt fails then), so this driver keeps
//! its own list and, after a lost connection, subscribes again once a command goes through
//! (`SSUBSCRIBE` twice on one connection is harmless). Commands go out one at a time from one
//! queue, so a subscription made before a publish is in place first, and publishes keep their
//! order.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{MultipleNodeRoutingInfo, RoutingInfo};
use redis::{PushInfo, PushKind};
use sockeye::AdapterError;
use tokio::sync::{mpsc, oneshot};

use crate::driver::{Health, Inbox, Incoming};

enum Command {
    Publish {
        channel: String,
        payload: Vec<u8>,
        reply: Option<oneshot::Sender<Result<(), AdapterError>>>,
    },
    NumSub {
        channel: String,
        reply: oneshot::Sender<Result<usize, AdapterError>>,
    },
    Subscribe(Vec<String>),
    Unsubscribe(Vec<String>),
    Ping,
    /// A connection to a node was lost: its subscriptions may be gone.
    Lost,
}

/// How often a node whose subscriptions may be gone tries to restore them.
const RESUBSCRIBE_EVERY: Duration = Duration::from_millis(250);

/// A node's Redis Cluster connection.
pub(crate) struct ShardedDriver {
    commands: mpsc::UnboundedSender<Command>,
    routes: Arc<Mutex<HashMap<String, Inbox>>>,
    health: Arc<Health>,
    probing: Arc<AtomicBool>,
    timeout: Duration,
}

impl ShardedDriver {
    /// Connects to the cluster through any of `nodes` (fails when none can be reached).
    pub(crate) async fn connect(
        nodes: &[String],
        timeout: Duration,
    ) -> Result<Arc<ShardedDriver>, redis::RedisError> {
        let (push_tx, push_rx) = mpsc::unbounded_channel::<PushInfo>();
        let client = redis::cluster::ClusterClientBuilder::new(nodes.to_vec())
            .use_protocol(redis::ProtocolVersion::RESP3)
            .connection_timeout(timeout.min(Duration::from_secs(2)))
            .response_timeout(timeout)
            .retries(2)
            .push_sender(push_tx)
            .build()?;
        let conn = client.get_async_connection().await?;
        let (commands, rx) = mpsc::unbounded_channel();
        let driver = Arc::new(ShardedDriver {
            commands,
            routes: Arc::new(Mutex::new(HashMap::new())),
            health: Arc::new(Health::default()),
            probing: Arc::new(AtomicBool::new(false)),
            timeout,
        });
        tokio::spawn(run(
            conn,
            rx,
            driver.health.clone(),
            driver.probing.clone(),
            timeout,
        ));
        tokio::spawn(route(
            push_rx,
            driver.routes.clone(),
            driver.health.clone(),
            driver.commands.clone(),
        ));
        Ok(driver)
    }

    /// Queues a publish nobody waits for. While Redis is known to be away it is refused, and
    /// a probe is sent instead to learn when it is back.
    pub(crate) fn publish_nowait(
        &self,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<(), AdapterError> {
        if self.health.is_down() {
            if !self.probing.swap(true, Ordering::Relaxed) {
                let _ = self.commands.send(Command::Ping);
            }
            return Err(AdapterError::Transport("redis is unreachable".into()));
        }
        self.commands
            .send(Command::Publish {
                channel,
                payload,
                reply: None,
            })
            .map_err(|_| closed())
    }

    /// Publishes and waits until Redis took it.
    pub(crate) async fn publish(
        &self,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<(), AdapterError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Publish {
                channel,
                payload,
                reply: Some(tx),
            })
            .map_err(|_| closed())?;
        self.wait(rx).await
    }

    /// `PUBSUB SHARDNUMSUB channel` on every master, summed.
    pub(crate) async fn numsub(&self, channel: String) -> Result<usize, AdapterError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::NumSub { channel, reply: tx })
            .map_err(|_| closed())?;
        self.wait(rx).await
    }

    async fn wait<T>(
        &self,
        rx: oneshot::Receiver<Result<T, AdapterError>>,
    ) -> Result<T, AdapterError> {
        match tokio::time::timeout(self.timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(closed()),
            Err(_) => Err(AdapterError::Timeout),
        }
    }

    /// Routes `channels` to `inbox` and subscribes to them.
    pub(crate) fn subscribe(&self, channels: Vec<String>, inbox: &Inbox) {
        if let Ok(mut routes) = self.routes.lock() {
            for c in &channels {
                routes.insert(c.clone(), inbox.clone());
            }
        }
        let _ = self.commands.send(Command::Subscribe(channels));
    }

    /// Stops routing `channels` and unsubscribes.
    pub(crate) fn unsubscribe(&self, channels: Vec<String>) {
        if let Ok(mut routes) = self.routes.lock() {
            for c in &channels {
                routes.remove(c);
            }
        }
        let _ = self.commands.send(Command::Unsubscribe(channels));
    }
}

fn closed() -> AdapterError {
    AdapterError::Transport("the redis adapter is closed".into())
}

async fn run(
    mut conn: ClusterConnection,
    mut rx: mpsc::UnboundedReceiver<Command>,
    health: Arc<Health>,
    probing: Arc<AtomicBool>,
    timeout: Duration,
) {
    let mut subscribed: HashSet<String> = HashSet::new();
    let mut stale = false;
    let mut tick = tokio::time::interval(RESUBSCRIBE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let cmd = tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(cmd) => cmd,
                None => return,
            },
            _ = tick.tick(), if stale => {
                stale = !resubscribe(&mut conn, &subscribed, &health, timeout).await;
                continue;
            }
        };
        match cmd {
            Command::Publish {
                channel,
                payload,
                reply,
            } => {
                let mut cmd = redis::cmd("SPUBLISH");
                cmd.arg(&channel).arg(payload);
                let result = bounded(timeout, cmd.query_async::<redis::Value>(&mut conn)).await;
                note(&health, &result);
                if let Some(reply) = reply {
                    let _ = reply.send(result.map(|_| ()));
                }
            }
            Command::NumSub { channel, reply } => {
                let mut cmd = redis::cmd("PUBSUB");
                cmd.arg("SHARDNUMSUB").arg(&channel);
                let routing = RoutingInfo::MultiNode((MultipleNodeRoutingInfo::AllMasters, None));
                let result = bounded(timeout, conn.route_command(cmd, routing)).await;
                note(&health, &result);
                let _ = reply.send(result.map(|v| sum_numsub(&v)));
            }
            // one channel per command: channels of different slots live on different shards
            Command::Subscribe(channels) => {
                for channel in channels {
                    let result = bounded(timeout, conn.ssubscribe(&channel)).await;
                    if let Err(err) = result {
                        tracing::debug!(%err, %channel, "ssubscribe failed; retried once redis is back");
                        stale = true;
                    }
                    subscribed.insert(channel);
                }
            }
            Command::Unsubscribe(channels) => {
                for channel in channels {
                    subscribed.remove(&channel);
                    let _ = bounded(timeout, conn.sunsubscribe(&channel)).await;
                }
            }
            Command::Ping => {
                let result = ping(&mut conn, timeout).await;
                note(&health, &result);
                probing.store(false, Ordering::Relaxed);
            }
            Command::Lost => stale = true,
        }
    }
}

async fn ping(
    conn: &mut ClusterConnection,
    timeout: Duration,
) -> Result<redis::Value, AdapterError> {
    bounded(
        timeout,
        redis::cmd("PING").query_async::<redis::Value>(conn),
    )
    .await
}

/// Subscribes again to every channel; true when all went through.
async fn resubscribe(
    conn: &mut ClusterConnection,
    channels: &HashSet<String>,
    health: &Health,
    timeout: Duration,
) -> bool {
    let result = ping(conn, timeout).await;
    note(health, &result);
    if result.is_err() {
        return false;
    }
    for channel in channels {
        if bounded(timeout, conn.ssubscribe(channel)).await.is_err() {
            return false;
        }
    }
    true
}

async fn bounded<T>(
    timeout: Duration,
    fut: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, AdapterError> {
    match tokio::time::timeout(timeout, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(err)) => Err(AdapterError::Transport(err.to_string())),
        Err(_) => Err(AdapterError::Timeout),
    }
}

fn note<T>(health: &Health, result: &Result<T, AdapterError>) {
    match result {
        Ok(_) => health.set(false, false, &""),
        Err(err) => health.set(false, true, err),
    }
}

/// The per-master replies `[channel, count]`, summed (a map by node address from redis-rs).
fn sum_numsub(value: &redis::Value) -> usize {
    match value {
        redis::Value::Map(entries) => entries.iter().map(|(_, v)| sum_numsub(v)).sum(),
        redis::Value::Array(items) if items.len() == 2 => match &items[1] {
            redis::Value::Int(n) => usize::try_from(*n).unwrap_or(0),
            other => sum_numsub(other),
        },
        redis::Value::Array(items) => items.iter().map(sum_numsub).sum(),
        redis::Value::Int(n) => usize::try_from(*n).unwrap_or(0),
        _ => 0,
    }
}

/// Hands each sharded message to the inbox of its channel.
async fn route(
    mut rx: mpsc::UnboundedReceiver<PushInfo>,
    routes: Arc<Mutex<HashMap<String, Inbox>>>,
    health: Arc<Health>,
    commands: mpsc::UnboundedSender<Command>,
) {
    while let Some(push) = rx.recv().await {
        match push.kind {
            PushKind::SMessage | PushKind::Message => {
                let mut data = push.data.into_iter();
                let (Some(channel), Some(payload)) = (data.next(), data.next()) else {
                    continue;
                };
                let (Some(channel), Some(payload)) = (bulk(channel), bulk(payload)) else {
                    continue;
                };
                let Ok(channel) = String::from_utf8(channel) else {
                    continue;
                };
                let inbox = routes.lock().ok().and_then(|r| r.get(&channel).cloned());
                if let Some(inbox) = inbox {
                    let _ = inbox.send(Incoming {
                        channel,
                        payload: Bytes::from(payload),
                    });
                }
            }
            PushKind::Disconnection => {
                health.set(false, true, &"a cluster connection was lost");
                let _ = commands.send(Command::Lost);
            }
            _ => {}
        }
    }
}

fn bulk(value: redis::Value) -> Option<Vec<u8>> {
    match value {
        redis::Value::BulkString(bytes) => Some(bytes),
        redis::Value::SimpleString(s) => Some(s.into_bytes()),
        _ => None,
    }
}
