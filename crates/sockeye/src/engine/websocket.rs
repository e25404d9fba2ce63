//! The websocket transport: the opening handshake over hyper's upgrade, and the stream.

use futures_util::StreamExt;
use http::request::Parts;
use http::{HeaderValue, Response, StatusCode, header};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};

use super::error::{EngineBody, empty};

/// A server websocket over a connection hyper handed over.
pub(crate) type WsStream = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// Whether the request asks for a websocket (`Upgrade: websocket`).
pub(crate) fn is_upgrade_request(parts: &Parts) -> bool {
    parts.headers.get_all(header::UPGRADE).iter().any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("websocket"))
        })
    })
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
    let accept = derive_accept_key(key.as_bytes());
    let mut r = empty(StatusCode::SWITCHING_PROTOCOLS);
    let h = r.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    Some(r)
}

/// Buffers stay small so that an idle websocket costs little, yet a batch of small frames
/// still goes out in few writes; messages above `max_message` fail the read (the driver then
/// closes with 1009). tungstenite zero-fills up to `read_buffer_size` on every read attempt,
/// and the driver attempts one each time it wakes (for a write too): at 4 KiB that memset was
/// a third of the instructions of a broadcast delivery (callgrind, `bench/profile`). 512
/// bytes keeps it cheap; a large message is then read in more, smaller reads.
fn config(max_message: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(512)
        .write_buffer_size(16 * 1024)
        .max_write_buffer_size(usize::MAX)
        .max_message_size(Some(max_message))
        .max_frame_size(Some(max_message))
}

/// Waits for hyper to hand the connection over, and wraps it.
pub(crate) async fn open(on_upgrade: OnUpgrade, max_message: usize) -> Option<WsStream> {
    match on_upgrade.await {
        Ok(upgraded) => Some(
            WebSocketStream::from_raw_socket(
                TokioIo::new(upgraded),
                Role::Server,
                Some(config(max_message)),
            )
            .await,
        ),
        Err(e) => {
            tracing::debug!(error = %e, "websocket upgrade failed");
            None
        }
    }
}

/// How long a closed websocket may linger to finish its closing handshake.
const LINGER: Duration = Duration::from_secs(2);

/// Closes `ws` in the background. With `frame`, the stream is unusable (a message above the
/// limit was cut off mid-read): the close frame is sent and raw input is discarded until the
/// peer goes quiet, so that closing the socket does not reset it before the peer has read
/// the close frame. Otherwise the close handshake is completed as usual. Bounded by
/// [`LINGER`] either way.
pub(crate) fn close(mut ws: WsStream, frame: Option<CloseFrame>) {
    tokio::spawn(async move {
        let _ = tokio::time::timeout(LINGER, async {
            let broken = frame.is_some();
            if ws.close(frame).await.is_err() {
                return;
            }
            if broken {
                let mut scratch = [0u8; 4096];
                let io = ws.get_mut();
                while let Ok(Ok(n)) =
                    tokio::time::timeout(Duration::from_millis(100), io.read(&mut scratch)).await
                {
                    if n == 0 {
                        break;
                    }
                }
                let _ = io.shutdown().await;
            } else {
                while let Some(Ok(_)) = ws.next().await {}
            }
        })
        .await;
    });
}
