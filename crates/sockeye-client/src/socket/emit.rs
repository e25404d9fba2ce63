//! Emitting, with the `timeout` and `volatile` modifiers, acknowledgements and retries.

use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use socketio_proto::{Packet, RESERVED_EVENTS, Value, from_args, to_args};

use super::Socket;
use crate::error::{AckError, EmitError};

/// Emits with modifiers; made by [`Socket::timeout`] and [`Socket::volatile`], chainable like
/// the reference's `socket.timeout(5000).emit(...)`.
#[derive(Debug, Clone)]
pub struct Emitter {
    socket: Socket,
    timeout: Option<Duration>,
    volatile: bool,
}

impl Socket {
    /// Sends `event` with `data`: any serde value, `bytes::Bytes` inside it going as binary;
    /// a tuple sends several arguments and `()` none. While disconnected the packet is
    /// buffered and sent once the namespace is joined again.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.emitter().emit(event, data)
    }

    /// Sends `event` and resolves to the server's acknowledgement, read as `R` like a
    /// handler's data. The limit is [`Options::ack_timeout`](crate::Options::ack_timeout)
    /// unless [`timeout`](Self::timeout) sets one.
    pub fn emit_with_ack<T, R>(
        &self,
        event: &str,
        data: &T,
    ) -> impl Future<Output = Result<R, AckError>> + Send + 'static + use<T, R>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned + Send + 'static,
    {
        self.emitter().emit_with_ack(event, data)
    }

    /// The emitter whose acknowledgements fail with [`AckError::Timeout`] after `timeout`.
    pub fn timeout(&self, timeout: Duration) -> Emitter {
        self.emitter().timeout(timeout)
    }

    /// The emitter whose packets are dropped rather than buffered while disconnected.
    pub fn volatile(&self) -> Emitter {
        self.emitter().volatile()
    }

    fn emitter(&self) -> Emitter {
        Emitter {
            socket: self.clone(),
            timeout: self.shared.options.ack_timeout,
            volatile: false,
        }
    }
}

impl Emitter {
    /// Sets the acknowledgement time limit.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Drops the packet when the socket is not connected.
    #[must_use]
    pub fn volatile(mut self) -> Self {
        self.volatile = true;
        self
    }

    /// Sends `event` (see [`Socket::emit`]). With `retries`, the packet waits for an
    /// acknowledgement and is sent again when none comes.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        let args = event_args(event, data)?;
        if self.socket.shared.options.retries > 0 && !self.volatile {
            let this = self.clone();
            tokio::spawn(async move {
                let _ = this.send_with_retries(args).await;
            });
            return Ok(());
        }
        let packet = Packet::new(
            self.socket.namespace(),
            socketio_proto::PacketData::Event { args, id: None },
        );
        self.socket.send_packet(packet, self.volatile)
    }

    /// Sends `event` and resolves to the acknowledgement (see [`Socket::emit_with_ack`]).
    pub fn emit_with_ack<T, R>(
        &self,
        event: &str,
        data: &T,
    ) -> impl Future<Output = Result<R, AckError>> + Send + 'static + use<T, R>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned + Send + 'static,
    {
        let this = self.clone();
        let args = event_args(event, data);
        // Without retries the packet is handed over now, so it keeps its place among emits.
        let sent = match (&args, this.socket.shared.options.retries) {
            (Ok(args), 0) => Some(this.send_once(args.clone())),
            _ => None,
        };
        async move {
            let args = args?;
            let answer = match sent {
                Some(sent) => this.wait(sent?).await?,
                None => this.send_with_retries(args).await?,
            };
            Ok(from_args(answer)?)
        }
    }

    fn send_once(
        &self,
        args: Vec<Value>,
    ) -> Result<(u64, tokio::sync::oneshot::Receiver<Vec<Value>>), EmitError> {
        let shared = &self.socket.shared;
        let (id, rx) = shared.link.expect_ack();
        let packet = Packet::new(
            self.socket.namespace(),
            socketio_proto::PacketData::Event { args, id: Some(id) },
        );
        self.socket
            .send_packet(packet, self.volatile)
            .inspect_err(|_| shared.link.forget_ack(id))?;
        Ok((id, rx))
    }

    async fn wait(
        &self,
        (id, rx): (u64, tokio::sync::oneshot::Receiver<Vec<Value>>),
    ) -> Result<Vec<Value>, AckError> {
        let answer = match self.timeout {
            Some(limit) => match tokio::time::timeout(limit, rx).await {
                Ok(answer) => answer,
                Err(_) => {
                    self.socket.shared.link.forget_ack(id);
                    return Err(AckError::Timeout);
                }
            },
            None => rx.await,
        };
        answer.map_err(|_| AckError::Disconnected)
    }

    /// The reference's retry queue: one packet at a time, each try waiting up to the
    /// timeout, the same packet sent again until it is acknowledged or the tries run out.
    async fn send_with_retries(&self, args: Vec<Value>) -> Result<Vec<Value>, AckError> {
        let _turn = self.socket.shared.queue.lock().await;
        let tries = self.socket.shared.options.retries.saturating_add(1);
        let mut last = AckError::Timeout;
        for _ in 0..tries {
            let sent = self.send_once(args.clone())?;
            match self.wait(sent).await {
                Ok(answer) => return Ok(answer),
                Err(err) => last = err,
            }
        }
        Err(last)
    }
}

/// The event's name followed by its arguments.
fn event_args<T: Serialize + ?Sized>(event: &str, data: &T) -> Result<Vec<Value>, EmitError> {
    if RESERVED_EVENTS.contains(&event) {
        return Err(EmitError::Reserved(event.to_owned()));
    }
    let mut args = vec![Value::String(event.to_owned())];
    args.extend(to_args(data)?);
    Ok(args)
}
