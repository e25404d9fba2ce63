//! The Redis Streams adapter, as `createAdapter` of `@socket.io/redis-streams-adapter` 0.3:
//! the `ClusterAdapter` protocol of `socket.io-adapter` 2.5 over a Redis stream and pub/sub,
//! with connection state recovery for the whole cluster.
//!
//! Per namespace: what must reach every node (broadcasts without acknowledgements, joins,
//! leaves, disconnections) is appended to the namespace's stream, which every node reads;
//! the entry id is the packet's offset. What only matters now (a broadcast with
//! acknowledgements, a server-side event, a request for sockets) goes on
//! `{prefix}#{nsp}#`, and answers on the requester's `{prefix}#{nsp}#{uid}#`. The server
//! count is `PUBSUB NUMSUB` of the namespace channel. A disconnected socket's state is a key
//! that expires; restoring it reads back from the stream what its rooms were sent since.

mod incoming;
pub(crate) mod reader;
mod recovery;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use socketio_proto::{Packet, Value};
use sockeye::{
    AdapterError, BroadcastOptions, ClusterAck, ClusterAdapter, NamespaceHandle, OffsetCallback,
    RestoredSession, Room, SessionState, SocketData,
};
use tokio::sync::{mpsc, oneshot};

use crate::cluster_calls::{self, ClusterSender, event};
use crate::config::StreamsConfig;
use crate::driver::{Driver, Incoming};
use crate::requests::{AckRequests, PendingRequests};
use crate::uid::random_id;
use crate::wire::cluster::{Body, ClusterMessage};
use crate::wire::streams::{
    StreamEntry, encode_published, entry_fields, is_ephemeral, stream_name,
};
use reader::SharedRoutes;

/// What the adapters of one factory share: the connections, the options, and where the
/// stream readers send each namespace's entries.
pub(crate) struct Shared {
    pub(crate) driver: Arc<Driver>,
    pub(crate) config: Arc<StreamsConfig>,
    pub(crate) routes: SharedRoutes,
}

/// The streams adapter of one namespace.
pub(crate) struct StreamsAdapter {
    inner: Arc<Inner>,
}

struct Inner {
    handle: NamespaceHandle,
    driver: Arc<Driver>,
    config: Arc<StreamsConfig>,
    routes: SharedRoutes,
    uid: String,
    nsp: String,
    /// The stream of this namespace.
    stream: String,
    /// `{prefix}#{nsp}#`
    channel: String,
    /// `{prefix}#{nsp}#{uid}#`
    private_channel: String,
    pending: PendingRequests<Body>,
    acks: AckRequests,
}

impl StreamsAdapter {
    pub(crate) fn new(handle: NamespaceHandle, shared: &Shared) -> Self {
        let nsp = handle.name().to_owned();
        let uid = random_id();
        let config = shared.config.clone();
        let channel = format!("{}#{nsp}#", config.channel_prefix);
        let inner = Arc::new(Inner {
            private_channel: format!("{channel}{uid}#"),
            stream: stream_name(&config.stream_name, config.stream_count, &nsp),
            channel,
            handle,
            driver: shared.driver.clone(),
            routes: shared.routes.clone(),
            config,
            uid,
            nsp,
            pending: PendingRequests::new(),
            acks: AckRequests::default(),
        });
        let (tx, mut published) = mpsc::unbounded_channel::<Incoming>();
        inner.driver.subscribe(
            &[inner.channel.clone(), inner.private_channel.clone()],
            &[],
            &tx,
        );
        let (tx, mut entries) = mpsc::unbounded_channel::<StreamEntry>();
        if let Ok(mut routes) = inner.routes.lock() {
            routes.insert(inner.nsp.clone(), tx);
        }
        // The workers hold the adapter weakly: they end when it is dropped or closed.
        let worker = Arc::downgrade(&inner);
        tokio::spawn(async move {
            while let Some(msg) = published.recv().await {
                match worker.upgrade() {
                    Some(inner) => inner.on_published(&msg.payload),
                    None => break,
                }
            }
        });
        let worker = Arc::downgrade(&inner);
        tokio::spawn(async move {
            while let Some(entry) = entries.recv().await {
                match worker.upgrade() {
                    Some(inner) => inner.on_entry(&entry),
                    None => break,
                }
            }
        });
        StreamsAdapter { inner }
    }
}

impl Inner {
    fn message(&self, body: Body) -> ClusterMessage {
        ClusterMessage {
            uid: self.uid.clone(),
            nsp: self.nsp.clone(),
            body,
        }
    }

