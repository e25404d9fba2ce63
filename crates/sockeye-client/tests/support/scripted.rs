//! A scripted websocket server: the tests play the server's side packet by packet, which no
//! real server can be made to do at a chosen moment.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value as Json;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// The OPEN packet, with the server's ping interval and timeout (each `ping` ms).
pub fn open(ping: u32) -> String {
    format!(
        r#"0{{"sid":"e","upgrades":[],"pingInterval":{ping},"pingTimeout":{ping},"maxPayload":1000000}}"#
    )
}

/// One websocket connection of the scripted server. It sends no pings.
pub struct Conn(WebSocketStream<TcpStream>);

impl Conn {
    /// Accepts the client's next connection and opens it (25 s pings).
    pub async fn accept(listener: &TcpListener) -> Conn {
        Self::accept_with(listener, &open(25_000)).await
    }

    /// Accepts the client's next connection and opens it with `open`.
    pub async fn accept_with(listener: &TcpListener, open: &str) -> Conn {
        let (tcp, _) = tokio::time::timeout(Duration::from_secs(10), listener.accept())
            .await
            .expect("the client connects within 10 s")
            .unwrap();
        let mut ws = Conn(tokio_tungstenite::accept_async(tcp).await.unwrap());
        ws.send(open).await;
        ws
    }

    pub async fn send(&mut self, text: &str) {
        self.0.send(Message::text(text)).await.unwrap();
    }

    /// The client's next text message.
    pub async fn next_text(&mut self) -> String {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), self.0.next())
                .await
                .expect("a packet within 10 s")
                .unwrap()
                .unwrap();
            if let Message::Text(t) = msg {
                return t.to_string();
            }
        }
    }

    /// The auth of the client's next CONNECT to `/` (`null` without one).
    pub async fn connect_auth(&mut self) -> Json {
        let text = self.next_text().await;
        let payload = text.strip_prefix("40").expect("a CONNECT to /");
        if payload.is_empty() {
            Json::Null
        } else {
            serde_json::from_str(payload).unwrap()
        }
    }

    pub async fn close(mut self) {
        let _ = self.0.close(None).await;
    }
}
