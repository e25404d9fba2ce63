//! One Socket.IO client as a state machine over up to three non-blocking sockets (the
//! websocket, the polling GET and the polling POST), driven by [`crate::net::Net`].
//!
//! Nothing here blocks or allocates per message on the websocket path: incoming bytes are
//! parsed in place from the stream's buffer and handed to the scenario as borrowed slices;
//! outgoing packets are framed straight into the stream's write buffer and flushed once per
//! readiness event.

use std::io::{ErrorKind, Read, Write};

use base64::Engine as _;
use mio::net::TcpStream;

use crate::http;
use crate::ws;

/// How a client reaches its first Socket.IO connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Transport {
    /// Straight to websocket.
    Websocket,
    /// HTTP long-polling only.
    Polling,
    /// Polling first, then the websocket upgrade (probe, upgrade), as the official client.
    Upgrade,
}

/// A Socket.IO packet the scenario sees.
pub(crate) enum Msg<'a> {
    /// The namespace `/` accepted the client (`40{"sid":..}`), on its final transport.
    Connected,
    /// An event: `name` and the JSON after the name (`,<args>]` or `]`); `bin` is the first
    /// attachment of a binary event.
    Event {
        name: &'a [u8],
        rest: &'a [u8],
        bin: Option<&'a [u8]>,
    },
    /// An acknowledgement (its id is not needed: payloads carry their timestamps), its
    /// JSON arguments and its first attachment.
    Ack {
        rest: &'a [u8],
        bin: Option<&'a [u8]>,
    },
}

/// Which socket of a client: the index is the token's low part.
pub(crate) const WS: usize = 0;
pub(crate) const GET: usize = 1;
pub(crate) const POST: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Http {
    /// Waiting for the `101` of a websocket upgrade.
    Upgrading,
    /// Websocket frames.
    Frames,
    /// A request is in flight.
    Awaiting,
    /// Nothing in flight.
    Idle,
}

pub(crate) struct Stream {
    sock: TcpStream,
    rbuf: Vec<u8>,
    wbuf: Vec<u8>,
    wpos: usize,
    writable: bool,
    http: Http,
    /// The server announced `Connection: close`.
    closing: bool,
}

impl Stream {
    fn new(sock: TcpStream, http: Http) -> Stream {
        Stream {
            sock,
            rbuf: Vec::new(),
            wbuf: Vec::new(),
            wpos: 0,
            // A connecting socket reports writable once connected; trying early is harmless.
            writable: true,
            http,
            closing: false,
        }
    }

    fn flush(&mut self) -> Result<(), String> {
        while self.writable && self.wpos < self.wbuf.len() {
            match self.sock.write(&self.wbuf[self.wpos..]) {
                Ok(0) => return Err("socket wrote nothing".into()),
                Ok(n) => self.wpos += n,
                Err(e)
                    if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::NotConnected =>
                {
                    self.writable = false
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("write: {e}")),
            }
        }
        if self.wpos == self.wbuf.len() {
            self.wbuf.clear();
            self.wpos = 0;
        }
        Ok(())
    }

