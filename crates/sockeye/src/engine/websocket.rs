//! The websocket transport: the opening handshake over hyper's upgrade, and the stream, framed
//! by `websocket-proto`.
//!
//! An idle websocket holds no buffer: input is read into a buffer on the stack and only what
//! is left of an incomplete frame is kept on the heap; output is encoded into a buffer that is
//! released once written (to the thread's spares, [`recycle`](super::recycle), for the next
//! write). A batch of outgoing messages is one write.

use std::future::poll_fn;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::BytesMut;
use http::request::Parts;
use http::{HeaderValue, Response, StatusCode, header};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use websocket_proto::{Decoder, DeflateParams, Deflater, Message, OpCode, Role};

use super::error::{EngineBody, empty};

/// The close code for a message above the size limit, and its reason: empty, as `ws` (and
/// so Node) sends it; the message "Max payload size exceeded" stays on the server's side.
pub(crate) const TOO_BIG: (u16, &str) = (1009, "");

/// Input is read through a buffer of this size on the stack.
const READ_CHUNK: usize = 8 * 1024;

/// How long a closed websocket may linger to finish its closing handshake.
const LINGER: Duration = Duration::from_secs(2);

/// A server websocket over a connection hyper handed over.
pub(crate) struct WsStream {
    io: TokioIo<hyper::upgrade::Upgraded>,
    decoder: Decoder,
    /// Input not yet decoded: empty, and unallocated, between messages.
    input: BytesMut,
    /// Encoded output not yet written (from `written` on): unallocated once written.
    output: BytesMut,
    written: usize,
    /// With permessage-deflate negotiated: the compressor, and the size from which a
    /// message is compressed.
    deflate: Option<(Deflater, usize)>,
}

impl std::fmt::Debug for WsStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsStream")
            .field("input", &self.input.len())
            .field("output", &self.output.len())
            .finish_non_exhaustive()
    }
}

/// Why a websocket cannot be read any more.
#[derive(Debug)]
pub(crate) enum WsError {
    /// The connection failed.
    Io(io::Error),
    /// The peer broke the framing rules (or sent a message above the limit).
    Protocol(websocket_proto::Error),
}

impl std::fmt::Display for WsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WsError::Io(e) => write!(f, "websocket i/o: {e}"),
            WsError::Protocol(e) => write!(f, "websocket protocol: {e}"),
        }
    }
}

impl WsStream {
    fn new(
        io: TokioIo<hyper::upgrade::Upgraded>,
        max_message: usize,
        deflate: Option<(DeflateParams, usize)>,
    ) -> WsStream {
        let decoder = match &deflate {
            Some((params, _)) => Decoder::with_deflate(Role::Server, max_message, params),
            None => Decoder::new(Role::Server, max_message),
        };
        WsStream {
            io,
            decoder,
            input: BytesMut::new(),
            output: BytesMut::new(),
            written: 0,
            deflate: deflate
                .map(|(params, threshold)| (Deflater::new(Role::Server, &params), threshold)),
        }
    }

    /// Queues one message; [`WsStream::flush`] writes what is queued. With permessage-deflate,
    /// a data message of at least the threshold is compressed, unless `compress` is false
    /// (the emit's `compress(false)`).
    pub(crate) fn queue(&mut self, opcode: OpCode, payload: &[u8], compress: bool) {
        if self.output.capacity() == 0 {
            self.output = super::recycle::take_output();
        }
        if let Some((deflater, threshold)) = &mut self.deflate {
            if compress && payload.len() >= *threshold {
                deflater.encode(&mut self.output, opcode, payload, None);
                return;
            }
        }
        self.output
            .reserve(websocket_proto::header_len(payload.len(), false) + payload.len());
        websocket_proto::encode(&mut self.output, opcode, payload, None);
    }

    /// Whether output is waiting to be written (a pong, or a batch cut short).
    pub(crate) fn has_output(&self) -> bool {
        self.output.len() > self.written
    }