    /// Appends `body` to the stream; `then` gets the entry id.
    fn append(&self, body: Body, then: Option<OffsetCallback>) -> Result<(), AdapterError> {
        let fields = entry_fields(&self.message(body), self.config.only_plaintext);
        self.driver
            .xadd(self.stream.clone(), self.config.max_len, fields, then)
    }

    /// Appends `body` to the stream and waits until Redis took it.
    async fn append_and_wait(&self, body: Body) -> Result<(), AdapterError> {
        let (tx, rx) = oneshot::channel();
        self.append(
            body,
            Some(Box::new(move |result| {
                let _ = tx.send(result);
            })),
        )?;
        match tokio::time::timeout(self.config.requests_timeout, rx).await {
            Ok(Ok(result)) => result.map(|_| ()),
            Ok(Err(_)) => Err(AdapterError::Transport(
                "the redis adapter is closed".into(),
            )),
            Err(_) => Err(AdapterError::Timeout),
        }
    }
}

impl ClusterSender for Inner {
    fn nsp(&self) -> &str {
        &self.nsp
    }

    /// Sends `body` where the reference does: pub/sub for what is ephemeral, else the stream.
    async fn tell(&self, body: Body) -> Result<(), AdapterError> {
        if is_ephemeral(&body) {
            let payload = encode_published(&self.message(body));
            self.driver.publish(self.channel.clone(), payload).await
        } else {
            self.append_and_wait(body).await
        }
    }

    async fn others(&self) -> Result<usize, AdapterError> {
        Ok(self
            .driver
            .numsub(self.channel.clone())
            .await?
            .saturating_sub(1))
    }
}

impl ClusterAdapter for StreamsAdapter {
    fn broadcast(&self, packet: &Packet, opts: &BroadcastOptions) -> Result<(), AdapterError> {
        let inner = &self.inner;
        inner.append(
            Body::Broadcast {
                packet: event(packet, &inner.nsp),
                request_id: None,
                opts: opts.clone(),
            },
            None,
        )
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
        // the protocol has no such request: the namespace knows its own rooms
        Box::pin(async { Ok(HashSet::new()) })
    }

    fn server_count(&self) -> BoxFuture<'static, Result<usize, AdapterError>> {
        let inner = self.inner.clone();
        Box::pin(async move { inner.driver.numsub(inner.channel.clone()).await })
    }

    fn close(&self) -> BoxFuture<'static, ()> {
        let inner = self.inner.clone();
        Box::pin(async move {
            inner
                .driver
                .unsubscribe(&[inner.channel.clone(), inner.private_channel.clone()], &[]);
            if let Ok(mut routes) = inner.routes.lock() {
                routes.remove(&inner.nsp);
            }
            inner.acks.clear();
        })
    }

    fn recovers_sessions(&self) -> bool {
        true
    }

    fn broadcast_recoverable(&self, packet: Packet, opts: BroadcastOptions, then: OffsetCallback) {
        let inner = &self.inner;
        let body = Body::Broadcast {
            packet: event(&packet, &inner.nsp),
            request_id: None,
            opts,
        };
        // on failure the driver has already called `then` with the error
        let _ = inner.append(body, Some(then));
    }

    fn persist_session(
        &self,
        session: SessionState,
        ttl: Duration,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        let inner = self.inner.clone();
        Box::pin(async move { inner.persist(&session, ttl).await })
    }

    fn forget_session(&self, pid: &str) -> BoxFuture<'static, Result<(), AdapterError>> {
        let inner = self.inner.clone();
        let pid = pid.to_owned();
        Box::pin(async move { inner.forget(&pid).await })
    }

    fn restore_session(
        &self,
        pid: &str,
        offset: &str,
    ) -> BoxFuture<'static, Result<Option<RestoredSession>, AdapterError>> {
        let inner = self.inner.clone();
        let (pid, offset) = (pid.to_owned(), offset.to_owned());
        Box::pin(async move { inner.restore(&pid, &offset).await })
    }

    fn packets_after(
        &self,
        offset: &str,
        rooms: &[String],
    ) -> BoxFuture<'static, Result<Option<Vec<Vec<Value>>>, AdapterError>> {
        let inner = self.inner.clone();
        let (offset, rooms) = (offset.to_owned(), rooms.to_vec());
        Box::pin(async move { inner.after(&offset, &rooms).await })
    }
}
