//! The room index of one namespace on this node: which local sockets are in which room.
//!
//! Every namespace owns one, in a single node and in a cluster alike: a cluster adapter never
//! keeps rooms of its own, it asks this index (through the namespace) for the local part of
//! each request.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use super::members::Members;
use super::room_set::RoomSet;
use super::{BroadcastOptions, Room};
use crate::id::IdMap;
use crate::socket::Socket;

/// Rooms to their sockets (the handles themselves, so that a broadcast to a room hashes
/// nothing per recipient), and sockets to their rooms.
#[derive(Default)]
struct Index {
    rooms: HashMap<Room, Members>,
    sids: IdMap<Arc<str>, RoomSet>,
}

/// The local room index of a namespace.
#[derive(Default)]
pub(crate) struct LocalRooms {
    index: RwLock<Index>,
}

impl LocalRooms {
    /// Adds `socket` to `rooms`; returns the rooms that did not exist before (a cluster adapter
    /// may subscribe to them).
    pub(crate) fn add_all(&self, socket: &Socket, rooms: &[Room]) -> Vec<Room> {
        let Ok(mut index) = self.index.write() else {
            return Vec::new();
        };
        let id = socket.id();
        let mut created = Vec::new();
        for room in rooms {
            match index.rooms.get_mut(room) {
                Some(members) => members.insert(id, socket),
                None => {
                    index
                        .rooms
                        .insert(room.clone(), Members::One(socket.clone()));
                    created.push(room.clone());
                }
            }
        }
        let set = index.sids.entry(socket.id_arc().clone()).or_default();
        for room in rooms {
            set.insert(room);
        }
        created
    }

    /// Removes socket `id` from `room`; returns whether the room is gone with it.
    pub(crate) fn del(&self, id: &str, room: &str) -> bool {
        let Ok(mut index) = self.index.write() else {
            return false;
        };
        if let Some(rooms) = index.sids.get_mut(id) {
            rooms.remove(room);
        }
        remove_member(&mut index.rooms, id, room)
    }

    /// Removes socket `id` from every room; returns the rooms that are gone with it.
    pub(crate) fn del_all(&self, id: &str) -> Vec<Room> {
        let Ok(mut index) = self.index.write() else {
            return Vec::new();
        };
        let Some(rooms) = index.sids.remove(id) else {
            return Vec::new();
        };
        rooms
            .iter()
            .filter(|room| remove_member(&mut index.rooms, id, room))
            .cloned()
            .collect()
    }

    /// Every room with at least one local socket (the reference's `adapter.rooms`).
    pub(crate) fn rooms(&self) -> HashSet<Room> {
        self.index
            .read()
            .map(|i| i.rooms.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Whether `room` has a local socket.
    pub(crate) fn has_room(&self, room: &str) -> bool {
        self.index
            .read()
            .map(|i| i.rooms.contains_key(room))
            .unwrap_or(false)
    }

    /// The rooms socket `id` is in.
    pub(crate) fn socket_rooms(&self, id: &str) -> HashSet<Room> {
        self.index
            .read()
            .ok()
            .and_then(|i| i.sids.get(id).map(|set| set.iter().cloned().collect()))
            .unwrap_or_default()
    }

    /// The local sockets `opts` selects, each once, in no particular order. `all` is the
    /// namespace's socket map, read when no room is named. The index lock is held only while
    /// they are collected; the caller sends after.
    pub(crate) fn select(
        &self,
        opts: &BroadcastOptions,
        all: &RwLock<IdMap<Arc<str>, Socket>>,
    ) -> Vec<Socket> {
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
            let Ok(all) = all.read() else {
                return Vec::new();
            };
            return all
                .values()
                .filter(|s| index.sids.contains_key(s.id()) && kept(s.id()))
                .cloned()
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

/// Takes `id` out of `room`'s members, dropping the room when it empties; true if it did.
fn remove_member(rooms: &mut HashMap<Room, Members>, id: &str, room: &str) -> bool {
    let Some(members) = rooms.get_mut(room) else {
        return false;
    };
    members.remove(id);
    if members.is_empty() {
        rooms.remove(room);
        return true;
    }
    false
}
