//! The rooms of one socket in the in-memory adapter. Most sockets are in one room only (the
//! one named by their id), so one room is kept inline, without a set.

use std::collections::HashSet;

use super::Room;

/// A socket's rooms.
pub(super) enum RoomSet {
    /// The usual case: one room.
    One(Room),
    /// Any number, including none.
    Many(HashSet<Room>),
}

impl Default for RoomSet {
    fn default() -> Self {
        RoomSet::Many(HashSet::new())
    }
}

impl RoomSet {
    /// Adds `room`; adding it again changes nothing.
    pub(super) fn insert(&mut self, room: &Room) {
        match self {
            RoomSet::One(only) if only == room => {}
            RoomSet::One(only) => {
                let first = std::mem::take(only);
                *self = RoomSet::Many(HashSet::from([first, room.clone()]));
            }
            RoomSet::Many(set) if set.is_empty() => *self = RoomSet::One(room.clone()),
            RoomSet::Many(set) => {
                set.insert(room.clone());
            }
        }
    }

    /// Removes `room`, if the socket is in it.
    pub(super) fn remove(&mut self, room: &str) {
        match self {
            RoomSet::One(only) if only == room => *self = RoomSet::default(),
            RoomSet::One(_) => {}
            RoomSet::Many(set) => {
                set.remove(room);
            }
        }
    }

    /// The rooms.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Room> {
        let (one, many) = match self {
            RoomSet::One(only) => (Some(only), None),
            RoomSet::Many(set) => (None, Some(set.iter())),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(set: &RoomSet) -> Vec<&str> {
        let mut rooms: Vec<&str> = set.iter().map(String::as_str).collect();
        rooms.sort_unstable();
        rooms
    }

    #[test]
    fn one_room_inline_then_a_set_and_back() {
        let mut set = RoomSet::default();
        assert!(sorted(&set).is_empty());
        set.insert(&"a".to_owned());
        set.insert(&"a".to_owned());
        assert!(matches!(set, RoomSet::One(_)));
        set.insert(&"b".to_owned());
        assert_eq!(sorted(&set), ["a", "b"]);
        set.remove("a");
        set.remove("x");
        assert_eq!(sorted(&set), ["b"]);
        set.remove("b");
        assert!(sorted(&set).is_empty());
        set.insert(&"c".to_owned());
        assert!(matches!(set, RoomSet::One(_)));
        set.remove("c");
        assert!(sorted(&set).is_empty());
    }
}
