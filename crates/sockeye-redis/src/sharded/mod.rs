//! The sharded adapter, as `createShardedAdapter` of `@socket.io/redis-adapter` 8.3: the
//! `ClusterAdapter` protocol of `socket.io-adapter` over Redis 7 sharded pub/sub.
//!
//! Per namespace: messages on `{prefix}#{nsp}#`, answers on the requester's
//! `{prefix}#{nsp}#{uid}#`, and in the dynamic modes one channel per room this node has,
//! where a broadcast to that one room goes. The server count is `PUBSUB SHARDNUMSUB` of the
//! namespace channel, summed over the masters. As in the reference, `all_rooms` has no
//! cluster request in this protocol: only this node's rooms are known.

mod driver;
mod incoming;

pub(crate) use driver::ShardedDriver;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use socketio_proto::{Packet, Value};
use sockeye::{
    AdapterError, BroadcastOptions, ClusterAck, ClusterAdapter, NamespaceHandle, Room, SocketData,
};
use tokio::sync::mpsc;

use crate::cluster_calls::{self, ClusterSender, event};
use crate::config::{ShardedConfig, SubscriptionMode};
use crate::driver::Incoming;
use crate::requests::{AckRequests, PendingRequests};
use crate::uid::random_id;
use crate::wire::cluster::{Body, ClusterMessage};

/// The reference sends to a room's own channel only when the room does not look like a
/// socket id (20 characters) in the dynamic mode.
const SOCKET_ID_LEN: usize = 20;

/// The sharded adapter of one namespace.
pub(crate) struct ShardedAdapter {
    inner: Arc<Inner>,
}

struct Inner {
    handle: NamespaceHandle,
    driver: Arc<ShardedDriver>,
    uid: String,
    nsp: String,
    /// `{prefix}#{nsp}#`
    channel: String,
    /// `{prefix}#{nsp}#{uid}#`
    response_channel: String,
    mode: SubscriptionMode,
    timeout: Duration,
    inbox: mpsc::UnboundedSender<Incoming>,
    pending: PendingRequests<Body>,
    acks: AckRequests,
    /// The rooms whose own channel this node subscribed to.
    dynamic: Mutex<HashSet<Room>>,
}

impl ShardedAdapter {
    pub(crate) fn new(
        handle: NamespaceHandle,
        driver: Arc<ShardedDriver>,
        config: &ShardedConfig,
    ) -> Self {
        let nsp = handle.name().to_owned();
        let uid = random_id();
        let channel = format!("{}#{nsp}#", config.channel_prefix);
        let (tx, mut rx) = mpsc::unbounded_channel::<Incoming>();
        let inner = Arc::new(Inner {
            response_channel: format!("{channel}{uid}#"),
            channel,
            handle,
            driver,
            uid,
            nsp,
            mode: config.subscription_mode,
            timeout: config.requests_timeout,
            inbox: tx,
            pending: PendingRequests::new(),
            acks: AckRequests::default(),
            dynamic: Mutex::new(HashSet::new()),
        });
        inner.driver.subscribe(
            vec![inner.channel.clone(), inner.response_channel.clone()],
            &inner.inbox,
        );
        // Holds the adapter weakly: the inbox sender lives in the adapter, so the task ends
        // when the adapter is dropped (or closed).
        let worker = Arc::downgrade(&inner);
        tokio::spawn(async move {
            while let Some(msg) = rx.recv().await {
                match worker.upgrade() {
                    Some(inner) => inner.on_raw(msg),
                    None => break,
                }
            }
        });
        ShardedAdapter { inner }
    }
}

impl Inner {
    fn dynamic_channel(&self, room: &str) -> String {
        format!("{}{room}#", self.channel)
    }

    /// Whether `room` has its own channel in this mode (a socket's own room is private).
    fn separate_channel(&self, room: &str) -> bool {
        match self.mode {
            SubscriptionMode::Static => false,
            SubscriptionMode::DynamicPrivate => true,
            SubscriptionMode::Dynamic => {
                let rooms = HashSet::from([room.to_owned()]);
                !self.handle.socket_ids(&rooms).iter().any(|id| id == room)
            }
        }
    }

    fn publish(&self, body: Body) -> Result<(), AdapterError> {
        let channel = self.channel_for(&body);
        let message = self.message(body);
        self.driver.publish_nowait(channel, message.encode())
    }

    fn message(&self, body: Body) -> ClusterMessage {
        ClusterMessage {
            uid: self.uid.clone(),
            nsp: self.nsp.clone(),
            body,
        }
    }

