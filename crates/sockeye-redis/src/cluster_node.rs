//! What a node of socket.io-adapter's cluster protocol does with the other nodes' messages,
//! whatever carries them: the sharded adapter (sharded pub/sub) and the streams adapter (a
//! stream and pub/sub) share it.

use std::sync::Arc;
use std::time::Duration;

use socketio_proto::Value;
use sockeye::{BroadcastOptions, ClusterAck, NamespaceHandle, ServerSideAck};

use crate::requests::{AckRequests, PendingRequests};
use crate::wire::cluster::Body;

/// An adapter of the cluster protocol, as the dispatch below needs it.
pub(crate) trait ClusterNode: Send + Sync + 'static {
    /// The namespace on this node.
    fn handle(&self) -> &NamespaceHandle;
    /// Sends an answer to node `to`.
    fn respond(&self, to: &str, body: Body);
    /// How long acknowledgements are forwarded when the broadcast gave no timeout.
    fn requests_timeout(&self) -> Duration;
    /// This node's broadcasts waiting for acknowledgements.
    fn acks(&self) -> &AckRequests;
    /// This node's requests waiting for answers.
    fn pending(&self) -> &PendingRequests<Body>;
}

/// Acts on a message from node `from` (not this one, of this namespace). A broadcast that
/// came with its `offset` in the cluster's log is delivered with it.
pub(crate) fn on_message<N: ClusterNode>(
    node: &Arc<N>,
    from: String,
    body: Body,
    offset: Option<&str>,
) {
    let handle = node.handle();
    match body {
        Body::Broadcast {
            packet,
            request_id: None,
            opts,
        } => {
            let opts = opts_for_broadcast(opts);
            match offset {
                Some(offset) => handle.broadcast_at(&packet, &opts, offset),
                None => handle.broadcast(&packet, &opts),
            }
        }
        Body::Broadcast {
            packet,
            request_id: Some(request_id),
            opts,
        } => {
            let wait = opts.flags.timeout.unwrap_or(node.requests_timeout());
            let mut acks = handle.broadcast_with_ack(packet, &opts_for_broadcast(opts));
            node.respond(
                &from,
                Body::BroadcastClientCount {
                    request_id: request_id.clone(),
                    client_count: acks.count() as u64,
                },
            );
            if acks.count() == 0 {
                return;
            }
            let node = node.clone();
            tokio::spawn(async move {
                let answers = async {
                    while let Some((_, mut args)) = acks.next().await {
                        let packet = if args.is_empty() {
                            None
                        } else {
                            Some(args.swap_remove(0))
                        };
                        node.respond(
                            &from,
                            Body::BroadcastAck {
                                request_id: request_id.clone(),
                                packet,
                            },
                        );
                    }
                };
                // the requester stops listening at its timeout; so do we
                let _ = tokio::time::timeout(wait, answers).await;
            });
        }
        Body::SocketsJoin { opts, rooms } => handle.add_sockets(&selection(opts), &rooms),
        Body::SocketsLeave { opts, rooms } => handle.del_sockets(&selection(opts), &rooms),
        Body::DisconnectSockets { opts, close } => {
            handle.disconnect_sockets(&selection(opts), close);
        }
        Body::FetchSockets { opts, request_id } => {
            let sockets = handle.fetch_sockets(&selection(opts));
            node.respond(
                &from,
                Body::FetchSocketsResponse {
                    request_id,
                    sockets,
                },
            );
        }
        Body::ServerSideEmit { request_id, packet } => {
            let ack = match request_id {
                None => ServerSideAck::none(),
                Some(request_id) => {
                    let node = node.clone();
                    ServerSideAck::new(move |data| {
                        node.respond(
                            &from,
                            Body::ServerSideEmitResponse {
                                request_id,
                                packet: Some(data),
                            },
                        );
                    })
                }
            };
            handle.server_side_emit(packet, ack);
        }
        body => on_response(&**node, body),
    }
}

/// An answer to one of this node's requests or broadcasts; anything else is ignored.
pub(crate) fn on_response<N: ClusterNode>(node: &N, body: Body) {
    match body {
        Body::BroadcastClientCount {
            request_id,
            client_count,
        } => {
            let count = usize::try_from(client_count).unwrap_or(usize::MAX);
            node.acks()
                .send(&request_id, ClusterAck::ClientCount(count));
        }
        Body::BroadcastAck { request_id, packet } => {
            let answer = ClusterAck::Response(packet.unwrap_or(Value::Null));
            node.acks().send(&request_id, answer);
        }
        Body::FetchSocketsResponse { ref request_id, .. }
        | Body::ServerSideEmitResponse { ref request_id, .. } => {
            let request_id = request_id.clone();
            node.pending().answer(&request_id, Some(body));
        }
        _ => {}
    }
}

/// Whether `body` answers a request (it goes to the requester, not to everyone).
pub(crate) fn is_response(body: &Body) -> bool {
    matches!(
        body,
        Body::FetchSocketsResponse { .. }
            | Body::ServerSideEmitResponse { .. }
            | Body::BroadcastClientCount { .. }
            | Body::BroadcastAck { .. }
    )
}

/// A broadcast from another node keeps `volatile` and `compress`, never `local`.
fn opts_for_broadcast(mut opts: BroadcastOptions) -> BroadcastOptions {
    opts.flags.local = false;
    opts.flags.timeout = None;
    opts
}

/// A bulk request from another node: its rooms and exceptions.
fn selection(opts: BroadcastOptions) -> BroadcastOptions {
    BroadcastOptions {
        rooms: opts.rooms,
        except: opts.except,
        ..BroadcastOptions::default()
    }
}
