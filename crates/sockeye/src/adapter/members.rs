//! The sockets of one room in the in-memory adapter. Most rooms have one member (every socket
//! is in the room named by its own id), so one member is kept inline, without a map.

use crate::id::IdMap;
use crate::socket::Socket;

/// A room's sockets by id.
pub(super) enum Members {
    /// The usual case: one socket.
    One(Socket),
    /// Any number, including none (a room whose last member left, about to be removed).
    Many(IdMap<String, Socket>),
}

impl Members {
    /// Adds `socket` under `id` (its id); adding it again changes nothing.
    pub(super) fn insert(&mut self, id: &str, socket: &Socket) {
        match self {
            Members::One(only) if only.id() == id => {}
            Members::One(only) => {
                let mut map = IdMap::with_capacity_and_hasher(2, Default::default());
                map.insert(only.id().to_owned(), only.clone());
                map.insert(id.to_owned(), socket.clone());
                *self = Members::Many(map);
            }
            Members::Many(map) if map.is_empty() => *self = Members::One(socket.clone()),
            Members::Many(map) => {
                map.insert(id.to_owned(), socket.clone());
            }
        }
    }

    /// Removes the socket `id`, if it is a member.
    pub(super) fn remove(&mut self, id: &str) {
        match self {
            Members::One(only) if only.id() == id => *self = Members::Many(IdMap::default()),
            Members::One(_) => {}
            Members::Many(map) => {
                map.remove(id);
            }
        }
    }

    /// Whether the room has no member left.
    pub(super) fn is_empty(&self) -> bool {
        matches!(self, Members::Many(map) if map.is_empty())
    }

    /// The members and their ids.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &Socket)> {
        let (one, many) = match self {
            Members::One(only) => (Some((only.id(), only)), None),
            Members::Many(map) => (None, Some(map.iter().map(|(id, s)| (id.as_str(), s)))),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }
}
