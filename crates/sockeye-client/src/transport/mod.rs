//! The I/O under the Engine.IO client session: websockets and long-polling requests, each
//! reporting to the manager's driver through one channel as [`TransportEvent`]s.

pub(crate) mod polling;
pub(crate) mod stream;
pub(crate) mod target;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use engineio_proto::Via;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use target::Target;

/// What a transport reports, tagged with the engine attempt it belongs to so that reports
/// from a previous connection are told apart and ignored.
#[derive(Debug)]
pub(crate) struct TransportEvent {
    pub(crate) attempt: u64,
    pub(crate) kind: TransportEventKind,
}

/// The report itself.
#[derive(Debug)]
pub(crate) enum TransportEventKind {
    /// A GET returned this body, or failed.
    PollDone(Result<String, String>),
    /// A POST finished, or failed.
    PostDone(Result<(), String>),
    /// A websocket connected.
    WsOpened(Via, WsWriter),
    /// A websocket could not connect.
    WsFailed(Via, String),
    /// A text frame.
    WsText(Via, String),
    /// A binary frame.
    WsBinary(Via, Bytes),
    /// The websocket closed (`Ok`) or failed (`Err`).
    WsClosed(Via, Result<(), String>),
}

/// Writes to one websocket through its writer task; dropping it closes the websocket.
#[derive(Debug)]
pub(crate) struct WsWriter {
    tx: mpsc::Sender<Message>,
    /// Whether the reader reports as the current transport (set when an upgrade completes).
    current: Arc<AtomicBool>,
}

impl WsWriter {
    /// Queues a frame; fails when the websocket is gone.
    pub(crate) async fn send(&self, message: Message) -> Result<(), ()> {
        self.tx.send(message).await.map_err(drop)
    }

    /// From now on the reader reports as [`Via::Current`].
    pub(crate) fn promote(&self) {
        self.current.store(true, Ordering::SeqCst);
    }
}

/// Reports events of attempt `attempt` to the driver.
#[derive(Debug, Clone)]
pub(crate) struct Reporter {
    pub(crate) attempt: u64,
    pub(crate) tx: mpsc::Sender<TransportEvent>,
}

impl Reporter {
    pub(crate) async fn report(&self, kind: TransportEventKind) {
        let _ = self
            .tx
            .send(TransportEvent {
                attempt: self.attempt,
                kind,
            })
            .await;
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
        match connect_websocket(&target, sid.as_deref()).await {
            Ok(ws) => {
                let (mut sink, mut stream) = ws.split();
                let (tx, mut rx) = mpsc::channel::<Message>(64);
                let current = Arc::new(AtomicBool::new(via == Via::Current));
                let writer = WsWriter {
                    tx,
                    current: current.clone(),
                };
                reporter
                    .report(TransportEventKind::WsOpened(via, writer))
                    .await;
                tokio::spawn(async move {
                    while let Some(msg) = rx.recv().await {
                        if sink.send(msg).await.is_err() {
                            return;
                        }
                    }
                    // Every writer handle is gone: close the websocket politely.
                    let _ = sink.close().await;
                });
                let via_now = || {
                    if current.load(Ordering::SeqCst) {
                        Via::Current
                    } else {
                        Via::Upgrade
                    }
                };
                loop {
                    let kind = match stream.next().await {
                        Some(Ok(Message::Text(t))) => {
                            TransportEventKind::WsText(via_now(), t.to_string())
                        }
                        Some(Ok(Message::Binary(b))) => TransportEventKind::WsBinary(via_now(), b),
                        Some(Ok(Message::Close(_))) | None => {
                            reporter
                                .report(TransportEventKind::WsClosed(via_now(), Ok(())))
                                .await;
                            return;
                        }
                        Some(Ok(_)) => continue,
                        Some(Err(err)) => {
                            let err = format!("websocket error: {err}");
                            reporter
                                .report(TransportEventKind::WsClosed(via_now(), Err(err)))
                                .await;
                            return;
                        }
                    };
                    reporter.report(kind).await;
                }
            }
            Err(err) => {
                reporter
                    .report(TransportEventKind::WsFailed(via, err))
                    .await
            }
        }
    });
}

type Ws = tokio_tungstenite::WebSocketStream<stream::Stream>;

async fn connect_websocket(target: &Target, sid: Option<&str>) -> Result<Ws, String> {
    let mut request = target
        .ws_url(sid)
        .into_client_request()
        .map_err(|e| format!("websocket error: {e}"))?;
    for (k, v) in &target.headers {
        let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(k.as_bytes()),
            http::HeaderValue::from_str(v),
        ) else {
            continue;
        };
        request.headers_mut().insert(name, value);
    }
    let stream = stream::connect(target)
        .await
        .map_err(|e| format!("websocket error: {e}"))?;
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(100 << 20));
    let (ws, _) = tokio_tungstenite::client_async_with_config(request, stream, Some(config))
        .await
        .map_err(|e| format!("websocket error: {e}"))?;
    Ok(ws)
}
