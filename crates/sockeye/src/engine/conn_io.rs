//! One served TCP connection's clock: whether a request is in progress, when the connection
//! went idle, when the next request's first byte came; and the connection itself, which
//! reports its reads to that clock.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Which timeout closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expired {
    /// A request's head did not arrive in time: answered 408 (HTTP/1).
    Header,
    /// Idle between requests for too long: closed without a word.
    Idle,
}

/// The timing state of one connection, shared by its reads, its requests and its watchdog.
#[derive(Debug)]
pub(crate) struct ConnState {
    header_timeout: Option<Duration>,
    keep_alive_timeout: Option<Duration>,
    /// Upgraded to a websocket: no HTTP timeout applies any more. Read on every read.
    upgraded: AtomicBool,
    /// The watchdog asks for the 408 to be written as the connection is dropped.
    answer_timeout: AtomicBool,
    timing: Mutex<Timing>,
    changed: Notify,
}

#[derive(Debug)]
struct Timing {
    /// Requests being answered now.
    active: usize,
    /// Since when no request is in progress (the connection's start, or the last answer).
    idle_since: Instant,
    /// The first byte read since then: a request's head is on its way.
    first_byte: Option<Instant>,
    /// Whether a request was answered: before that, an idle connection is a request that
    /// has not started (Node answers it 408 after `headersTimeout` too).
    served: bool,
    http2: bool,
}

impl ConnState {
    pub(crate) fn new(
        header_timeout: Option<Duration>,
        keep_alive_timeout: Option<Duration>,
    ) -> ConnState {
        ConnState {
            header_timeout,
            keep_alive_timeout,
            upgraded: AtomicBool::new(false),
            answer_timeout: AtomicBool::new(false),
            timing: Mutex::new(Timing {
                active: 0,
                idle_since: Instant::now(),
                first_byte: None,
                served: false,
                http2: false,
            }),
            changed: Notify::new(),
        }
    }

    fn timing(&self) -> MutexGuard<'_, Timing> {
        self.timing.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The deadline that applies now, and what it means.
    fn current(&self) -> Option<(Instant, Expired)> {
        if self.upgraded.load(Ordering::Acquire) {
            return None;
        }
        let t = self.timing();
        if t.active > 0 {
            return None;
        }
        let kind = if t.http2 {
            Expired::Idle
        } else {
            Expired::Header
        };
        match t.first_byte {
            Some(at) => Some((at + self.header_timeout?, kind)),
            None if !t.served => Some((t.idle_since + self.header_timeout?, kind)),
            None => Some((t.idle_since + self.keep_alive_timeout?, Expired::Idle)),
        }
    }

    /// When the watchdog must look again (`None`: not until something changes).
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.current().map(|(at, _)| at)
    }

    /// The timeout that has passed, if one has; a header timeout also asks the connection
    /// to answer 408 as it is dropped.
    pub(crate) fn expired(&self) -> Option<Expired> {
        let (at, kind) = self.current()?;
        if at > Instant::now() {
            return None;
        }
        if kind == Expired::Header {
            self.answer_timeout.store(true, Ordering::Release);
        }
        Some(kind)
    }

    /// Resolves when a request starts or ends, or a request's first byte arrives.
    pub(crate) async fn changed(&self) {
        self.changed.notified().await;
    }

    /// A request reached the service; the returned guard ends it.
    pub(crate) fn request_started(self: &Arc<Self>, http2: bool) -> RequestGuard {
        {
            let mut t = self.timing();
            t.active += 1;
            t.first_byte = None;
            t.http2 |= http2;
        }
        self.changed.notify_one();
        RequestGuard(self.clone())
    }

    fn on_read(&self) {
        if self.upgraded.load(Ordering::Acquire) {
            return;
        }
        let mut t = self.timing();
        if t.active == 0 && t.first_byte.is_none() && t.served {
            t.first_byte = Some(Instant::now());
            drop(t);
            // The keep-alive deadline gives way to the header deadline, maybe an earlier one.
            self.changed.notify_one();
        }
    }
}

/// A request in progress; dropping it (answered or abandoned) ends it.
#[derive(Debug)]
pub(crate) struct RequestGuard(Arc<ConnState>);

impl RequestGuard {
    /// The request was answered; `upgraded` when the answer was `101 Switching Protocols`.
    pub(crate) fn answered(self, upgraded: bool) {
        if upgraded {
            self.0.upgraded.store(true, Ordering::Release);
        }
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        {
            let mut t = self.0.timing();
            t.active = t.active.saturating_sub(1);
            if t.active == 0 {
                t.idle_since = Instant::now();
                t.first_byte = None;
                t.served = true;
            }
        }
        self.0.changed.notify_one();
    }
}

/// A served TCP connection: reads are reported to its [`ConnState`], and when dropped after a
/// header timeout it writes Node's 408 answer first.
#[derive(Debug)]
pub(crate) struct ConnIo<G> {
    stream: TcpStream,
    state: Arc<ConnState>,
    /// Dropped with the connection (it counts open connections).
    _guard: G,
}

impl<G> ConnIo<G> {
    pub(crate) fn new(stream: TcpStream, state: Arc<ConnState>, guard: G) -> ConnIo<G> {
        ConnIo {
            stream,
            state,
            _guard: guard,
        }
    }
}

impl<G> Drop for ConnIo<G> {
    fn drop(&mut self) {
        if self.state.answer_timeout.load(Ordering::Acquire) {
            // Nothing was sent since the last answer, so the send buffer has room: the write
            // does not need to wait.
            const ANSWER: &[u8] = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";
            let _ = self.stream.try_write(ANSWER);
            let _ = socket2::SockRef::from(&self.stream).shutdown(std::net::Shutdown::Write);
        }
    }
}

impl<G: Unpin> AsyncRead for ConnIo<G> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.state.on_read();
        }
        polled
    }
}

impl<G: Unpin> AsyncWrite for ConnIo<G> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