    /// Writes everything queued, then releases the buffer.
    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_flush(cx)).await
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Written from an index rather than advanced past: the buffer then goes back to the
        // spares with its whole capacity.
        while let Some(rest) = self.output.get(self.written..).filter(|r| !r.is_empty()) {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, rest))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.written = 0;
        super::recycle::give_output(std::mem::take(&mut self.output));
        Pin::new(&mut self.io).poll_flush(cx)
    }

    /// The next message; `None` once the peer closed the connection. Pings are answered
    /// (the pong is queued: see [`WsStream::has_output`]) and returned too.
    pub(crate) async fn next(&mut self) -> Option<Result<Message, WsError>> {
        poll_fn(|cx| self.poll_next(cx)).await
    }

    /// The next message if the input already read holds a whole one (no system call).
    pub(crate) fn next_buffered(&mut self) -> Option<Result<Message, WsError>> {
        if self.input.is_empty() {
            return None;
        }
        match self.decoder.decode(&mut self.input) {
            Ok(Some(message)) => {
                if let Message::Ping(data) = &message {
                    let data = data.clone();
                    self.queue(OpCode::Pong, &data, false);
                }
                Some(Ok(message))
            }
            Ok(None) => None,
            Err(e) => Some(Err(WsError::Protocol(e))),
        }
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, WsError>>> {
        loop {
            if let Some(item) = self.next_buffered() {
                return Poll::Ready(Some(item));
            }
            if self.input.is_empty() {
                // Whatever the decoder took out still owns its part of the allocation.
                self.input = BytesMut::new();
            }
            let missing = self
                .decoder
                .wanted(&self.input)
                .saturating_sub(self.input.len());
            let read = if !self.input.is_empty() && missing > READ_CHUNK {
                // The rest of a large frame: straight into the buffer that holds its start.
                self.input.reserve(missing);
                ready!(self.poll_read_into_input(cx))
            } else {
                ready!(self.poll_read_chunk(cx))
            };
            match read {
                Ok(0) => return Poll::Ready(None),
                Ok(_) => {}
                Err(e) => return Poll::Ready(Some(Err(WsError::Io(e)))),
            }
        }
    }

    /// Reads up to [`READ_CHUNK`] bytes through the stack and appends them to the input, so
    /// that a wake-up that finds nothing to read allocates nothing.
    fn poll_read_chunk(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut chunk = [const { MaybeUninit::<u8>::uninit() }; READ_CHUNK];
        let mut buf = ReadBuf::uninit(&mut chunk);
        ready!(Pin::new(&mut self.io).poll_read(cx, &mut buf))?;
        let filled = buf.filled();
        self.input.extend_from_slice(filled);
        Poll::Ready(Ok(filled.len()))
    }

    /// Reads into the input buffer's spare capacity.
    fn poll_read_into_input(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        tokio_util::io::poll_read_buf(Pin::new(&mut self.io), cx, &mut self.input)
    }
}

/// Whether the request asks for a websocket (`Upgrade: websocket`).
pub(crate) fn is_upgrade_request(parts: &Parts) -> bool {
    parts.headers.get_all(header::UPGRADE).iter().any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("websocket"))
        })
    })
}

/// RFC 6455's answer to a handshake asking for a websocket version other than 13: `426
/// Upgrade Required` naming the version this server speaks. `None` for version 13, or when
/// the request names no version (that is a malformed handshake, answered 400).
pub(crate) fn unsupported_version(parts: &Parts) -> Option<Response<EngineBody>> {
    let version = parts.headers.get(header::SEC_WEBSOCKET_VERSION)?;
    if version == "13" {
        return None;
    }
    let mut r = empty(StatusCode::UPGRADE_REQUIRED);
    let h = r.headers_mut();
    h.insert(
        header::SEC_WEBSOCKET_VERSION,
        HeaderValue::from_static("13"),
    );
    h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    Some(r)
}

/// The 101 answer to a valid websocket handshake; `None` when it is not one (answered 400).
pub(crate) fn accept(parts: &Parts) -> Option<Response<EngineBody>> {
    if parts.method != http::Method::GET
        || parts
            .headers
            .get(header::SEC_WEBSOCKET_VERSION)
            .is_none_or(|v| v != "13")
    {
        return None;
    }
    let key = parts.headers.get(header::SEC_WEBSOCKET_KEY)?;
    let accept = websocket_proto::accept_key(key.as_bytes());
    let mut r = empty(StatusCode::SWITCHING_PROTOCOLS);
    let h = r.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    Some(r)
}

/// Waits for hyper to hand the connection over, and wraps it. Messages above `max_message`
/// (after inflating, with `deflate`: the negotiated parameters and the compression
/// threshold) fail the read (the driver then closes with 1009).
pub(crate) async fn open(
    on_upgrade: OnUpgrade,
    max_message: usize,
    deflate: Option<(DeflateParams, usize)>,
) -> Option<WsStream> {
    match on_upgrade.await {
        Ok(upgraded) => Some(WsStream::new(TokioIo::new(upgraded), max_message, deflate)),
        Err(e) => {
            tracing::debug!(error = %e, "websocket upgrade failed");
            None
        }
    }
}

/// Closes `ws` in the background. With `error`, the stream is unusable (the peer broke the
/// framing, or a message above the limit was cut off mid-read): the close frame with that
/// code is sent and raw input is discarded until the peer goes quiet, so that closing the
/// socket does not reset it before the peer has read the close frame. Otherwise a normal
/// close frame is sent and the peer's answer awaited. Bounded by [`LINGER`] either way.
pub(crate) fn close(mut ws: WsStream, error: Option<(u16, &'static str)>) {
    tokio::spawn(async move {
        let _ = tokio::time::timeout(LINGER, async {
            match error {
                Some((code, reason)) => {
                    websocket_proto::encode_close(&mut ws.output, code, reason, None)
                }
                None => websocket_proto::encode(&mut ws.output, OpCode::Close, &[], None),
            }
            if ws.flush().await.is_err() {
                return;
            }
            if error.is_some() {
                let mut scratch = [0u8; 4096];
                while let Ok(Ok(n)) =
                    tokio::time::timeout(Duration::from_millis(100), ws.io.read(&mut scratch)).await
                {
                    if n == 0 {
                        break;
                    }
                }
            } else {
                while let Some(Ok(message)) = ws.next().await {
                    if matches!(message, Message::Close(_)) {
                        break;
                    }
                }
            }
            let _ = ws.io.shutdown().await;
        })
        .await;
    });
}
