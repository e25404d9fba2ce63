//! permessage-deflate on the server's websockets: negotiated only when configured and offered,
//! messages above the threshold sent compressed (RSV1), compressed client messages inflated,
//! and a decompression bomb or bad deflate data closing the connection with the RFC's code.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod engine_support;

use std::time::Duration;

use bytes::BytesMut;
use engine_support::*;
use sockeye::engine::{CloseReason, EngineConfig, Incoming, PerMessageDeflate};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use websocket_proto::{Decoder, DeflateConfig, Deflater, Message, OpCode, Role, encode, negotiate};

const OFFER: &str = "permessage-deflate; client_max_window_bits";
const MASK: Option<[u8; 4]> = Some([0x11, 0x22, 0x33, 0x44]);

/// A hand-made client: the upgrade's answer head, then raw frames.
struct Client {
    tcp: TcpStream,
    head: String,
    input: BytesMut,
}

impl Client {
    async fn connect(s: &TestServer, extensions: Option<&str>) -> Client {
        Client::connect_to(s.addr, "/engine.io/", extensions).await
    }

    async fn connect_to(
        addr: std::net::SocketAddr,
        path: &str,
        extensions: Option<&str>,
    ) -> Client {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let mut request = format!(
            "GET {path}?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\n\
            Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        );
        if let Some(offer) = extensions {
            request.push_str(&format!("Sec-WebSocket-Extensions: {offer}\r\n"));
        }
        request.push_str("\r\n");
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(tcp.read_u8().await.unwrap());
        }
        let head = String::from_utf8(head).unwrap().to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 101"), "{head}");
        Client {
            tcp,
            head,
            input: BytesMut::new(),
        }
    }

    fn extensions(&self) -> Option<&str> {
        self.head
            .split("\r\n")
            .find_map(|l| l.strip_prefix("sec-websocket-extensions: "))
    }

    /// The next frame's first byte (FIN, RSV and opcode) and its message, decoded by `decoder`.
    async fn next(&mut self, decoder: &mut Decoder) -> (u8, Message) {
        let read = async {
            loop {
                let first = self.input.first().copied();
                if let Some(m) = decoder.decode(&mut self.input).unwrap() {
                    return (first.unwrap(), m);
                }
                let mut chunk = [0u8; 8192];
                let n = self.tcp.read(&mut chunk).await.unwrap();
                assert!(n > 0, "connection closed");
                self.input.extend_from_slice(&chunk[..n]);
            }
        };
        tokio::time::timeout(Duration::from_secs(10), read)
            .await
            .expect("no message")
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.tcp.write_all(bytes).await.unwrap();
    }
}

fn deflate_config() -> EngineConfig {
    EngineConfig::default().per_message_deflate(Some(PerMessageDeflate::default()))
}

#[tokio::test]
async fn large_messages_go_compressed_both_ways_and_small_ones_as_they_are() {
    let mut s = TestServer::start(deflate_config()).await;
    let mut c = Client::connect(&s, Some(OFFER)).await;
    let answer = c.extensions().unwrap().to_owned();
    assert_eq!(
        answer,
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
    );
    let params = negotiate([answer.as_str()], &DeflateConfig::default()).unwrap();
    let mut decoder = Decoder::with_deflate(Role::Client, 1 << 20, &params);
    let mut deflater = Deflater::new(Role::Client, &params);

    // The open packet is below the threshold: no RSV1.
    let (first, open) = c.next(&mut decoder).await;
    assert_eq!(first, 0x81);
    let Message::Text(open) = open else { panic!() };
    let sid = serde_json::from_slice::<serde_json::Value>(&open[1..]).unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_owned();

    // A compressed message from the client, echoed compressed (RSV1 set).
    let big = format!("4{}", "compress me ".repeat(1000));
    let mut wire = BytesMut::new();
    assert!(deflater.encode(&mut wire, OpCode::Text, big.as_bytes(), MASK));
    c.send(&wire).await;
    assert_eq!(
        s.next_message().await,
        (sid.clone(), Incoming::Text(big[1..].into()))
    );
    let (first, echo) = c.next(&mut decoder).await;
    assert_eq!(first, 0xc1);
    assert_eq!(echo, Message::Text(big.clone().into_bytes().into()));

    // A small uncompressed message on the same connection is echoed uncompressed.
    let mut wire = BytesMut::new();
    encode(&mut wire, OpCode::Text, b"4small", MASK);
    c.send(&wire).await;
    let (first, echo) = c.next(&mut decoder).await;
    assert_eq!(first, 0x81);
    assert_eq!(echo, Message::Text(b"4small".to_vec().into()));

    // A large binary message, too.
    let blob: Vec<u8> = (0..50_000u32).map(|i| (i % 7) as u8).collect();
    let mut wire = BytesMut::new();
    assert!(deflater.encode(&mut wire, OpCode::Binary, &blob, MASK));
    c.send(&wire).await;
    let (first, echo) = c.next(&mut decoder).await;
    assert_eq!(first, 0xc2);
    assert_eq!(echo, Message::Binary(blob.into()));
}

