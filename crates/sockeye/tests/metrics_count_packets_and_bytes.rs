//! `io.metrics()` counts Socket.IO packets and the bytes of the Engine.IO messages that carry
//! them, in and out, text and binary alike.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use bytes::Bytes;
use sio_support::{Raw, eventually, serve};
use sockeye::{Ack, Socket, SocketIo};

#[tokio::test]
async fn packets_and_bytes_are_counted_both_ways() {
    let io = SocketIo::default();
    io.on_connection(|socket: Socket| async move {
        socket.on("echo", |_: Socket, data: Bytes, ack: Ack| async move {
            ack.send(&data);
        });
    });
    let addr = serve(&io).await;
    let (mut raw, _) = Raw::join(addr).await;
    let start = io.metrics();
    // In: CONNECT `40` (2 bytes). Out: its answer.
    assert_eq!((start.packets_in, start.bytes_in), (1, 2));
    assert_eq!(start.packets_out, 1);
    assert!(start.bytes_out > 2, "{start:?}");

    // An event with a binary attachment: a text message and a binary one make one packet.
    let head = r#"51-0["echo",{"_placeholder":true,"num":0}]"#;
    raw.send(head).await;
    raw.send_binary(&[1, 2, 3, 4, 5]).await;
    assert_eq!(
        raw.recv().await.unwrap(),
        r#"61-0[{"_placeholder":true,"num":0}]"#
    );
    assert_eq!(raw.recv().await.unwrap(), "<binary 5>");

    let after = io.metrics();
    assert_eq!(after.packets_in - start.packets_in, 1);
    assert_eq!(after.bytes_in - start.bytes_in, (1 + head.len() + 5) as u64);
    assert_eq!(after.packets_out - start.packets_out, 1);
    let answer = r#"461-0[{"_placeholder":true,"num":0}]"#;
    assert_eq!(after.bytes_out - start.bytes_out, (answer.len() + 5) as u64);

    drop(raw);
    eventually(|| io.metrics().connections == 0).await;
}
