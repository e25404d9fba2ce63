//! The classic adapter, as `createAdapter` of `@socket.io/redis-adapter` 8.3.
//!
//! Per namespace: broadcasts on `{key}#{nsp}#` (and `{key}#{nsp}#{room}#` when they target
//! one room; a node drops those for rooms it does not have), requests on
//! `{key}-request#{nsp}#`, answers on `{key}-response#{nsp}#` or the requester's own
//! `{key}-response#{nsp}#{uid}#`. A request waits for `PUBSUB NUMSUB` of the request
//! channel minus one answers (every node listens there, emitters do not), within
//! `requests_timeout`.

mod incoming;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use socketio_proto::{Packet, PacketData, Value};
use sockeye::{
    AdapterError, BroadcastOptions, ClusterAck, ClusterAdapter, NamespaceHandle, Room, SocketData,
};
use tokio::sync::mpsc;

use crate::config::RedisConfig;
use crate::driver::{Driver, Incoming};
use crate::requests::{AckRequests, PendingRequests};
use crate::uid::uid;
use crate::wire::classic::{Request, RequestType, Response, Target, encode_broadcast};

/// The classic adapter of one namespace.
pub(crate) struct ClassicAdapter {
    inner: Arc<Inner>,
}

struct Inner {
    handle: NamespaceHandle,
    driver: Arc<Driver>,
    uid: String,
    nsp: String,
    /// `{key}#{nsp}#`
    channel: String,
    /// `{key}-request#{nsp}#`
    request_channel: String,
    /// `{key}-response#{nsp}#`
    response_channel: String,
    /// `{key}-response#{nsp}#{uid}#`
    own_response_channel: String,
    timeout: Duration,
    specific: bool,
    /// Requests waiting for answers, with the type their answers are read as.
    pending: PendingRequests<Response, RequestType>,
    acks: AckRequests,
}

impl ClassicAdapter {
    pub(crate) fn new(handle: NamespaceHandle, driver: Arc<Driver>, config: &RedisConfig) -> Self {
        let nsp = handle.name().to_owned();
        let uid = uid();
        let key = &config.key;
        let response_channel = format!("{key}-response#{nsp}#");
        let inner = Arc::new(Inner {
            channel: format!("{key}#{nsp}#"),
            request_channel: format!("{key}-request#{nsp}#"),
            own_response_channel: format!("{response_channel}{uid}#"),
            response_channel,
            handle,
            driver,
            uid,
            nsp,
            timeout: config.requests_timeout,
            specific: config.publish_on_specific_response_channel,
            pending: PendingRequests::new(),
            acks: AckRequests::default(),
        });
        let (tx, mut rx) = mpsc::unbounded_channel::<Incoming>();
        inner.driver.subscribe(
            &[
                inner.request_channel.clone(),
                inner.response_channel.clone(),
                inner.own_response_channel.clone(),
            ],
            &[format!("{}*", inner.channel)],
            &tx,
        );
        // Holds the adapter weakly, so that a server dropped without `close` frees it (and,
        // with the last adapter, the connections); ends when the subscriptions are dropped.
        let worker = Arc::downgrade(&inner);
        tokio::spawn(async move {
            while let Some(msg) = rx.recv().await {
                match worker.upgrade() {
                    Some(inner) => inner.on_message(msg),
                    None => break,
                }
            }
        });
        ClassicAdapter { inner }
    }
}

impl Inner {
    /// How many other nodes listen on the request channel.
    async fn others(&self) -> Result<usize, AdapterError> {
        Ok(self
            .driver
            .numsub(self.request_channel.clone())
            .await?
            .saturating_sub(1))
    }

    /// Publishes a request and collects one answer per other node, within the timeout.
    async fn request(
        self: Arc<Self>,
        kind: RequestType,
        build: impl FnOnce(String) -> Request,
    ) -> Result<Vec<Response>, AdapterError> {
        let publish = |id| {
            let payload = build(id).encode();
            self.driver.publish(self.request_channel.clone(), payload)
        };
        self.pending
            .ask(uid(), kind, self.timeout, self.others(), publish)
            .await
    }

    /// Publishes a request that nobody answers.
    async fn tell(&self, request: Request) -> Result<(), AdapterError> {
        self.driver
            .publish(self.request_channel.clone(), request.encode())
            .await
    }
}

/// The reference applies another node's selection with its rooms and exceptions only;
/// broadcasts keep `volatile` and `compress`.
fn only_rooms(opts: BroadcastOptions, keep_flags: bool) -> BroadcastOptions {
    let mut out = BroadcastOptions {
        rooms: opts.rooms,
        except: opts.except,
        ..BroadcastOptions::default()
    };
    if keep_flags {
        out.flags.volatile = opts.flags.volatile;
        out.flags.compress = opts.flags.compress;
    }
    out
}

fn event_packet(packet: &Packet, nsp: &str) -> Packet {
    // What goes to the other nodes is always the EVENT without an id (each node that sends
    // it to its sockets picks its own ack id).
    let args = match &packet.data {
        PacketData::Event { args, .. } => args.clone(),
        _ => Vec::new(),
    };
    Packet::new(nsp, PacketData::Event { args, id: None })
}

