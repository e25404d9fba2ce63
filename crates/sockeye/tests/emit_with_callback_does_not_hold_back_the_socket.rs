//! The callback form of an emit with acknowledgement (the reference's
//! `socket.emit(event, data, cb)`): the handler returns at once, the socket's next events are
//! handled while the answer is awaited, and the callback gets the answer, or the timeout.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use std::time::Duration;

use sio_support::{Raw, serve};
use sockeye::{AckError, Socket, SocketIo};
use tokio::sync::mpsc;

#[tokio::test]
async fn the_answer_comes_to_the_callback_while_later_events_are_handled() {
    let io = SocketIo::default();
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    io.on_connection(move |socket: Socket| {
        let tx = tx.clone();
        async move {
            let t = tx.clone();
            socket.on("start", move |socket: Socket| {
                let tx = t.clone();
                async move {
                    let cb = tx.clone();
                    socket.emit_with_callback(
                        "question",
                        &1,
                        move |answer: Result<String, AckError>| {
                            let _ = cb.send(format!("answer {answer:?}"));
                        },
                    );
                    let t = tx.clone();
                    socket
                        .timeout(Duration::from_millis(50))
                        .emit_with_callback(
                            "ignored",
                            &(),
                            move |answer: Result<String, AckError>| {
                                let _ = t.send(format!("second {answer:?}"));
                            },
                        );
                    let _ = tx.send("start handled".to_owned());
                }
            });
            socket.on("next", move |_socket: Socket| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send("next handled".to_owned());
                }
            });
        }
    });
    let addr = serve(&io).await;
    let (mut client, _) = Raw::join(addr).await;
    client.send(r#"2["start"]"#).await;
    let question = client.recv().await.unwrap();
    assert_eq!(question, r#"20["question",1]"#);
    assert_eq!(client.recv().await.unwrap(), r#"21["ignored"]"#);
    assert_eq!(rx.recv().await.unwrap(), "start handled");
    // The client has not answered yet; its next event is handled all the same.
    client.send(r#"2["next"]"#).await;
    assert_eq!(rx.recv().await.unwrap(), "next handled");
    assert_eq!(rx.recv().await.unwrap(), "second Err(Timeout)");
    client.send(r#"30["yes"]"#).await;
    assert_eq!(rx.recv().await.unwrap(), r#"answer Ok("yes")"#);
}
