//! What [`instrument`](super::instrument) takes: the reference's `InstrumentOptions`.

use std::sync::Arc;

use super::store::{InMemoryStore, SessionStore};

/// How the Admin UI authenticates (the reference's `auth` option).
#[derive(Clone, Debug)]
pub enum AdminAuth {
    /// Anyone who reaches the namespace is admitted (the reference's `auth: false`).
    None,
    /// A user name and a bcrypt hash of the password (`$2a$`, `$2b$` or `$2y$`), as the
    /// reference's `{ type: "basic", username, password }`.
    Basic {
        /// The user name the UI's login form must send.
        username: String,
        /// The bcrypt hash of the password (never the password itself).
        password_hash: String,
    },
}

/// Which events go to the UI (the reference's `mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AdminMode {
    /// Every socket, room and event, live, besides the aggregated figures (the default).
    #[default]
    Development,
    /// Only the aggregated figures of `server_stats`: cheaper on a busy server.
    Production,
}

/// The options of the Admin UI's server side, named after the reference's.
#[derive(Clone)]
pub struct AdminOptions {
    /// How the UI authenticates. No default: the reference refuses to start without an
    /// explicit choice, and so does [`AdminOptions::new`].
    pub auth: AdminAuth,
    /// The namespace the UI connects to; default `"/admin"`.
    pub namespace_name: String,
    /// Whether the UI may only watch (no emit, join, leave or disconnect); default false.
    pub read_only: bool,
    /// Which events go to the UI; default [`AdminMode::Development`].
    pub mode: AdminMode,
    /// The server's id in the UI; default the host name, as the reference's.
    pub server_id: Option<String>,
    /// Where the session ids of logged-in UIs are kept; default in this process's memory.
    /// Use a shared store (the Redis one of `sockeye-redis`) when several nodes serve the UI.
    pub store: Arc<dyn SessionStore>,
}

impl AdminOptions {
    /// The defaults with this `auth`.
    pub fn new(auth: AdminAuth) -> AdminOptions {
        AdminOptions {
            auth,
            namespace_name: "/admin".to_owned(),
            read_only: false,
            mode: AdminMode::Development,
            server_id: None,
            store: Arc::new(InMemoryStore::default()),
        }
    }
}

impl std::fmt::Debug for AdminOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminOptions")
            .field("auth", &self.auth)
            .field("namespace_name", &self.namespace_name)
            .field("read_only", &self.read_only)
            .field("mode", &self.mode)
            .field("server_id", &self.server_id)
            .finish_non_exhaustive()
    }
}
