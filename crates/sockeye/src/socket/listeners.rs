//! The functions registered on one socket.

use std::collections::HashMap;

use super::handler::{
    AnyListener, DisconnectHandler, ErasedHandler, ErrorHandler, PacketMiddleware,
};

/// One event handler with the id `on` returned.
pub(crate) struct Listener {
    pub(crate) id: u64,
    pub(crate) once: bool,
    pub(crate) handler: ErasedHandler,
}

/// Everything registered on a socket. Held behind a short-lived lock: callers clone out the
/// handlers they need and release it before running any.
#[derive(Default)]
pub(crate) struct Listeners {
    pub(crate) events: HashMap<String, Vec<Listener>>,
    pub(crate) any: Vec<(u64, AnyListener)>,
    pub(crate) any_outgoing: Vec<(u64, AnyListener)>,
    pub(crate) middlewares: Vec<PacketMiddleware>,
    pub(crate) disconnecting: Vec<DisconnectHandler>,
    pub(crate) disconnect: Vec<DisconnectHandler>,
    pub(crate) error: Vec<ErrorHandler>,
    last_id: u64,
}

impl Listeners {
    pub(crate) fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    pub(crate) fn add(&mut self, event: String, handler: ErasedHandler, once: bool) -> u64 {
        let id = self.next_id();
        self.events
            .entry(event)
            .or_default()
            .push(Listener { id, once, handler });
        id
    }

    pub(crate) fn remove(&mut self, id: u64) {
        for list in self.events.values_mut() {
            list.retain(|l| l.id != id);
        }
        self.events.retain(|_, list| !list.is_empty());
        self.any.retain(|(i, _)| *i != id);
        self.any_outgoing.retain(|(i, _)| *i != id);
    }

    /// The handlers of `event`, removing the `once` ones as they are taken.
    pub(crate) fn take_for(&mut self, event: &str) -> Vec<ErasedHandler> {
        let Some(list) = self.events.get_mut(event) else {
            return Vec::new();
        };
        let handlers = list.iter().map(|l| l.handler.clone()).collect();
        list.retain(|l| !l.once);
        if list.is_empty() {
            self.events.remove(event);
        }
        handlers
    }
}
