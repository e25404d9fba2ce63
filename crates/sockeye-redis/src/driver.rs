//! The two Redis connections of a node, and their health.
//!
//! - One publishing connection (redis-rs' `ConnectionManager`, which reconnects by itself),
//!   fed by one queue: what is queued goes out in the order it was queued, as pipelines, so a
//!   burst of broadcasts costs one round trip, and a `socketsJoin` published before an emit
//!   reaches every node before it.
//! - One subscribing connection, shared by every namespace's adapter, with its own reconnect
//!   loop: after a reconnection it subscribes again to everything registered, and registering
//!   while connected subscribes at once.
//!
//! The streams adapter also appends to its stream (`XADD`) and runs its session commands on
//! the publishing connection, in the same queue.
//!
//! An outage is logged once when it starts (warn) and once when it ends (info).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSubSink};
use sockeye::{AdapterError, OffsetCallback};
use tokio::sync::{Notify, mpsc, oneshot};

/// How many queued commands go out in one pipeline at most.
const MAX_BATCH: usize = 512;
/// The subscriber's reconnect delays.
const MIN_RETRY: Duration = Duration::from_millis(50);
const MAX_RETRY: Duration = Duration::from_secs(1);
/// How long the subscriber waits for a connection before trying again.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A message that arrived on a subscription.
#[derive(Debug)]
pub(crate) struct Incoming {
    /// The channel it was published on.
    pub(crate) channel: String,
    /// The bytes.
    pub(crate) payload: Bytes,
}

/// Where the messages of a channel or a pattern go.
pub(crate) type Inbox = mpsc::UnboundedSender<Incoming>;

enum Command {
    Publish {
        channel: String,
        payload: Vec<u8>,
        reply: Option<oneshot::Sender<Result<(), AdapterError>>>,
    },
    NumSub {
        channel: String,
        reply: oneshot::Sender<Result<usize, AdapterError>>,
    },
    /// Wakes the publishing connection up after an outage, before traffic needs it.
    Ping {
        reply: oneshot::Sender<Result<(), AdapterError>>,
    },
    /// `XADD stream MAXLEN ~ max_len * field value...`; `then` gets the entry id.
    XAdd {
        stream: String,
        max_len: usize,
        fields: Vec<(&'static str, String)>,
        then: Option<OffsetCallback>,
    },
    /// Commands that go out together, in order, with their replies.
    Query {
        cmds: Vec<redis::Cmd>,
        reply: oneshot::Sender<Result<Vec<redis::Value>, AdapterError>>,
    },
}

impl Command {
    /// How many replies the command's part of a pipeline gets.
    fn width(&self) -> usize {
        match self {
            Command::Query { cmds, .. } => cmds.len(),
            _ => 1,
        }
    }
}

/// Whether Redis is reachable, from both connections' point of view; logs the transitions.
#[derive(Debug, Default)]
pub(crate) struct Health {
    pub_down: AtomicBool,
    sub_down: AtomicBool,
}

impl Health {
    pub(crate) fn is_down(&self) -> bool {
        self.pub_down.load(Ordering::Relaxed) || self.sub_down.load(Ordering::Relaxed)
    }

