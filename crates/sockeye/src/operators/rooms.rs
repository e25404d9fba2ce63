//! `IntoRooms`: one room or several, as the reference's `to(room | room[])`.

use std::collections::HashSet;

use crate::adapter::Room;

/// One room name or several.
pub trait IntoRooms {
    /// The room names.
    fn into_rooms(self) -> Vec<Room>;
}

impl IntoRooms for &str {
    fn into_rooms(self) -> Vec<Room> {
        vec![self.to_owned()]
    }
}

impl IntoRooms for String {
    fn into_rooms(self) -> Vec<Room> {
        vec![self]
    }
}

impl IntoRooms for &String {
    fn into_rooms(self) -> Vec<Room> {
        vec![self.clone()]
    }
}

impl<T: Into<String>> IntoRooms for Vec<T> {
    fn into_rooms(self) -> Vec<Room> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<T: Into<String>, const N: usize> IntoRooms for [T; N] {
    fn into_rooms(self) -> Vec<Room> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<T: Into<String> + Clone> IntoRooms for &[T] {
    fn into_rooms(self) -> Vec<Room> {
        self.iter().cloned().map(Into::into).collect()
    }
}

impl IntoRooms for HashSet<Room> {
    fn into_rooms(self) -> Vec<Room> {
        self.into_iter().collect()
    }
}
