//! The server's own websocket framing against a real client (tungstenite) and against
//! hand-written bytes: pings, fragments, large and coalesced messages, and the close codes
//! for frames that break RFC 6455.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod engine_support;

use std::time::Duration;

use engine_support::*;
use futures_util::{SinkExt, StreamExt};
use sockeye::engine::{CloseReason, EngineConfig, Frame, Incoming};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame as WsFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

async fn ws_session(s: &TestServer) -> (Ws, String) {
    let mut ws = ws(s.addr, "/engine.io/?EIO=4&transport=websocket").await;
    let Some(Ok(Message::Text(open))) = ws.next().await else {
        panic!("no open packet")
    };
    let open: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    (ws, open["sid"].as_str().unwrap().to_owned())
}

/// The next data message, skipping Engine.IO pings.
async fn next_data(ws: &mut Ws) -> Message {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.as_str() == "2" => {}
            Some(Ok(m)) => return m,
            other => panic!("expected a message, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_ping_is_answered_with_its_data() {
    let s = TestServer::start(EngineConfig::default()).await;
    let (mut ws, _) = ws_session(&s).await;
    ws.send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .unwrap();
    assert_eq!(
        next_data(&mut ws).await,
        Message::Pong(b"are you there".to_vec().into())
    );
    // The session carries on.
    ws.send(Message::text("4after")).await.unwrap();
    assert_eq!(next_data(&mut ws).await, Message::text("4after"));
}

#[tokio::test]
async fn a_fragmented_message_arrives_whole_with_a_ping_between_fragments() {
    let mut s = TestServer::start(EngineConfig::default()).await;
    let (mut ws, sid) = ws_session(&s).await;
    let first = WsFrame::message(b"4hel".to_vec(), OpCode::Data(Data::Text), false);
    let ping = WsFrame::ping(b"p".to_vec());
    let last = WsFrame::message(b"lo".to_vec(), OpCode::Data(Data::Continue), true);
    for frame in [first, ping, last] {
        ws.send(Message::Frame(frame)).await.unwrap();
    }
    assert_eq!(
        next_data(&mut ws).await,
        Message::Pong(b"p".to_vec().into())
    );
    assert_eq!(next_data(&mut ws).await, Message::text("4hello"));
    assert_eq!(
        s.next_message().await,
        (sid, Incoming::Text("hello".into()))
    );
}

#[tokio::test]
async fn large_and_coalesced_messages_arrive_intact() {
    let s = TestServer::start(EngineConfig::default()).await;
    let (mut ws, _) = ws_session(&s).await;
    // Larger than the server's read chunk, several times over.
    let big: String = (0..200_000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    ws.send(Message::text(format!("4{big}"))).await.unwrap();
    let binary: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    ws.send(Message::Binary(binary.clone().into()))
        .await
        .unwrap();
    // Many small ones written at once.
    for i in 0..200 {
        ws.feed(Message::text(format!("4m{i}"))).await.unwrap();
    }
    ws.flush().await.unwrap();
    assert_eq!(next_data(&mut ws).await, Message::text(format!("4{big}")));
    assert_eq!(next_data(&mut ws).await, Message::Binary(binary.into()));
    for i in 0..200 {
        assert_eq!(next_data(&mut ws).await, Message::text(format!("4m{i}")));
    }
}

/// Opens a websocket by hand and returns the stream after the Engine.IO open packet.
async fn raw_ws(s: &TestServer) -> TcpStream {
    let mut tcp = TcpStream::connect(s.addr).await.unwrap();
    let request = "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\n\
        Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(tcp.read_u8().await.unwrap());
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="),
        "{head}"
    );
    // The open packet: a short unmasked text frame.
    let mut header = [0u8; 2];
    tcp.read_exact(&mut header).await.unwrap();
    assert_eq!(header[0], 0x81);
    let mut open = vec![0u8; usize::from(header[1])];
    tcp.read_exact(&mut open).await.unwrap();
    assert_eq!(open[0], b'0');
    tcp
}

/// Reads frames until a close frame, and returns its code.
async fn close_code(tcp: &mut TcpStream) -> u16 {
    let read = async {
        loop {
            let mut header = [0u8; 2];
            tcp.read_exact(&mut header).await.unwrap();
            let mut payload = vec![0u8; usize::from(header[1] & 0x7f)];
            tcp.read_exact(&mut payload).await.unwrap();
            if header[0] == 0x88 {
                return u16::from_be_bytes([payload[0], payload[1]]);
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("no close frame")
}

#[tokio::test]
async fn frames_that_break_the_rules_close_with_the_rfc_code() {
    let cases: [(&str, &[u8], u16); 4] = [
        // A client frame must be masked.
        ("unmasked", &[0x81, 0x02, b'4', b'x'], 1002),
        // RSV1 without an extension that defines it.
        ("rsv1", &[0xc1, 0x82, 0, 0, 0, 0, b'4', b'x'], 1002),
        // Reserved opcode 3.
        ("opcode", &[0x83, 0x80, 0, 0, 0, 0], 1002),
        // A text message that is not UTF-8 (zero mask key: the payload goes as is).
        ("utf-8", &[0x81, 0x82, 0, 0, 0, 0, b'4', 0xff], 1007),
    ];
    for (name, bytes, code) in cases {
        let mut s = TestServer::start(EngineConfig::default()).await;
        let mut tcp = raw_ws(&s).await;
        tcp.write_all(bytes).await.unwrap();
        assert_eq!(close_code(&mut tcp).await, code, "{name}");
        let (_, reason) = s.next_close().await;
        assert_eq!(reason, CloseReason::TransportError, "{name}");
    }
}

#[tokio::test]
async fn a_frame_larger_than_the_socket_buffers_arrives_whole_and_in_order() {
    // The 8 MiB frame alone fills the default outbox byte bound: room for what follows it.
    let s = TestServer::start(EngineConfig::default().outbox_bytes(64 << 20)).await;
    let (mut ws, sid) = ws_session(&s).await;
    let session = s.session(&sid);
    // Far more than the kernel buffers take at once: the write is cut and resumed, with
    // frames queued behind it while it is.
    let big: Vec<u8> = (0..8 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    session.send(Frame::binary(big.clone().into())).unwrap();
    tokio::task::yield_now().await;
    session.send(Frame::text("after")).unwrap();
    session.send(Frame::binary(vec![1u8, 2, 3].into())).unwrap();
    assert_eq!(next_data(&mut ws).await, Message::Binary(big.into()));
    assert_eq!(next_data(&mut ws).await, Message::text("4after"));
    assert_eq!(
        next_data(&mut ws).await,
        Message::Binary(vec![1u8, 2, 3].into())
    );
}
