//! What the other nodes send this one: stream entries and published messages to act on,
//! answers to its requests.

use std::sync::Arc;

use socketio_proto::Value;
use sockeye::{BroadcastOptions, ClusterAck, ServerSideAck};

use super::Inner;
use crate::wire::cluster::{Body, ClusterMessage};
use crate::wire::streams::{StreamEntry, decode_entry, decode_published, encode_published};

impl Inner {
    /// A stream entry: its id is the offset of a broadcast.
    pub(super) fn on_entry(self: &Arc<Self>, entry: &StreamEntry) {
        match decode_entry(entry) {
            Ok(message) => self.on_message(message, Some(&entry.id)),
            Err(err) => tracing::debug!(nsp = %self.nsp, %err, "ignoring a malformed stream entry"),
        }
    }

    /// A message on the namespace channel or on this node's own.
    pub(super) fn on_published(self: &Arc<Self>, payload: &[u8]) {
        match decode_published(payload) {
            Ok(message) => self.on_message(message, None),
            Err(err) => tracing::debug!(nsp = %self.nsp, %err, "ignoring a malformed message"),
        }
    }

    fn respond(&self, requester: &str, body: Body) {
        let channel = format!("{}{requester}#", self.channel);
        let payload = encode_published(&self.message(body));
        if let Err(err) = self.driver.publish_nowait(channel, payload) {
            tracing::debug!(nsp = %self.nsp, %err, "an answer to another node was not sent");
        }
    }

    fn on_message(self: &Arc<Self>, message: ClusterMessage, offset: Option<&str>) {
        if message.uid == self.uid || message.nsp != self.nsp {
            return;
        }
        let from = message.uid;
        match message.body {
            Body::Broadcast {
                packet,
                request_id: None,
                opts,
            } => {
                let opts = opts_for_broadcast(opts);
                match offset {
                    Some(offset) => self.handle.broadcast_at(&packet, &opts, offset),
                    None => self.handle.broadcast(&packet, &opts),
                }
            }
            Body::Broadcast {
                packet,
                request_id: Some(request_id),
                opts,
            } => {
                let wait = opts.flags.timeout.unwrap_or(self.config.requests_timeout);
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
                    // the requester stops listening at its timeout; so do we
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
        match body {
            Body::BroadcastClientCount {
                request_id,
                client_count,
            } => {
                let count = usize::try_from(client_count).unwrap_or(usize::MAX);
                self.acks.send(&request_id, ClusterAck::ClientCount(count));
            }
            Body::BroadcastAck { request_id, packet } => {
                let answer = ClusterAck::Response(packet.unwrap_or(Value::Null));
                self.acks.send(&request_id, answer);
            }
            Body::FetchSocketsResponse { ref request_id, .. }
            | Body::ServerSideEmitResponse { ref request_id, .. } => {
                let request_id = request_id.clone();
                self.pending.answer(&request_id, Some(body));
            }
            _ => {}
        }
    }
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
