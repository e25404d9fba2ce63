//! The functions registered on one socket.

use std::borrow::Cow;

use crate::one_or_many::OneOrMany;

use super::args_error::ArgsErrorHandler;
use super::handler::{
    AnyListener, DisconnectHandler, ErasedHandler, ErrorHandler, PacketMiddleware,
};

/// One event handler with the id `on` returned.
pub(crate) struct Listener {
    /// Borrowed when it is a literal, as it usually is: no allocation per handler.
    pub(crate) event: Cow<'static, str>,
    pub(crate) id: u64,
    pub(crate) once: bool,
    pub(crate) handler: ErasedHandler,
}

/// Everything registered on a socket. Held behind a short-lived lock: callers clone out the
/// handlers they need and release it before running any.
#[derive(Default)]
pub(crate) struct Listeners {
    /// In the order added. A socket has a few events: a scan is cheaper than a map, in time
    /// and in memory (one allocation for all of them).
    pub(crate) events: Vec<Listener>,
    pub(crate) any: Vec<(u64, AnyListener)>,
    pub(crate) any_outgoing: Vec<(u64, AnyListener)>,
    pub(crate) middlewares: Vec<PacketMiddleware>,
    pub(crate) disconnecting: Vec<DisconnectHandler>,
    pub(crate) disconnect: Vec<DisconnectHandler>,
    pub(crate) error: Vec<ErrorHandler>,
    /// Set by `on_args_error`: takes precedence over the namespace's.
    pub(crate) args_error: Option<ArgsErrorHandler>,
    last_id: u64,
}

impl Listeners {
    pub(crate) fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    pub(crate) fn add(
        &mut self,
        event: Cow<'static, str>,
        handler: ErasedHandler,
        once: bool,
    ) -> u64 {
        let id = self.next_id();
        self.events.push(Listener {
            event,
            id,
            once,
            handler,
        });
        id
    }

    /// Removes every handler of `event`.
    pub(crate) fn remove_event(&mut self, event: &str) {
        self.events.retain(|l| &*l.event != event);
    }

    /// The number of handlers of `event`.
    pub(crate) fn count(&self, event: &str) -> usize {
        self.events.iter().filter(|l| &*l.event == event).count()
    }

    pub(crate) fn remove(&mut self, id: u64) {
        self.events.retain(|l| l.id != id);
        self.any.retain(|(i, _)| *i != id);
        self.any_outgoing.retain(|(i, _)| *i != id);
    }

    /// The handlers of `event`, removing the `once` ones as they are taken.
    /// Usually one, which then needs no allocation.
    pub(crate) fn take_for(&mut self, event: &str) -> OneOrMany<ErasedHandler> {
        let mut taken = OneOrMany::default();
        let mut once = false;
        for l in self.events.iter().filter(|l| &*l.event == event) {
            taken.push(l.handler.clone());
            once |= l.once;
        }
        if once {
            self.events.retain(|l| !(l.once && &*l.event == event));
        }
        taken
    }
}
