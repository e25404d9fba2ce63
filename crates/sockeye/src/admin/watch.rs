//! The admin's observer: what the server reports, turned into the UI's events and queued for
//! the admin's task (hooks run on the server's hot paths, some under a namespace's lock, so
//! nothing is emitted from here).

use std::sync::Arc;
use std::time::SystemTime;

use socketio_proto::{Map, Value};
use tokio::sync::mpsc;

use super::serialize;
use super::stats::EventBuffer;
use crate::adapter::Room;
use crate::engine::TransportKind;
use crate::namespace::Namespace;
use crate::observer::Observer;
use crate::socket::{DisconnectReason, Socket};

/// One event for the UI: its name and arguments.
pub(crate) type UiEvent = (&'static str, Vec<Value>);

pub(crate) struct AdminObserver {
    /// The admin's own namespace, whose events the UI is not shown.
    pub(crate) admin_nsp: String,
    /// Development mode: every socket, room and event; otherwise only the counts.
    pub(crate) verbose: bool,
    pub(crate) buffer: Arc<EventBuffer>,
    pub(crate) queue: mpsc::UnboundedSender<UiEvent>,
}

impl AdminObserver {
    fn send(&self, event: &'static str, args: Vec<Value>) {
        // The task is gone only when the server is: nothing to tell.
        let _ = self.queue.send((event, args));
    }

    fn now() -> Value {
        Value::String(serialize::iso_date(SystemTime::now()))
    }

    fn event(&self, kind: &'static str, socket: &Socket, event: &str, args: &[Value]) {
        let nsp = socket.namespace().name();
        if !self.verbose || nsp == self.admin_nsp {
            return;
        }
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(Value::String(event.to_owned()));
        all.extend_from_slice(args);
        self.send(
            kind,
            vec![
                Value::String(nsp.to_owned()),
                Value::String(socket.id().to_owned()),
                Value::Array(all),
                Self::now(),
            ],
        );
    }

    fn updated(&self, socket: &Socket, key: &str, value: Value) {
        let mut map = Map::with_capacity(3);
        map.insert("id", Value::String(socket.id().to_owned()));
        map.insert("nsp", Value::String(socket.namespace().name().to_owned()));
        map.insert(key, value);
        self.send("socket_updated", vec![Value::Object(map)]);
    }

    fn room(&self, kind: &'static str, ns: &Namespace, room: &Room, id: &str) {
        if !self.verbose {
            return;
        }
        self.send(
            kind,
            vec![
                Value::String(ns.name().to_owned()),
                Value::String(room.clone()),
                Value::String(id.to_owned()),
                Self::now(),
            ],
        );
    }
}

impl Observer for AdminObserver {
    fn connection_opened(&self, _transport: TransportKind) {
        self.buffer
            .push(SystemTime::now(), "rawConnection", None, 1);
    }

    fn connection_closed(&self, reason: &'static str) {
        self.buffer
            .push(SystemTime::now(), "rawDisconnection", Some(reason), 1);
    }

    fn socket_connected(&self, socket: &Socket) {
        if self.verbose {
            self.send(
                "socket_connected",
                vec![serialize::local_socket(socket), Self::now()],
            );
        }
    }

    fn socket_disconnected(&self, socket: &Socket, reason: DisconnectReason) {
        if self.verbose {
            self.send(
                "socket_disconnected",
                vec![
                    Value::String(socket.namespace().name().to_owned()),
                    Value::String(socket.id().to_owned()),
                    Value::String(reason.as_str().to_owned()),
                    Self::now(),
                ],
            );
        }
    }

    fn transport_upgraded(&self, socket: &Socket) {
        if self.verbose {
            self.updated(
                socket,
                "transport",
                Value::String(socket.transport().to_owned()),
            );
        }
    }

    fn data_changed(&self, socket: &Socket) {
        if self.verbose {
            self.updated(socket, "data", serialize::public_data(socket.data_value()));
        }
    }

    fn room_joined(&self, ns: &Namespace, room: &Room, id: &str) {
        self.room("room_joined", ns, room, id);
    }

    fn room_left(&self, ns: &Namespace, room: &Room, id: &str) {
        self.room("room_left", ns, room, id);
    }

    fn event_received(&self, socket: &Socket, event: &str, args: &[Value]) {
        self.event("event_received", socket, event, args);
    }

    fn event_sent(&self, socket: &Socket, event: &str, args: &[Value]) {
        self.event("event_sent", socket, event, args);
    }

    fn remote_data(&self, socket: &Socket, data: Value) -> Value {
        if self.verbose {
            serialize::with_admin_details(socket, data)
        } else {
            data
        }
    }
}
