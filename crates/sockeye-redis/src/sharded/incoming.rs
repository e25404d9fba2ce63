//! What the other nodes send this one: messages to act on, answers to its requests.

use std::sync::Arc;

use socketio_proto::Value;
use sockeye::{ClusterAck, ServerSideAck};

use super::{Inner, opts_for_broadcast, selection};
use crate::driver::Incoming;
use crate::wire::cluster::{Body, ClusterMessage};

impl Inner {
    fn respond(&self, requester: &str, body: Body) {
        let channel = format!("{}{requester}#", self.channel);
        if let Err(err) = self
            .driver
            .publish_nowait(channel, self.message(body).encode())
        {
            tracing::debug!(nsp = %self.nsp, %err, "an answer to another node was not sent");
        }
    }

    pub(super) fn on_raw(self: &Arc<Self>, msg: Incoming) {
        let message = match ClusterMessage::decode(&msg.payload) {
            Ok(message) => message,
            Err(err) => {
                tracing::debug!(nsp = %self.nsp, %err, "ignoring a malformed cluster message");
                return;
            }
        };
        if msg.channel == self.response_channel || is_response(&message.body) {
            self.on_response(message.body);
        } else {
            self.on_message(message);
        }
    }

    fn on_message(self: &Arc<Self>, message: ClusterMessage) {
        if message.uid == self.uid || message.nsp != self.nsp {
            return;
        }
        let from = message.uid;
        match message.body {
            Body::Broadcast {
                packet,
                request_id: None,
                opts,
            } => self.handle.broadcast(&packet, &opts_for_broadcast(opts)),
            Body::Broadcast {
                packet,
                request_id: Some(request_id),
                opts,
            } => {
                let wait = opts.flags.timeout.unwrap_or(self.timeout);
                let mut acks = self
                    .handle
                    .broadcast_with_ack(packet, &opts_for_broadcast(opts));
                self.respond(
                    &from,
                    Body::BroadcastClientCount {
                        request_id: request_id.clone(),
                        client_count: acks.count() as u64,
                    },
                );
                if acks.count() == 0 {
                    return;
                }
                let me = self.clone();
                tokio::spawn(async move {
                    let answers = async {
                        while let Some((_, mut args)) = acks.next().await {
                            let packet = if args.is_empty() {
                                None
                            } else {
                                Some(args.swap_remove(0))
                            };
                            me.respond(
                                &from,
                                Body::BroadcastAck {
                                    request_id: request_id.clone(),
                                    packet,
                                },
                            );
                        }
                    };
                    let _ = tokio::time::timeout(wait, answers).await;
                });
            }
            Body::SocketsJoin { opts, rooms } => {
                self.handle.add_sockets(&selection(opts), &rooms);
            }
            Body::SocketsLeave { opts, rooms } => {
                self.handle.del_sockets(&selection(opts), &rooms);
            }
            Body::DisconnectSockets { opts, close } => {
                self.handle.disconnect_sockets(&selection(opts), close);
            }
            Body::FetchSockets { opts, request_id } => {
                let sockets = self.handle.fetch_sockets(&selection(opts));
                self.respond(
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
                        let me = self.clone();
                        ServerSideAck::new(move |data| {
                            me.respond(
                                &from,
                                Body::ServerSideEmitResponse {
                                    request_id,
                                    packet: Some(data),
                                },
                            );
                        })
                    }
                };
                self.handle.server_side_emit(packet, ack);
            }
            body => self.on_response(body),
        }
    }

    fn on_response(&self, body: Body) {
        let (request_id, ack) = match &body {
            Body::BroadcastClientCount {
                request_id,
                client_count,
            } => (
                request_id,
                Some(ClusterAck::ClientCount(
                    usize::try_from(*client_count).unwrap_or(usize::MAX),
                )),
            ),
            Body::BroadcastAck { request_id, packet } => (
                request_id,
                Some(ClusterAck::Response(packet.clone().unwrap_or(Value::Null))),
            ),
            Body::FetchSocketsResponse { request_id, .. }
            | Body::ServerSideEmitResponse { request_id, .. } => (request_id, None),
            _ => return,
        };
        if let Some(ack) = ack {
            self.acks.send(request_id, ack);
            return;
        }
        let request_id = request_id.clone();
        self.pending.answer(&request_id, Some(body));
    }
}

fn is_response(body: &Body) -> bool {
    matches!(
        body,
        Body::FetchSocketsResponse { .. }
            | Body::ServerSideEmitResponse { .. }
            | Body::BroadcastClientCount { .. }
            | Body::BroadcastAck { .. }
    )
}