    /// A broadcast without acknowledgements to one room goes to that room's channel when
    /// the mode gives it one; everything else to the namespace channel.
    fn channel_for(&self, body: &Body) -> String {
        if let Body::Broadcast {
            request_id: None,
            opts,
            ..
        } = body
        {
            if opts.rooms.len() == 1 {
                if let Some(room) = opts.rooms.iter().next() {
                    let dynamic = match self.mode {
                        SubscriptionMode::Static => false,
                        SubscriptionMode::Dynamic => room.chars().count() != SOCKET_ID_LEN,
                        SubscriptionMode::DynamicPrivate => true,
                    };
                    if dynamic {
                        return self.dynamic_channel(room);
                    }
                }
            }
        }
        self.channel.clone()
    }
}

impl ClusterSender for Inner {
    fn nsp(&self) -> &str {
        &self.nsp
    }

    async fn tell(&self, body: Body) -> Result<(), AdapterError> {
        let channel = self.channel_for(&body);
        self.driver
            .publish(channel, self.message(body).encode())
            .await
    }

    async fn others(&self) -> Result<usize, AdapterError> {
        Ok(self
            .driver
            .numsub(self.channel.clone())
            .await?
            .saturating_sub(1))
    }
}

impl ClusterAdapter for ShardedAdapter {
    fn broadcast(&self, packet: &Packet, opts: &BroadcastOptions) -> Result<(), AdapterError> {
        self.inner.publish(Body::Broadcast {
            packet: event(packet, &self.inner.nsp),
            request_id: None,
            opts: opts.clone(),
        })
    }

    fn broadcast_with_ack(
        &self,
        packet: &Packet,
        opts: &BroadcastOptions,
        acks: mpsc::UnboundedSender<ClusterAck>,
    ) -> BoxFuture<'static, Result<usize, AdapterError>> {
        cluster_calls::broadcast_with_ack(self.inner.clone(), packet, opts, acks)
    }

    fn fetch_sockets(
        &self,
        opts: &BroadcastOptions,
    ) -> BoxFuture<'static, Result<Vec<SocketData>, AdapterError>> {
        cluster_calls::fetch_sockets(self.inner.clone(), opts)
    }

    fn add_sockets(
        &self,
        opts: &BroadcastOptions,
        rooms: &[Room],
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        cluster_calls::add_sockets(self.inner.clone(), opts, rooms)
    }

    fn del_sockets(
        &self,
        opts: &BroadcastOptions,
        rooms: &[Room],
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        cluster_calls::del_sockets(self.inner.clone(), opts, rooms)
    }

    fn disconnect_sockets(
        &self,
        opts: &BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        cluster_calls::disconnect_sockets(self.inner.clone(), opts, close)
    }

    fn server_side_emit(
        &self,
        args: Vec<Value>,
        ack: bool,
    ) -> BoxFuture<'static, Result<Vec<Value>, AdapterError>> {
        cluster_calls::server_side_emit(self.inner.clone(), args, ack)
    }

    fn all_rooms(&self) -> BoxFuture<'static, Result<HashSet<Room>, AdapterError>> {
        Box::pin(async { Ok(HashSet::new()) })
    }

    fn server_count(&self) -> BoxFuture<'static, Result<usize, AdapterError>> {
        let inner = self.inner.clone();
        Box::pin(async move { inner.driver.numsub(inner.channel.clone()).await })
    }

    fn room_created(&self, room: &str) {
        let inner = &self.inner;
        if inner.separate_channel(room) {
            if let Ok(mut dynamic) = inner.dynamic.lock() {
                dynamic.insert(room.to_owned());
            }
            inner
                .driver
                .subscribe(vec![inner.dynamic_channel(room)], &inner.inbox);
        }
    }

    fn room_deleted(&self, room: &str) {
        let inner = &self.inner;
        let subscribed = inner
            .dynamic
            .lock()
            .is_ok_and(|mut dynamic| dynamic.remove(room));
        if subscribed {
            inner.driver.unsubscribe(vec![inner.dynamic_channel(room)]);
        }
    }

    fn close(&self) -> BoxFuture<'static, ()> {
        let inner = self.inner.clone();
        Box::pin(async move {
            let mut channels = vec![inner.channel.clone(), inner.response_channel.clone()];
            if let Ok(mut dynamic) = inner.dynamic.lock() {
                channels.extend(dynamic.drain().map(|room| inner.dynamic_channel(&room)));
            }
            inner.driver.unsubscribe(channels);
            inner.acks.clear();
        })
    }
}