    pub(crate) fn set(&self, sub: bool, down: bool, why: &dyn std::fmt::Display) {
        let was = self.is_down();
        let flag = if sub { &self.sub_down } else { &self.pub_down };
        flag.store(down, Ordering::Relaxed);
        let now = self.is_down();
        if !was && now {
            tracing::warn!(%why, "redis is unreachable: cross-node requests fail until it is back; local delivery goes on");
        } else if was && !now {
            tracing::info!("redis is reachable again");
        }
    }
}

#[derive(Default)]
struct Subscriptions {
    channels: HashMap<String, Inbox>,
    patterns: HashMap<String, Inbox>,
    /// The live subscribing connection, if any.
    sink: Option<PubSubSink>,
}

/// A node's Redis connections.
pub(crate) struct Driver {
    commands: mpsc::UnboundedSender<Command>,
    subs: Arc<Mutex<Subscriptions>>,
    health: Arc<Health>,
    closed: Arc<Notify>,
    timeout: Duration,
}

impl Driver {
    /// Connects both connections (fails when Redis cannot be reached now), and starts the
    /// tasks that keep them.
    /// Without `subscribe`, only the publishing connection is made (an emitter).
    pub(crate) async fn connect(
        url: &str,
        timeout: Duration,
        subscribe: bool,
    ) -> Result<Arc<Driver>, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout.min(Duration::from_secs(2))))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_with_config(client.clone(), config).await?;
        // the first subscribing connection is made here, so that a bad URL fails now
        let pubsub = if subscribe {
            Some(client.get_async_pubsub().await?)
        } else {
            None
        };
        let (commands, rx) = mpsc::unbounded_channel();
        let driver = Arc::new(Driver {
            commands,
            subs: Arc::new(Mutex::new(Subscriptions::default())),
            health: Arc::new(Health::default()),
            closed: Arc::new(Notify::new()),
            timeout,
        });
        tokio::spawn(publisher(conn, rx, driver.health.clone(), timeout));
        if pubsub.is_some() {
            tokio::spawn(subscriber(
                client,
                pubsub,
                driver.commands.clone(),
                driver.subs.clone(),
                driver.health.clone(),
                driver.closed.clone(),
            ));
        }
        Ok(driver)
    }

    /// Queues a publish whose outcome nobody waits for (a broadcast). Refused at once while
    /// Redis is known to be away, so an outage never piles up messages.
    pub(crate) fn publish_nowait(
        &self,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<(), AdapterError> {
        // The subscriber's reconnect loop is what notices Redis' return; the publishing
        // side only learns it from a publish that goes through, so it does not gate this.
        if self.health.sub_down.load(Ordering::Relaxed) {
            return Err(AdapterError::Transport("redis is unreachable".into()));
        }
        self.commands
            .send(Command::Publish {
                channel,
                payload,
                reply: None,
            })
            .map_err(|_| closed())
    }

    /// Publishes and waits until Redis took it.
    pub(crate) async fn publish(
        &self,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<(), AdapterError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Publish {
                channel,
                payload,
                reply: Some(tx),
            })
            .map_err(|_| closed())?;
        self.wait(rx).await
    }

    /// `PUBSUB NUMSUB channel`: how many connections listen on `channel`.
    pub(crate) async fn numsub(&self, channel: String) -> Result<usize, AdapterError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::NumSub { channel, reply: tx })
            .map_err(|_| closed())?;
        self.wait(rx).await
    }

    async fn wait<T>(
        &self,
        rx: oneshot::Receiver<Result<T, AdapterError>>,
    ) -> Result<T, AdapterError> {
        match tokio::time::timeout(self.timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(closed()),
            Err(_) => Err(AdapterError::Timeout),
        }
    }

    /// Appends an entry to `stream` (trimmed to about `max_len`). `then`, when given, gets
    /// the entry id or the error; the `then`s of a driver run in the order of the calls.
    /// Without `then`, refused at once while Redis is known to be away, as
    /// [`publish_nowait`](Self::publish_nowait).
    pub(crate) fn xadd(
        &self,
        stream: String,
        max_len: usize,
        fields: Vec<(&'static str, String)>,
        then: Option<OffsetCallback>,
    ) -> Result<(), AdapterError> {
        if then.is_none() && self.health.sub_down.load(Ordering::Relaxed) {
            return Err(AdapterError::Transport("redis is unreachable".into()));
        }
        self.commands
            .send(Command::XAdd {
                stream,
                max_len,
                fields,
                then,
            })
            .map_err(|err| {
                if let Command::XAdd {
                    then: Some(then), ..
                } = err.0
                {
                    then(Err(closed()));
                }
                closed()
            })
    }

    /// Runs `cmds` one after the other on the publishing connection (a `MULTI` ... `EXEC`
    /// among them stays together) and returns their replies.
    pub(crate) async fn query(
        &self,
        cmds: Vec<redis::Cmd>,
    ) -> Result<Vec<redis::Value>, AdapterError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Query { cmds, reply: tx })
            .map_err(|_| closed())?;
        self.wait(rx).await
    }

    /// Routes the messages of `channels` and of `patterns` to `inbox`, subscribing now when
    /// connected, and again after every reconnection.
    pub(crate) fn subscribe(&self, channels: &[String], patterns: &[String], inbox: &Inbox) {
        let sink = {
            let Ok(mut subs) = self.subs.lock() else {
                return;
            };
            for c in channels {
                subs.channels.insert(c.clone(), inbox.clone());
            }
            for p in patterns {
                subs.patterns.insert(p.clone(), inbox.clone());
            }
            subs.sink.clone()
        };
        if let Some(sink) = sink {
            let (channels, patterns) = (channels.to_vec(), patterns.to_vec());
            tokio::spawn(async move {
                // A failure here means the connection is going: the reconnect subscribes.
                let _ = subscribe_all(sink, &channels, &patterns).await;
            });
        }
    }

    /// Stops routing `channels` and `patterns`, and unsubscribes from them.
    pub(crate) fn unsubscribe(&self, channels: &[String], patterns: &[String]) {
        let sink = {
            let Ok(mut subs) = self.subs.lock() else {
                return;
            };
            for c in channels {
                subs.channels.remove(c);
            }
            for p in patterns {
                subs.patterns.remove(p);
            }
            subs.sink.clone()
        };
        if let Some(mut sink) = sink {
            let (channels, patterns) = (channels.to_vec(), patterns.to_vec());
            tokio::spawn(async move {
                if !patterns.is_empty() {
                    let _ = sink.punsubscribe(&patterns).await;
                }
                if !channels.is_empty() {
                    let _ = sink.unsubscribe(&channels).await;
                }
            });
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.closed.notify_one();
    }
}

