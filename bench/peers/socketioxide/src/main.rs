//! The socketioxide peer of the benchmarks: the same handlers as `tools/bench-server.rs`
//! (`echo`, `ack`, `join`, `leave`, `bcast`), served the same way (hyper, HTTP/1.1 and HTTP/2 with
//! upgrades, TCP_NODELAY) on `HOST`:`PORT` (defaults 127.0.0.1 and 3000).
//!
//! Payloads are `rmpv::Value`, the type socketioxide recommends when binary data may come
//! (`serde_json::Value` would turn a binary attachment into an array of numbers).

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rmpv::Value;
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Data, SocketRef};

#[tokio::main]
async fn main() {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    // The limit on one message that socket.io and sockeye have by default
    // (maxHttpBufferSize, 1e6 bytes); socketioxide's own default is 1e5, which would
    // close the connection of bench/run --growth's largest payloads.
    let (svc, io) = SocketIo::builder().max_payload(1_000_000).build_svc();
    io.ns("/", async |s: SocketRef| {
        s.on("echo", async |s: SocketRef, Data(d): Data<Value>| {
            let _ = s.emit("echo", &d);
        });
        s.on("ack", async |Data(d): Data<Value>, ack: AckSender| {
            let _ = ack.send(&d);
        });
        s.on(
            "join",
            async |s: SocketRef, Data(room): Data<String>, ack: AckSender| {
                s.join(room);
                let _ = ack.send(&());
            },
        );
        s.on(
            "leave",
            async |s: SocketRef, Data(room): Data<String>, ack: AckSender| {
                s.leave(room);
                let _ = ack.send(&());
            },
        );
        s.on(
            "bcast",
            async |io: SocketIo, Data((room, d)): Data<(String, Value)>| {
                let _ = io.to(room).emit("b", &d).await;
            },
        );
    });
    let listener = match tokio::net::TcpListener::bind((host.as_str(), port)).await {
        Ok(l) => l,
        Err(err) => {
            eprintln!("cannot listen: {err}");
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    println!("socketioxide bench server listening on http://{host}:{port}");
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(a) => a,
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let svc = TowerToHyperService::new(svc.clone());
        tokio::spawn(async move {
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection_with_upgrades(TokioIo::new(stream), svc)
                .await;
        });
    }
}
