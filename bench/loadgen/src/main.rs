//! `sockeye-loadgen`: a load generator for Socket.IO servers (Engine.IO 4, Socket.IO 5).
//!
//! One thread drives every client through one `mio` poll (see `net.rs` for why), with its
//! own minimal client: HTTP upgrade, websocket frames, polling requests, Engine.IO and
//! Socket.IO text packets and binary attachments. It measures the server's CPU and memory
//! from `/proc/<pid>` (`--server-pid`) and its own CPU, and flags a run where it was the
//! bottleneck (`gen_saturated=1`).
//!
//! ```text
//! sockeye-loadgen MODE [options]   (sockeye-loadgen --help lists them)
//!   MODE: idle | handshake | echo | ack | fanout | churn | storm
//! ```
//! Every run ends with one `RESULT key=value ...` line; `complete=1` means every message
//! (and every connection) arrived, and the exit status is non-zero otherwise.

mod client;
mod http;
mod modes;
mod net;
#[cfg(test)]
mod recovery_tests;
mod stats;
mod storm;
#[cfg(test)]
mod tests;
mod ws;

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, ValueEnum};
use client::Transport;

/// The workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Mode {
    /// Hold idle connections; measures memory per connection
    Idle,
    /// Open sessions as fast as the server accepts them
    Handshake,
    /// Each client emits and waits for the server's echo
    Echo,
    /// Each client emits with an ack and waits for it
    Ack,
    /// Broadcasts to rooms of receivers
    Fanout,
    /// Each client, in --rooms rooms, leaves and joins them again in turn; measures the
    /// server's CPU per join or leave
    Churn,
    /// Receivers in rooms under a steady broadcast stream lose their connections at once
    /// and reconnect with socket.io-client's backoff (with --recovery: recovering their
    /// sessions); measures the time until all are back and whether every broadcast arrived
    /// once
    Storm,
}

/// Options of a run.
pub(crate) struct Config {
    pub(crate) mode: Mode,
    /// The servers (the nodes of a cluster): clients go to them in turn.
    pub(crate) addrs: Vec<SocketAddr>,
    pub(crate) path: String,
    /// The servers' processes, measured together.
    pub(crate) server_pids: Vec<u32>,
    pub(crate) clients: usize,
    pub(crate) inflight: usize,
    pub(crate) payload: usize,
    pub(crate) binary: bool,
    pub(crate) transport: Transport,
    pub(crate) duration: Duration,
    pub(crate) warmup: Duration,
    pub(crate) hold: Duration,
    pub(crate) rooms: usize,
    pub(crate) fill_rooms: usize,
    pub(crate) fill_clients: usize,
    pub(crate) rate: Option<f64>,
    pub(crate) concurrency: usize,
    pub(crate) max_ops: u64,
    pub(crate) procs: Option<usize>,
    pub(crate) child: bool,
    pub(crate) new_connections: bool,
    pub(crate) recovery: bool,
    pub(crate) wait_drop: bool,
}

