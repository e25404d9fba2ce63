//! Reading a stream: one connection per stream, blocking `XREAD`s one after the other, each
//! entry handed to the adapter of its namespace.
//!
//! The reference starts from `$` (what is added from now on), once its connection is up.
//! This reader asks for the last id before the adapter is handed out, so everything appended
//! after that is read; after a lost connection it goes on from the last id it saw, so a
//! reconnection loses nothing that is still in the stream.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use tokio::sync::mpsc;

use crate::wire::streams::StreamEntry;

/// Where the entries of each namespace go.
pub(crate) type Routes = Mutex<HashMap<String, mpsc::UnboundedSender<StreamEntry>>>;

const MIN_RETRY: Duration = Duration::from_millis(50);
const MAX_RETRY: Duration = Duration::from_secs(1);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// What a reader needs to know.
pub(crate) struct ReadOptions {
    pub(crate) count: usize,
    pub(crate) block: Duration,
}

/// Connects a reader of `stream`, learns where the stream ends now, and leaves a task
/// reading from there until `routes` is dropped (every adapter of the factory, and the
/// factory, are gone).
pub(crate) async fn start(
    client: redis::Client,
    stream: String,
    options: ReadOptions,
    routes: Weak<Routes>,
) -> Result<(), redis::RedisError> {
    // the reply of a blocking read may take the whole block time
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(options.block + Duration::from_secs(5)));
    let mut conn = client
        .get_multiplexed_async_connection_with_config(&config)
        .await?;
    let newest = redis::cmd("XREVRANGE")
        .arg(&stream)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query_async::<redis::Value>(&mut conn)
        .await?;
    let last = entries(newest)
        .pop()
        .map_or_else(|| "0-0".to_owned(), |e| e.id);
    tokio::spawn(read(client, config, conn, stream, options, routes, last));
    Ok(())
}

async fn read(
    client: redis::Client,
    config: redis::AsyncConnectionConfig,
    first: MultiplexedConnection,
    stream: String,
    options: ReadOptions,
    routes: Weak<Routes>,
    mut last: String,
) {
    let mut delay = MIN_RETRY;
    let mut first = Some(first);
    while routes.strong_count() > 0 {
        let conn = match first.take() {
            Some(conn) => Ok(conn),
            None => {
                client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await
            }
        };
        let err = match conn {
            Ok(mut conn) => {
                let err = session(&mut conn, &stream, &options, &routes, &mut last).await;
                delay = MIN_RETRY;
                err
            }
            Err(err) => Some(err),
        };
        match err {
            Some(err) => tracing::debug!(%stream, %err, "reading the stream failed; again soon"),
            None => return,
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_RETRY);
    }
}

/// Reads on one connection; `None` once nobody listens any more, else why it stopped.
async fn session(
    conn: &mut MultiplexedConnection,
    stream: &str,
    options: &ReadOptions,
    routes: &Weak<Routes>,
    last: &mut String,
) -> Option<redis::RedisError> {
    loop {
        let reply = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(options.count)
            .arg("BLOCK")
            .arg(u64::try_from(options.block.as_millis()).unwrap_or(u64::MAX))
            .arg("STREAMS")
            .arg(stream)
            .arg(last.as_str())
            .query_async::<redis::Value>(conn)
            .await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(err) => return Some(err),
        };
        // nobody listens any more: stop
        let routes = routes.upgrade()?;
        // XREAD answers `[[stream, entries]]`, or nil when the block time passed
        let found = match reply {
            redis::Value::Array(streams) => streams
                .into_iter()
                .flat_map(|s| match s {
                    redis::Value::Array(mut pair) if pair.len() == 2 => entries(pair.remove(1)),
                    _ => Vec::new(),
                })
                .collect(),
            redis::Value::Map(streams) => streams
                .into_iter()
                .flat_map(|(_, list)| entries(list))
                .collect(),
            _ => Vec::new(),
        };
        for entry in found {
            last.clone_from(&entry.id);
            let Some(nsp) = entry.field("nsp").filter(|n| !n.is_empty()) else {
                continue;
            };
            let inbox = routes.lock().ok().and_then(|r| r.get(nsp).cloned());
            if let Some(inbox) = inbox {
                let _ = inbox.send(entry);
            }
        }
    }
}

/// The entries of an `XRANGE`/`XREAD` reply, `[[id, [field, value, ...]], ...]`; what does
/// not have that shape is skipped.
pub(crate) fn entries(value: redis::Value) -> Vec<StreamEntry> {
    let redis::Value::Array(items) = value else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|item| {
            let redis::Value::Array(pair) = item else {
                return None;
            };
            let mut pair = pair.into_iter();
            let id = text(pair.next()?)?;
            let redis::Value::Array(flat) = pair.next()? else {
                return None;
            };
            let mut fields = Vec::with_capacity(flat.len() / 2);
            let mut flat = flat.into_iter();
            while let (Some(k), Some(v)) = (flat.next(), flat.next()) {
                if let (Some(k), Some(v)) = (text(k), text(v)) {
                    fields.push((k, v));
                }
            }
            Some(StreamEntry { id, fields })
        })
        .collect()
}

/// A bulk or simple string as text (a field that is not UTF-8 is skipped, as it cannot be
/// a message of the protocol).
pub(crate) fn text(value: redis::Value) -> Option<String> {
    match value {
        redis::Value::BulkString(bytes) => String::from_utf8(bytes).ok(),
        redis::Value::SimpleString(s) => Some(s),
        _ => None,
    }
}

/// Keeps `routes` alive for as long as the value lives (the factory and each adapter hold
/// one).
pub(crate) type SharedRoutes = Arc<Routes>;
