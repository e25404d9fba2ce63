//! What a node of socket.io-adapter's cluster protocol asks of the other nodes, whatever
//! carries it: the `ClusterAdapter` methods that the sharded adapter (sharded pub/sub) and
//! the streams adapter (a stream and pub/sub) implement alike. Each adapter only says how a
//! message reaches the others ([`ClusterSender::tell`]) and how many others listen.

use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use socketio_proto::{Packet, PacketData, Value};
use sockeye::{AdapterError, BroadcastOptions, ClusterAck, Room, SocketData};
use tokio::sync::mpsc;

use crate::cluster_node::ClusterNode;
use crate::uid::random_id;
use crate::wire::cluster::Body;

/// The sending half of a cluster-protocol adapter.
pub(crate) trait ClusterSender: ClusterNode {
    /// The namespace's name.
    fn nsp(&self) -> &str;
    /// Sends `body` to the other nodes and waits until the transport took it.
    fn tell(&self, body: Body) -> impl Future<Output = Result<(), AdapterError>> + Send;
    /// How many other nodes listen on this namespace.
    fn others(&self) -> impl Future<Output = Result<usize, AdapterError>> + Send;
}

/// What goes to the other nodes is the EVENT without an id (each node that sends it to its
/// sockets picks its own ack id).
pub(crate) fn event(packet: &Packet, nsp: &str) -> Packet {
    let args = match &packet.data {
        PacketData::Event { args, .. } => args.clone(),
        _ => Vec::new(),
    };
    Packet::new(nsp, PacketData::Event { args, id: None })
}

/// Sends a request and collects one answer per other node, within the requests timeout.
async fn request<N: ClusterSender>(
    node: &N,
    build: impl FnOnce(String) -> Body,
) -> Result<Vec<Body>, AdapterError> {
    let timeout = node.requests_timeout();
    node.pending()
        .ask(random_id(), (), timeout, node.others(), |id| {
            node.tell(build(id))
        })
        .await
}

/// `ClusterAdapter::broadcast_with_ack`: the other nodes' client counts and acknowledgements
/// go to `acks` until the broadcast's timeout; resolves to the number of other nodes.
pub(crate) fn broadcast_with_ack<N: ClusterSender>(
    node: Arc<N>,
    packet: &Packet,
    opts: &BroadcastOptions,
    acks: mpsc::UnboundedSender<ClusterAck>,
) -> BoxFuture<'static, Result<usize, AdapterError>> {
    let packet = event(packet, node.nsp());
    let opts = opts.clone();
    Box::pin(async move {
        let timeout = node.requests_timeout();
        let others = tokio::time::timeout(timeout, node.others())
            .await
            .unwrap_or(Err(AdapterError::Timeout))?;
        if others == 0 {
            return Ok(0);
        }
        let request_id = random_id();
        let wait = opts.flags.timeout.unwrap_or(timeout);
        node.acks().register(request_id.clone(), acks, wait);
        let body = Body::Broadcast {
            packet,
            request_id: Some(request_id.clone()),
            opts,
        };
        if let Err(err) = node.tell(body).await {
            node.acks().remove(&request_id);
            return Err(err);
        }
        Ok(others)
    })
}

/// `ClusterAdapter::fetch_sockets`: the matching sockets of the other nodes.
pub(crate) fn fetch_sockets<N: ClusterSender>(
    node: Arc<N>,
    opts: &BroadcastOptions,
) -> BoxFuture<'static, Result<Vec<SocketData>, AdapterError>> {
    let opts = opts.clone();
    Box::pin(async move {
        let answers = request(&*node, |request_id| Body::FetchSockets { opts, request_id }).await?;
        Ok(answers
            .into_iter()
            .flat_map(|answer| match answer {
                Body::FetchSocketsResponse { sockets, .. } => sockets,
                _ => Vec::new(),
            })
            .collect())
    })
}

/// `ClusterAdapter::add_sockets`: the other nodes' matching sockets join `rooms`.
pub(crate) fn add_sockets<N: ClusterSender>(
    node: Arc<N>,
    opts: &BroadcastOptions,
    rooms: &[Room],
) -> BoxFuture<'static, Result<(), AdapterError>> {
    let body = Body::SocketsJoin {
        opts: opts.clone(),
        rooms: rooms.to_vec(),
    };
    Box::pin(async move { node.tell(body).await })
}

/// `ClusterAdapter::del_sockets`: the other nodes' matching sockets leave `rooms`.
pub(crate) fn del_sockets<N: ClusterSender>(
    node: Arc<N>,
    opts: &BroadcastOptions,
    rooms: &[Room],
) -> BoxFuture<'static, Result<(), AdapterError>> {
    let body = Body::SocketsLeave {
        opts: opts.clone(),
        rooms: rooms.to_vec(),
    };
    Box::pin(async move { node.tell(body).await })
}

/// `ClusterAdapter::disconnect_sockets` on the other nodes.
pub(crate) fn disconnect_sockets<N: ClusterSender>(
    node: Arc<N>,
    opts: &BroadcastOptions,
    close: bool,
) -> BoxFuture<'static, Result<(), AdapterError>> {
    let body = Body::DisconnectSockets {
        opts: opts.clone(),
        close,
    };
    Box::pin(async move { node.tell(body).await })
}

/// `ClusterAdapter::server_side_emit`: with `ack`, one answer per other node that answered.
pub(crate) fn server_side_emit<N: ClusterSender>(
    node: Arc<N>,
    args: Vec<Value>,
    ack: bool,
) -> BoxFuture<'static, Result<Vec<Value>, AdapterError>> {
    Box::pin(async move {
        if !ack {
            let body = Body::ServerSideEmit {
                request_id: None,
                packet: args,
            };
            node.tell(body).await?;
            return Ok(Vec::new());
        }
        let answers = request(&*node, |request_id| Body::ServerSideEmit {
            request_id: Some(request_id),
            packet: args,
        })
        .await?;
        Ok(answers
            .into_iter()
            .filter_map(|answer| match answer {
                Body::ServerSideEmitResponse { packet, .. } => Some(packet.unwrap_or(Value::Null)),
                _ => None,
            })
            .collect())
    })
}
