//! Every class of malformed input gets the reference's answer (socket.io 4.8 / engine.io 6.6,
//! observed against a Node server with the same raw bytes), the process goes on, and a fresh
//! client is served after each one.
//!
//! One table, one row per class: the bytes sent, and what comes back written as a short
//! string (HTTP: `status body`; websocket: the Socket.IO texts received, then `close CODE`).
//! Rows where sockeye answers differently from Node on purpose say so. On failure the whole
//! table is printed with each row's expected and actual answer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::BytesMut;
use sio_support::Raw;
use sockeye::{Socket, SocketIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use websocket_proto::{Decoder, Message, OpCode, Role, encode};

/// `maxHttpBufferSize` of the server under test: small, so that oversized inputs are cheap.
const LIMIT: usize = 10_000;

/// Often, so that a GET on a live polling session is answered (with a ping) soon.
const PING_INTERVAL: Duration = Duration::from_millis(200);

/// How long a probe waits for an answer that does not come (then it reports `no answer`).
/// A bound for a failing row, never an assertion on timing.
const PATIENCE: Duration = Duration::from_secs(5);

/// Panics anywhere in the process, tasks of the server included.
static PANICS: AtomicUsize = AtomicUsize::new(0);

/// What a row sends.
enum Probe {
    /// Raw HTTP bytes; `{sid}` is replaced by the id of a new polling session. With a
    /// session, a GET on it afterwards shows whether the session survived.
    Http(Vec<u8>),
    /// Websocket frames after the Engine.IO open packet, before joining a namespace.
    Ws(Vec<Vec<u8>>),
    /// Socket.IO frames after joining the main namespace; then `42["ping"]`, whose
    /// `42["pong"]` shows that the connection is still served.
    Sio(Vec<Frame>),
}

/// A frame of a [`Probe::Sio`] row.
enum Frame {
    Text(String),
    Binary(&'static [u8]),
}

fn t(s: &str) -> Frame {
    Frame::Text(s.to_owned())
}

struct Row {
    class: &'static str,
    probe: Probe,
    /// The answer, as [`run`] writes it; a trailing `…` matches any rest.
    expected: &'static str,
}

fn http(request_line: &str, headers: &str, body: &[u8]) -> Probe {
    let mut raw =
        format!("{request_line} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n")
            .into_bytes();
    raw.extend_from_slice(body);
    Probe::Http(raw)
}

fn post(sid_query: &str, content_type: &str, body: &[u8]) -> Probe {
    let headers = format!(
        "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
        body.len()
    );
    http(&format!("POST /socket.io/?{sid_query}"), &headers, body)
}

fn upgrade(query: &str, version: &str, key: bool) -> Probe {
    let key = if key {
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    } else {
        ""
    };
    http(
        &format!("GET /socket.io/?{query}"),
        &format!(
            "Upgrade: websocket\r\nConnection: Upgrade\r\n{key}Sec-WebSocket-Version: {version}\r\n"
        ),
        b"",
    )
}

/// One client frame: `b0` is FIN, RSV and opcode; masked unless `masked` is false.
fn frame(b0: u8, payload: &[u8], masked: bool) -> Vec<u8> {
    let mut out = vec![b0];
    let mask_bit = if masked { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => out.push(mask_bit | n as u8),
        n if n <= 0xffff => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    if masked {
        let key = [7, 1, 9, 3];
        out.extend_from_slice(&key);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    } else {
        out.extend_from_slice(payload);
    }
    out
}

/// A valid masked text frame.
fn text(s: &str) -> Vec<u8> {
    let mut wire = BytesMut::new();
    encode(&mut wire, OpCode::Text, s.as_bytes(), Some([5, 6, 7, 8]));
    wire.to_vec()
}

fn table() -> Vec<Row> {
    let big_post = format!("4{}", "a".repeat(LIMIT));
    let big_header = format!("X-Big: {}\r\n", "a".repeat(20 * 1024));
    let deep = format!("42[\"ping\",{}{}]", "[".repeat(300), "]".repeat(300));
    let session = "EIO=4&transport=polling&sid={sid}";
    vec![
        // --- HTTP ---------------------------------------------------------------------------
        Row {
            class: "HTTP: handshake with a method other than GET",
            probe: http("PUT /socket.io/?EIO=4&transport=polling", "", b""),
            expected: r#"400 {"code":2,"message":"Bad handshake method"}"#,
        },
        Row {
            class: "HTTP: a session request with a method other than GET or POST",
            probe: http(&format!("DELETE /socket.io/?{session}"), "", b""),
            expected: "500 ; then GET: 200",
        },
        Row {
            class: "HTTP: query without EIO",
            probe: http("GET /socket.io/?transport=polling", "", b""),
            expected: r#"400 {"code":5,"message":"Unsupported protocol version"}"#,
        },
        Row {
            class: "HTTP: query with an unsupported EIO",
            probe: http("GET /socket.io/?EIO=5&transport=polling", "", b""),
            expected: r#"400 {"code":5,"message":"Unsupported protocol version"}"#,
        },
        Row {
            class: "HTTP: query with a bad percent-escape (ignored, as Node's parser does)",
            probe: http("GET /socket.io/?EIO=4&transport=polling&x=%zz", "", b""),
            expected: r#"200 0{"sid":…"#,
        },
        Row {
            class: "HTTP: unknown sid (GET)",
            probe: http("GET /socket.io/?EIO=4&transport=polling&sid=nope", "", b""),
            expected: r#"400 {"code":1,"message":"Session ID unknown"}"#,
        },
        Row {
            class: "HTTP: unknown sid (POST)",
            probe: post("EIO=4&transport=polling&sid=nope", "text/plain", b"40"),
            expected: r#"400 {"code":1,"message":"Session ID unknown"}"#,
        },
        Row {
            class: "HTTP: unknown transport",
            probe: http("GET /socket.io/?EIO=4&transport=pigeon", "", b""),
            expected: r#"400 {"code":0,"message":"Transport unknown"}"#,
        },
        Row {
            class: "HTTP: transport=websocket without an upgrade",
            probe: http("GET /socket.io/?EIO=4&transport=websocket", "", b""),
            expected: r#"400 {"code":3,"message":"Bad request"}"#,
        },
        Row {
            class: "HTTP: POST body over maxHttpBufferSize (the session goes on, as engine.io \
                    6.6.12; 6.6.13 closes it)",
            probe: post(session, "text/plain", big_post.as_bytes()),
            expected: "413 ; then GET: 200",
        },
        Row {
            class: "HTTP: binary POST body in protocol 4 (invalid content)",
            probe: post(session, "application/octet-stream", b"4hello"),
            expected: "400 ; then GET: 400",
        },
        Row {
            class: "HTTP: request head over 16 KiB",
            probe: http("GET /socket.io/?EIO=4&transport=polling", &big_header, b""),
            expected: "431 ",
        },
        Row {
            class: "HTTP: header line without a colon",
            probe: http(
                "GET /socket.io/?EIO=4&transport=polling",
                "NoColonHere\r\n",
                b"",
            ),
            expected: "400 ",
        },
        Row {
            class: "HTTP: request line that is not HTTP",
            probe: Probe::Http(b"\x00\x01\x02 garbage\r\n\r\n".to_vec()),
            expected: "400 ",
        },
        // --- websocket handshake ------------------------------------------------------------
        Row {
            class: "websocket: Sec-WebSocket-Version 12 (sockeye: 426 as RFC 6455; Node: 400)",
            probe: upgrade("EIO=4&transport=websocket", "12", true),
            expected: "426 sec-websocket-version: 13",
        },
        Row {
            class: "websocket: no Sec-WebSocket-Key",
            probe: upgrade("EIO=4&transport=websocket", "13", false),
            expected: "400 ",
        },
        Row {
            class: "websocket: upgrade of an unknown sid",
            probe: upgrade("EIO=4&transport=websocket&sid=nope", "13", true),
            expected: "400 Session ID unknown",
        },
        // --- websocket frames ---------------------------------------------------------------
        Row {
            class: "websocket: unmasked frame from the client",
            probe: Probe::Ws(vec![frame(0x81, b"40", false)]),
            expected: "close 1002",
        },
        Row {
            class: "websocket: RSV1 without an extension",
            probe: Probe::Ws(vec![frame(0xc1, b"40", true)]),
            expected: "close 1002",
        },
        Row {
            class: "websocket: reserved opcode",
            probe: Probe::Ws(vec![frame(0x83, b"40", true)]),
            expected: "close 1002",
        },
        Row {
            class: "websocket: continuation without a message",
            probe: Probe::Ws(vec![frame(0x80, b"40", true)]),
            expected: "close 1002",
        },
        Row {
            class: "websocket: new message before the fragmented one ends",
            probe: Probe::Ws(vec![frame(0x01, b"4", true), text("40")]),
            expected: "close 1002",
        },
        Row {
            class: "websocket: ping of 126 bytes",
            probe: Probe::Ws(vec![frame(0x89, &[b'x'; 126], true)]),
            expected: "close 1002",
        },
        Row {
            class: "websocket: fragmented ping",
            probe: Probe::Ws(vec![frame(0x09, b"x", true)]),
            expected: "close 1002",
        },
        Row {
            class: "websocket: message over maxHttpBufferSize",
            probe: Probe::Ws(vec![text(&big_post)]),
            expected: "close 1009",
        },
        Row {
            class: "websocket: text frame that is not UTF-8",
            probe: Probe::Ws(vec![frame(0x81, b"4\xff\xfe", true)]),
            expected: "close 1007",
        },
        Row {
            class: "websocket: close frame with code 999",
            probe: Probe::Ws(vec![frame(0x88, &999u16.to_be_bytes(), true)]),
            expected: "close 1002",
        },
        // --- Engine.IO ----------------------------------------------------------------------
        Row {
            class: "Engine.IO: unknown packet type (websocket)",
            probe: Probe::Ws(vec![text("9")]),
            expected: "close",
        },
        Row {
            class: "Engine.IO: empty packet (websocket)",
            probe: Probe::Ws(vec![text("")]),
            expected: "close",
        },
        Row {
            class: "Engine.IO: polling payload with a bad packet (sockeye: 400; Node: 200 ok), \
                    the session closed",
            probe: post(session, "text/plain", b"4a\x1e9zz"),
            expected: r#"400 {"code":3,"message":"Bad request"}; then GET: 400"#,
        },
        // --- Socket.IO ----------------------------------------------------------------------
        Row {
            class: "Socket.IO: unknown packet type",
            probe: Probe::Sio(vec![t("49")]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: payload that is not JSON",
            probe: Probe::Sio(vec![t(r#"42["ping",{]"#)]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: event name that is not a string",
            probe: Probe::Sio(vec![t(r#"42[{}]"#)]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: reserved event name",
            probe: Probe::Sio(vec![t(r#"42["disconnect"]"#)]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: JSON nested 300 deep (sockeye's limit, 256 by default; Node \
                    has none)",
            probe: Probe::Sio(vec![t(&deep)]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: CONNECT to a namespace that does not exist",
            probe: Probe::Sio(vec![t("40/nope,")]),
            expected: r#"44/nope,{"message":"Invalid namespace"} | 42["pong"]"#,
        },
        Row {
            class: "Socket.IO: namespace without its slash (read as `/` with a bad payload)",
            probe: Probe::Sio(vec![t("40nope,")]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: CONNECT with an array as auth",
            probe: Probe::Ws(vec![text("40[1]")]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: CONNECT to a namespace already joined",
            probe: Probe::Sio(vec![t("40")]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: event before CONNECT",
            probe: Probe::Ws(vec![text(r#"42["ping"]"#)]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: placeholder beyond the attachment count",
            probe: Probe::Sio(vec![
                t(r#"451-["ping",{"_placeholder":true,"num":3}]"#),
                Frame::Binary(b"\x01"),
            ]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: attachment announced but never referenced (sockeye closes; \
                    Node drops it)",
            probe: Probe::Sio(vec![
                t(r#"452-["ping",{"_placeholder":true,"num":0}]"#),
                Frame::Binary(b"\x01"),
                Frame::Binary(b"\x02"),
            ]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: more attachments than maxAttachments",
            probe: Probe::Sio(vec![t(r#"4511-["ping"]"#)]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: binary frame with no binary packet awaiting it",
            probe: Probe::Sio(vec![Frame::Binary(b"\x01")]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: text frame while attachments are awaited",
            probe: Probe::Sio(vec![t(r#"451-["ping",{"_placeholder":true,"num":0}]"#)]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: placeholder in a packet without attachments (a plain object)",
            probe: Probe::Sio(vec![t(r#"42["ping",{"_placeholder":true,"num":0}]"#)]),
            expected: r#"42["pong"] | 42["pong"]"#,
        },
        Row {
            class: "Socket.IO: ack for an id never sent (ignored)",
            probe: Probe::Sio(vec![t(r#"4399["x"]"#)]),
            expected: r#"42["pong"]"#,
        },
        Row {
            class: "Socket.IO: ack without an id (sockeye closes; Node ignores it)",
            probe: Probe::Sio(vec![t(r#"43["x"]"#)]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: DISCONNECT with a payload",
            probe: Probe::Sio(vec![t(r#"41{"a":1}"#)]),
            expected: "close",
        },
        Row {
            class: "Socket.IO: CONNECT_ERROR from a client",
            probe: Probe::Sio(vec![t(r#"44{"message":"x"}"#)]),
            expected: "close",
        },
    ]
}

/// A server whose main namespace answers `ping` with `pong`.
async fn server() -> SocketAddr {
    let io = SocketIo::builder()
        .with_config(|c| {
            c.engine = c
                .engine
                .clone()
                .max_http_buffer_size(LIMIT)
                .ping_interval(PING_INTERVAL)
        })
        .build();
    io.on_connection(|socket: Socket| async move {
        socket.on("ping", |socket: Socket| async move {
            let _ = socket.emit("pong", &());
        });
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = io.service();
    tokio::spawn(async move { sockeye::engine::serve(listener, service).await });
    addr
}

/// Sends `raw` and reads the answer until the server closes the connection.
async fn exchange(addr: SocketAddr, raw: &[u8]) -> Option<(u16, String, String)> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    // The server may answer and close before taking all of an oversized request.
    let _ = stream.write_all(raw).await;
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match tokio::time::timeout(PATIENCE, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) if answer.is_empty() => return None,
            Err(_) => break,
        }
    }
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, head.to_ascii_lowercase(), body.to_owned()))
}

async fn polling_session(addr: SocketAddr) -> String {
    let request = "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: localhost\r\n\
                   Connection: close\r\n\r\n";
    let (status, _, body) = exchange(addr, request.as_bytes()).await.unwrap();
    assert_eq!(status, 200, "{body}");
    let open: serde_json::Value = serde_json::from_str(&body[1..]).unwrap();
    open["sid"].as_str().unwrap().to_owned()
}

async fn run_http(addr: SocketAddr, raw: &[u8]) -> String {
    let with_session = raw.windows(5).any(|w| w == b"{sid}");
    let sid = if with_session {
        polling_session(addr).await
    } else {
        String::new()
    };
    let raw = String::from_utf8_lossy(raw).replace("{sid}", &sid);
    let mut out = match exchange(addr, raw.as_bytes()).await {
        Some((status, head, body)) => {
            let version = head
                .lines()
                .find_map(|l| l.strip_prefix("sec-websocket-version:"))
                .map(|v| format!("sec-websocket-version:{v}"));
            format!("{status} {}", version.unwrap_or(body))
        }
        None => "no answer".to_owned(),
    };
    if with_session {
        // Whether the session outlived the request: a closed one is refused at once, a live
        // one answers with its next ping (the server pings often).
        let get = format!(
            "GET /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: localhost\r\n\
             Connection: close\r\n\r\n"
        );
        let status = match exchange(addr, get.as_bytes()).await {
            Some((status, _, _)) => status.to_string(),
            None => "no answer".to_owned(),
        };
        out.push_str(&format!("; then GET: {status}"));
    }
    out
}

/// A websocket opened by hand, so that any bytes can follow the handshake.
struct RawWs {
    stream: TcpStream,
    input: BytesMut,
    decoder: Decoder,
}

impl RawWs {
    async fn open(addr: SocketAddr) -> RawWs {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let request = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\n\
                       Upgrade: websocket\r\nConnection: Upgrade\r\n\
                       Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                       Sec-WebSocket-Version: 13\r\n\r\n";
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut input = BytesMut::new();
        let end = loop {
            if let Some(i) = input.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            assert!(stream.read_buf(&mut input).await.unwrap() > 0, "no upgrade");
        };
        let head = input.split_to(end);
        assert!(head.starts_with(b"HTTP/1.1 101"), "{head:?}");
        let mut ws = RawWs {
            stream,
            input,
            decoder: Decoder::new(Role::Client, 1 << 20),
        };
        let open = ws.next().await;
        assert!(open.starts_with("text 0{"), "{open}");
        ws
    }

    /// The next message, as `text …`, `binary N`, `close CODE`, `close` or `eof`.
    async fn next(&mut self) -> String {
        loop {
            match self.decoder.decode(&mut self.input) {
                Ok(Some(Message::Text(t))) if &t[..] == b"2" => {
                    let _ = self.stream.write_all(&text("3")).await;
                }
                Ok(Some(Message::Text(t))) => {
                    return format!("text {}", String::from_utf8_lossy(&t));
                }
                Ok(Some(Message::Binary(b))) => return format!("binary {}", b.len()),
                Ok(Some(Message::Close(Some(f)))) => return format!("close {}", f.code),
                Ok(Some(Message::Close(None))) => return "close".to_owned(),
                Ok(Some(_)) => {}
                Ok(None) => {
                    let read =
                        tokio::time::timeout(PATIENCE, self.stream.read_buf(&mut self.input));
                    match read.await {
                        Ok(Ok(0)) | Ok(Err(_)) => return "eof".to_owned(),
                        Ok(Ok(_)) => {}
                        Err(_) => return "no answer".to_owned(),
                    }
                }
                Err(e) => return format!("bad frame from the server: {e}"),
            }
        }
    }
}

async fn run_ws(addr: SocketAddr, frames: Vec<Vec<u8>>, pongs: Option<usize>) -> String {
    let mut ws = RawWs::open(addr).await;
    if pongs.is_some() {
        ws.stream.write_all(&text("40")).await.unwrap();
        let joined = ws.next().await;
        assert!(joined.starts_with("text 40{"), "{joined}");
    }
    for f in frames {
        // The server may close before taking every frame.
        if ws.stream.write_all(&f).await.is_err() {
            break;
        }
    }
    let mut seen = Vec::new();
    let mut pongs_left = pongs.unwrap_or(0);
    loop {
        let m = ws.next().await;
        let Some(message) = m.strip_prefix("text ") else {
            seen.push(m);
            break;
        };
        seen.push(message.to_owned());
        if message == r#"42["pong"]"# {
            pongs_left = pongs_left.saturating_sub(1);
            if pongs_left == 0 {
                break;
            }
        }
    }
    seen.join(" | ")
}

async fn run(addr: SocketAddr, probe: &Probe) -> String {
    match probe {
        Probe::Http(raw) => run_http(addr, raw).await,
        Probe::Ws(frames) => run_ws(addr, frames.clone(), None).await,
        Probe::Sio(frames) => {
            let mut wire = Vec::new();
            let mut pongs = 1;
            for f in frames {
                wire.push(match f {
                    Frame::Text(s) => {
                        pongs += usize::from(s.starts_with(r#"42["ping""#));
                        text(s)
                    }
                    Frame::Binary(b) => {
                        let mut w = BytesMut::new();
                        encode(&mut w, OpCode::Binary, b, Some([5, 6, 7, 8]));
                        w.to_vec()
                    }
                });
            }
            // The probe's own ping last: its pong shows the connection is still served.
            wire.push(text(r#"42["ping"]"#));
            run_ws(addr, wire, Some(pongs)).await
        }
    }
}

/// A new client joins and is answered: the server still serves.
async fn fresh_client_is_served(addr: SocketAddr) -> Result<(), String> {
    let (mut raw, _) = Raw::join(addr).await;
    raw.send(r#"2["ping"]"#).await;
    match raw.recv().await.as_deref() {
        Some(r#"2["pong"]"#) => Ok(()),
        other => Err(format!("a fresh client got {other:?}")),
    }
}

fn matches(expected: &str, actual: &str) -> bool {
    match expected.strip_suffix('…') {
        Some(prefix) => actual.starts_with(prefix),
        None => expected == actual,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_class_is_answered_and_the_server_goes_on() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));
    let addr = server().await;
    let mut report = Vec::new();
    let mut failures = 0;
    for row in table() {
        let actual = run(addr, &row.probe).await;
        let mut verdict = if matches(row.expected, &actual) {
            "ok"
        } else {
            "WRONG ANSWER"
        };
        if let Err(e) = fresh_client_is_served(addr).await {
            verdict = "NOT SERVED AFTER";
            report.push(format!("    {e}"));
        }
        if PANICS.load(Ordering::SeqCst) > 0 {
            verdict = "PANICKED";
        }
        if verdict != "ok" {
            failures += 1;
        }
        report.push(format!(
            "{verdict:<16} {}\n                 expected: {}\n                 actual:   {}",
            row.class, row.expected, actual
        ));
        if verdict == "PANICKED" {
            break;
        }
    }
    assert!(
        failures == 0,
        "{failures} rows failed:\n{}",
        report.join("\n")
    );
}
