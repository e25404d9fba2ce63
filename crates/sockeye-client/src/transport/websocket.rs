//! The websocket transport: the opening handshake as an HTTP/1.1 upgrade through hyper, then
//! frames by `websocket-proto` in the client role (every frame masked with a fresh random key,
//! as RFC 6455 section 5.3 asks). No extension is offered, so the server may not compress.
//!
//! Each websocket runs a reader task, which reports to the driver, and a writer task, fed by a
//! bounded channel; the reader answers pings and the server's close through the same channel.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::{Bytes, BytesMut};
use engineio_proto::{TransportKind, Via, WsFrame};
use http::{StatusCode, header};
use http_body_util::Empty;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::mpsc;
use websocket_proto::{Decoder, Message, OpCode, Role};

use super::stream;
use super::target::Target;
use super::{Reporter, TransportEventKind};

/// The largest message read (a server's `maxHttpBufferSize` is 1 MB by default; binary
/// attachments can be larger when the server allows it).
const MAX_MESSAGE: usize = 100 << 20;

/// Frames queued for the writer before `send` waits.
const QUEUE: usize = 64;

/// Input is read in steps of at least this many bytes.
const READ_STEP: usize = 8 * 1024;

/// A websocket's byte stream once the upgrade is done.
type Io = TokioIo<Upgraded>;

/// What the writer task writes.
#[derive(Debug)]
enum Outgoing {
    Text(String),
    Binary(Bytes),
    /// The answer to a ping.
    Pong(Bytes),
    /// A close frame with this code; the last frame written.
    Close(u16),
}

/// Writes to one websocket through its writer task; dropping it closes the websocket.
#[derive(Debug)]
pub(crate) struct WsWriter {
    tx: mpsc::Sender<Outgoing>,
    /// Whether the reader reports as the current transport (set when an upgrade completes).
    current: Arc<AtomicBool>,
}

impl WsWriter {
    /// Queues a frame; fails when the websocket is gone.
    pub(crate) async fn send(&self, frame: WsFrame) -> Result<(), ()> {
        let outgoing = match frame {
            WsFrame::Text(text) => Outgoing::Text(text),
            WsFrame::Binary(data) => Outgoing::Binary(data),
        };
        self.tx.send(outgoing).await.map_err(drop)
    }

    /// From now on the reader reports as [`Via::Current`].
    pub(crate) fn promote(&self) {
        self.current.store(true, Ordering::SeqCst);
    }
}

/// Connects a websocket (for `sid`, or a new session) and starts its reader and writer
/// tasks; the outcome is reported as `WsOpened` or `WsFailed`.
pub(crate) fn open_websocket(
    target: Arc<Target>,
    sid: Option<String>,
    via: Via,
    reporter: Reporter,
) {
    tokio::spawn(async move {
        let io = match connect(&target, sid.as_deref()).await {
            Ok(io) => io,
            Err(err) => {
                reporter
                    .report(TransportEventKind::WsFailed(via, err))
                    .await;
                return;
            }
        };
        let (reader, writer) = tokio::io::split(io);
        let (tx, rx) = mpsc::channel(QUEUE);
        // The reader's handle does not keep the writer alive: dropping every `WsWriter`
        // still closes the websocket.
        let answers = tx.downgrade();
        let current = Arc::new(AtomicBool::new(via == Via::Current));
        let ws = WsWriter {
            tx,
            current: current.clone(),
        };
        tokio::spawn(write_frames(writer, rx));
        reporter.report(TransportEventKind::WsOpened(via, ws)).await;
        read_frames(reader, answers, current, reporter).await;
    });
}