    /// Reads everything available; `Ok(false)` when the peer closed.
    fn fill(&mut self, scratch: &mut [u8]) -> Result<bool, String> {
        loop {
            match self.sock.read(scratch) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.rbuf.extend_from_slice(&scratch[..n]);
                    if self.rbuf.len() > 128 << 20 {
                        return Err("more than 128 MiB unparsed from the server".into());
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(true),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::NotConnected => return Ok(true),
                Err(e) => return Err(format!("read: {e}")),
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the Engine.IO open packet.
    Opening,
    /// `40` sent, waiting for the namespace's answer.
    Connecting,
    /// Upgrade: the websocket probe is under way.
    Probing,
    Ready,
    /// Closing politely (polling: the close POST is in flight).
    Closing,
    Closed,
}

/// The socket the client needs opened, registered and tracked by the net.
pub(crate) struct OpenRequest {
    pub(crate) which: usize,
}

/// One Socket.IO client (namespace `/`).
pub(crate) struct Client {
    pub(crate) transport: Transport,
    phase: Phase,
    /// Messages go over the websocket (else over polling).
    on_ws: bool,
    pub(crate) streams: [Option<Stream>; 3],
    sid: String,
    path: std::sync::Arc<str>,
    post_queue: Vec<u8>,
    frag: Vec<u8>,
    frag_op: u8,
    /// A binary packet's header, waiting for its attachments.
    bin_header: Vec<u8>,
    bin_wanted: usize,
    bin_got: Vec<u8>,
    bin_first_len: usize,
    mask: u32,
    /// Scenario data: a free tag (room, role), counters.
    pub(crate) tag: u32,
    pub(crate) sent: u64,
    pub(crate) recv: u64,
    pub(crate) next_ack: u64,
    /// Sockets to open on the net's next turn.
    pub(crate) want_open: Vec<OpenRequest>,
    /// The auth object of the CONNECT packet (JSON), e.g. the `pid` and `offset` of a
    /// session to recover.
    pub(crate) connect_auth: Option<Vec<u8>>,
    /// From the namespace's CONNECT answer: the socket's id and, with connection state
    /// recovery, its private id.
    pub(crate) socket_sid: String,
    pub(crate) pid: String,
    tmp: Vec<u8>,
    b64: String,
}

type Sink<'s> = dyn FnMut(&mut Client, Msg<'_>) + 's;

impl Client {
    pub(crate) fn new(transport: Transport, path: std::sync::Arc<str>, seed: u32) -> Client {
        Client {
            transport,
            phase: Phase::Opening,
            on_ws: transport == Transport::Websocket,
            streams: [None, None, None],
            sid: String::new(),
            path,
            post_queue: Vec::new(),
            frag: Vec::new(),
            frag_op: 0,
            bin_header: Vec::new(),
            bin_wanted: 0,
            bin_got: Vec::new(),
            bin_first_len: 0,
            mask: seed | 1,
            tag: 0,
            sent: 0,
            recv: 0,
            next_ack: 0,
            want_open: vec![OpenRequest {
                which: if transport == Transport::Websocket {
                    WS
                } else {
                    GET
                },
            }],
            connect_auth: None,
            socket_sid: String::new(),
            pid: String::new(),
            tmp: Vec::new(),
            b64: String::new(),
        }
    }

    /// Whether the namespace is connected on the final transport.
    pub(crate) fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// Where the client is, for error messages.
    pub(crate) fn phase_name(&self) -> &'static str {
        match self.phase {
            Phase::Opening => "waiting for the Engine.IO open packet",
            Phase::Connecting => "waiting for the CONNECT answer",
            Phase::Probing => "probing the websocket",
            Phase::Ready => "connected",
            Phase::Closing => "closing",
            Phase::Closed => "closed",
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// The polling sockets that are idle and reusable (keep-alive), taken out of the client.
    pub(crate) fn take_idle_http(&mut self) -> Vec<TcpStream> {
        let mut out = Vec::new();
        for which in [GET, POST] {
            let reusable = self.streams[which].as_ref().is_some_and(|s| {
                s.http == Http::Idle && !s.closing && s.rbuf.is_empty() && s.wbuf.is_empty()
            });
            if reusable && let Some(s) = self.streams[which].take() {
                out.push(s.sock);
            }
        }
        out
    }

    /// Hands a freshly connected socket to the client, which writes its first request.
    pub(crate) fn attach(&mut self, which: usize, sock: TcpStream) {
        let mut s = Stream::new(
            sock,
            if which == WS {
                Http::Upgrading
            } else {
                Http::Idle
            },
        );
        if which == WS {
            let sid = (!self.sid.is_empty()).then_some(self.sid.as_str());
            http::upgrade_request(&mut s.wbuf, &self.path, sid);
        }
        self.streams[which] = Some(s);
        if which == GET {
            self.send_get();
        } else if which == POST {
            self.send_post();
        }
    }

    fn next_mask(&mut self) -> [u8; 4] {
        // xorshift32: masks need not be secret here, only varied.
        let mut x = self.mask;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.mask = x;
        x.to_le_bytes()
    }

    /// Sends one Engine.IO text packet (type byte included).
    pub(crate) fn send_engine(&mut self, packet: &[u8]) {
        if self.on_ws || self.phase == Phase::Probing {
            let mask = self.next_mask();
            if let Some(s) = self.streams[WS].as_mut() {
                ws::encode(&mut s.wbuf, ws::OP_TEXT, packet, mask);
            }
        } else {
            if !self.post_queue.is_empty() {
                self.post_queue.push(0x1e);
            }
            self.post_queue.extend_from_slice(packet);
            self.send_post();
        }
    }

    /// Sends a Socket.IO packet given without its Engine.IO `4` prefix.
    pub(crate) fn send_sio(&mut self, packet: &[u8]) {
        let mut tmp = std::mem::take(&mut self.tmp);
        tmp.clear();
        tmp.push(b'4');
        tmp.extend_from_slice(packet);
        self.send_engine(&tmp);
        self.tmp = tmp;
    }

    /// Sends a binary attachment (the packet announcing it must precede it).
    pub(crate) fn send_attachment(&mut self, data: &[u8]) {
        if self.on_ws {
            let mask = self.next_mask();
            if let Some(s) = self.streams[WS].as_mut() {
                ws::encode(&mut s.wbuf, ws::OP_BINARY, data, mask);
            }
        } else {
            if !self.post_queue.is_empty() {
                self.post_queue.push(0x1e);
            }
            self.post_queue.push(b'b');
            self.b64.clear();
            base64::engine::general_purpose::STANDARD.encode_string(data, &mut self.b64);
            self.post_queue.extend_from_slice(self.b64.as_bytes());
            self.send_post();
        }
    }

    /// Closes politely: a websocket close frame, or a polling close packet; the client is
    /// closed once that is written (websocket) or answered (polling).
    pub(crate) fn close(&mut self) {
        if self.on_ws {
            let mask = self.next_mask();
            if let Some(s) = self.streams[WS].as_mut() {
                ws::encode(&mut s.wbuf, ws::OP_CLOSE, &1000u16.to_be_bytes(), mask);
                let _ = s.flush();
            }
            self.phase = Phase::Closed;
        } else if self.phase == Phase::Ready || self.phase == Phase::Connecting {
            self.send_engine(b"1");
            self.phase = Phase::Closing;
        } else {
            self.phase = Phase::Closed;
        }
    }

    fn send_get(&mut self) {
        let path = self.path.clone();
        let sid = (!self.sid.is_empty()).then_some(self.sid.as_str());
        match self.streams[GET].as_mut() {
            Some(s) if s.http == Http::Idle => {
                http::poll_get(&mut s.wbuf, &path, sid);
                s.http = Http::Awaiting;
            }
            Some(_) => {}
            None => self.want(GET),
        }
    }

    fn send_post(&mut self) {
        if self.post_queue.is_empty() || self.sid.is_empty() {
            return;
        }
        match self.streams[POST].as_mut() {
            Some(s) if s.http == Http::Idle => {
                http::poll_post(&mut s.wbuf, &self.path, &self.sid, &self.post_queue);
                self.post_queue.clear();
                s.http = Http::Awaiting;
            }
            Some(_) => {}
            None => self.want(POST),
        }
    }

    fn want(&mut self, which: usize) {
        if !self.want_open.iter().any(|o| o.which == which) {
            self.want_open.push(OpenRequest { which });
        }
    }

    /// Writes what is buffered on every socket.
    pub(crate) fn flush(&mut self) -> Result<(), String> {
        for s in self.streams.iter_mut().flatten() {
            s.flush()?;
        }
        Ok(())
    }

    /// Handles readiness of socket `which`.
    pub(crate) fn on_ready(
        &mut self,
        which: usize,
        readable: bool,
        writable: bool,
        scratch: &mut [u8],
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        let Some(s) = self.streams[which].as_mut() else {
            return Ok(());
        };
        if writable {
            s.writable = true;
        }
        if !readable {
            return s.flush();
        }
        let open = s.fill(scratch)?;
        let mut rbuf = std::mem::take(&mut s.rbuf);
        let result = self.parse(which, &mut rbuf, sink);
        if let Some(s) = self.streams[which].as_mut() {
            s.rbuf = rbuf;
            if !open && s.closing {
                self.streams[which] = None;
            } else if !open && self.phase != Phase::Closed {
                return Err(format!("server closed the {} socket", NAMES[which]));
            }
        }
        result
    }

    fn parse(
        &mut self,
        which: usize,
        buf: &mut Vec<u8>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        let mut pos = 0;
        let result = loop {
            if self.phase == Phase::Closed {
                break Ok(());
            }
            let http = match self.streams[which].as_ref() {
                Some(s) => s.http,
                None => break Ok(()),
            };
            match http {
                Http::Frames => match ws::decode(&mut buf[pos..]) {
                    Ok(Some(f)) => {
                        let range = pos + f.payload.start..pos + f.payload.end;
                        pos += f.len;
                        if let Err(e) = self.on_frame(f.fin, f.opcode, &buf[range], sink) {
                            break Err(e);
                        }
                    }
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(e),
                },
                Http::Upgrading | Http::Awaiting => match http::parse_response(&buf[pos..]) {
                    Ok(Some(r)) => {
                        pos += r.len;
                        if let Err(e) = self.on_response(which, http, r, sink) {
                            break Err(e);
                        }
                    }
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(e),
                },
                Http::Idle => {
                    if pos < buf.len() {
                        break Err(format!(
                            "unexpected bytes on the idle {} socket",
                            NAMES[which]
                        ));
                    }
                    break Ok(());
                }
            }
        };
        buf.drain(..pos.min(buf.len()));
        result
    }

    fn on_response(
        &mut self,
        which: usize,
        was: Http,
        r: http::Response,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        if was == Http::Upgrading {
            if r.status != 101 {
                return Err(format!("websocket upgrade answered {}", r.status));
            }
            if let Some(s) = self.streams[which].as_mut() {
                s.http = Http::Frames;
            }
            if self.phase == Phase::Probing {
                self.send_engine(b"2probe");
            }
            return Ok(());
        }
        if r.status != 200 {
            return Err(format!(
                "polling {} answered {}: {}",
                NAMES[which],
                r.status,
                String::from_utf8_lossy(&r.body[..r.body.len().min(120)])
            ));
        }
        if let Some(s) = self.streams[which].as_mut() {
            s.http = Http::Idle;
            s.closing = r.close;
        }
        if r.close {
            self.streams[which] = None;
        }
        if which == POST {
            if self.phase == Phase::Closing {
                self.phase = Phase::Closed;
                return Ok(());
            }
            self.send_post();
            return Ok(());
        }
        // A GET: its body is a payload of packets.
        for piece in r.body.split(|&b| b == 0x1e) {
            if let Some(b64) = piece.strip_prefix(b"b") {
                let data = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|e| format!("bad base64 attachment: {e}"))?;
                self.on_binary(&data, sink)?;
            } else {
                self.on_engine_text(piece, sink)?;
            }
            if self.phase == Phase::Closed {
                return Ok(());
            }
        }
        // Keep a GET pending while polling is the transport (not during the upgrade).
        let keep_polling = match self.phase {
            Phase::Ready | Phase::Connecting => !self.on_ws && self.transport == Transport::Polling,
            Phase::Opening => false,
            _ => false,
        } || (self.phase == Phase::Connecting
            && self.transport == Transport::Upgrade);
        if keep_polling {
            self.send_get();
        }
        Ok(())
    }

    fn on_frame(
        &mut self,
        fin: bool,
        op: u8,
        data: &[u8],
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        match op {
            ws::OP_TEXT | ws::OP_BINARY if fin => {
                if op == ws::OP_TEXT {
                    self.on_engine_text(data, sink)
                } else {
                    self.on_binary(data, sink)
                }
            }
            ws::OP_TEXT | ws::OP_BINARY => {
                self.frag.clear();
                self.frag.extend_from_slice(data);
                self.frag_op = op;
                Ok(())
            }
            ws::OP_CONT => {
                self.frag.extend_from_slice(data);
                if fin {
                    let whole = std::mem::take(&mut self.frag);
                    let r = if self.frag_op == ws::OP_TEXT {
                        self.on_engine_text(&whole, sink)
                    } else {
                        self.on_binary(&whole, sink)
                    };
                    self.frag = whole;
                    self.frag.clear();
                    r
                } else {
                    Ok(())
                }
            }
            ws::OP_PING => {
                let mask = self.next_mask();
                if let Some(s) = self.streams[WS].as_mut() {
                    ws::encode(&mut s.wbuf, ws::OP_PONG, data, mask);
                }
                Ok(())
            }
            ws::OP_PONG => Ok(()),
            ws::OP_CLOSE => Err("server closed the websocket".into()),
            other => Err(format!("websocket opcode {other}")),
        }
    }

    fn on_engine_text(&mut self, data: &[u8], sink: &mut Sink<'_>) -> Result<(), String> {
        let Some((&kind, rest)) = data.split_first() else {
            return Err("empty Engine.IO packet".into());
        };
        match kind {
            b'0' => {
                let sid = json_str_field(rest, b"\"sid\":\"").ok_or("open packet without sid")?;
                self.sid = String::from_utf8_lossy(sid).into_owned();
                self.phase = Phase::Connecting;
                let mut connect = b"0".to_vec();
                if let Some(auth) = &self.connect_auth {
                    connect.extend_from_slice(auth);
                }
                self.send_sio(&connect);
                Ok(())
            }
            b'2' => {
                let mut pong = Vec::with_capacity(data.len());
                pong.push(b'3');
                pong.extend_from_slice(rest);
                self.send_engine(&pong);
                Ok(())
            }
            b'3' if rest == b"probe" && self.phase == Phase::Probing => {
                self.send_engine(b"5");
                self.on_ws = true;
                self.phase = Phase::Ready;
                self.streams[GET] = None;
                self.streams[POST] = None;
                self.post_queue.clear();
                sink(self, Msg::Connected);
                Ok(())
            }
            b'3' | b'6' => Ok(()),
            b'1' => Err("server sent an Engine.IO close".into()),
            b'4' => self.on_sio(rest, sink),
            other => Err(format!("Engine.IO packet type {:?}", other as char)),
        }
    }

    fn on_sio(&mut self, p: &[u8], sink: &mut Sink<'_>) -> Result<(), String> {
        let Some((&kind, rest)) = p.split_first() else {
            return Err("empty Socket.IO packet".into());
        };
        match kind {
            b'0' => {
                if self.phase != Phase::Connecting {
                    return Ok(());
                }
                let field = |key: &[u8]| {
                    json_str_field(rest, key)
                        .map(|v| String::from_utf8_lossy(v).into_owned())
                        .unwrap_or_default()
                };
                self.socket_sid = field(b"\"sid\":\"");
                self.pid = field(b"\"pid\":\"");
                if self.transport == Transport::Upgrade {
                    self.phase = Phase::Probing;
                    self.want(WS);
                    return Ok(());
                }
                self.phase = Phase::Ready;
                sink(self, Msg::Connected);
                Ok(())
            }
            b'2' | b'3' => self.dispatch(kind == b'3', rest, None, sink),
            b'5' | b'6' => {
                let dash = rest
                    .iter()
                    .position(|&b| b == b'-')
                    .ok_or("binary packet without attachment count")?;
                let n = parse_u64(&rest[..dash]).ok_or("bad attachment count")? as usize;
                if n == 0 || n > 16 {
                    return Err(format!("binary packet with {n} attachments"));
                }
                self.bin_header.clear();
                self.bin_header.push(if kind == b'5' { b'2' } else { b'3' });
                self.bin_header.extend_from_slice(&rest[dash + 1..]);
                self.bin_wanted = n;
                self.bin_got.clear();
                self.bin_first_len = 0;
                Ok(())
            }
            b'4' => Err(format!(
                "connect error: {}",
                String::from_utf8_lossy(&rest[..rest.len().min(200)])
            )),
            b'1' => Err("server disconnected the socket".into()),
            other => Err(format!("Socket.IO packet type {:?}", other as char)),
        }
    }

    fn on_binary(&mut self, data: &[u8], sink: &mut Sink<'_>) -> Result<(), String> {
        if self.bin_wanted == 0 {
            return Err("attachment without a binary packet".into());
        }
        if self.bin_got.is_empty() {
            self.bin_first_len = data.len();
        }
        // Only the first attachment is handed on; the others are counted.
        if self.bin_first_len == data.len() && self.bin_got.is_empty() {
            self.bin_got.extend_from_slice(data);
        }
        self.bin_wanted -= 1;
        if self.bin_wanted > 0 {
            return Ok(());
        }
        let header = std::mem::take(&mut self.bin_header);
        let bin = std::mem::take(&mut self.bin_got);
        let (kind, rest) = header.split_first().ok_or("empty binary header")?;
        let r = self.dispatch(*kind == b'3', rest, Some(&bin), sink);
        self.bin_header = header;
        self.bin_got = bin;
        self.bin_got.clear();
        r
    }

    fn dispatch(
        &mut self,
        is_ack: bool,
        p: &[u8],
        bin: Option<&[u8]>,
        sink: &mut Sink<'_>,
    ) -> Result<(), String> {
        // An optional namespace ("/x,") is not used by the benchmarks: "/" is implied.
        let digits = p.iter().take_while(|b| b.is_ascii_digit()).count();
        let id = parse_u64(&p[..digits]);
        let body = &p[digits..];
        if is_ack {
            id.ok_or("ack without id")?;
            sink(self, Msg::Ack { rest: body, bin });
            return Ok(());
        }
        let body = body.strip_prefix(b"[\"").ok_or("event without a name")?;
        let end = body
            .iter()
            .position(|&b| b == b'"')
            .ok_or("unterminated event name")?;
        sink(
            self,
            Msg::Event {
                name: &body[..end],
                rest: &body[end + 1..],
                bin,
            },
        );
        Ok(())
    }
}

const NAMES: [&str; 3] = ["websocket", "polling GET", "polling POST"];

/// The string value that follows `key` (`"sid":"`) in a JSON object, unescaped-free.
pub(crate) fn json_str_field<'a>(json: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let start = http::find(json, key)? + key.len();
    let len = json[start..].iter().position(|&b| b == b'"')?;
    Some(&json[start..start + len])
}

/// The last argument of an event when it is a string: the offset that a server with
/// connection state recovery appends. `rest` is what follows the event name (`,<args>]`).
/// Offsets are plain tokens (digits, a Redis stream id, socket.io's base64url ids), so a
/// string holding an escaped quote is not one.
pub(crate) fn last_string_arg(rest: &[u8]) -> Option<&[u8]> {
    let body = rest.strip_suffix(b"]")?.strip_suffix(b"\"")?;
    let open = body.iter().rposition(|&b| b == b'"')?;
    if open == 0 || body[open - 1] != b',' || body[open + 1..].contains(&b'\\') {
        return None;
    }
    Some(&body[open + 1..])
}

/// A decimal number, `None` when empty, not digits, or overflowing.
pub(crate) fn parse_u64(d: &[u8]) -> Option<u64> {
    if d.is_empty() || d.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in d {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}
