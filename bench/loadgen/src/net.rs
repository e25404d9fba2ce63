//! The event loop: one `mio` poll over every socket of every client.
//!
//! Why mio and not tokio: a task per connection (or a timer per message) is exactly the
//! overhead the generator must not add on top of the servers it measures. One thread, one
//! epoll set, edge-triggered readiness, and for each ready socket one drain of its receive
//! buffer, one parse pass and one write of everything the scenario answered: the cost per
//! message is a parse and a copy, and the syscalls are amortised over whatever arrived.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

use crate::client::{Client, Msg, Transport};

/// What a mode does with the packets its clients receive.
pub(crate) trait Scenario {
    /// Called for each packet of client `ci`; answers are written through `c`.
    fn on_msg(&mut self, ci: usize, c: &mut Client, m: Msg<'_>);
}

pub(crate) struct Net {
    poll: Poll,
    events: Events,
    pub(crate) clients: Vec<Option<Client>>,
    free: Vec<usize>,
    /// The servers; client k of the run (in the order opened) goes to `addrs[k % len]`.
    addrs: Vec<SocketAddr>,
    /// Clients opened so far, for the round-robin over `addrs`.
    opened: usize,
    /// The index in `addrs` of each client slot's server: every socket of a client (polling
    /// requests, the upgrade) goes to the server that holds its session.
    server_of: Vec<usize>,
    path: Arc<str>,
    scratch: Vec<u8>,
    seed: u32,
    /// Clients that ended since the mode last looked: index, and the error if it failed.
    pub(crate) ended: Vec<(usize, Option<String>)>,
    pub(crate) live: usize,
    /// Reuse the HTTP connections of finished polling clients (keep-alive, as browsers do).
    pub(crate) keep_alive: bool,
    idle_http: Vec<TcpStream>,
}

impl Net {
    pub(crate) fn new(addrs: &[SocketAddr], path: &str, capacity: usize) -> Result<Net, String> {
        if addrs.is_empty() {
            return Err("no server address".into());
        }
        Ok(Net {
            poll: Poll::new().map_err(|e| format!("epoll: {e}"))?,
            events: Events::with_capacity(1024),
            clients: Vec::with_capacity(capacity),
            free: Vec::new(),
            addrs: addrs.to_vec(),
            opened: 0,
            server_of: Vec::with_capacity(capacity),
            path: Arc::from(path),
            scratch: vec![0; 256 << 10],
            seed: 0x9E37_79B9,
            ended: Vec::new(),
            live: 0,
            keep_alive: false,
            idle_http: Vec::new(),
        })
    }

    /// Starts a new client; its sockets open on the next turn.
    pub(crate) fn open(&mut self, transport: Transport, tag: u32) -> usize {
        self.seed = self
            .seed
            .wrapping_mul(1_664_525)
            .wrapping_add(1_013_904_223);
        let mut c = Client::new(transport, self.path.clone(), self.seed);
        c.tag = tag;
        let server = self.opened % self.addrs.len();
        self.opened += 1;
        let ci = match self.free.pop() {
            Some(i) => {
                self.clients[i] = Some(c);
                self.server_of[i] = server;
                i
            }
            None => {
                self.clients.push(Some(c));
                self.server_of.push(server);
                self.clients.len() - 1
            }
        };
        self.live += 1;
        self.open_streams(ci);
        ci
    }

    fn open_streams(&mut self, ci: usize) {
        let Some(c) = self.clients[ci].as_mut() else {
            return;
        };
        let addr = self.addrs[self.server_of[ci] % self.addrs.len()];
        // A kept-alive connection may be to another server: reused with one server only.
        let reuse = self.addrs.len() == 1;
        while let Some(req) = c.want_open.pop() {
            let token = Token(ci * 3 + req.which);
            if req.which != crate::client::WS
                && reuse
                && let Some(mut sock) = self.idle_http.pop()
            {
                match self.poll.registry().reregister(
                    &mut sock,
                    token,
                    Interest::READABLE | Interest::WRITABLE,
                ) {
                    Ok(()) => {
                        c.attach(req.which, sock);
                        continue;
                    }
                    Err(_) => continue,
                }
            }
            let result = TcpStream::connect(addr).and_then(|mut sock| {
                let _ = sock.set_nodelay(true);
                self.poll.registry().register(
                    &mut sock,
                    token,
                    Interest::READABLE | Interest::WRITABLE,
                )?;
                Ok(sock)
            });
            match result {
                Ok(sock) => c.attach(req.which, sock),
                Err(e) => {
                    self.end(ci, Some(format!("connect: {e}")));
                    return;
                }
            }
        }
        if let Err(e) = c.flush() {
            self.end(ci, Some(e));
        }
    }

    /// Drops client `ci` (its sockets close).
    pub(crate) fn end(&mut self, ci: usize, err: Option<String>) {
        if let Some(slot) = self.clients.get_mut(ci)
            && slot.take().is_some()
        {
            self.free.push(ci);
            self.live -= 1;
            self.ended.push((ci, err));
        }
    }

    pub(crate) fn client(&mut self, ci: usize) -> Option<&mut Client> {
        self.clients.get_mut(ci).and_then(Option::as_mut)
    }

    /// Writes what the mode buffered on client `ci` outside of a turn.
    pub(crate) fn flush(&mut self, ci: usize) {
        let r = match self.client(ci) {
            Some(c) => {
                let r = c.flush();
                if c.is_closed() {
                    Err(None)
                } else {
                    r.map_err(Some)
                }
            }
            None => Ok(()),
        };
        if let Err(e) = r {
            self.end(ci, e);
        }
    }

    /// One wait for readiness (at most `timeout`) and the handling of what is ready.
    pub(crate) fn turn<S: Scenario>(&mut self, s: &mut S, timeout: Duration) -> Result<(), String> {
        match self.poll.poll(&mut self.events, Some(timeout)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(format!("epoll_wait: {e}")),
        }
        let mut touched: Vec<usize> = Vec::new();
        for ev in self.events.iter() {
            let Token(t) = ev.token();
            let (ci, which) = (t / 3, t % 3);
            let Some(Some(c)) = self.clients.get_mut(ci) else {
                continue;
            };
            let readable = ev.is_readable() || ev.is_read_closed() || ev.is_error();
            let mut sink = |c: &mut Client, m: Msg<'_>| s.on_msg(ci, c, m);
            let r = c
                .on_ready(
                    which,
                    readable,
                    ev.is_writable(),
                    &mut self.scratch,
                    &mut sink,
                )
                .and_then(|()| c.flush());
            match r {
                Err(e) => {
                    if c.is_closed() {
                        // An error after our own close is the server hanging up: expected.
                        touched.push(ci);
                    } else {
                        self.clients[ci] = None;
                        self.free.push(ci);
                        self.live -= 1;
                        self.ended.push((ci, Some(e)));
                    }
                }
                Ok(()) => touched.push(ci),
            }
        }
        for ci in touched {
            let Some(Some(c)) = self.clients.get_mut(ci) else {
                continue;
            };
            if c.is_closed() {
                if self.keep_alive {
                    let socks = c.take_idle_http();
                    self.idle_http.extend(socks);
                }
                self.end(ci, None);
            } else if !c.want_open.is_empty() {
                self.open_streams(ci);
            }
        }
        Ok(())
    }
}