/// The opening handshake (RFC 6455 section 4.1): an upgrade request with a fresh key, and a
/// 101 answer whose accept value proves the server read it.
async fn connect(target: &Target, sid: Option<&str>) -> Result<Io, String> {
    let fail = |e: &dyn std::fmt::Display| format!("websocket error: {e}");
    let stream = stream::connect(target).await.map_err(|e| fail(&e))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| fail(&e))?;
    tokio::spawn(async move {
        if let Err(err) = conn.with_upgrades().await {
            tracing::debug!(%err, "websocket handshake connection ended");
        }
    });
    let key = websocket_proto::client_key(rand::random());
    let mut request = http::Request::get(target.request_path(TransportKind::WebSocket, sid))
        .header(header::HOST, target.authority())
        .header(header::CONNECTION, "Upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_VERSION, "13")
        .header(header::SEC_WEBSOCKET_KEY, key.as_str())
        .body(Empty::<Bytes>::new())
        .map_err(|e| fail(&e))?;
    for (k, v) in &target.headers {
        // A header the application set that HTTP cannot carry is left out, not fatal.
        let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(k.as_bytes()),
            http::HeaderValue::from_str(v),
        ) else {
            continue;
        };
        request.headers_mut().insert(name, value);
    }
    let response = sender.send_request(request).await.map_err(|e| fail(&e))?;
    check_answer(&response, &key).map_err(|e| fail(&e))?;
    let upgraded = hyper::upgrade::on(response).await.map_err(|e| fail(&e))?;
    Ok(TokioIo::new(upgraded))
}