#[tokio::test]
async fn nothing_is_negotiated_when_off_or_not_offered() {
    // Off by default: the offer is ignored, and RSV1 stays a protocol error.
    let mut s = TestServer::start(EngineConfig::default()).await;
    let mut c = Client::connect(&s, Some(OFFER)).await;
    assert_eq!(c.extensions(), None);
    let mut decoder = Decoder::new(Role::Client, 1 << 20);
    let open = c.next(&mut decoder).await;
    eprintln!("open {open:?}");
    c.send(&[0xc1, 0x82, 0, 0, 0, 0, b'4', b'x']).await;
    assert_eq!(close_code(&mut c, &mut decoder).await, 1002);
    assert_eq!(s.next_close().await.1, CloseReason::TransportError);

    // On, but not offered (or offered with parameters we must decline): plain frames.
    let s = TestServer::start(deflate_config()).await;
    for offer in [
        None,
        Some("permessage-deflate; server_max_window_bits=16"),
        Some("foo"),
    ] {
        let mut c = Client::connect(&s, offer).await;
        assert_eq!(c.extensions(), None, "{offer:?}");
        let mut decoder = Decoder::new(Role::Client, 1 << 20);
        let open = c.next(&mut decoder).await;
        eprintln!("open {open:?}");
        let big = format!("4{}", "x".repeat(5000));
        let mut wire = BytesMut::new();
        encode(&mut wire, OpCode::Text, big.as_bytes(), MASK);
        c.send(&wire).await;
        let (first, echo) = c.next(&mut decoder).await;
        assert_eq!(first, 0x81);
        assert_eq!(echo, Message::Text(big.into_bytes().into()));
    }
}

#[tokio::test]
async fn a_bomb_or_bad_deflate_data_closes_with_the_rfc_code() {
    let config = deflate_config();
    let limit = config.max_http_buffer_size;
    // 10 MB of one byte: about 10 KB on the wire, far over the 1 MB limit once inflated.
    let zeros = vec![b'4'; 10 << 20];
    let mut bomb = BytesMut::new();
    let params = negotiate([OFFER], &DeflateConfig::default()).unwrap();
    Deflater::new(Role::Client, &params).encode(&mut bomb, OpCode::Text, &zeros, MASK);
    assert!(bomb.len() < limit);
    // A stored block whose length check fails (zero mask key: the payload goes as is).
    let bad_deflate = {
        let mut frame = vec![0xc1, 0x85, 0, 0, 0, 0];
        frame.extend_from_slice(&[0x00, 0x05, 0x00, 0x00, 0x00]);
        frame
    };
    for (name, bytes, code) in [("bomb", &bomb[..], 1009), ("bad", &bad_deflate[..], 1007)] {
        let mut s = TestServer::start(deflate_config()).await;
        let mut c = Client::connect(&s, Some(OFFER)).await;
        let mut decoder = Decoder::with_deflate(Role::Client, 1 << 20, &params);
        let open = c.next(&mut decoder).await;
        eprintln!("open {open:?}");
        c.send(bytes).await;
        assert_eq!(close_code(&mut c, &mut decoder).await, code, "{name}");
        assert_eq!(
            s.next_close().await.1,
            CloseReason::TransportError,
            "{name}"
        );
    }
}

/// Reads messages until a close frame, and returns its code.
async fn close_code(c: &mut Client, decoder: &mut Decoder) -> u16 {
    loop {
        if let (_, Message::Close(frame)) = c.next(decoder).await {
            return frame.map_or(1005, |f| f.code);
        }
    }
}

/// `compress(false)` on an emit, a broadcast and a reply keeps a large message uncompressed;
/// without it the same message goes compressed.
#[tokio::test]
async fn compress_false_keeps_a_large_message_uncompressed() {
    use sockeye::{Socket, SocketIo};
    let io = SocketIo::builder()
        .with_config(|c| c.engine.per_message_deflate = Some(PerMessageDeflate::default()))
        .build();
    let io2 = io.clone();
    io.on_connection(move |socket: Socket| {
        let io = io2.clone();
        async move {
            socket.on("go", move |socket: Socket| {
                let io = io.clone();
                async move {
                    let big = "x".repeat(5000);
                    let _ = socket.emit("plain", &big);
                    let _ = socket.compress(false).emit("raw", &big);
                    let _ = io.compress(false).emit("raw-broadcast", &big);
                    let _ = io.emit("broadcast", &big);
                }
            });
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = io.service();
    tokio::spawn(async move { sockeye::engine::serve(listener, service).await });

    let mut c = Client::connect_to(addr, "/socket.io/", Some(OFFER)).await;
    let params = negotiate([c.extensions().unwrap()], &DeflateConfig::default()).unwrap();
    let mut decoder = Decoder::with_deflate(Role::Client, 1 << 20, &params);
    let _open = c.next(&mut decoder).await;
    // Join the main namespace, and only then ask (an event before the join's answer is a
    // protocol error, as with the reference).
    let mut wire = BytesMut::new();
    encode(&mut wire, OpCode::Text, b"40", MASK);
    c.send(&wire).await;
    let (_, joined) = c.next(&mut decoder).await;
    assert!(
        matches!(&joined, Message::Text(t) if t.starts_with(b"40{")),
        "{joined:?}"
    );
    let mut wire = BytesMut::new();
    encode(&mut wire, OpCode::Text, br#"42["go"]"#, MASK);
    c.send(&wire).await;
    let mut seen = Vec::new();
    while seen.len() < 4 {
        let (first, message) = c.next(&mut decoder).await;
        let Message::Text(text) = message else {
            continue;
        };
        let text = String::from_utf8(text.to_vec()).unwrap();
        let Some(name) = text.strip_prefix("42[\"").and_then(|t| t.split('"').next()) else {
            continue;
        };
        seen.push((name.to_owned(), first & 0x40 != 0));
    }
    assert_eq!(
        seen,
        vec![
            ("plain".to_owned(), true),
            ("raw".to_owned(), false),
            ("raw-broadcast".to_owned(), false),
            ("broadcast".to_owned(), true),
        ]
    );
}
