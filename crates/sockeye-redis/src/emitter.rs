//! The emitter, as `@socket.io/redis-emitter` 5.1: sends to the sockets of a cluster from a
//! process that has none, by publishing what a node would.

use std::sync::Arc;

use serde::Serialize;
use socketio_proto::{Packet, RESERVED_EVENTS, Value};
use sockeye::{BroadcastOptions, IntoRooms};

use crate::config::EmitterConfig;
use crate::driver::Driver;
use crate::error::{ConnectError, EmitterError};
use crate::wire::classic::{Request, Target, encode_emitter_broadcast};

/// Publishes events and requests to a Socket.IO cluster on Redis (Node or sockeye nodes
/// with the classic adapter), without being a node: it has no sockets, no uid of its own
/// (it sends `"emitter"`), and waits for no answer.
///
/// ```no_run
/// use sockeye_redis::{Emitter, EmitterConfig};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let emitter = Emitter::connect(EmitterConfig::new("redis://127.0.0.1:6379")).await?;
/// emitter.emit("news", "to everyone").await?;
/// emitter.to("room1").except("room2").emit("news", &(1, "two")).await?;
/// emitter.of("/admin").sockets_join("staff").await?;
/// emitter.server_side_emit("reload", &()).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Emitter {
    driver: Arc<Driver>,
    key: Arc<str>,
    nsp: String,
}

impl std::fmt::Debug for Emitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emitter")
            .field("key", &self.key)
            .field("nsp", &self.nsp)
            .finish()
    }
}

impl Emitter {
    /// Connects to Redis (fails at once when it cannot be reached), for the main namespace.
    pub async fn connect(config: EmitterConfig) -> Result<Emitter, ConnectError> {
        let driver = Driver::connect(&config.url, config.timeout, false).await?;
        Ok(Emitter {
            driver,
            key: config.key.into(),
            nsp: "/".to_owned(),
        })
    }

    /// The same emitter for namespace `nsp` (a missing leading `/` is added).
    pub fn of(&self, nsp: &str) -> Emitter {
        let nsp = if nsp.starts_with('/') {
            nsp.to_owned()
        } else {
            format!("/{nsp}")
        };
        Emitter {
            driver: self.driver.clone(),
            key: self.key.clone(),
            nsp,
        }
    }

    /// The namespace this emitter sends to.
    pub fn namespace(&self) -> &str {
        &self.nsp
    }

    fn operator(&self) -> EmitterOperator {
        EmitterOperator {
            emitter: self.clone(),
            opts: BroadcastOptions::default(),
        }
    }

    /// Targets the sockets in `rooms`.
    pub fn to(&self, rooms: impl IntoRooms) -> EmitterOperator {
        self.operator().to(rooms)
    }

    /// Same as [`to`](Emitter::to) (the reference's `in`).
    pub fn within(&self, rooms: impl IntoRooms) -> EmitterOperator {
        self.operator().to(rooms)
    }

    /// Leaves out the sockets in `rooms`.
    pub fn except(&self, rooms: impl IntoRooms) -> EmitterOperator {
        self.operator().except(rooms)
    }

    /// The `volatile` flag: a socket not ready to write drops the packet.
    pub fn volatile(&self) -> EmitterOperator {
        self.operator().volatile()
    }

    /// The `compress` flag.
    pub fn compress(&self, compress: bool) -> EmitterOperator {
        self.operator().compress(compress)
    }

    /// Sends `event` to every socket of the namespace. See [`EmitterOperator::emit`].
    pub async fn emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), EmitterError> {
        self.operator().emit(event, data).await
    }

    /// Makes every socket of the namespace join `rooms`.
    pub async fn sockets_join(&self, rooms: impl IntoRooms) -> Result<(), EmitterError> {
        self.operator().sockets_join(rooms).await
    }

    /// Makes every socket of the namespace leave `rooms`.
    pub async fn sockets_leave(&self, rooms: impl IntoRooms) -> Result<(), EmitterError> {
        self.operator().sockets_leave(rooms).await
    }

    /// Disconnects every socket of the namespace (their whole connection when `close`).
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), EmitterError> {
        self.operator().disconnect_sockets(close).await
    }

    /// Sends an event to the servers' `on_server_side` listeners of the namespace. As the
    /// reference, no answer can be asked for.
    pub async fn server_side_emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), EmitterError> {
        let data = args(event, data)?;
        let request = Request::ServerSideEmit {
            uid: Some(crate::wire::classic::EMITTER_UID.to_owned()),
            request_id: None,
            data,
        };
        self.publish_request(request).await
    }

    async fn publish_request(&self, request: Request) -> Result<(), EmitterError> {
        let channel = format!("{}-request#{}#", self.key, self.nsp);
        Ok(self.driver.publish(channel, request.encode()).await?)
    }
}