/// Why a server's answer to the upgrade request is refused (RFC 6455 section 4.1, the
/// client's checks of the server's handshake).
fn check_answer<B>(response: &http::Response<B>, key: &str) -> Result<(), String> {
    let status = response.status();
    if status != StatusCode::SWITCHING_PROTOCOLS {
        return Err(format!(
            "HTTP {} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        ));
    }
    let headers = response.headers();
    let has_token = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    if !has_token(header::UPGRADE, "websocket") {
        return Err("the answer has no Upgrade: websocket".to_owned());
    }
    if !has_token(header::CONNECTION, "upgrade") {
        return Err("the answer has no Connection: upgrade".to_owned());
    }
    let accepted = headers
        .get(header::SEC_WEBSOCKET_ACCEPT)
        .is_some_and(|v| websocket_proto::is_accept_for(key, v.as_bytes()));
    if !accepted {
        return Err("the answer's Sec-WebSocket-Accept does not match the key".to_owned());
    }
    if headers.contains_key(header::SEC_WEBSOCKET_EXTENSIONS) {
        return Err("the answer names an extension that was not offered".to_owned());
    }
    Ok(())
}

/// Writes what the channel brings, a batch per write, each frame masked with its own key;
/// once every `WsWriter` is gone, says goodbye with a close frame.
async fn write_frames(mut io: WriteHalf<Io>, mut rx: mpsc::Receiver<Outgoing>) {
    let mut out = BytesMut::new();
    while let Some(first) = rx.recv().await {
        let mut closing = encode(&mut out, first);
        while !closing {
            let Ok(next) = rx.try_recv() else {
                break;
            };
            closing = encode(&mut out, next);
        }
        if io.write_all(&out).await.is_err() {
            return;
        }
        // Released, so an idle websocket holds no output buffer.
        out = BytesMut::new();
        if closing {
            let _ = io.shutdown().await;
            return;
        }
    }
    encode(&mut out, Outgoing::Close(1000));
    let _ = io.write_all(&out).await;
    let _ = io.shutdown().await;
}

/// Appends one masked frame; true for the close frame, after which nothing is written.
fn encode(out: &mut BytesMut, outgoing: Outgoing) -> bool {
    let key = Some(rand::random::<[u8; 4]>());
    let (opcode, payload) = match &outgoing {
        Outgoing::Text(text) => (OpCode::Text, text.as_bytes()),
        Outgoing::Binary(data) => (OpCode::Binary, &data[..]),
        Outgoing::Pong(data) => (OpCode::Pong, &data[..]),
        Outgoing::Close(code) => {
            websocket_proto::encode_close(out, *code, "", key);
            return true;
        }
    };
    out.reserve(websocket_proto::header_len(payload.len(), true) + payload.len());
    websocket_proto::encode(out, opcode, payload, key);
    false
}

/// Reads messages until the websocket ends, reporting data messages and the end.
async fn read_frames(
    mut io: ReadHalf<Io>,
    answers: mpsc::WeakSender<Outgoing>,
    current: Arc<AtomicBool>,
    reporter: Reporter,
) {
    let via = || {
        if current.load(Ordering::SeqCst) {
            Via::Current
        } else {
            Via::Upgrade
        }
    };
    let answer = |outgoing: Outgoing| {
        let answers = answers.clone();
        async move {
            if let Some(tx) = answers.upgrade() {
                let _ = tx.send(outgoing).await;
            }
        }
    };
    let mut decoder = Decoder::new(Role::Client, MAX_MESSAGE);
    let mut input = BytesMut::new();
    loop {
        let kind = match decoder.decode(&mut input) {
            Ok(Some(Message::Text(text))) => match String::from_utf8(text.into()) {
                Ok(text) => TransportEventKind::WsText(via(), text),
                // The decoder checked the text; this arm is never taken.
                Err(_) => continue,
            },
            Ok(Some(Message::Binary(data))) => TransportEventKind::WsBinary(via(), data),
            Ok(Some(Message::Ping(data))) => {
                answer(Outgoing::Pong(data)).await;
                continue;
            }
            Ok(Some(Message::Pong(_))) => continue,
            Ok(Some(Message::Close(frame))) => {
                // Echo the server's code to finish the closing handshake.
                let code = frame.map_or(1000, |f| f.code);
                answer(Outgoing::Close(code)).await;
                TransportEventKind::WsClosed(via(), Ok(()))
            }
            Ok(None) => {
                let missing = decoder.wanted(&input).saturating_sub(input.len());
                input.reserve(missing.clamp(READ_STEP, MAX_MESSAGE));
                match io.read_buf(&mut input).await {
                    Ok(0) => TransportEventKind::WsClosed(via(), Ok(())),
                    Ok(_) => continue,
                    Err(err) => {
                        TransportEventKind::WsClosed(via(), Err(format!("websocket error: {err}")))
                    }
                }
            }
            Err(err) => {
                answer(Outgoing::Close(err.close_code())).await;
                TransportEventKind::WsClosed(via(), Err(format!("websocket error: {err}")))
            }
        };
        let closed = matches!(kind, TransportEventKind::WsClosed(..));
        reporter.report(kind).await;
        if closed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)]) -> http::Response<()> {
        let mut builder = http::Response::builder().status(status);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(()).unwrap_or_default()
    }

    const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
    const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    #[test]
    fn a_proper_answer_is_accepted() {
        let ok = answer(
            101,
            &[
                ("upgrade", "WebSocket"),
                ("connection", "keep-alive, Upgrade"),
                ("sec-websocket-accept", ACCEPT),
            ],
        );
        assert_eq!(check_answer(&ok, KEY), Ok(()));
    }

    #[test]
    fn a_wrong_answer_is_refused_with_its_reason() {
        let good = [
            ("upgrade", "websocket"),
            ("connection", "upgrade"),
            ("sec-websocket-accept", ACCEPT),
        ];
        let refuse = |status, headers: &[(&str, &str)]| {
            check_answer(&answer(status, headers), KEY).unwrap_err()
        };
        assert_eq!(refuse(400, &good), "HTTP 400 Bad Request");
        assert_eq!(refuse(200, &good), "HTTP 200 OK");
        assert_eq!(
            refuse(101, &good[1..]),
            "the answer has no Upgrade: websocket"
        );
        assert_eq!(
            refuse(101, &[good[0], good[2]]),
            "the answer has no Connection: upgrade"
        );
        assert_eq!(
            refuse(101, &good[..2]),
            "the answer's Sec-WebSocket-Accept does not match the key"
        );
        assert_eq!(
            refuse(
                101,
                &[good[0], good[1], ("sec-websocket-accept", "c3BvdA==")]
            ),
            "the answer's Sec-WebSocket-Accept does not match the key"
        );
        let mut extended = good.to_vec();
        extended.push(("sec-websocket-extensions", "permessage-deflate"));
        assert_eq!(
            refuse(101, &extended),
            "the answer names an extension that was not offered"
        );
    }

    #[test]
    fn every_frame_is_masked_and_close_ends_the_batch() {
        let mut out = BytesMut::new();
        assert!(!encode(&mut out, Outgoing::Text("4hi".into())));
        assert_eq!(out[0], 0x81);
        assert_eq!(out[1], 0x80 | 3);
        let mut server = Decoder::new(Role::Server, 1 << 10);
        assert_eq!(
            server.decode(&mut out),
            Ok(Some(Message::Text("4hi".into())))
        );
        assert!(encode(&mut out, Outgoing::Close(1000)));
        assert_eq!(
            server.decode(&mut out),
            Ok(Some(Message::Close(Some(websocket_proto::CloseFrame {
                code: 1000,
                reason: String::new()
            }))))
        );
    }
}
