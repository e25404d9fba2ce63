//! Connection state recovery for the whole cluster: a disconnected socket's state is a Redis
//! key that expires, and the packets it missed are read back from the stream.

use std::time::Duration;

use sockeye::{AdapterError, RestoredSession, SessionState};

use super::Inner;
use super::reader::entries;
use crate::wire::streams::{decode_session, encode_session, is_offset, missed_packet, next_offset};

/// How many `XRANGE` pages a restore reads at most (the reference's limit), and how many
/// entries one page holds.
const MAX_PAGES: usize = 100;
const PAGE: usize = 1000;

impl Inner {
    fn session_key(&self, pid: &str) -> String {
        format!("{}{pid}", self.config.session_key_prefix)
    }

    /// `SET <prefix><pid> <base64 msgpack> PX <ttl>`.
    pub(super) async fn persist(
        &self,
        session: &SessionState,
        ttl: Duration,
    ) -> Result<(), AdapterError> {
        let mut set = redis::cmd("SET");
        set.arg(self.session_key(&session.pid))
            .arg(encode_session(session))
            .arg("PX")
            .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1));
        let replies = self.driver.query(vec![set]).await?;
        match replies.into_iter().next() {
            Some(redis::Value::ServerError(err)) => Err(AdapterError::Transport(
                redis::RedisError::from(err).to_string(),
            )),
            Some(_) => Ok(()),
            None => Err(AdapterError::Transport("no reply to SET".into())),
        }
    }

    /// `DEL <prefix><pid>`: the socket left for good.
    pub(super) async fn forget(&self, pid: &str) -> Result<(), AdapterError> {
        let mut del = redis::cmd("DEL");
        del.arg(self.session_key(pid));
        let replies = self.driver.query(vec![del]).await?;
        match replies.into_iter().next() {
            Some(redis::Value::ServerError(err)) => Err(AdapterError::Transport(
                redis::RedisError::from(err).to_string(),
            )),
            Some(_) => Ok(()),
            None => Err(AdapterError::Transport("no reply to DEL".into())),
        }
    }

    /// Takes the session of `pid` (at most once: it is deleted as it is read), and the
    /// packets of this namespace sent to its rooms after `offset`. `None` when the offset is
    /// not an entry id, the session or the entry is gone, or the stream holds more after it
    /// than a restore reads.
    pub(super) async fn restore(
        &self,
        pid: &str,
        offset: &str,
    ) -> Result<Option<RestoredSession>, AdapterError> {
        if !is_offset(offset) {
            return Ok(None);
        }
        let key = self.session_key(pid);
        let mut get = redis::cmd("GET");
        get.arg(&key);
        let mut del = redis::cmd("DEL");
        del.arg(&key);
        let mut at = redis::cmd("XRANGE");
        at.arg(&self.stream).arg(offset).arg(offset);
        let replies = self
            .driver
            .query(vec![redis::cmd("MULTI"), get, del, redis::cmd("EXEC"), at])
            .await?;
        let mut replies = replies.into_iter();
        // MULTI, QUEUED, QUEUED, then EXEC's [GET, DEL], then XRANGE
        let exec = replies.nth(3);
        let found = replies.next().map(entries).unwrap_or_default();
        let stored = match exec {
            Some(redis::Value::Array(results)) => results.into_iter().next(),
            Some(redis::Value::ServerError(err)) => {
                return Err(AdapterError::Transport(
                    redis::RedisError::from(err).to_string(),
                ));
            }
            _ => None,
        };
        let stored = match stored {
            Some(redis::Value::BulkString(bytes)) => bytes,
            _ => return Ok(None),
        };
        if found.is_empty() {
            return Ok(None);
        }
        let state = match decode_session(&stored) {
            Ok(state) => state,
            Err(err) => {
                tracing::debug!(nsp = %self.nsp, %err, "ignoring a malformed session");
                return Ok(None);
            }
        };
        match self.read_after(offset, &state.rooms).await? {
            Some(missed) => Ok(Some(RestoredSession { state, missed })),
            None => Ok(None),
        }
    }

    /// The packets of this namespace for a socket in `rooms` after `offset`, if `offset` is
    /// still in the stream and what follows fits in what a restore reads.
    pub(super) async fn after(
        &self,
        offset: &str,
        rooms: &[String],
    ) -> Result<Option<Vec<Vec<sockeye::Value>>>, AdapterError> {
        if !is_offset(offset) {
            return Ok(None);
        }
        let mut at = redis::cmd("XRANGE");
        at.arg(&self.stream).arg(offset).arg(offset);
        let reply = self.driver.query(vec![at]).await?.into_iter().next();
        if reply.map(entries).unwrap_or_default().is_empty() {
            return Ok(None);
        }
        self.read_after(offset, rooms).await
    }

    /// Reads the stream after `offset` page by page, keeping what `rooms` missed; `None` when
    /// there is more than a restore reads.
    async fn read_after(
        &self,
        offset: &str,
        rooms: &[String],
    ) -> Result<Option<Vec<Vec<sockeye::Value>>>, AdapterError> {
        let mut missed = Vec::new();
        let mut last = offset.to_owned();
        for _ in 0..MAX_PAGES {
            let Some(from) = next_offset(&last) else {
                break;
            };
            let mut range = redis::cmd("XRANGE");
            range
                .arg(&self.stream)
                .arg(from)
                .arg("+")
                .arg("COUNT")
                .arg(PAGE);
            let reply = self.driver.query(vec![range]).await?.into_iter().next();
            let page = reply.map(entries).unwrap_or_default();
            for entry in &page {
                if let Some(packet) = missed_packet(entry, &self.nsp, rooms) {
                    missed.push(packet);
                }
            }
            if let Some(entry) = page.last() {
                last = entry.id.clone();
            }
            if page.len() < PAGE {
                return Ok(Some(missed));
            }
        }
        // more was sent since than a restore reads: an incomplete history would be wrong
        tracing::debug!(nsp = %self.nsp, "a session missed too much to be restored");
        Ok(None)
    }
}
