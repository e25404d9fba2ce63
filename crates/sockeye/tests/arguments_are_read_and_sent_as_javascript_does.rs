//! Arguments on the wire as Node sends and reads them: `null` is an argument, `()` none; one
//! data parameter takes the first argument, a tuple one per element, `Args` all of them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use sio_support::{Raw, serve};
use sockeye::{Ack, Args, Socket, SocketIo, Value};

async fn connected() -> Raw {
    let io = SocketIo::default();
    io.on_connection(|socket: Socket| async move {
        socket.on("null", |_: Socket, ack: Ack| async move {
            ack.send(&Value::Null);
        });
        socket.on("json-null", |_: Socket, ack: Ack| async move {
            ack.send(&serde_json::Value::Null);
        });
        socket.on("none", |_: Socket, ack: Ack| async move {
            ack.send(&None::<u32>);
        });
        socket.on("unit", |_: Socket, ack: Ack| async move {
            ack.send(&());
        });
        socket.on("emit-null", |socket: Socket| async move {
            let _ = socket.emit("n", &Value::Null);
            let _ = socket.emit("u", &());
        });
        socket.on("first", |_: Socket, value: Value, ack: Ack| async move {
            ack.send(&value);
        });
        socket.on(
            "pair",
            |_: Socket, (a, b): (String, Option<u32>), ack: Ack| async move {
                ack.send(&(a, b));
            },
        );
        socket.on("all", |_: Socket, args: Args, ack: Ack| async move {
            ack.send(&args);
        });
    });
    let (raw, _) = Raw::join(serve(&io).await).await;
    raw
}

#[tokio::test]
async fn null_is_one_argument_and_unit_none() {
    let mut raw = connected().await;
    raw.send(r#"21["null"]"#).await;
    assert_eq!(raw.recv().await.unwrap(), "31[null]");
    raw.send(r#"22["json-null"]"#).await;
    assert_eq!(raw.recv().await.unwrap(), "32[null]");
    raw.send(r#"23["none"]"#).await;
    assert_eq!(raw.recv().await.unwrap(), "33[null]");
    raw.send(r#"24["unit"]"#).await;
    assert_eq!(raw.recv().await.unwrap(), "34[]");
    raw.send(r#"2["emit-null"]"#).await;
    assert_eq!(raw.recv().await.unwrap(), r#"2["n",null]"#);
    assert_eq!(raw.recv().await.unwrap(), r#"2["u"]"#);
}

#[tokio::test]
async fn one_parameter_takes_the_first_argument_a_tuple_each_and_args_all() {
    let mut raw = connected().await;
    raw.send(r#"21["first","a","b"]"#).await;
    assert_eq!(raw.recv().await.unwrap(), r#"31["a"]"#);
    raw.send(r#"22["first"]"#).await;
    assert_eq!(raw.recv().await.unwrap(), "32[null]");
    raw.send(r#"23["first",[1,2]]"#).await;
    assert_eq!(raw.recv().await.unwrap(), "33[[1,2]]");
    raw.send(r#"24["pair","a"]"#).await;
    assert_eq!(raw.recv().await.unwrap(), r#"34["a",null]"#);
    raw.send(r#"25["pair","a",2,"extra"]"#).await;
    assert_eq!(raw.recv().await.unwrap(), r#"35["a",2]"#);
    raw.send(r#"26["all","a",null,[1]]"#).await;
    assert_eq!(raw.recv().await.unwrap(), r#"36["a",null,[1]]"#);
    // An ack-only handler ignores the arguments it did not ask for.
    raw.send(r#"27["null","ignored",1]"#).await;
    assert_eq!(raw.recv().await.unwrap(), "37[null]");
}
