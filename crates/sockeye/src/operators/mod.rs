//! Broadcast operators: `to`, `in`, `except`, `volatile`, `local`, `timeout`, then `emit` or a
//! bulk request, with the reference's semantics.

mod rooms;

use std::collections::HashSet;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

pub use rooms::IntoRooms;

use crate::adapter::{AckResponse, BroadcastOptions, ClusterAck, Room};
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

    /// The `compress` flag: with `false`, the message is not compressed on a websocket even
    /// when permessage-deflate is on and it is above the threshold (carried to the other
    /// nodes of a cluster too).
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

    /// Sends `event` to every selected socket. The packet is encoded once for this node's
    /// sockets, and handed once to the cluster adapter for the other nodes. The local
    /// sockets get it even when the cluster cannot be reached (that error is returned).
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        crate::packet::check_event_name(event)?;
        let packet = socketio_proto::Packet::event(self.ns.name(), event, to_args(data)?, None);
        self.ns.count_broadcast();
        if let Some(cluster) = self.cluster() {
            if cluster.recovers_sessions()
                && !self.opts.flags.volatile
                && self.ns.recovery().is_some()
            {
                // The cluster's log gives the packet its offset before anyone gets it.
                self.ns.broadcast_recoverable(packet, self.opts.clone());
                return Ok(());
            }
        }
        self.ns.local_broadcast(&packet, &self.opts);
        if let Some(cluster) = self.cluster() {
            cluster.broadcast(&packet, &self.opts)?;
        }
        Ok(())
    }

    /// The cluster adapter, unless the selection is `local` or there is none.
    fn cluster(&self) -> Option<&std::sync::Arc<dyn crate::adapter::ClusterAdapter>> {
        if self.opts.flags.local {
            return None;
        }
        self.ns.cluster()
    }

    /// Sends `event` to every selected socket and collects each one's acknowledgement (its
    /// first argument, read as `R`). Resolves when all have answered or disconnected; with a
    /// [`timeout`](BroadcastOperator::timeout), fails at the deadline with the answers so far
    /// and the ids of the local sockets that did not answer. In a cluster, every node reports
    /// how many of its sockets got the packet, and their answers count too (the id of a
    /// socket on another node is not carried by the cluster protocol: it is empty).
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
        let packet = socketio_proto::Packet::event(self.ns.name(), event, to_args(data)?, None);
        self.ns.count_broadcast();
        let deadline = self
            .opts
            .flags
            .timeout
            .map(|t| tokio::time::Instant::now() + t);
        let mut local = self.ns.local_broadcast_with_ack(packet.clone(), &self.opts);
        let mut tally = AckTally {
            local_left: local.count(),
            expected: local.count(),
            ..AckTally::default()
        };

        let outcome = async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            if let Some(cluster) = self.cluster() {
                tally.nodes_left = cluster.broadcast_with_ack(&packet, &self.opts, tx).await?;
            }
            while !tally.complete() {
                if tally.local_left == 0 && tally.cluster_gone {
                    // The adapter stopped waiting for the other nodes before they all
                    // answered: as at the deadline.
                    return Ok(false);
                }
                tokio::select! {
                    answer = local.next(), if tally.local_left > 0 => match answer {
                        Some(answer) => {
                            tally.local_left -= 1;
                            tally.responses.push(answer);
                        }
                        // every local waiter is gone: the rest disconnected
                        None => tally.local_left = 0,
                    },
                    report = rx.recv(), if !tally.remote_complete() && !tally.cluster_gone => {
                        tally.remote(report);
                    }
                }
            }
            Ok::<bool, AdapterError>(true)
        };
        let result = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, outcome).await.ok(),
            None => Some(outcome.await),
        };
        match result {
            Some(Ok(true)) => tally
                .responses
                .into_iter()
                .map(|(_, mut args)| {
                    let first = if args.is_empty() {
                        Vec::new()
                    } else {
                        vec![args.swap_remove(0)]
                    };
                    from_args(first).map_err(|e| BroadcastAckError::Decode(e.to_string()))
                })
                .collect(),
            Some(Err(err)) => Err(err.into()),
            Some(Ok(false)) | None => {
                let answered: HashSet<&str> =
                    tally.responses.iter().map(|(id, _)| id.as_str()).collect();
                let missing: Vec<String> = local
                    .sockets()
                    .iter()
                    .filter(|s| !answered.contains(s.id()))
                    .map(|s| {
                        s.count_ack_timed_out();
                        s.id().to_owned()
                    })
                    .collect();
                Err(BroadcastAckError::Timeout(BroadcastAckTimeout {
                    expected: tally.expected.max(tally.responses.len()),
                    responses: tally.responses,
                    missing,
                }))
            }
        }
    }

    /// The selected sockets, on every node unless `local`.
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, AdapterError> {
        let mut sockets: Vec<RemoteSocket> = self
            .ns
            .local_select(&self.opts)
            .iter()
            .map(RemoteSocket::from_local)
            .collect();
        if let Some(cluster) = self.cluster() {
            let remote = cluster.fetch_sockets(&self.opts).await?;
            sockets.extend(
                remote
                    .into_iter()
                    .map(|data| RemoteSocket::from_data(data, self.ns.clone())),
            );
        }
        Ok(sockets)
    }

    /// The ids of the selected sockets, on every node unless `local` (the reference's
    /// `allSockets`).
    pub async fn all_sockets(&self) -> Result<HashSet<String>, AdapterError> {
        let mut ids: HashSet<String> = self
            .ns
            .local_select(&self.opts)
            .iter()
            .map(|s| s.id().to_owned())
            .collect();
        if let Some(cluster) = self.cluster() {
            ids.extend(
                cluster
                    .fetch_sockets(&self.opts)
                    .await?
                    .into_iter()
                    .map(|s| s.id),
            );
        }
        Ok(ids)
    }

    /// Makes the selected sockets join `rooms`, on every node unless `local`.
    pub async fn sockets_join(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        let rooms: Vec<Room> = rooms.into_rooms();
        self.ns.local_add_sockets(&self.opts, &rooms);
        match self.cluster() {
            Some(cluster) => cluster.add_sockets(&self.opts, &rooms).await,
            None => Ok(()),
        }
    }

    /// Makes the selected sockets leave `rooms`, on every node unless `local`.
    pub async fn sockets_leave(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        let rooms: Vec<Room> = rooms.into_rooms();
        self.ns.local_del_sockets(&self.opts, &rooms);
        match self.cluster() {
            Some(cluster) => cluster.del_sockets(&self.opts, &rooms).await,
            None => Ok(()),
        }
    }

    /// Disconnects the selected sockets, on every node unless `local`; with `close`, their
    /// whole connections.
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), AdapterError> {
        self.ns.local_disconnect_sockets(&self.opts, close);
        match self.cluster() {
            Some(cluster) => cluster.disconnect_sockets(&self.opts, close).await,
            None => Ok(()),
        }
    }
}

