//! The catch-all listeners beyond `on_any` and `on_any_outgoing`: added first, listed,
//! removed (the reference's `prependAny`, `listenersAny`, `offAny` and their outgoing twins).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use socketio_proto::Value;

use super::Socket;
use super::handler::AnyListener;

impl Socket {
    /// Adds a listener for every incoming event that runs before the ones added so far (the
    /// reference's `prependAny`). Returns its id, for [`Socket::remove_listener`].
    ///
    /// ```
    /// use sockeye::{Socket, SocketIo};
    ///
    /// let io = SocketIo::default();
    /// io.on_connection(|socket: Socket| async move {
    ///     socket.on_any(|_s: &Socket, event: &str, _args: &[sockeye::Value]| {
    ///         tracing::debug!(event, "second");
    ///     });
    ///     socket.prepend_any(|_s: &Socket, event: &str, _args: &[sockeye::Value]| {
    ///         tracing::debug!(event, "first");
    ///     });
    /// });
    /// ```
    pub fn prepend_any<F>(&self, listener: F) -> u64
    where
        F: Fn(&Socket, &str, &[Value]) + Send + Sync + 'static,
    {
        let mut l = self.listeners();
        let id = l.next_id();
        l.any.insert(0, (id, Arc::new(listener) as AnyListener));
        id
    }

    /// Adds a listener for every outgoing event that runs before the ones added so far (the
    /// reference's `prependAnyOutgoing`). Returns its id.
    pub fn prepend_any_outgoing<F>(&self, listener: F) -> u64
    where
        F: Fn(&Socket, &str, &[Value]) + Send + Sync + 'static,
    {
        let mut l = self.listeners();
        let id = l.next_id();
        l.any_outgoing
            .insert(0, (id, Arc::new(listener) as AnyListener));
        self.0.has_outgoing.store(true, Ordering::Release);
        id
    }

    /// The ids of the incoming catch-all listeners, in the order they run (the reference's
    /// `listenersAny`, which returns the functions themselves; an id is what Rust can
    /// compare and hand to [`Socket::remove_listener`]).
    pub fn listeners_any(&self) -> Vec<u64> {
        self.listeners().any.iter().map(|(id, _)| *id).collect()
    }

    /// The ids of the outgoing catch-all listeners, in the order they run (the reference's
    /// `listenersAnyOutgoing`).
    pub fn listeners_any_outgoing(&self) -> Vec<u64> {
        self.listeners()
            .any_outgoing
            .iter()
            .map(|(id, _)| *id)
            .collect()
    }

    /// Removes every incoming catch-all listener (the reference's `offAny()`; to remove one,
    /// pass its id to [`Socket::remove_listener`]).
    pub fn off_any(&self) {
        self.listeners().any.clear();
    }

    /// Removes every outgoing catch-all listener (the reference's `offAnyOutgoing()`).
    pub fn off_any_outgoing(&self) {
        let mut l = self.listeners();
        l.any_outgoing.clear();
        // Emits skip the listener lookup again.
        self.0.has_outgoing.store(false, Ordering::Release);
    }
}
