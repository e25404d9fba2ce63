//! The in-memory adapter: the rooms index of one node.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use socketio_proto::{Packet, Value};
use tokio::sync::mpsc;

use super::members::Members;
use super::room_set::RoomSet;
use super::{AckResponse, Adapter, AdapterContext, BroadcastOptions, LocalSockets, Room};
use crate::error::AdapterError;
use crate::id::IdMap;
use crate::packet::frames;
use crate::socket::{RemoteSocket, Socket};

/// Rooms to their sockets (the handles themselves, so that a broadcast to a room hashes
/// nothing per recipient), and sockets to their rooms.
#[derive(Default)]
struct Index {
    rooms: HashMap<Room, Members>,
    sids: IdMap<Arc<str>, RoomSet>,
}

/// The default adapter: rooms in memory, broadcasts to this node's sockets only.
pub struct MemoryAdapter {
    local: LocalSockets,
    index: RwLock<Index>,
}

impl MemoryAdapter {
    /// The adapter for one namespace.
    pub fn new(ctx: AdapterContext) -> Self {
        MemoryAdapter {
            local: ctx.local,
            index: RwLock::new(Index::default()),
        }
    }

    /// The sockets `opts` selects, each once, in no particular order. The index lock is held
    /// only while they are collected; the caller sends after.
    fn selected(&self, opts: &BroadcastOptions) -> Vec<Socket> {
        let Ok(index) = self.index.read() else {
            return Vec::new();
        };
        let except: HashSet<&str> = opts
            .except
            .iter()
            .filter_map(|room| index.rooms.get(room))
            .flat_map(Members::iter)
            .map(|(id, _)| id)
            .collect();
        let kept = |id: &str| except.is_empty() || !except.contains(id);
        if opts.rooms.is_empty() {
            // Lock order: index, then the namespace's sockets (never the other way round).
            return self
                .local
                .all()
                .into_iter()
                .filter(|s| index.sids.contains_key(s.id()) && kept(s.id()))
                .collect();
        }
        let mut members = opts.rooms.iter().filter_map(|room| index.rooms.get(room));
        if opts.rooms.len() == 1 {
            return members
                .next()
                .into_iter()
                .flat_map(Members::iter)
                .filter(|(id, _)| kept(id))
                .map(|(_, socket)| socket.clone())
                .collect();
        }
        let mut seen: HashSet<&str> = HashSet::new();
        members
            .flat_map(Members::iter)
            .filter(|(id, _)| kept(id) && seen.insert(id))
            .map(|(_, socket)| socket.clone())
            .collect()
    }
}

impl Adapter for MemoryAdapter {
    fn add_all(&self, id: &str, rooms: &[Room]) {
        // Only this node's sockets have rooms here; look the handle up before locking.
        let Some(socket) = self.local.get(id) else {
            return;
        };
        let Ok(mut index) = self.index.write() else {
            return;
        };
        for room in rooms {
            match index.rooms.get_mut(room) {
                Some(members) => members.insert(id, &socket),
                None => {
                    index
                        .rooms
                        .insert(room.clone(), Members::One(socket.clone()));
                }
            }
        }
        let set = index.sids.entry(socket.0.id.clone()).or_default();
        for room in rooms {
            set.insert(room);
        }
    }

    fn del(&self, id: &str, room: &str) {
        let Ok(mut index) = self.index.write() else {
            return;
        };
        if let Some(members) = index.rooms.get_mut(room) {
            members.remove(id);
            if members.is_empty() {
                index.rooms.remove(room);
            }
        }
        if let Some(rooms) = index.sids.get_mut(id) {
            rooms.remove(room);
        }
    }

    fn del_all(&self, id: &str) {
        let Ok(mut index) = self.index.write() else {
            return;
        };
        let Some(rooms) = index.sids.remove(id) else {
            return;
        };
        for room in rooms.iter() {
            if let Some(members) = index.rooms.get_mut(room) {
                members.remove(id);
                if members.is_empty() {
                    index.rooms.remove(room);
                }
            }
        }
    }

    fn rooms(&self) -> HashSet<Room> {
        self.index
            .read()
            .map(|i| i.rooms.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn socket_rooms(&self, id: &str) -> HashSet<Room> {
        self.index
            .read()
            .ok()
            .and_then(|i| i.sids.get(id).map(|set| set.iter().cloned().collect()))
            .unwrap_or_default()
    }

    fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<Socket> {
        self.selected(opts)
    }

    fn broadcast(&self, packet: Packet, opts: BroadcastOptions) -> Result<(), AdapterError> {
        let frames = frames(&packet);
        for socket in self.local_sockets(&opts) {
            // One socket's full outbox or closed transport is its own problem, not the
            // broadcast's: the others still get the packet.
            let _ = socket.deliver(&packet, &frames, opts.flags.volatile);
        }
        Ok(())
    }

    fn broadcast_with_ack(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
        acks: mpsc::UnboundedSender<AckResponse>,
    ) -> BoxFuture<'static, Result<usize, AdapterError>> {
        let frames = frames(&packet);
        let id = crate::packet::ack_id(&packet);
        let mut sent = 0;
        for socket in self.local_sockets(&opts) {
            if let Some(id) = id {
                socket.expect_broadcast_ack(id, acks.clone());
            }
            if socket
                .deliver(&packet, &frames, opts.flags.volatile)
                .is_ok()
            {
                sent += 1;
            } else if let Some(id) = id {
                socket.forget_ack(id);
            }
        }
        futures_util::future::ready(Ok(sent)).boxed()
    }

    fn all_rooms(&self) -> BoxFuture<'static, Result<HashSet<Room>, AdapterError>> {
        futures_util::future::ready(Ok(self.rooms())).boxed()
    }

    fn sockets(
        &self,
        rooms: HashSet<Room>,
    ) -> BoxFuture<'static, Result<HashSet<String>, AdapterError>> {
        let opts = BroadcastOptions {
            rooms,
            ..Default::default()
        };
        let ids = self
            .selected(&opts)
            .iter()
            .map(|s| s.id().to_owned())
            .collect();
        futures_util::future::ready(Ok(ids)).boxed()
    }

    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'static, Result<Vec<RemoteSocket>, AdapterError>> {
        let sockets = self
            .local_sockets(&opts)
            .iter()
            .map(RemoteSocket::from_local)
            .collect();
        futures_util::future::ready(Ok(sockets)).boxed()
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        for socket in self.local_sockets(&opts) {
            self.add_all(socket.id(), &rooms);
        }
        futures_util::future::ready(Ok(())).boxed()
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        for socket in self.local_sockets(&opts) {
            for room in &rooms {
                self.del(socket.id(), room);
            }
        }
        futures_util::future::ready(Ok(())).boxed()
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        for socket in self.local_sockets(&opts) {
            socket.disconnect(close);
        }
        futures_util::future::ready(Ok(())).boxed()
    }

    fn server_side_emit(
        &self,
        _args: Vec<Value>,
    ) -> BoxFuture<'static, Result<Vec<Value>, AdapterError>> {
        futures_util::future::ready(Ok(Vec::new())).boxed()
    }

    fn server_count(&self) -> BoxFuture<'static, usize> {
        futures_util::future::ready(1).boxed()
    }

    fn close(&self) -> BoxFuture<'static, ()> {
        futures_util::future::ready(()).boxed()
    }
}
