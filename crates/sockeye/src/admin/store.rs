//! Where the session ids of logged-in UIs are kept, so that a UI that reconnects (or reloads
//! its page) is let in without its password (the reference's `Store`).

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// A boxed future of a session store.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Keeps the session ids the Admin UI sends back in its `auth` (`{ sessionId }`).
pub trait SessionStore: Send + Sync + 'static {
    /// Whether `session_id` was saved (and has not expired). A store that cannot tell (its
    /// backend is down) answers false: the UI then asks for the password.
    fn session_exists<'a>(&'a self, session_id: &'a str) -> StoreFuture<'a, bool>;
    /// Saves `session_id` after a successful login.
    fn save_session<'a>(&'a self, session_id: &'a str) -> StoreFuture<'a, ()>;
}

/// Session ids in this process's memory, kept until it exits (the reference's
/// `InMemoryStore`).
#[derive(Debug, Default)]
pub struct InMemoryStore(Mutex<HashSet<String>>);

impl SessionStore for InMemoryStore {
    fn session_exists<'a>(&'a self, session_id: &'a str) -> StoreFuture<'a, bool> {
        let found = self.0.lock().is_ok_and(|s| s.contains(session_id));
        Box::pin(std::future::ready(found))
    }

    fn save_session<'a>(&'a self, session_id: &'a str) -> StoreFuture<'a, ()> {
        if let Ok(mut sessions) = self.0.lock() {
            sessions.insert(session_id.to_owned());
        }
        Box::pin(std::future::ready(()))
    }
}
