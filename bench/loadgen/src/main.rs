//! `sockeye-loadgen`: a load generator for Socket.IO servers (Engine.IO 4, Socket.IO 5).
//!
//! One thread drives every client through one `mio` poll (see `net.rs` for why), with its
//! own minimal client: HTTP upgrade, websocket frames, polling requests, Engine.IO and
//! Socket.IO text packets and binary attachments. It measures the server's CPU and memory
//! from `/proc/<pid>` (`--server-pid`) and its own CPU, and flags a run where it was the
//! bottleneck (`gen_saturated=1`).
//!
//! ```text
//! sockeye-loadgen MODE [options]
//!   MODE: idle | handshake | echo | ack | fanout
//! ```
//! Every run ends with one `RESULT key=value ...` line; `complete=1` means every message
//! (and every connection) arrived, and the exit status is non-zero otherwise.

mod client;
mod http;
mod modes;
mod net;
mod stats;
#[cfg(test)]
mod tests;
mod ws;

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use client::Transport;

/// The workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Idle,
    Handshake,
    Echo,
    Ack,
    Fanout,
}

/// Options of a run.
pub(crate) struct Config {
    pub(crate) mode: Mode,
    pub(crate) addr: SocketAddr,
    pub(crate) path: String,
    pub(crate) server_pid: Option<u32>,
    pub(crate) clients: usize,
    pub(crate) inflight: usize,
    pub(crate) payload: usize,
    pub(crate) binary: bool,
    pub(crate) transport: Transport,
    pub(crate) duration: Duration,
    pub(crate) warmup: Duration,
    pub(crate) hold: Duration,
    pub(crate) rooms: usize,
    pub(crate) rate: Option<f64>,
    pub(crate) concurrency: usize,
    pub(crate) max_ops: u64,
    pub(crate) procs: Option<usize>,
    pub(crate) child: bool,
    pub(crate) new_connections: bool,
}

const USAGE: &str = "usage: sockeye-loadgen idle|handshake|echo|ack|fanout [options]
  --addr A          server address (127.0.0.1:3000): a loopback address, or one that
                    the process of --server-pid listens on
  --path P          Engine.IO path (/socket.io/)
  --server-pid PID  measure this process's CPU and RSS
  --clients N       connections (idle, echo, ack) or receivers (fanout)      [100]
  --inflight W      requests in flight per client; fanout: broadcasts       [1]
  --payload P       payload bytes, timestamp included (text: 21 at least)   [32]
  --binary          send the payload as a binary attachment
  --transport T     websocket | polling | upgrade                           [websocket]
  --duration S      measured seconds                                        [5]
  --warmup S        seconds before measuring                                [1]
  --hold S          idle: seconds to hold the connections                   [2]
  --rooms R         fanout: rooms the receivers are spread over             [1]
  --rate R          fanout: broadcasts per second instead of closed loop
  --concurrency C   handshakes in flight at once                            [64]
  --new-connections handshake --transport polling: new TCP connections for every
                    handshake (default: keep-alive reuse, as browsers do)
  --max-ops N       stop measuring after N operations
  --procs K         idle: split the connections over K processes (default: as the
                    file-descriptor limit requires)";

