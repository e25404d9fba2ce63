//! Emitting to one socket, with the `timeout`, `volatile` and `compress` modifiers.

use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;

use super::{AckWaiter, Socket};
use crate::args::{from_args, to_args};
use crate::error::{AckError, EmitError};

/// Emits to one socket with modifiers; made by [`Socket::timeout`], [`Socket::volatile`] and
/// [`Socket::compress`], and chainable like the reference's `socket.timeout(1000).emit(...)`.
#[derive(Clone, Debug)]
pub struct SocketEmitter {
    socket: Socket,
    timeout: Option<Duration>,
    volatile: bool,
    compress: bool,
}

impl SocketEmitter {
    pub(crate) fn new(socket: Socket) -> Self {
        SocketEmitter {
            socket,
            timeout: None,
            volatile: false,
            compress: true,
        }
    }

    /// How long [`emit_with_ack`](SocketEmitter::emit_with_ack) waits for the answer.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Drops the packet when the transport is not ready to write.
    pub fn volatile(mut self) -> Self {
        self.volatile = true;
        self
    }

    /// The `compress` flag: with `false`, the message is not compressed on a websocket even
    /// when permessage-deflate is on and it is above the threshold.
    pub fn compress(mut self, compress: bool) -> Self {
        self.compress = compress;
        self
    }

    /// Sends `event` with `data` (a tuple for several arguments, `()` for none). Returns a
    /// `Result` for the reasons given on [`Socket::emit`]; a volatile packet dropped because
    /// the transport is not ready is not an error.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        let args = self.args(event, data)?;
        self.socket
            .send_event(event, &args, None, (self.volatile, self.compress))
    }

    /// Sends `event` and resolves to the client's answer, read as `R` like a handler's data
    /// (the first argument, one per element for a tuple, [`Args`](crate::Args) for all, as
    /// `emitWithAck` resolves to the first). Fails with [`AckError::Timeout`] after the
    /// timeout, if one is set, and [`AckError::Disconnected`] if the socket goes first; either
    /// way nothing is left waiting.
    pub fn emit_with_ack<T, R>(
        &self,
        event: &str,
        data: &T,
    ) -> impl Future<Output = Result<R, AckError>> + Send + 'static + use<T, R>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned + Send + 'static,
    {
        let socket = self.socket.clone();
        let timeout = self.timeout;
        let id = socket.namespace().next_ack_id();
        let (tx, rx) = oneshot::channel();
        let sent = self.args(event, data).and_then(|args| {
            socket.expect_ack(id, AckWaiter::Single(tx));
            socket
                .send_event(event, &args, Some(id), (self.volatile, self.compress))
                .inspect_err(|_| socket.forget_ack(id))
        });
        async move {
            sent?;
            let answer = match timeout {
                Some(limit) => match tokio::time::timeout(limit, rx).await {
                    Ok(answer) => answer,
                    Err(_) => {
                        socket.forget_ack(id);
                        crate::metrics::Counters::add(&socket.conn().counters.acks_timed_out, 1);
                        return Err(AckError::Timeout);
                    }
                },
                None => rx.await,
            };
            let args = answer.map_err(|_| AckError::Disconnected)?;
            from_args(args).map_err(|e| AckError::Decode(e.0))
        }
    }

    /// Sends `event` and calls `callback` with the client's answer (or why there is none)
    /// when it comes: the reference's `socket.emit(event, data, (err, answer) => ..)`.
    ///
    /// Which to use: a socket's handlers run one at a time, in arrival order, so a handler
    /// that awaits [`emit_with_ack`](SocketEmitter::emit_with_ack) holds back that socket's
    /// later events until the answer comes. Await it when the handler needs the answer
    /// before it goes on; use this when it does not: the handler returns at once and the
    /// callback runs later, on its own task.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sockeye::{AckError, Socket, SocketIo};
    ///
    /// let io = SocketIo::default();
    /// io.on_connection(|socket: Socket| async move {
    ///     socket.timeout(Duration::from_secs(5)).emit_with_callback(
    ///         "question",
    ///         "are you there?",
    ///         |answer: Result<String, AckError>| match answer {
    ///             Ok(answer) => println!("client said {answer}"),
    ///             Err(err) => println!("no answer: {err}"),
    ///         },
    ///     );
    ///     // the socket's next events are handled meanwhile
    /// });
    /// ```
    pub fn emit_with_callback<T, R, F>(&self, event: &str, data: &T, callback: F)
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned + Send + 'static,
        F: FnOnce(Result<R, AckError>) + Send + 'static,
    {
        let answer = self.emit_with_ack(event, data);
        tokio::spawn(async move { callback(answer.await) });
    }

    /// The event's arguments, once its name is known to be one that may be emitted.
    fn args<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<Vec<socketio_proto::Value>, EmitError> {
        crate::packet::check_event_name(event)?;
        to_args(data)
    }
}
