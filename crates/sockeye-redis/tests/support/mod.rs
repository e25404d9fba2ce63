//! Test support: a real `redis-server` on a free port, sockeye nodes on it, and a raw
//! Socket.IO client that shows every frame.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sockeye::{Socket, SocketIo};
use sockeye_redis::{RedisAdapter, RedisConfig};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// A `redis-server` of this test, killed on drop.
pub struct Redis {
    child: Option<Child>,
    pub port: u16,
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl Redis {
    /// Starts one on a free port and waits until it answers PING.
    pub async fn start() -> Redis {
        let mut redis = Redis {
            child: None,
            port: free_port(),
        };
        // A free port may be taken by another test before redis binds it: try another.
        let mut attempts = 0;
        while !redis.spawn().await {
            attempts += 1;
            assert!(attempts < 5, "redis-server did not start");
            redis.port = free_port();
        }
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills it (as a crash would).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    pub async fn restart(&mut self) {
        assert!(self.spawn().await, "redis-server did not start again");
    }

    async fn spawn(&mut self) -> bool {
        self.kill();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (apt-get install redis-server)");
        let child = self.child.insert(child);
        wait_ping(&format!("redis://127.0.0.1:{}", self.port), child).await
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The adapter options of the tests: short requests timeout.
pub fn config(redis: &Redis) -> RedisConfig {
    RedisConfig {
        requests_timeout: Duration::from_secs(2),
        ..RedisConfig::new(redis.url())
    }
}

/// A sockeye node on `redis`, served on 127.0.0.1:0. Its sockets join the rooms listed in
/// their auth's `rooms` and keep the auth's `data` as their data.
pub async fn node(config: RedisConfig) -> (SocketIo, SocketAddr) {
    let factory = RedisAdapter::classic(config).await.unwrap();
    serve_node(factory).await
}

async fn serve_node(factory: sockeye::ClusterAdapterFactory) -> (SocketIo, SocketAddr) {
    serve_node_with(factory, None).await
}

async fn serve_node_with(
    factory: sockeye::ClusterAdapterFactory,
    recovery: Option<sockeye::ConnectionStateRecovery>,
) -> (SocketIo, SocketAddr) {
    let io = SocketIo::builder()
        .adapter(factory)
        .with_config(|c| c.connection_state_recovery = recovery)
        .build();
    io.on_connection(|socket: Socket| async move {
        let auth = socket.handshake().auth.clone();
        if let Some(rooms) = auth.get("rooms").and_then(|r| r.as_array()) {
            let rooms: Vec<String> = rooms
                .iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect();
            socket.join(rooms);
        }
        if let Some(data) = auth.get("data") {
            let _ = socket.set_data(data);
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = io.service();
    tokio::spawn(async move {
        let _ = sockeye::engine::serve(listener, service).await;
    });
    (io, addr)
}

/// Waits until every node counts `n` servers.
pub async fn until_cluster(nodes: &[&SocketIo], n: usize) {
    eventually_async(|| async {
        for io in nodes {
            if io.server_count().await.ok() != Some(n) {
                return false;
            }
        }
        true
    })
    .await;
}

/// Waits until `check` holds (bounded at 10 s).
pub async fn eventually_async<F, Fut>(mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One raw client connection. Pings are answered as they come.
pub struct Raw {
    ws: WebSocketStream<TcpStream>,
    pub id: String,
}

impl Raw {
    /// Connects to the main namespace with `auth`; returns once connected.
    pub async fn join(addr: SocketAddr, auth: serde_json::Value) -> Raw {
        Raw::join_nsp(addr, "/", auth).await
    }

    /// Connects to namespace `nsp` with `auth`.
    pub async fn join_nsp(addr: SocketAddr, nsp: &str, auth: serde_json::Value) -> Raw {
        let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
        let stream = TcpStream::connect(addr).await.unwrap();
        let (ws, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
        let mut raw = Raw {
            ws,
            id: String::new(),
        };
        let open = raw.recv().await.expect("open packet");
        assert!(open.starts_with('0'), "{open}");
        let prefix = if nsp == "/" {
            String::new()
        } else {
            format!("{nsp},")
        };
        raw.send(&format!("0{prefix}{auth}")).await;
        let reply = raw.recv().await.unwrap();
        let body = reply
            .strip_prefix(&format!("0{prefix}"))
            .unwrap_or_else(|| panic!("{reply}"));
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        raw.id = v["sid"].as_str().unwrap().to_owned();
        raw
    }

    /// Sends one Socket.IO packet's text.
    pub async fn send(&mut self, text: &str) {
        self.ws
            .send(Message::text(format!("4{text}")))
            .await
            .unwrap();
    }

    /// The next Socket.IO text (binary frames as `<binary N>`); `None` once closed.
    pub async fn recv(&mut self) -> Option<String> {
        self.recv_within(Duration::from_secs(5))
            .await
            .expect("a message within 5 s")
    }

    /// The next message within `wait`: `Err` when none came.
    pub async fn recv_within(&mut self, wait: Duration) -> Result<Option<String>, ()> {
        loop {
            let msg = tokio::time::timeout(wait, self.ws.next())
                .await
                .map_err(|_| ())?;
            match msg {
                Some(Ok(Message::Text(t))) => {
                    let t = t.to_string();
                    if t == "2" {
                        let _ = self.ws.send(Message::text("3")).await;
                        continue;
                    }
                    if let Some(rest) = t.strip_prefix('4') {
                        return Ok(Some(rest.to_owned()));
                    }
                    if t.starts_with('0') {
                        return Ok(Some(t));
                    }
                    if t == "1" {
                        return Ok(None);
                    }
                }
                Some(Ok(Message::Binary(b))) => {
                    return Ok(Some(format!("<binary {}>", hex(&b))));
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Ok(None),
                Some(Ok(_)) => {}
            }
        }
    }

    /// Asserts that nothing arrives for a short while (used after a barrier message has
    /// shown that everything sent before has been delivered).
    pub async fn nothing_more(&mut self) {
        if let Ok(msg) = self.recv_within(Duration::from_millis(100)).await {
            panic!("unexpected {msg:?}");
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Logs to the test output when `RUST_LOG` is set.
pub fn trace() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// A Redis Cluster of three masters, each `redis-server` killed on drop.
pub struct RedisCluster {
    children: Vec<Child>,
    pub ports: Vec<u16>,
    buses: Vec<u16>,
    dir: std::path::PathBuf,
}

impl RedisCluster {
    /// Starts three masters on free ports, joins them with `redis-cli --cluster create`, and
    /// waits until every node reports `cluster_state:ok`.
    pub async fn start() -> RedisCluster {
        let dir = std::env::temp_dir().join(format!(
            "sockeye-redis-cluster-{}-{}",
            std::process::id(),
            free_port()
        ));
        let mut cluster = RedisCluster {
            children: Vec::new(),
            ports: Vec::new(),
            buses: Vec::new(),
            dir,
        };
        // A free port may be taken by another test between our check and redis' bind: then
        // try other ports.
        let mut attempts = 0;
        loop {
            cluster.ports = (0..3).map(|_| free_port()).collect();
            cluster.buses = (0..3).map(|_| free_port()).collect();
            if cluster.spawn().await {
                break;
            }
            cluster.kill();
            attempts += 1;
            assert!(attempts < 5, "redis-server did not start");
        }
        let mut create = Command::new("redis-cli");
        create.arg("--cluster").arg("create");
        for port in &cluster.ports {
            create.arg(format!("127.0.0.1:{port}"));
        }
        let status = create
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("redis-cli");
        assert!(status.success(), "redis-cli --cluster create failed");
        cluster.until_ok().await;
        cluster
    }

    /// Starts the three servers (again: their nodes.conf keeps the cluster's layout); false
    /// when one did not come up.
    async fn spawn(&mut self) -> bool {
        for (port, bus) in self.ports.clone().into_iter().zip(self.buses.clone()) {
            let node_dir = self.dir.join(port.to_string());
            std::fs::create_dir_all(&node_dir).unwrap();
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string()])
                .args(["--cluster-enabled", "yes"])
                .args(["--cluster-port", &bus.to_string()])
                .args(["--cluster-config-file", "nodes.conf"])
                .arg("--dir")
                .arg(&node_dir)
                .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server (apt-get install redis-server)");
            self.children.push(child);
        }
        for (port, child) in self.ports.clone().iter().zip(self.children.iter_mut()) {
            if !wait_ping(&format!("redis://127.0.0.1:{port}"), child).await {
                return false;
            }
        }
        true
    }

    async fn until_ok(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        for port in self.ports.clone() {
            let client = redis::Client::open(format!("redis://127.0.0.1:{port}")).unwrap();
            let mut conn = client.get_multiplexed_async_connection().await.unwrap();
            loop {
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                if info.contains("cluster_state:ok") {
                    break;
                }
                assert!(tokio::time::Instant::now() < deadline, "cluster not ok");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    /// Kills every server (as a crash would).
    pub fn kill(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.children.clear();
    }

    /// Starts every server again on the same ports, and waits until the cluster is ok.
    pub async fn restart(&mut self) {
        self.kill();
        assert!(self.spawn().await, "redis-server did not start again");
        self.until_ok().await;
    }

    pub fn urls(&self) -> Vec<String> {
        self.ports
            .iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect()
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Waits until the server answers PING; false when it exited (its port was taken) or did
/// not answer within 10 s.
async fn wait_ping(url: &str, child: &mut Child) -> bool {
    let client = redis::Client::open(url).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(mut conn) = client.get_multiplexed_async_connection().await {
            let pong: redis::RedisResult<String> = redis::cmd("PING").query_async(&mut conn).await;
            if pong.is_ok() {
                return true;
            }
        }
        if !matches!(child.try_wait(), Ok(None)) || tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A sockeye node with the sharded adapter, as [`node`].
pub async fn sharded_node(config: sockeye_redis::ShardedConfig) -> (SocketIo, SocketAddr) {
    let factory = RedisAdapter::sharded(config).await.unwrap();
    serve_node(factory).await
}

/// The streams adapter's options of the tests: short requests timeout.
pub fn streams_config(redis: &Redis) -> sockeye_redis::StreamsConfig {
    sockeye_redis::StreamsConfig {
        requests_timeout: Duration::from_secs(2),
        ..sockeye_redis::StreamsConfig::new(redis.url())
    }
}

/// A sockeye node with the streams adapter, as [`node`].
pub async fn streams_node(config: sockeye_redis::StreamsConfig) -> (SocketIo, SocketAddr) {
    let factory = RedisAdapter::streams(config).await.unwrap();
    serve_node(factory).await
}

/// A sockeye node with the streams adapter and connection state recovery on.
pub async fn streams_node_recovering(
    config: sockeye_redis::StreamsConfig,
) -> (SocketIo, SocketAddr) {
    let factory = RedisAdapter::streams(config).await.unwrap();
    serve_node_with(factory, Some(sockeye::ConnectionStateRecovery::default())).await
}