fn closed() -> AdapterError {
    AdapterError::Transport("the redis adapter is closed".into())
}

fn transport(err: &dyn std::fmt::Display) -> AdapterError {
    AdapterError::Transport(err.to_string())
}

async fn subscribe_all(
    mut sink: PubSubSink,
    channels: &[String],
    patterns: &[String],
) -> redis::RedisResult<()> {
    // patterns first: once the request channel counts this node (PUBSUB NUMSUB), its
    // broadcasts reach it too
    if !patterns.is_empty() {
        sink.psubscribe(patterns).await?;
    }
    if !channels.is_empty() {
        sink.subscribe(channels).await?;
    }
    Ok(())
}

async fn publisher(
    mut conn: ConnectionManager,
    mut rx: mpsc::UnboundedReceiver<Command>,
    health: Arc<Health>,
    timeout: Duration,
) {
    let mut batch = Vec::new();
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(cmd) => batch.push(cmd),
                Err(_) => break,
            }
        }
        // While the subscriber knows Redis is away, entries whose outcome is awaited are
        // answered at once, in their turn, instead of piling up.
        let down = health.sub_down.load(Ordering::Relaxed);
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        let mut sent = Vec::with_capacity(batch.len());
        for cmd in &batch {
            let skip = down && matches!(cmd, Command::XAdd { then: Some(_), .. });
            sent.push(!skip);
            if skip {
                continue;
            }
            match cmd {
                Command::Publish {
                    channel, payload, ..
                } => {
                    pipe.cmd("PUBLISH").arg(channel).arg(payload.as_slice());
                }
                Command::NumSub { channel, .. } => {
                    pipe.cmd("PUBSUB").arg("NUMSUB").arg(channel);
                }
                Command::Ping { .. } => {
                    pipe.cmd("PING");
                }
                Command::XAdd {
                    stream,
                    max_len,
                    fields,
                    ..
                } => {
                    let cmd = pipe
                        .cmd("XADD")
                        .arg(stream)
                        .arg("MAXLEN")
                        .arg("~")
                        .arg(*max_len)
                        .arg("*");
                    for (name, value) in fields {
                        cmd.arg(*name).arg(value);
                    }
                }
                Command::Query { cmds, .. } => {
                    for cmd in cmds {
                        pipe.add_command(cmd.clone());
                    }
                }
            }
        }
        let expected: usize = batch
            .iter()
            .zip(&sent)
            .filter(|(_, sent)| **sent)
            .map(|(cmd, _)| cmd.width())
            .sum();
        let outcome = if expected == 0 {
            Ok(Vec::new())
        } else {
            let result =
                tokio::time::timeout(timeout, pipe.query_async::<Vec<redis::Value>>(&mut conn))
                    .await;
            match result {
                Ok(Ok(values)) if values.len() == expected => {
                    health.set(false, false, &"");
                    Ok(values)
                }
                Ok(Ok(_)) => Err(AdapterError::Transport("unexpected pipeline reply".into())),
                Ok(Err(err)) => {
                    health.set(false, true, &err);
                    Err(transport(&err))
                }
                Err(_) => {
                    health.set(false, true, &"no reply in time");
                    Err(AdapterError::Timeout)
                }
            }
        };
        match outcome {
            Ok(values) => {
                let mut values = values.into_iter();
                for (cmd, sent) in batch.drain(..).zip(sent) {
                    if !sent {
                        answer(
                            cmd,
                            Err(AdapterError::Transport("redis is unreachable".into())),
                        );
                        continue;
                    }
                    let mine: Vec<redis::Value> = values.by_ref().take(cmd.width()).collect();
                    answer(cmd, Ok(mine));
                }
            }
            Err(err) => {
                if rx.is_closed() && batch.is_empty() {
                    return;
                }
                for cmd in batch.drain(..) {
                    answer(cmd, Err(err.clone()));
                }
            }
        }
    }
}

