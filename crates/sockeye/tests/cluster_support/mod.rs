//! A cluster of `SocketIo` instances in one process: the second implementation of the
//! `ClusterAdapter` seam (Redis is the other). Each node's adapter calls the other nodes'
//! namespace handles directly, so the tests see exactly what the seam gives an adapter that
//! lives outside the crate.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sockeye::{
    AdapterError, BroadcastOptions, ClusterAck, ClusterAdapter, ClusterAdapterFactory,
    NamespaceHandle, Packet, Room, ServerSideAck, SocketData, Value,
};

use tokio::sync::{mpsc, oneshot};

/// How long a request waits for the other nodes, as the reference's default.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The nodes' namespaces, by node number.
#[derive(Default)]
pub struct InProcessCluster {
    members: Mutex<Vec<(usize, NamespaceHandle)>>,
}

impl InProcessCluster {
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// The adapter factory of node `node`.
    pub fn factory(self: &Arc<Self>, node: usize) -> ClusterAdapterFactory {
        let cluster = self.clone();
        Arc::new(move |handle: NamespaceHandle| {
            cluster.members.lock().unwrap().push((node, handle.clone()));
            Arc::new(InProcessAdapter {
                node,
                nsp: handle.name().to_owned(),
                cluster: cluster.clone(),
            }) as Arc<dyn ClusterAdapter>
        })
    }
}

struct InProcessAdapter {
    node: usize,
    nsp: String,
    cluster: Arc<InProcessCluster>,
}

impl InProcessAdapter {
    /// The same namespace on the other nodes.
    fn peers(&self) -> Vec<NamespaceHandle> {
        self.cluster
            .members
            .lock()
            .unwrap()
            .iter()
            .filter(|(node, h)| *node != self.node && h.name() == self.nsp)
            .map(|(_, h)| h.clone())
            .collect()
    }
}

fn ready<T: Send + 'static>(value: T) -> BoxFuture<'static, T> {
    futures_util::future::ready(value).boxed()
}

impl ClusterAdapter for InProcessAdapter {
    fn broadcast(&self, packet: &Packet, opts: &BroadcastOptions) -> Result<(), AdapterError> {
        for peer in self.peers() {
            peer.broadcast(packet, opts);
        }
        Ok(())
    }

    fn broadcast_with_ack(
        &self,
        packet: &Packet,
        opts: &BroadcastOptions,
        acks: mpsc::UnboundedSender<ClusterAck>,
    ) -> BoxFuture<'static, Result<usize, AdapterError>> {
        let peers = self.peers();
        let timeout = opts.flags.timeout.unwrap_or(REQUEST_TIMEOUT);
        for peer in &peers {
            let mut answers = peer.broadcast_with_ack(packet.clone(), opts);
            let _ = acks.send(ClusterAck::ClientCount(answers.count()));
            let acks = acks.clone();
            tokio::spawn(async move {
                let forward = async {
                    while let Some((_, mut args)) = answers.next().await {
                        let first = if args.is_empty() {
                            Value::Null
                        } else {
                            args.swap_remove(0)
                        };
                        let _ = acks.send(ClusterAck::Response(first));
                    }
                };
                let _ = tokio::time::timeout(timeout, forward).await;
            });
        }
        ready(Ok(peers.len()))
    }

    fn fetch_sockets(
        &self,
        opts: &BroadcastOptions,
    ) -> BoxFuture<'static, Result<Vec<SocketData>, AdapterError>> {
        let sockets = self
            .peers()
            .iter()
            .flat_map(|p| p.fetch_sockets(opts))
            .collect();
        ready(Ok(sockets))
    }

    fn add_sockets(
        &self,
        opts: &BroadcastOptions,
        rooms: &[Room],
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        for peer in self.peers() {
            peer.add_sockets(opts, rooms);
        }
        ready(Ok(()))
    }

    fn del_sockets(
        &self,
        opts: &BroadcastOptions,
        rooms: &[Room],
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        for peer in self.peers() {
            peer.del_sockets(opts, rooms);
        }
        ready(Ok(()))
    }

    fn disconnect_sockets(
        &self,
        opts: &BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        for peer in self.peers() {
            peer.disconnect_sockets(opts, close);
        }
        ready(Ok(()))
    }

    fn server_side_emit(
        &self,
        args: Vec<Value>,
        ack: bool,
    ) -> BoxFuture<'static, Result<Vec<Value>, AdapterError>> {
        let peers = self.peers();
        if !ack {
            for peer in &peers {
                peer.server_side_emit(args.clone(), ServerSideAck::none());
            }
            return ready(Ok(Vec::new()));
        }
        let answers: Vec<oneshot::Receiver<Value>> = peers
            .iter()
            .map(|peer| {
                let (tx, rx) = oneshot::channel();
                peer.server_side_emit(
                    args.clone(),
                    ServerSideAck::new(move |v| {
                        let _ = tx.send(v);
                    }),
                );
                rx
            })
            .collect();
        async move {
            let all = futures_util::future::join_all(answers);
            match tokio::time::timeout(REQUEST_TIMEOUT, all).await {
                Ok(answers) => answers
                    .into_iter()
                    .map(|a| a.map_err(|_| AdapterError::Timeout))
                    .collect(),
                Err(_) => Err(AdapterError::Timeout),
            }
        }
        .boxed()
    }

    fn all_rooms(&self) -> BoxFuture<'static, Result<HashSet<Room>, AdapterError>> {
        let rooms = self.peers().iter().flat_map(|p| p.rooms()).collect();
        ready(Ok(rooms))
    }

    fn server_count(&self) -> BoxFuture<'static, Result<usize, AdapterError>> {
        ready(Ok(self.peers().len() + 1))
    }

    fn close(&self) -> BoxFuture<'static, ()> {
        let node = self.node;
        self.cluster
            .members
            .lock()
            .unwrap()
            .retain(|(n, _)| *n != node);
        ready(())
    }
}
