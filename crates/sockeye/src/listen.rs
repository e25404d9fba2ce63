//! The standalone server: Socket.IO alone on a port, as Node's `io.listen(3000)`, for an app
//! that has no other routes. Beside an axum app, [`SocketIo::layer`] is the way instead.

use std::io;

use tokio::net::{TcpListener, ToSocketAddrs, lookup_host};

use crate::server::SocketIo;

impl SocketIo {
    /// Listens on `addr` (`"0.0.0.0:3000"`, `("::", 3000)`, a `SocketAddr`, ...) and serves
    /// this server alone: its path (`/socket.io/` by default, the browser client included)
    /// and nothing else. Returns an error at once when no address of `addr` can be bound
    /// (in use, not local, or a name that does not resolve), naming the address; otherwise
    /// runs until accepting fails for good.
    ///
    /// ```no_run
    /// use sockeye::{Socket, SocketIo};
    ///
    /// #[tokio::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let io = SocketIo::default();
    ///     io.on_connection(|socket: Socket| async move {
    ///         let _ = socket.emit("hello", "world");
    ///     });
    ///     io.listen("0.0.0.0:3000").await
    /// }
    /// ```
    pub async fn listen(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let mut last = None;
        for addr in lookup_host(addr).await? {
            match TcpListener::bind(addr).await {
                Ok(listener) => return self.serve(listener).await,
                Err(e) => {
                    last = Some(io::Error::new(
                        e.kind(),
                        format!("cannot listen on {addr}: {e}"),
                    ))
                }
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the address resolved to nothing",
            )
        }))
    }

    /// Serves this server alone, as [`listen`](SocketIo::listen) does, on a listener the
    /// caller bound (to learn the port of `127.0.0.1:0` first, or to set socket options).
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let io = sockeye::SocketIo::default();
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// println!("listening on http://{}", listener.local_addr()?);
    /// io.serve(listener).await
    /// # }
    /// ```
    pub async fn serve(&self, listener: TcpListener) -> io::Result<()> {
        crate::engine::serve(listener, self.service()).await
    }
}
