//! A socket as `fetch_sockets` returns it: possibly on another node of a cluster.

use std::collections::HashSet;

use serde::Serialize;
use serde::de::DeserializeOwned;
use socketio_proto::Value;

use super::{Handshake, Socket};
use crate::adapter::{Room, SocketData};
use crate::error::{AdapterError, EmitError};
use crate::namespace::Namespace;

/// A snapshot of a socket on this node or another, with the operations the reference's
/// `RemoteSocket` offers. Operations go through the adapter, so they work across nodes.
#[derive(Debug, Clone)]
pub struct RemoteSocket {
    /// The socket's id.
    pub id: String,
    /// Its handshake.
    pub handshake: Handshake,
    /// Its rooms when fetched.
    pub rooms: HashSet<Room>,
    /// Its `data` when fetched.
    pub data: Value,
    ns: Option<Namespace>,
}

impl RemoteSocket {
    /// A socket another node described.
    pub(crate) fn from_data(data: SocketData, ns: Namespace) -> RemoteSocket {
        RemoteSocket {
            handshake: data.handshake(),
            id: data.id,
            rooms: data.rooms.into_iter().collect(),
            data: data.data,
            ns: Some(ns),
        }
    }

    pub(crate) fn from_local(socket: &Socket) -> RemoteSocket {
        RemoteSocket {
            id: socket.id().to_owned(),
            handshake: socket.handshake().clone(),
            rooms: socket.rooms(),
            data: socket.data_value(),
            ns: Some(socket.namespace().clone()),
        }
    }

    /// Reads the socket's `data` as `T`.
    pub fn data<T: DeserializeOwned>(&self) -> Option<T> {
        socketio_proto::from_value(self.data.clone()).ok()
    }

    /// Sends `event` to this socket, wherever it is.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        match &self.ns {
            Some(ns) => ns.to(self.id.clone()).emit(event, data),
            None => Err(EmitError::Disconnected),
        }
    }

    /// Makes this socket join `rooms`.
    pub async fn join(&self, rooms: impl crate::operators::IntoRooms) -> Result<(), AdapterError> {
        match &self.ns {
            Some(ns) => ns.within(self.id.clone()).sockets_join(rooms).await,
            None => Ok(()),
        }
    }

    /// Makes this socket leave `rooms`.
    pub async fn leave(&self, rooms: impl crate::operators::IntoRooms) -> Result<(), AdapterError> {
        match &self.ns {
            Some(ns) => ns.within(self.id.clone()).sockets_leave(rooms).await,
            None => Ok(()),
        }
    }

    /// Disconnects this socket (and its whole connection when `close`).
    pub async fn disconnect(&self, close: bool) -> Result<(), AdapterError> {
        match &self.ns {
            Some(ns) => ns.within(self.id.clone()).disconnect_sockets(close).await,
            None => Ok(()),
        }
    }
}
