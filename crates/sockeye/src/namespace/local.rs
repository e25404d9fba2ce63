//! The local part of every room operation and broadcast: this node's sockets only. The
//! broadcast operators add the cluster's part; a cluster adapter calls these for requests
//! from other nodes.

use socketio_proto::{Packet, PacketData};
use tokio::sync::mpsc;

use super::Namespace;
use crate::adapter::{BroadcastAcks, BroadcastOptions, Room};
use crate::packet::{compressed_if, frames};
use crate::socket::Socket;

impl Namespace {
    /// The local sockets `opts` selects, each once.
    pub(crate) fn local_select(&self, opts: &BroadcastOptions) -> Vec<Socket> {
        self.0.rooms.select(opts, &self.0.sockets)
    }

    /// Sends `packet` to the selected local sockets; it is encoded once. With recovery on, a
    /// recoverable packet is logged here and sent with its offset.
    pub(crate) fn local_broadcast(&self, packet: &Packet, opts: &BroadcastOptions) {
        self.local_broadcast_at(packet, opts, None);
    }

    /// [`local_broadcast`](Self::local_broadcast) of a packet whose `offset` in the
    /// cluster's log is known (a cluster adapter that keeps the log gave it), or, without
    /// one, logged in this node's memory when recovery is on and the packet recoverable.
    pub(crate) fn local_broadcast_at(
        &self,
        packet: &Packet,
        opts: &BroadcastOptions,
        offset: Option<&str>,
    ) {
        let offset = self.offset_for(packet, opts, offset);
        let with_offset;
        let packet = match &offset {
            Some(offset) => {
                with_offset = crate::recovery::with_offset(packet, offset.clone());
                &with_offset
            }
            None => packet,
        };
        let frames = compressed_if(
            frames(self.parser(), packet),
            opts.flags.compress != Some(false),
        );
        let offset = offset.as_deref();
        for socket in self.local_select(opts) {
            // One socket's full outbox or closed transport is its own problem, not the
            // broadcast's: the others still get the packet.
            let _ = socket.deliver_logged(packet, &frames, opts.flags.volatile, offset);
        }
    }

    /// Sends a recoverable packet through a cluster adapter that keeps the log: the adapter
    /// gives it an offset, then this node's sockets get it with that offset, in the order
    /// of the calls. Without an offset (the cluster could not be reached), they get it
    /// without one.
    pub(crate) fn broadcast_recoverable(&self, packet: Packet, opts: BroadcastOptions) {
        let Some(cluster) = self.cluster() else {
            self.local_broadcast(&packet, &opts);
            return;
        };
        let ns = std::sync::Arc::downgrade(&self.0);
        let (local_packet, local_opts) = (packet.clone(), opts.clone());
        cluster.broadcast_recoverable(
            packet,
            opts,
            Box::new(move |offset| {
                let Some(ns) = ns.upgrade().map(Namespace) else {
                    return;
                };
                match offset {
                    Ok(offset) => ns.local_broadcast_at(&local_packet, &local_opts, Some(&offset)),
                    Err(err) => {
                        crate::log_limit::warn_limited!(nsp = ns.name(), %err, "broadcast not logged in the cluster: sent without an offset");
                        ns.local_broadcast(&local_packet, &local_opts);
                    }
                }
            }),
        );
    }

    /// The offset to send `packet` with: the given one, or a new one of this node's log,
    /// when recovery is on and the packet is recoverable.
    fn offset_for(
        &self,
        packet: &Packet,
        opts: &BroadcastOptions,
        offset: Option<&str>,
    ) -> Option<String> {
        let recovery = self.recovery()?;
        let args = crate::recovery::recoverable_args(packet, opts)?;
        match offset {
            Some(offset) => Some(offset.to_owned()),
            None => recovery.record(args, opts),
        }
    }

    /// Sends the EVENT `packet` with a fresh ack id to the selected local sockets and
    /// returns their answers as they come.
    pub(crate) fn local_broadcast_with_ack(
        &self,
        mut packet: Packet,
        opts: &BroadcastOptions,
    ) -> BroadcastAcks {
        let id = self.next_ack_id();
        if let PacketData::Event { id: slot, .. } = &mut packet.data {
            *slot = Some(id);
        }
        let frames = compressed_if(
            frames(self.parser(), &packet),
            opts.flags.compress != Some(false),
        );
        let (tx, rx) = mpsc::unbounded_channel();
        let mut sent = Vec::new();
        for socket in self.local_select(opts) {
            socket.expect_broadcast_ack(id, tx.clone());
            if socket
                .deliver(&packet, &frames, opts.flags.volatile)
                .is_ok()
            {
                sent.push(socket);
            } else {
                socket.forget_ack(id);
            }
        }
        BroadcastAcks::new(sent.len(), id, sent, rx)
    }

    /// Makes the selected local sockets join `rooms`.
    pub(crate) fn local_add_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for socket in self.local_select(opts) {
            self.join(&socket, rooms);
        }
    }

    /// Makes the selected local sockets leave `rooms`.
    pub(crate) fn local_del_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for socket in self.local_select(opts) {
            for room in rooms {
                self.leave(socket.id(), room);
            }
        }
    }

    /// Disconnects the selected local sockets (their whole connection when `close`).
    pub(crate) fn local_disconnect_sockets(&self, opts: &BroadcastOptions, close: bool) {
        for socket in self.local_select(opts) {
            socket.disconnect(close);
        }
    }

    /// Adds `socket` to `rooms`, telling the cluster about rooms new on this node.
    pub(crate) fn join(&self, socket: &Socket, rooms: &[Room]) {
        if let Some(observer) = self.observer() {
            let before = self.0.rooms.socket_rooms(socket.id());
            let mut told = std::collections::HashSet::new();
            for room in rooms {
                if !before.contains(room) && told.insert(room) {
                    observer.room_joined(self, room, socket.id());
                }
            }
        }
        let created = self.0.rooms.add_all(socket, rooms);
        if let Some(cluster) = self.cluster() {
            for room in &created {
                cluster.room_created(room);
            }
        }
        self.keep_connected(socket);
    }

    /// Removes socket `id` from `room`.
    pub(crate) fn leave(&self, id: &str, room: &str) {
        if let Some(observer) = self.observer() {
            if self.0.rooms.socket_rooms(id).contains(room) {
                observer.room_left(self, &room.to_owned(), id);
            }
        }
        if self.0.rooms.del(id, room) {
            if let Some(cluster) = self.cluster() {
                cluster.room_deleted(room);
            }
        }
        if self.recovery().is_some_and(|r| !r.in_memory()) {
            if let Some(socket) = self.get_socket(id) {
                self.keep_connected(&socket);
            }
        }
    }

    /// Removes socket `id` from every room (it is leaving the namespace).
    pub(crate) fn leave_all(&self, id: &str) {
        if let Some(observer) = self.observer() {
            for room in self.0.rooms.socket_rooms(id) {
                observer.room_left(self, &room, id);
            }
        }
        let deleted = self.0.rooms.del_all(id);
        if let Some(cluster) = self.cluster() {
            for room in &deleted {
                cluster.room_deleted(room);
            }
        }
    }

    /// The rooms socket `id` is in.
    pub(crate) fn socket_rooms(&self, id: &str) -> std::collections::HashSet<Room> {
        self.0.rooms.socket_rooms(id)
    }
}
