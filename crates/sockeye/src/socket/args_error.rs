//! What happens when an event's arguments do not fit a handler: the hook a program sets on a
//! socket or a namespace, else one `warn` line per event name and namespace.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};

use super::{Ack, Socket};
use crate::error::ArgsError;

/// An `on_args_error` hook.
pub(crate) type ArgsErrorHandler = Arc<dyn Fn(&Socket, &ArgsError, Ack) + Send + Sync>;

/// A namespace's hook, and the event names whose failure it has already logged.
#[derive(Default)]
pub(crate) struct ArgsErrorHook {
    handler: RwLock<Option<ArgsErrorHandler>>,
    /// Only names with a handler get here, so the set is bounded by the program's events,
    /// not by what peers send.
    logged: Mutex<HashSet<String>>,
}

impl ArgsErrorHook {
    pub(crate) fn set(&self, handler: ArgsErrorHandler) {
        if let Ok(mut slot) = self.handler.write() {
            *slot = Some(handler);
        }
    }

    pub(crate) fn get(&self) -> Option<ArgsErrorHandler> {
        self.handler.read().ok().and_then(|h| h.clone())
    }

    /// Whether this is the first failure of `event` here (and so worth a log line).
    fn first_for(&self, event: &str) -> bool {
        self.logged
            .lock()
            .map(|mut names| !names.contains(event) && names.insert(event.to_owned()))
            .unwrap_or(false)
    }
}

/// Hands a failure to the socket's hook, else the namespace's, else logs it once per event
/// name and namespace. Without a hook the ack is dropped unanswered.
pub(crate) fn report(socket: &Socket, err: &ArgsError, ack: Ack) {
    let own = socket.listeners().args_error.clone();
    let ns = socket.namespace();
    if let Some(handler) = own.or_else(|| ns.args_error_handler()) {
        handler(socket, err, ack);
        return;
    }
    if ns.args_error_hook().first_for(&err.event) {
        tracing::warn!(
            nsp = ns.name(),
            sid = socket.id(),
            event = %err.event,
            index = err.index,
            message = %err.message,
            "event not handled: its arguments do not fit the handler (logged once per event; \
             set on_args_error to handle it)"
        );
    } else {
        tracing::debug!(sid = socket.id(), %err, "event not handled");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_name_is_logged_once() {
        let hook = ArgsErrorHook::default();
        assert!(hook.first_for("a"));
        assert!(!hook.first_for("a"));
        assert!(hook.first_for("b"));
        assert!(!hook.first_for("b"));
    }
}
