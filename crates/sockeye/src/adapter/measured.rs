//! The cluster adapter as a namespace holds it: the application's adapter, with each request
//! counted and the awaited ones timed into the server's counters. Nothing is added to a
//! broadcast but one relaxed atomic.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use socketio_proto::{Packet, Value};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{
    BroadcastOptions, ClusterAck, ClusterAdapter, OffsetCallback, RestoredSession, Room,
    SessionState, SocketData,
};
use crate::error::AdapterError;
use crate::metrics::{AdapterRequest, Counters};

pub(crate) struct Measured {
    inner: Arc<dyn ClusterAdapter>,
    counters: Arc<Counters>,
}

impl Measured {
    pub(crate) fn wrap(
        inner: Arc<dyn ClusterAdapter>,
        counters: Arc<Counters>,
    ) -> Arc<dyn ClusterAdapter> {
        Arc::new(Measured { inner, counters })
    }

    fn count<T>(
        &self,
        kind: AdapterRequest,
        result: Result<T, AdapterError>,
    ) -> Result<T, AdapterError> {
        self.counters.adapter.request(kind);
        if result.is_err() {
            self.counters.adapter.error(kind);
        }
        result
    }

    fn timed<T: Send + 'static>(
        &self,
        kind: AdapterRequest,
        request: impl Future<Output = Result<T, AdapterError>> + Send + 'static,
    ) -> BoxFuture<'static, Result<T, AdapterError>> {
        self.counters.adapter.request(kind);
        let counters = self.counters.clone();
        let start = Instant::now();
        Box::pin(async move {
            let result = request.await;
            counters.adapter.took(kind, start.elapsed());
            if result.is_err() {
                counters.adapter.error(kind);
            }
            result
        })
    }
}

impl ClusterAdapter for Measured {
    fn broadcast(&self, packet: &Packet, opts: &BroadcastOptions) -> Result<(), AdapterError> {
        self.count(
            AdapterRequest::Broadcast,
            self.inner.broadcast(packet, opts),
        )
    }

    fn broadcast_with_ack(
        &self,
        packet: &Packet,
        opts: &BroadcastOptions,
        acks: mpsc::UnboundedSender<ClusterAck>,
    ) -> BoxFuture<'static, Result<usize, AdapterError>> {
        let request = self.inner.broadcast_with_ack(packet, opts, acks);
        self.timed(AdapterRequest::BroadcastWithAck, request)
    }

    fn fetch_sockets(
        &self,
        opts: &BroadcastOptions,
    ) -> BoxFuture<'static, Result<Vec<SocketData>, AdapterError>> {
        let request = self.inner.fetch_sockets(opts);
        self.timed(AdapterRequest::FetchSockets, request)
    }

    fn add_sockets(
        &self,
        opts: &BroadcastOptions,
        rooms: &[Room],
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        let request = self.inner.add_sockets(opts, rooms);
        self.timed(AdapterRequest::AddSockets, request)
    }

    fn del_sockets(
        &self,
        opts: &BroadcastOptions,
        rooms: &[Room],
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        let request = self.inner.del_sockets(opts, rooms);
        self.timed(AdapterRequest::DelSockets, request)
    }

    fn disconnect_sockets(
        &self,
        opts: &BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        let request = self.inner.disconnect_sockets(opts, close);
        self.timed(AdapterRequest::DisconnectSockets, request)
    }

    fn server_side_emit(
        &self,
        args: Vec<Value>,
        ack: bool,
    ) -> BoxFuture<'static, Result<Vec<Value>, AdapterError>> {
        let request = self.inner.server_side_emit(args, ack);
        self.timed(AdapterRequest::ServerSideEmit, request)
    }

    fn all_rooms(&self) -> BoxFuture<'static, Result<HashSet<Room>, AdapterError>> {
        let request = self.inner.all_rooms();
        self.timed(AdapterRequest::AllRooms, request)
    }

    fn server_count(&self) -> BoxFuture<'static, Result<usize, AdapterError>> {
        let request = self.inner.server_count();
        self.timed(AdapterRequest::ServerCount, request)
    }

    fn room_created(&self, room: &str) {
        self.inner.room_created(room);
    }

    fn room_deleted(&self, room: &str) {
        self.inner.room_deleted(room);
    }

    fn close(&self) -> BoxFuture<'static, ()> {
        self.inner.close()
    }

    fn recovers_sessions(&self) -> bool {
        self.inner.recovers_sessions()
    }

    fn broadcast_recoverable(&self, packet: Packet, opts: BroadcastOptions, then: OffsetCallback) {
        self.counters.adapter.request(AdapterRequest::Broadcast);
        let counters = self.counters.clone();
        let then: OffsetCallback = Box::new(move |result| {
            if result.is_err() {
                counters.adapter.error(AdapterRequest::Broadcast);
            }
            then(result);
        });
        self.inner.broadcast_recoverable(packet, opts, then);
    }

    fn persist_session(
        &self,
        session: SessionState,
        ttl: Duration,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        self.inner.persist_session(session, ttl)
    }

    fn forget_session(&self, pid: &str) -> BoxFuture<'static, Result<(), AdapterError>> {
        self.inner.forget_session(pid)
    }

    fn restore_session(
        &self,
        pid: &str,
        offset: &str,
    ) -> BoxFuture<'static, Result<Option<RestoredSession>, AdapterError>> {
        self.inner.restore_session(pid, offset)
    }

    fn packets_after(
        &self,
        offset: &str,
        rooms: &[Room],
    ) -> BoxFuture<'static, Result<Option<Vec<Vec<Value>>>, AdapterError>> {
        self.inner.packets_after(offset, rooms)
    }
}