fn parse_args(args: &[String]) -> Result<Config, String> {
    let mode = match args.first().map(String::as_str) {
        Some("idle") => Mode::Idle,
        Some("handshake") => Mode::Handshake,
        Some("echo") => Mode::Echo,
        Some("ack") => Mode::Ack,
        Some("fanout") => Mode::Fanout,
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            std::process::exit(0);
        }
        Some(other) => return Err(format!("unknown mode {other:?}\n{USAGE}")),
        None => return Err(USAGE.to_owned()),
    };
    let mut cfg = Config {
        mode,
        addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
        path: "/socket.io/".to_owned(),
        server_pid: None,
        clients: 100,
        inflight: 1,
        payload: 32,
        binary: false,
        transport: Transport::Websocket,
        duration: Duration::from_secs(5),
        warmup: Duration::from_secs(1),
        hold: Duration::from_secs(2),
        rooms: 1,
        rate: None,
        concurrency: 64,
        max_ops: u64::MAX,
        procs: None,
        child: false,
        new_connections: false,
    };
    let mut it = args[1..].iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .map(String::as_str)
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        fn num<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
            v.parse()
                .map_err(|_| format!("bad value for {flag}: {v:?}"))
        }
        let secs = |v: &str| -> Result<Duration, String> {
            let s: f64 = num(flag, v)?;
            if !(0.0..=3600.0).contains(&s) {
                return Err(format!("{flag} must be between 0 and 3600 s"));
            }
            Ok(Duration::from_secs_f64(s))
        };
        match flag.as_str() {
            "--addr" => cfg.addr = num(flag, value()?)?,
            "--path" => cfg.path = value()?.to_owned(),
            "--server-pid" => cfg.server_pid = Some(num(flag, value()?)?),
            "--clients" => cfg.clients = num(flag, value()?)?,
            "--inflight" => cfg.inflight = num(flag, value()?)?,
            "--payload" => cfg.payload = num(flag, value()?)?,
            "--binary" => cfg.binary = true,
            "--transport" => {
                cfg.transport = match value()? {
                    "websocket" => Transport::Websocket,
                    "polling" => Transport::Polling,
                    "upgrade" => Transport::Upgrade,
                    other => return Err(format!("unknown transport {other:?}")),
                }
            }
            "--duration" => cfg.duration = secs(value()?)?,
            "--warmup" => cfg.warmup = secs(value()?)?,
            "--hold" => cfg.hold = secs(value()?)?,
            "--rooms" => cfg.rooms = num(flag, value()?)?,
            "--rate" => cfg.rate = Some(num(flag, value()?)?),
            "--concurrency" => cfg.concurrency = num(flag, value()?)?,
            "--max-ops" => cfg.max_ops = num(flag, value()?)?,
            "--procs" => cfg.procs = Some(num(flag, value()?)?),
            "--child" => cfg.child = true,
            "--new-connections" => cfg.new_connections = true,
            other => return Err(format!("unknown option {other:?}\n{USAGE}")),
        }
    }
    // Load goes to this machine only: to a loopback address, or to one the server process
    // (on this machine, perhaps in another network namespace) listens on. Children of
    // --procs get the address their parent checked.
    if !cfg.child
        && !cfg.addr.ip().is_loopback()
        && !cfg
            .server_pid
            .is_some_and(|pid| stats::listens_on(pid, cfg.addr))
    {
        return Err(format!(
            "{} is not a loopback address, nor one that --server-pid listens on",
            cfg.addr
        ));
    }
    if cfg.clients == 0 || cfg.clients > 1_000_000 {
        return Err("--clients must be between 1 and 1000000".into());
    }
    cfg.inflight = cfg.inflight.clamp(1, 10_000);
    cfg.concurrency = cfg.concurrency.clamp(1, 10_000);
    cfg.payload = cfg.payload.min(16 << 20);
    if let Some(rate) = cfg.rate
        && !(rate > 0.0 && rate <= 1e7)
    {
        return Err("--rate must be positive".into());
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
    let needed = cfg.clients * sockets_per_client(cfg.transport) + 1;
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
    let rss_before = cfg.server_pid.and_then(stats::rss_bytes);
    let cpu = stats::CpuWindow::start(cfg.server_pid);
    let mut children = Vec::new();
    for i in 0..procs {
        let share = cfg.clients / procs + usize::from(i < cfg.clients % procs);
        let child = Command::new(&exe)
            .args([
                "idle",
                "--child",
                "--addr",
                &cfg.addr.to_string(),
                "--path",
                &cfg.path,
            ])
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
    let rss_after = cfg.server_pid.and_then(stats::rss_bytes);
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cfg = match parse_args(&args) {
        Ok(cfg) => cfg,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
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
