//! Malformed and out-of-place packets get the reference's behaviour: the connection closes
//! where socket.io 4.8 closes it, the packet is ignored where it ignores it, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use std::sync::{Arc, Mutex};

use sio_support::{Raw, eventually, serve};
use sockeye::{DisconnectReason, Socket, SocketIo};

/// A server whose sockets record their disconnect reasons and answer `ping` with `pong`.
async fn server() -> (
    SocketIo,
    std::net::SocketAddr,
    Arc<Mutex<Vec<DisconnectReason>>>,
) {
    let io = SocketIo::default();
    let reasons = Arc::new(Mutex::new(Vec::new()));
    let r = reasons.clone();
    io.on_connection(move |socket: Socket| {
        let r = r.clone();
        async move {
            socket.on("ping", |socket: Socket| async move {
                let _ = socket.emit("pong", &());
            });
            socket.on_disconnect(move |_s: Socket, reason: DisconnectReason| {
                let r = r.clone();
                async move { r.lock().unwrap().push(reason) }
            });
        }
    });
    let addr = serve(&io).await;
    (io, addr, reasons)
}

async fn closes_with(text: &str, reason: DisconnectReason) {
    let (io, addr, reasons) = server().await;
    let (mut raw, _) = Raw::join(addr).await;
    raw.send(text).await;
    raw.until_closed().await;
    eventually(|| io.sockets().socket_count() == 0).await;
    eventually(|| !reasons.lock().unwrap().is_empty()).await;
    assert_eq!(*reasons.lock().unwrap(), vec![reason], "after {text:?}");
}

async fn is_ignored(text: &str) {
    let (_io, addr, reasons) = server().await;
    let (mut raw, _) = Raw::join(addr).await;
    raw.send(text).await;
    raw.send(r#"2["ping"]"#).await;
    assert_eq!(
        raw.recv().await.as_deref(),
        Some(r#"2["pong"]"#),
        "after {text:?}"
    );
    assert!(reasons.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_non_json_payload_closes_the_connection() {
    closes_with(r#"2["ping",{]"#, DisconnectReason::ForcedClose).await;
}

#[tokio::test]
async fn an_unknown_packet_type_closes_the_connection() {
    closes_with("9", DisconnectReason::ForcedClose).await;
}

#[tokio::test]
async fn an_event_whose_name_is_not_a_string_closes_the_connection() {
    closes_with(r#"2[{"a":1}]"#, DisconnectReason::ForcedClose).await;
    closes_with("2[]", DisconnectReason::ForcedClose).await;
}

#[tokio::test]
async fn too_many_attachments_close_the_connection() {
    closes_with(r#"511-["ping"]"#, DisconnectReason::ForcedClose).await;
}

#[tokio::test]
async fn a_packet_for_a_namespace_not_joined_closes_the_client() {
    closes_with(r#"2/admin,["ping"]"#, DisconnectReason::ForcedServerClose).await;
}

#[tokio::test]
async fn an_engine_packet_that_does_not_parse_closes_with_parse_error() {
    let (io, addr, reasons) = server().await;
    let (mut raw, _) = Raw::join(addr).await;
    raw.send_engine("x").await;
    raw.until_closed().await;
    eventually(|| io.sockets().socket_count() == 0).await;
    eventually(|| !reasons.lock().unwrap().is_empty()).await;
    assert_eq!(*reasons.lock().unwrap(), vec![DisconnectReason::ParseError]);
}

#[tokio::test]
async fn an_ack_for_an_unknown_id_is_ignored() {
    is_ignored("3999[1]").await;
}

#[tokio::test]
async fn an_event_without_a_handler_is_ignored() {
    is_ignored(r#"2["nobody-listens",1]"#).await;
}

#[tokio::test]
async fn a_number_as_event_name_is_accepted_as_the_reference_does() {
    is_ignored(r#"2[42,"x"]"#).await;
}

#[tokio::test]
async fn a_second_connect_to_a_joined_namespace_closes_the_client() {
    closes_with("0", DisconnectReason::ForcedServerClose).await;
}
