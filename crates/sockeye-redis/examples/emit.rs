//! The Rust emitter from the command line, for trying it by hand or driving it from another
//! program's tests:
//!
//! ```text
//! cargo run -p sockeye-redis --example emit -- URL [options] emit EVENT [JSON_ARGS]
//! cargo run -p sockeye-redis --example emit -- URL [options] join|leave ROOM...
//! cargo run -p sockeye-redis --example emit -- URL [options] disconnect [close]
//! cargo run -p sockeye-redis --example emit -- URL [options] server-side EVENT [JSON_ARGS]
//! options: --nsp /chat  --to room (repeatable)  --except room (repeatable)  --volatile
//!          --compress  --key socket.io
//! ```
//!
//! `JSON_ARGS` is a JSON array of the event's arguments; an object `{"$bin": "0a0b"}` inside
//! becomes binary.

use bytes::Bytes;
use sockeye::{Args, Value};
use sockeye_redis::{Emitter, EmitterConfig};

fn usage() -> ! {
    eprintln!(
        "usage: emit URL [--nsp N] [--to R]... [--except R]... [--volatile] [--compress] [--key K] emit|join|leave|disconnect|server-side ..."
    );
    std::process::exit(2)
}

/// `{"$bin": "hex"}` becomes binary, anywhere inside.
fn with_binary(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(hex) = map.get("$bin").and_then(Value::as_str) {
                    let bytes: Option<Vec<u8>> = (0..hex.len())
                        .step_by(2)
                        .map(|i| {
                            hex.get(i..i + 2)
                                .and_then(|h| u8::from_str_radix(h, 16).ok())
                        })
                        .collect();
                    if let Some(bytes) = bytes {
                        return Value::Binary(Bytes::from(bytes));
                    }
                }
            }
            Value::Object(map.into_iter().map(|(k, v)| (k, with_binary(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(with_binary).collect()),
        other => other,
    }
}

fn json_args(arg: Option<String>) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let Some(arg) = arg else {
        return Ok(Vec::new());
    };
    match with_binary(serde_json::from_str::<Value>(&arg)?) {
        Value::Array(items) => Ok(items),
        _ => Err("the arguments must be a JSON array".into()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(url) = args.next() else { usage() };
    let mut config = EmitterConfig::new(url);
    let (mut nsp, mut to, mut except) = ("/".to_owned(), Vec::new(), Vec::new());
    let (mut volatile, mut compress) = (false, false);
    let op = loop {
        match args.next().as_deref() {
            Some("--nsp") => nsp = args.next().unwrap_or_else(|| usage()),
            Some("--to") => to.push(args.next().unwrap_or_else(|| usage())),
            Some("--except") => except.push(args.next().unwrap_or_else(|| usage())),
            Some("--key") => config.key = args.next().unwrap_or_else(|| usage()),
            Some("--volatile") => volatile = true,
            Some("--compress") => compress = true,
            Some(op) => break op.to_owned(),
            None => usage(),
        }
    };
    let emitter = Emitter::connect(config).await?.of(&nsp);
    let mut target = emitter.to(to).except(except);
    if volatile {
        target = target.volatile();
    }
    if compress {
        target = target.compress(true);
    }
    match op.as_str() {
        "emit" => {
            let event = args.next().unwrap_or_else(|| usage());
            let data = json_args(args.next())?;
            target.emit(&event, &Args(data)).await?;
        }
        "join" => target.sockets_join(args.collect::<Vec<_>>()).await?,
        "leave" => target.sockets_leave(args.collect::<Vec<_>>()).await?,
        "disconnect" => {
            target
                .disconnect_sockets(args.next().as_deref() == Some("close"))
                .await?
        }
        "server-side" => {
            let event = args.next().unwrap_or_else(|| usage());
            let data = json_args(args.next())?;
            emitter.server_side_emit(&event, &Args(data)).await?;
        }
        _ => usage(),
    }
    Ok(())
}