/// A load generator for Socket.IO servers (Engine.IO 4, Socket.IO 5). Every run ends with one
/// `RESULT key=value ...` line; `complete=1` means every message (and every connection)
/// arrived, and the exit status is non-zero otherwise.
#[derive(Parser)]
#[command(name = "sockeye-loadgen", version)]
struct Cli {
    /// The workload
    #[arg(value_enum)]
    mode: Mode,
    /// Server address: a loopback address, or one that a process of --server-pid listens on.
    /// Several, comma-separated (the nodes of a cluster): clients are spread over them in
    /// turn (fanout: every room has members on every node)
    #[arg(long, value_delimiter = ',', default_value = "127.0.0.1:3000")]
    addr: Vec<SocketAddr>,
    /// Engine.IO path
    #[arg(long, default_value = "/socket.io/")]
    path: String,
    /// Measure this process's CPU and RSS; several, comma-separated: their sum
    #[arg(long, value_name = "PID", value_delimiter = ',')]
    server_pid: Vec<u32>,
    /// Connections (idle, echo, ack) or receivers (fanout), 1-1000000
    #[arg(long, value_name = "N", default_value_t = 100)]
    clients: usize,
    /// Requests in flight per client (echo, ack, churn); fanout: broadcasts
    #[arg(long, value_name = "W", default_value_t = 1)]
    inflight: usize,
    /// Payload bytes, timestamp included (text: 21 at least)
    #[arg(long, value_name = "BYTES", default_value_t = 32)]
    payload: usize,
    /// Send the payload as a binary attachment
    #[arg(long)]
    binary: bool,
    /// Transport of the clients
    #[arg(long, value_enum, default_value = "websocket")]
    transport: Transport,
    /// Measured seconds
    #[arg(long, value_name = "S", default_value = "5", value_parser = seconds)]
    duration: Duration,
    /// Seconds before measuring
    #[arg(long, value_name = "S", default_value = "1", value_parser = seconds)]
    warmup: Duration,
    /// idle: seconds to hold the connections
    #[arg(long, value_name = "S", default_value = "2", value_parser = seconds)]
    hold: Duration,
    /// fanout: rooms the receivers are spread over; churn: rooms each client is in
    #[arg(long, value_name = "R", default_value_t = 1)]
    rooms: usize,
    /// fanout, churn: first fill the namespace with T more rooms (f0, f1, ...), held by
    /// --fill-clients sockets, 0-1000000
    #[arg(long, value_name = "T", default_value_t = 0)]
    fill_rooms: usize,
    /// The sockets that hold the --fill-rooms rooms, 1-10000
    #[arg(long, value_name = "N", default_value_t = 100)]
    fill_clients: usize,
    /// fanout: broadcasts per second instead of closed loop; echo, ack: requests per second
    /// in all, spread over the clients in turn (instead of --inflight each), and the
    /// server's memory per connection measured before they start
    #[arg(long, value_name = "R")]
    rate: Option<f64>,
    /// Handshakes in flight at once
    #[arg(long, value_name = "C", default_value_t = 64)]
    concurrency: usize,
    /// handshake --transport polling: a new TCP connection for every handshake (default:
    /// keep-alive reuse, as browsers do)
    #[arg(long)]
    new_connections: bool,
    /// The server has connection state recovery on: every event it sends ends with an
    /// offset (read, and counted as malformed when missing); storm: reconnecting clients
    /// send their pid and last offset to recover their sessions
    #[arg(long)]
    recovery: bool,
    /// storm: drop nothing; wait for the server to close the connections (killed and
    /// restarted by bench/storm --restart)
    #[arg(long)]
    wait_drop: bool,
    /// Stop measuring after N operations
    #[arg(long, value_name = "N")]
    max_ops: Option<u64>,
    /// idle: split the connections over K processes (default: as the file-descriptor limit
    /// requires)
    #[arg(long, value_name = "K")]
    procs: Option<usize>,
    /// Run as one of the processes of --procs
    #[arg(long, hide = true)]
    child: bool,
}

/// `--duration` and the like: seconds, 0 to 3600.
fn seconds(v: &str) -> Result<Duration, String> {
    match v.parse::<f64>() {
        Ok(s) if (0.0..=3600.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
        _ => Err("expected seconds between 0 and 3600".to_owned()),
    }
}

fn config(cli: Cli) -> Result<Config, String> {
    let cfg = Config {
        mode: cli.mode,
        addrs: cli.addr,
        path: cli.path,
        server_pids: cli.server_pid,
        clients: cli.clients,
        inflight: cli.inflight.clamp(1, 10_000),
        payload: cli.payload.min(16 << 20),
        binary: cli.binary,
        transport: cli.transport,
        duration: cli.duration,
        warmup: cli.warmup,
        hold: cli.hold,
        rooms: cli.rooms,
        fill_rooms: cli.fill_rooms,
        fill_clients: cli.fill_clients,
        rate: cli.rate,
        concurrency: cli.concurrency.clamp(1, 10_000),
        max_ops: cli.max_ops.unwrap_or(u64::MAX),
        procs: cli.procs,
        child: cli.child,
        new_connections: cli.new_connections,
        recovery: cli.recovery,
        wait_drop: cli.wait_drop,
    };
    // Load goes to this machine only: to a loopback address, or to one the server process
    // (on this machine, perhaps in another network namespace) listens on. Children of
    // --procs get the address their parent checked.
    if cfg.addrs.is_empty() {
        return Err("--addr needs at least one address".into());
    }
    if !cfg.child
        && let Some(addr) = cfg.addrs.iter().find(|a| {
            !a.ip().is_loopback()
                && !cfg
                    .server_pids
                    .iter()
                    .any(|&pid| stats::listens_on(pid, **a))
        })
    {
        return Err(format!(
            "{addr} is not a loopback address, nor one that --server-pid listens on"
        ));
    }
    if cfg.clients == 0 || cfg.clients > 1_000_000 {
        return Err("--clients must be between 1 and 1000000".into());
    }
    if cfg.fill_rooms > 1_000_000 {
        return Err("--fill-rooms must be at most 1000000".into());
    }
    if cfg.fill_clients == 0 || cfg.fill_clients > 10_000 {
        return Err("--fill-clients must be between 1 and 10000".into());
    }
    if cfg.rooms == 0 || cfg.rooms > 1_000_000 {
        return Err("--rooms must be between 1 and 1000000".into());
    }
    if let Some(rate) = cfg.rate
        && !(rate > 0.0 && rate <= 1e7)
    {
        return Err("--rate must be positive, at most 10000000".into());
    }
    Ok(cfg)
}

/// Sockets one client holds at most.
fn sockets_per_client(t: Transport) -> usize {
    match t {
        Transport::Websocket => 1,
        Transport::Polling => 2,
        Transport::Upgrade => 3,
    }
}

fn run(cfg: &Config) -> Result<stats::Report, String> {
    // Raise the descriptor limit as far as the hard limit allows (safe wrapper, no unsafe).
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024) as usize;
    let per_proc = limit.saturating_sub(64).max(64);
    let fillers = if cfg.fill_rooms > 0 {
        cfg.fill_clients.min(cfg.fill_rooms)
    } else {
        0
    };
    let needed = (cfg.clients + fillers) * sockets_per_client(cfg.transport) + 1;
    let procs = cfg.procs.unwrap_or(needed.div_ceil(per_proc)).max(1);
    if cfg.child || procs == 1 {
        if needed > per_proc {
            return Err(format!(
                "{needed} sockets needed, the descriptor limit is {limit}: use --procs"
            ));
        }
        return match cfg.mode {
            Mode::Idle => modes::idle(cfg),
            Mode::Handshake => modes::handshake(cfg),
            Mode::Echo | Mode::Ack => modes::echo(cfg),
            Mode::Fanout => modes::fanout(cfg),
            Mode::Churn => modes::churn(cfg),
            Mode::Storm => storm::storm(cfg),
        };
    }
    if cfg.mode != Mode::Idle {
        return Err(format!(
            "{} clients need {procs} processes; only idle splits over processes",
            cfg.clients
        ));
    }
    idle_procs(cfg, procs)
}

