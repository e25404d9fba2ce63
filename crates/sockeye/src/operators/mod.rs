//! Broadcast operators: `to`, `in`, `except`, `volatile`, `local`, `timeout`, then `emit` or a
//! bulk request, with the reference's semantics.

mod rooms;

use std::collections::HashSet;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

pub use rooms::IntoRooms;

use crate::adapter::{BroadcastOptions, Room};
use crate::args::{from_args, to_args};
use crate::error::{AdapterError, BroadcastAckError, BroadcastAckTimeout, EmitError};
use crate::namespace::Namespace;
use crate::socket::RemoteSocket;

/// A selection of sockets of one namespace and how to send to them. Chain the selectors,
/// then call `emit` or a bulk request. A socket in several selected rooms gets the packet once.
///
/// ```
/// use std::time::Duration;
/// use sockeye::{SocketIo, Socket};
///
/// let io = SocketIo::default();
/// let io2 = io.clone();
/// io.on_connection(move |socket: Socket| {
///     let io = io2.clone();
///     async move {
///         socket.join(["room1", "room2"]);
///         let _ = io.to("room1").to("room2").emit("news", "once per socket");
///         let _ = socket.to("room1").emit("news", "everyone in room1 but me");
///         let _ = io.except("room2").volatile().emit("tick", &1);
///         // every client's acknowledgement, or the ones missing at the deadline
///         let answers = io.timeout(Duration::from_secs(1)).emit_with_ack::<_, String>("poll", &()).await;
///         if let Err(err) = answers {
///             println!("{err}");
///         }
///     }
/// });
/// ```
#[derive(Clone)]
pub struct BroadcastOperator {
    ns: Namespace,
    opts: BroadcastOptions,
}

impl BroadcastOperator {
    pub(crate) fn new(ns: Namespace) -> Self {
        BroadcastOperator {
            ns,
            opts: BroadcastOptions::default(),
        }
    }

    /// Also targets the sockets in `rooms` (a socket id is a room).
    pub fn to(mut self, rooms: impl IntoRooms) -> Self {
        self.opts.rooms.extend(rooms.into_rooms());
        self
    }

    /// Same as [`to`](BroadcastOperator::to) (the reference's `in`).
    pub fn within(self, rooms: impl IntoRooms) -> Self {
        self.to(rooms)
    }

    /// Leaves out the sockets in `rooms`.
    pub fn except(mut self, rooms: impl IntoRooms) -> Self {
        self.opts.except.extend(rooms.into_rooms());
        self
    }

    /// Drops the packet for sockets whose transport is not ready to write.
    pub fn volatile(mut self) -> Self {
        self.opts.flags.volatile = true;
        self
    }

    /// Only this node's sockets, in a cluster.
    pub fn local(mut self) -> Self {
        self.opts.flags.local = true;
        self
    }

    /// The `compress` flag (carried along; frames are sent uncompressed).
    pub fn compress(mut self, compress: bool) -> Self {
        self.opts.flags.compress = Some(compress);
        self
    }

    /// How long [`emit_with_ack`](BroadcastOperator::emit_with_ack) waits.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.opts.flags.timeout = Some(timeout);
        self
    }

    /// The selection as the adapter sees it.
    pub fn options(&self) -> &BroadcastOptions {
        &self.opts
    }

    /// Sends `event` to every selected socket. The packet is encoded once.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        crate::packet::check_event_name(event)?;
        let packet = socketio_proto::Packet::event(self.ns.name(), event, to_args(data)?, None);
        self.ns.adapter().broadcast(packet, self.opts.clone())?;
        Ok(())
    }

    /// Sends `event` to every selected socket and collects each one's acknowledgement (its
    /// first argument, read as `R`). Resolves when all have answered or disconnected; with a
    /// [`timeout`](BroadcastOperator::timeout), fails at the deadline with the answers so far
    /// and the ids of the sockets that did not answer.
    pub async fn emit_with_ack<T, R>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<Vec<R>, BroadcastAckError>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned + 'static,
    {
        crate::packet::check_event_name(event)?;
        let id = self.ns.next_ack_id();
        let packet = socketio_proto::Packet::event(self.ns.name(), event, to_args(data)?, Some(id));
        let adapter = self.ns.adapter();
        let targets = adapter.local_sockets(&self.opts);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let deadline = self
            .opts
            .flags
            .timeout
            .map(|t| tokio::time::Instant::now() + t);
        let mut responses: Vec<(String, Vec<socketio_proto::Value>)> = Vec::new();

        let outcome = async {
            let expected = adapter
                .broadcast_with_ack(packet, self.opts.clone(), tx)
                .await?;
            while responses.len() < expected {
                match rx.recv().await {
                    Some(response) => responses.push(response),
                    None => break, // every waiter is gone: the rest disconnected
                }
            }
            Ok::<usize, AdapterError>(expected)
        };
        let result = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, outcome).await.ok(),
            None => Some(outcome.await),
        };
        for socket in &targets {
            socket.forget_ack(id);
        }
        match result {
            Some(Ok(_)) => responses
                .into_iter()
                .map(|(_, mut args)| {
                    let first = if args.is_empty() {
                        Vec::new()
                    } else {
                        vec![args.swap_remove(0)]
                    };
                    from_args(first).map_err(|e| BroadcastAckError::Decode(e.0))
                })
                .collect(),
            Some(Err(err)) => Err(err.into()),
            None => {
                let answered: HashSet<&str> = responses.iter().map(|(id, _)| id.as_str()).collect();
                let missing: Vec<String> = targets
                    .iter()
                    .filter(|s| !answered.contains(s.id()))
                    .map(|s| {
                        crate::metrics::Counters::add(&s.0.conn.counters.acks_timed_out, 1);
                        s.id().to_owned()
                    })
                    .collect();
                Err(BroadcastAckError::Timeout(BroadcastAckTimeout {
                    expected: targets.len().max(responses.len()),
                    responses,
                    missing,
                }))
            }
        }
    }

    /// The selected sockets, on every node unless `local`.
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, AdapterError> {
        self.ns.adapter().fetch_sockets(self.opts.clone()).await
    }

    /// The ids of the selected sockets (the reference's `allSockets`).
    pub async fn all_sockets(&self) -> Result<HashSet<String>, AdapterError> {
        self.ns.adapter().sockets(self.opts.rooms.clone()).await
    }

    /// Makes the selected sockets join `rooms`.
    pub async fn sockets_join(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        let rooms: Vec<Room> = rooms.into_rooms();
        self.ns
            .adapter()
            .add_sockets(self.opts.clone(), rooms)
            .await
    }

    /// Makes the selected sockets leave `rooms`.
    pub async fn sockets_leave(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        let rooms: Vec<Room> = rooms.into_rooms();
        self.ns
            .adapter()
            .del_sockets(self.opts.clone(), rooms)
            .await
    }

    /// Disconnects the selected sockets; with `close`, their whole connections.
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), AdapterError> {
        self.ns
            .adapter()
            .disconnect_sockets(self.opts.clone(), close)
            .await
    }
}