impl ClusterAdapter for ClassicAdapter {
    fn broadcast(&self, packet: &Packet, opts: &BroadcastOptions) -> Result<(), AdapterError> {
        let inner = &self.inner;
        let mut channel = inner.channel.clone();
        if opts.rooms.len() == 1 {
            if let Some(room) = opts.rooms.iter().next() {
                channel.push_str(room);
                channel.push('#');
            }
        }
        let payload = if packet.nsp == inner.nsp {
            encode_broadcast(&inner.uid, packet, opts)
        } else {
            encode_broadcast(&inner.uid, &event_packet(packet, &inner.nsp), opts)
        };
        inner.driver.publish_nowait(channel, payload)
    }

    fn broadcast_with_ack(
        &self,
        packet: &Packet,
        opts: &BroadcastOptions,
        acks: mpsc::UnboundedSender<ClusterAck>,
    ) -> BoxFuture<'static, Result<usize, AdapterError>> {
        let inner = self.inner.clone();
        let packet = event_packet(packet, &inner.nsp);
        let opts = opts.clone();
        Box::pin(async move {
            let others = tokio::time::timeout(inner.timeout, inner.others())
                .await
                .unwrap_or(Err(AdapterError::Timeout))?;
            if others == 0 {
                return Ok(0);
            }
            let request_id = uid();
            let wait = opts.flags.timeout.unwrap_or(inner.timeout);
            inner.acks.register(request_id.clone(), acks, wait);
            let request = Request::Broadcast {
                uid: Some(inner.uid.clone()),
                request_id: request_id.clone(),
                packet,
                opts,
            };
            if let Err(err) = inner
                .driver
                .publish(inner.request_channel.clone(), request.encode())
                .await
            {
                inner.acks.remove(&request_id);
                return Err(err);
            }
            Ok(others)
        })
    }

    fn fetch_sockets(
        &self,
        opts: &BroadcastOptions,
    ) -> BoxFuture<'static, Result<Vec<SocketData>, AdapterError>> {
        let inner = self.inner.clone();
        let opts = only_rooms(opts.clone(), false);
        let uid = inner.uid.clone();
        Box::pin(async move {
            let answers = inner
                .request(RequestType::RemoteFetch, |request_id| Request::Fetch {
                    uid: Some(uid),
                    request_id,
                    opts,
                })
                .await?;
            Ok(answers
                .into_iter()
                .flat_map(|answer| match answer {
                    Response::Fetch { sockets, .. } => sockets,
                    _ => Vec::new(),
                })
                .collect())
        })
    }

    fn add_sockets(
        &self,
        opts: &BroadcastOptions,
        rooms: &[Room],
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        let inner = self.inner.clone();
        let request = Request::Join {
            uid: Some(inner.uid.clone()),
            request_id: None,
            target: Target::Opts(only_rooms(opts.clone(), false)),
            rooms: rooms.to_vec(),
        };
        Box::pin(async move { inner.tell(request).await })
    }

    fn del_sockets(
        &self,
        opts: &BroadcastOptions,
        rooms: &[Room],
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        let inner = self.inner.clone();
        let request = Request::Leave {
            uid: Some(inner.uid.clone()),
            request_id: None,
            target: Target::Opts(only_rooms(opts.clone(), false)),
            rooms: rooms.to_vec(),
        };
        Box::pin(async move { inner.tell(request).await })
    }

    fn disconnect_sockets(
        &self,
        opts: &BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        let inner = self.inner.clone();
        let request = Request::Disconnect {
            uid: Some(inner.uid.clone()),
            request_id: None,
            target: Target::Opts(only_rooms(opts.clone(), false)),
            close,
        };
        Box::pin(async move { inner.tell(request).await })
    }

    fn server_side_emit(
        &self,
        args: Vec<Value>,
        ack: bool,
    ) -> BoxFuture<'static, Result<Vec<Value>, AdapterError>> {
        let inner = self.inner.clone();
        let uid = inner.uid.clone();
        Box::pin(async move {
            if !ack {
                inner
                    .tell(Request::ServerSideEmit {
                        uid: Some(uid),
                        request_id: None,
                        data: args,
                    })
                    .await?;
                return Ok(Vec::new());
            }
            let answers = inner
                .request(RequestType::ServerSideEmit, |request_id| {
                    Request::ServerSideEmit {
                        uid: Some(uid),
                        request_id: Some(request_id),
                        data: args,
                    }
                })
                .await?;
            Ok(answers
                .into_iter()
                .filter_map(|answer| match answer {
                    Response::ServerSideEmit { data, .. } => Some(data),
                    _ => None,
                })
                .collect())
        })
    }

    fn all_rooms(&self) -> BoxFuture<'static, Result<HashSet<Room>, AdapterError>> {
        let inner = self.inner.clone();
        let uid = inner.uid.clone();
        Box::pin(async move {
            let answers = inner
                .request(RequestType::AllRooms, |request_id| Request::AllRooms {
                    uid: Some(uid),
                    request_id,
                })
                .await?;
            Ok(answers
                .into_iter()
                .flat_map(|answer| match answer {
                    Response::AllRooms { rooms, .. } => rooms,
                    _ => Vec::new(),
                })
                .collect())
        })
    }

    fn server_count(&self) -> BoxFuture<'static, Result<usize, AdapterError>> {
        let inner = self.inner.clone();
        Box::pin(async move { inner.driver.numsub(inner.request_channel.clone()).await })
    }

    fn close(&self) -> BoxFuture<'static, ()> {
        let inner = self.inner.clone();
        Box::pin(async move {
            inner.driver.unsubscribe(
                &[
                    inner.request_channel.clone(),
                    inner.response_channel.clone(),
                    inner.own_response_channel.clone(),
                ],
                &[format!("{}*", inner.channel)],
            );
            inner.acks.clear();
        })
    }
}