/// The event name first, then the arguments; reserved names refused.
fn args<T: Serialize + ?Sized>(event: &str, data: &T) -> Result<Vec<Value>, EmitterError> {
    if RESERVED_EVENTS.contains(&event) {
        return Err(EmitterError::Reserved(event.to_owned()));
    }
    let mut all = vec![Value::String(event.to_owned())];
    all.extend(socketio_proto::to_args(data).map_err(|e| EmitterError::Data(e.to_string()))?);
    Ok(all)
}

/// A selection of sockets of the emitter's namespace, and how to send to them.
#[derive(Debug, Clone)]
pub struct EmitterOperator {
    emitter: Emitter,
    opts: BroadcastOptions,
}

impl EmitterOperator {
    /// Also targets the sockets in `rooms`.
    pub fn to(mut self, rooms: impl IntoRooms) -> Self {
        self.opts.rooms.extend(rooms.into_rooms());
        self
    }

    /// Same as [`to`](EmitterOperator::to).
    pub fn within(self, rooms: impl IntoRooms) -> Self {
        self.to(rooms)
    }

    /// Leaves out the sockets in `rooms`.
    pub fn except(mut self, rooms: impl IntoRooms) -> Self {
        self.opts.except.extend(rooms.into_rooms());
        self
    }

    /// The `volatile` flag.
    pub fn volatile(mut self) -> Self {
        self.opts.flags.volatile = true;
        self
    }

    /// The `compress` flag.
    pub fn compress(mut self, compress: bool) -> Self {
        self.opts.flags.compress = Some(compress);
        self
    }

    /// Sends `event` with `data` (a tuple for several arguments, `()` for none; every
    /// `bytes::Bytes` inside goes as binary) to the selected sockets of every node. Refuses
    /// the reference's reserved event names.
    pub async fn emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), EmitterError> {
        let all = args(event, data)?;
        let packet = Packet::new(
            self.emitter.nsp.clone(),
            socketio_proto::PacketData::Event {
                args: all,
                id: None,
            },
        );
        let mut channel = format!("{}#{}#", self.emitter.key, self.emitter.nsp);
        if self.opts.rooms.len() == 1 {
            if let Some(room) = self.opts.rooms.iter().next() {
                channel.push_str(room);
                channel.push('#');
            }
        }
        let payload = encode_emitter_broadcast(&packet, &self.opts);
        Ok(self.emitter.driver.publish(channel, payload).await?)
    }

    fn target(&self) -> Target {
        Target::Opts(BroadcastOptions {
            rooms: self.opts.rooms.clone(),
            except: self.opts.except.clone(),
            ..BroadcastOptions::default()
        })
    }

    /// Makes the selected sockets join `rooms`.
    pub async fn sockets_join(&self, rooms: impl IntoRooms) -> Result<(), EmitterError> {
        let request = Request::Join {
            uid: None,
            request_id: None,
            target: self.target(),
            rooms: rooms.into_rooms(),
        };
        self.emitter.publish_request(request).await
    }

    /// Makes the selected sockets leave `rooms`.
    pub async fn sockets_leave(&self, rooms: impl IntoRooms) -> Result<(), EmitterError> {
        let request = Request::Leave {
            uid: None,
            request_id: None,
            target: self.target(),
            rooms: rooms.into_rooms(),
        };
        self.emitter.publish_request(request).await
    }

    /// Disconnects the selected sockets (their whole connection when `close`).
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), EmitterError> {
        let request = Request::Disconnect {
            uid: None,
            request_id: None,
            target: self.target(),
            close,
        };
        self.emitter.publish_request(request).await
    }
}