/// Where a broadcast with acknowledgements stands.
#[derive(Default)]
struct AckTally {
    /// Local sockets that have not answered yet.
    local_left: usize,
    /// Other nodes that have not said how many sockets they sent the packet to.
    nodes_left: usize,
    /// Answers the other nodes announced, and those that came.
    remote_expected: usize,
    remote_answered: usize,
    /// Every socket that was sent the packet, as far as known.
    expected: usize,
    responses: Vec<AckResponse>,
    /// The adapter dropped its sender: no more reports will come.
    cluster_gone: bool,
}

impl AckTally {
    fn remote_complete(&self) -> bool {
        self.nodes_left == 0 && self.remote_answered >= self.remote_expected
    }

    fn complete(&self) -> bool {
        self.local_left == 0 && self.remote_complete()
    }

    fn remote(&mut self, report: Option<ClusterAck>) {
        match report {
            Some(ClusterAck::ClientCount(n)) => {
                self.nodes_left = self.nodes_left.saturating_sub(1);
                self.remote_expected += n;
                self.expected += n;
            }
            Some(ClusterAck::Response(value)) => {
                self.remote_answered += 1;
                self.responses.push((String::new(), vec![value]));
            }
            // The adapter stopped listening to the other nodes (its own deadline).
            None => self.cluster_gone = true,
        }
    }
}
