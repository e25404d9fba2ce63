//! What the other nodes send this one: broadcasts, requests to answer, answers to its own
//! requests.

use std::collections::HashSet;
use std::sync::Arc;

use socketio_proto::Value;
use sockeye::{BroadcastOptions, ClusterAck, NamespaceHandle, Room, ServerSideAck};

use super::{Inner, only_rooms};
use crate::driver::Incoming;
use crate::wire::classic::{
    BroadcastMessage, Request, Response, Target, decode_broadcast, response_id,
};
use crate::wire::decode_any;

impl Inner {
    pub(super) fn on_message(self: &Arc<Self>, msg: Incoming) {
        if msg.channel == self.request_channel {
            self.on_request(&msg.payload);
        } else if msg.channel.starts_with(&self.response_channel) {
            self.on_response(&msg.payload);
        } else if let Some(rest) = msg.channel.strip_prefix(&self.channel) {
            let room = rest.strip_suffix('#').unwrap_or(rest);
            if !room.is_empty() && !self.handle.has_room(room) {
                return;
            }
            match decode_broadcast(&msg.payload) {
                Ok(BroadcastMessage { uid, packet, opts }) => {
                    if uid == self.uid || packet.nsp != self.nsp {
                        return;
                    }
                    self.handle.broadcast(&packet, &only_rooms(opts, true));
                }
                Err(err) => {
                    tracing::debug!(nsp = %self.nsp, %err, "ignoring a malformed broadcast")
                }
            }
        }
    }

    fn response_channel_for(&self, uid: Option<&str>) -> String {
        if self.specific {
            format!("{}{}#", self.response_channel, uid.unwrap_or("undefined"))
        } else {
            self.response_channel.clone()
        }
    }

    fn respond(&self, uid: Option<&str>, response: &Response) {
        let channel = self.response_channel_for(uid);
        if let Err(err) = self.driver.publish_nowait(channel, response.encode()) {
            tracing::debug!(nsp = %self.nsp, %err, "an answer to another node was not sent");
        }
    }

    fn is_pending(&self, id: &str) -> bool {
        self.pending.contains(id)
    }

    fn on_request(self: &Arc<Self>, payload: &[u8]) {
        let request = match Request::decode(payload) {
            Ok(request) => request,
            Err(err) => {
                tracing::debug!(nsp = %self.nsp, %err, "ignoring a malformed request");
                return;
            }
        };
        let own = request.uid() == Some(self.uid.as_str());
        let uid = request.uid().map(str::to_owned);
        match request {
            Request::Sockets {
                request_id, rooms, ..
            } => {
                if self.is_pending(&request_id) {
                    return;
                }
                let sockets = self.handle.socket_ids(&rooms.into_iter().collect());
                self.respond(
                    uid.as_deref(),
                    &Response::Sockets {
                        request_id,
                        sockets,
                    },
                );
            }
            Request::AllRooms { request_id, .. } => {
                if self.is_pending(&request_id) {
                    return;
                }
                let rooms = self.handle.rooms().into_iter().collect();
                self.respond(uid.as_deref(), &Response::AllRooms { request_id, rooms });
            }
            // This node did its own part before it published the request.
            Request::Join { .. } | Request::Leave { .. } | Request::Disconnect { .. } if own => {}
            Request::Join {
                request_id,
                target,
                rooms,
                ..
            } => self.apply(uid.as_deref(), request_id, target, |h, opts| {
                h.add_sockets(opts, &rooms)
            }),
            Request::Leave {
                request_id,
                target,
                rooms,
                ..
            } => self.apply(uid.as_deref(), request_id, target, |h, opts| {
                h.del_sockets(opts, &rooms)
            }),
            Request::Disconnect {
                request_id,
                target,
                close,
                ..
            } => self.apply(uid.as_deref(), request_id, target, |h, opts| {
                h.disconnect_sockets(opts, close)
            }),
            Request::Fetch {
                request_id, opts, ..
            } => {
                if self.is_pending(&request_id) {
                    return;
                }
                let sockets = self.handle.fetch_sockets(&only_rooms(opts, false));
                self.respond(
                    uid.as_deref(),
                    &Response::Fetch {
                        request_id,
                        sockets,
                    },
                );
            }
            Request::ServerSideEmit { .. } if own => {}
            Request::ServerSideEmit {
                request_id, data, ..
            } => {
                let ack = match request_id {
                    None => ServerSideAck::none(),
                    Some(request_id) => {
                        let me = self.clone();
                        ServerSideAck::new(move |data| {
                            // the reference answers this one on the shared channel
                            let response = Response::ServerSideEmit { request_id, data };
                            if let Err(err) = me
                                .driver
                                .publish_nowait(me.response_channel.clone(), response.encode())
                            {
                                tracing::debug!(nsp = %me.nsp, %err, "a server-side answer was not sent");
                            }
                        })
                    }
                };
                self.handle.server_side_emit(data, ack);
            }
            Request::Broadcast {
                request_id,
                packet,
                opts,
                ..
            } => {
                if self.acks.contains(&request_id) {
                    return;
                }
                let wait = opts.flags.timeout.unwrap_or(self.timeout);
                let mut acks = self
                    .handle
                    .broadcast_with_ack(packet, &only_rooms(opts, false));
                self.respond(
                    uid.as_deref(),
                    &Response::BroadcastClientCount {
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
                                uid.as_deref(),
                                &Response::BroadcastAck {
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
        }
    }

    /// A join, leave or disconnect from another node: by selection, or the old one-socket
    /// form, which is answered when the socket is here.
    fn apply(
        &self,
        uid: Option<&str>,
        request_id: Option<String>,
        target: Target,
        action: impl FnOnce(&NamespaceHandle, &BroadcastOptions),
    ) {
        match target {
            Target::Opts(opts) => action(&self.handle, &only_rooms(opts, false)),
            Target::Socket(sid) => {
                let rooms: HashSet<Room> = HashSet::from([sid]);
                if self.handle.socket_ids(&rooms).is_empty() {
                    return;
                }
                let opts = BroadcastOptions {
                    rooms,
                    ..BroadcastOptions::default()
                };
                action(&self.handle, &opts);
                if let Some(request_id) = request_id {
                    self.respond(uid, &Response::Done { request_id });
                }
            }
        }
    }

    fn on_response(&self, payload: &[u8]) {
        let value = match decode_any(payload) {
            Ok(value) => value,
            Err(err) => {
                tracing::debug!(nsp = %self.nsp, %err, "ignoring a malformed response");
                return;
            }
        };
        let Some(id) = response_id(&value).map(str::to_owned) else {
            return;
        };
        if self.acks.contains(&id) {
            let ack = match Response::from_value(value, None) {
                Ok(Response::BroadcastClientCount { client_count, .. }) => {
                    ClusterAck::ClientCount(usize::try_from(client_count).unwrap_or(usize::MAX))
                }
                Ok(Response::BroadcastAck { packet, .. }) => {
                    ClusterAck::Response(packet.unwrap_or(Value::Null))
                }
                _ => return,
            };
            self.acks.send(&id, ack);
            return;
        }
        let Some(kind) = self.pending.kind(&id) else {
            return;
        };
        // As the reference, an answer without the expected field still counts as one.
        self.pending
            .answer(&id, Response::from_value(value, Some(kind)).ok());
    }
}
