//! The Admin UI's session store in Redis, as `@socket.io/admin-ui` 0.5.1's `RedisStore`: a
//! key `socket.io-admin#<session id>` holding `true` for a day, so that a UI logged in through
//! one node (Node or sockeye) is let in by every other.

use std::time::Duration;

use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sockeye::admin::{SessionStore, StoreFuture};

/// The reference's key prefix.
pub const ADMIN_PREFIX: &str = "socket.io-admin";
/// The reference's session duration: one day.
pub const ADMIN_SESSION_DURATION: Duration = Duration::from_secs(86_400);

/// Admin UI sessions in Redis (feature `admin`).
#[derive(Clone)]
pub struct RedisSessionStore {
    conn: ConnectionManager,
    prefix: String,
    duration: Duration,
}

impl std::fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("prefix", &self.prefix)
            .field("duration", &self.duration)
            .finish_non_exhaustive()
    }
}

impl RedisSessionStore {
    /// Connects to the Redis at `url` (`redis://host:port`), with the reference's prefix and
    /// duration.
    ///
    /// # Errors
    /// A URL that is not one, or a Redis that does not answer.
    pub async fn connect(url: &str) -> Result<RedisSessionStore, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(2);
        let conn = ConnectionManager::new_with_config(client, config).await?;
        Ok(RedisSessionStore {
            conn,
            prefix: ADMIN_PREFIX.to_owned(),
            duration: ADMIN_SESSION_DURATION,
        })
    }

    /// Another key prefix (the reference's `prefix` option).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Another session duration, in whole seconds, at least one (the reference's
    /// `sessionDuration`).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = duration.max(Duration::from_secs(1));
        self
    }

    fn key(&self, session_id: &str) -> String {
        format!("{}#{session_id}", self.prefix)
    }
}

impl SessionStore for RedisSessionStore {
    fn session_exists<'a>(&'a self, session_id: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            match conn.exists::<_, u64>(self.key(session_id)).await {
                Ok(n) => n == 1,
                Err(err) => {
                    tracing::warn!(%err, "admin session store: Redis did not answer");
                    false
                }
            }
        })
    }

    fn save_session<'a>(&'a self, session_id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let saved: Result<(), _> = conn
                .set_ex(self.key(session_id), "true", self.duration.as_secs())
                .await;
            if let Err(err) = saved {
                tracing::warn!(%err, "admin session store: the session was not saved");
            }
        })
    }
}