/// Hands a command its replies (one per pipeline entry it added).
fn answer(cmd: Command, values: Result<Vec<redis::Value>, AdapterError>) {
    // one reply, as a result: a server error is this command's error
    let single = |values: Result<Vec<redis::Value>, AdapterError>| {
        values.and_then(|v| match v.into_iter().next() {
            Some(redis::Value::ServerError(err)) => Err(AdapterError::Transport(format!(
                "{}",
                redis::RedisError::from(err)
            ))),
            Some(value) => Ok(value),
            None => Err(AdapterError::Transport("no reply".into())),
        })
    };
    match cmd {
        Command::Publish { reply, .. } => {
            if let Some(reply) = reply {
                let _ = reply.send(single(values).map(|_| ()));
            }
        }
        Command::NumSub { reply, .. } => {
            let count = single(values).and_then(|v| {
                redis::from_redis_value::<(String, usize)>(v)
                    .map(|(_, n)| n)
                    .map_err(|e| transport(&e))
            });
            let _ = reply.send(count);
        }
        Command::Ping { reply } => {
            let _ = reply.send(single(values).map(|_| ()));
        }
        Command::XAdd { then, .. } => {
            if let Some(then) = then {
                then(
                    single(values).and_then(|v| {
                        redis::from_redis_value::<String>(v).map_err(|e| transport(&e))
                    }),
                );
            }
        }
        Command::Query { reply, .. } => {
            let _ = reply.send(values);
        }
    }
}

async fn subscriber(
    client: redis::Client,
    mut first: Option<redis::aio::PubSub>,
    commands: mpsc::UnboundedSender<Command>,
    subs: Arc<Mutex<Subscriptions>>,
    health: Arc<Health>,
    closed: Arc<Notify>,
) {
    let mut delay = MIN_RETRY;
    loop {
        let session = async {
            let pubsub = match first.take() {
                Some(pubsub) => pubsub,
                // bounded: an unreachable host may not refuse, only stay silent
                None => tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_pubsub())
                    .await
                    .map_err(|_| {
                        redis::RedisError::from((redis::ErrorKind::Io, "connect timed out"))
                    })??,
            };
            let (sink, mut stream) = pubsub.split();
            let (channels, patterns) = {
                let mut guard = subs.lock().map_err(|_| poisoned())?;
                guard.sink = Some(sink.clone());
                (
                    guard.channels.keys().cloned().collect::<Vec<_>>(),
                    guard.patterns.keys().cloned().collect::<Vec<_>>(),
                )
            };
            subscribe_all(sink, &channels, &patterns).await?;
            if health.pub_down.load(Ordering::Relaxed) || health.sub_down.load(Ordering::Relaxed) {
                // Back from an outage: let the publishing connection reconnect now (its
                // first command fails on the dead connection), so that the outage ends once.
                for _ in 0..3 {
                    let (tx, rx) = oneshot::channel();
                    if commands.send(Command::Ping { reply: tx }).is_err() {
                        break;
                    }
                    if matches!(rx.await, Ok(Ok(()))) {
                        break;
                    }
                }
            }
            health.set(true, false, &"");
            while let Some(msg) = stream.next().await {
                let inbox = {
                    let Ok(guard) = subs.lock() else { break };
                    if msg.from_pattern() {
                        msg.get_pattern::<String>()
                            .ok()
                            .and_then(|p| guard.patterns.get(&p).cloned())
                    } else {
                        guard.channels.get(msg.get_channel_name()).cloned()
                    }
                };
                if let Some(inbox) = inbox {
                    let _ = inbox.send(Incoming {
                        channel: msg.get_channel_name().to_owned(),
                        payload: Bytes::copy_from_slice(msg.get_payload_bytes()),
                    });
                }
            }
            Ok::<(), redis::RedisError>(())
        };
        let outcome = tokio::select! {
            outcome = session => outcome,
            () = closed.notified() => return,
        };
        if let Ok(mut guard) = subs.lock() {
            guard.sink = None;
        }
        match outcome {
            Ok(()) => {
                health.set(true, true, &"the subscribing connection was lost");
                delay = MIN_RETRY;
            }
            Err(err) => health.set(true, true, &err),
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = closed.notified() => return,
        }
        delay = (delay * 2).min(MAX_RETRY);
    }
}

fn poisoned() -> redis::RedisError {
    redis::RedisError::from((redis::ErrorKind::Client, "subscriptions lock poisoned"))
}
