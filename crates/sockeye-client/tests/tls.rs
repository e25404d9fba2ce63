//! `https`/`wss`: the client over TLS (rustls) to sockeye behind a TLS-terminating proxy,
//! with a test CA (`tests/tls/`, made with openssl) trusted through the options.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod support;

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::Value as Json;
use sockeye_client::{Options, Socket, Transport};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const CA: &[u8] = include_bytes!("tls/ca.der");
const CERT: &[u8] = include_bytes!("tls/server.der");
const KEY: &[u8] = include_bytes!("tls/server.key.der");

/// Accepts TLS on a free port and relays the plain bytes to `backend`.
async fn tls_proxy(backend: u16) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(CERT.to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(KEY.to_vec())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut plain = TcpStream::connect(("127.0.0.1", backend)).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    port
}

fn events(socket: &Socket) -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    let t = tx.clone();
    socket.on_connect(move |_s: Socket| {
        let t = t.clone();
        async move {
            let _ = t.send("connect".to_owned());
        }
    });
    socket.on_connect_error(move |_s: Socket, err| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(format!("connect_error: {err}"));
        }
    });
    socket.connect();
    rx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_polling_then_wss_with_a_trusted_ca() {
    support::trace();
    let server = support::Server::start(support::Kind::Sockeye).await;
    let port = tls_proxy(server.port()).await;
    let url = format!("https://127.0.0.1:{port}");
    for options in [
        Options::default(),
        Options::default().transports([Transport::WebSocket]),
    ] {
        let socket =
            sockeye_client::io_with(&url, options.add_root_certificate(CA.to_vec())).unwrap();
        let mut rx = events(&socket);
        assert_eq!(support::next(&mut rx).await, "connect");
        let back: String = socket
            .timeout(Duration::from_secs(5))
            .emit_with_ack("echo", "over tls")
            .await
            .unwrap();
        assert_eq!(back, "over tls");
        let mut transport = String::new();
        for _ in 0..100 {
            let who: Json = socket
                .timeout(Duration::from_secs(5))
                .emit_with_ack("whoami", &())
                .await
                .unwrap();
            transport = who["transport"].as_str().unwrap().to_owned();
            if transport == "websocket" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(transport, "websocket");
        socket.disconnect();
    }
    server.stop().await;
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_connect_error() {
    let server = support::Server::start(support::Kind::Sockeye).await;
    let port = tls_proxy(server.port()).await;
    let socket = sockeye_client::io_with(
        &format!("https://127.0.0.1:{port}"),
        Options::default().reconnection(false),
    )
    .unwrap();
    let mut rx = events(&socket);
    let event = support::next(&mut rx).await;
    assert!(
        event.starts_with("connect_error: xhr poll error"),
        "{event}"
    );
    assert!(event.to_lowercase().contains("certificate"), "{event}");
    server.stop().await;
}