/// `idle` over several processes: each ramps its share; the server is measured once all
/// shares are up, while they hold.
fn idle_procs(cfg: &Config, procs: usize) -> Result<stats::Report, String> {
    let exe = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
    let rss_before = stats::rss_sum(&cfg.server_pids);
    let cpu = stats::CpuWindow::start(&cfg.server_pids);
    let mut children = Vec::new();
    let addr_list = cfg
        .addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    for i in 0..procs {
        let share = cfg.clients / procs + usize::from(i < cfg.clients % procs);
        let child = Command::new(&exe)
            .args(["idle", "--child", "--addr", &addr_list, "--path", &cfg.path])
            .args(["--clients", &share.to_string()])
            .args(["--concurrency", &cfg.concurrency.to_string()])
            .args(["--hold", &(cfg.hold.as_secs_f64() + 2.0).to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("spawn: {e}"))?;
        children.push(child);
    }
    let mut connected = 0usize;
    let mut readers = Vec::new();
    for child in &mut children {
        let out = child.stdout.take().ok_or("child without stdout")?;
        let mut lines = std::io::BufReader::new(out).lines();
        for line in lines.by_ref() {
            let line = line.map_err(|e| format!("child output: {e}"))?;
            if let Some(rest) = line.strip_prefix("READY connected=") {
                connected += rest
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(0);
                break;
            }
        }
        readers.push(lines);
    }
    let mut spent = cpu.stop();
    // The generator's CPU is its busiest process's (each has one core at most).
    spent.gen_s = children
        .iter()
        .filter_map(|c| stats::cpu_ns(c.id()))
        .max()
        .unwrap_or(0) as f64
        / 1e9;
    std::thread::sleep(Duration::from_secs(1));
    let rss_after = stats::rss_sum(&cfg.server_pids);
    let mut complete = connected == cfg.clients;
    for (mut child, lines) in children.into_iter().zip(readers) {
        for line in lines.map_while(Result::ok) {
            if line.starts_with("RESULT") && !line.contains(" complete=1") {
                complete = false;
            }
        }
        complete &= child.wait().is_ok_and(|s| s.success());
    }
    let mut r = stats::Report::default();
    r.put("procs", procs);
    r.put("connections", connected);
    r.put_f(
        "handshakes_per_s",
        connected as f64 / spent.wall_s.max(1e-9),
    );
    r.cpu(&spent, connected as u64, "handshake");
    if let (Some(a), Some(b)) = (rss_before, rss_after) {
        r.put("server_rss_kib", b / 1024);
        r.put_f(
            "server_rss_per_conn_kib",
            b.saturating_sub(a) as f64 / 1024.0 / connected.max(1) as f64,
        );
    }
    r.put("complete", u8::from(complete));
    Ok(r)
}

fn main() {
    let cfg = match config(Cli::parse()) {
        Ok(cfg) => cfg,
        Err(e) => Cli::command().error(ErrorKind::ValueValidation, e).exit(),
    };
    match run(&cfg) {
        Ok(report) => {
            report.print();
            if !report.is_complete() {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("loadgen: {e}");
            println!("RESULT complete=0 error={e:?}");
            std::process::exit(1);
        }
    }
}
