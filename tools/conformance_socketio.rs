//! The Socket.IO part of the conformance server: what the socket.io-protocol v5 test suite
//! expects at `/socket.io/`.

use std::time::Duration;

use sockeye::engine::CorsConfig;
use sockeye::{Ack, Args, Socket, SocketIo};

/// On connection, emit `auth` with the handshake's auth; answer `message` with
/// `message-back` and the same arguments; ack `message-with-ack` with the same arguments.
fn install(socket: &Socket) {
    let _ = socket.emit("auth", &socket.handshake().auth);
    socket.on("message", |socket: Socket, args: Args| async move {
        let _ = socket.emit("message-back", &args);
    });
    socket.on(
        "message-with-ack",
        |_socket: Socket, args: Args, ack: Ack| async move {
            ack.send(&args);
        },
    );
}

/// The server: connectTimeout 1000 ms, pingInterval 300 ms, pingTimeout 200 ms, the main
/// namespace and `/custom`.
pub(crate) fn server() -> SocketIo {
    let io = SocketIo::builder()
        .with_config(|config| {
            config.connect_timeout = Duration::from_millis(1000);
            config.engine.ping_interval = Duration::from_millis(300);
            config.engine.ping_timeout = Duration::from_millis(200);
            config.engine.cors = Some(CorsConfig::any());
        })
        .build();
    for name in ["/", "/custom"] {
        io.of(name)
            .on_connection(|socket: Socket| async move { install(&socket) });
    }
    io
}
