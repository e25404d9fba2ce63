//! What is measured besides the traffic: CPU time and memory of a process from `/proc`,
//! latency histograms, and the report lines.

use std::fmt::Write as _;
use std::time::Instant;

use hdrhistogram::Histogram;

/// CPU time a process has used, in nanoseconds: the sum over its threads of
/// `/proc/<pid>/task/<tid>/schedstat` (nanosecond resolution), or `utime + stime` from
/// `/proc/<pid>/stat` (10 ms ticks) where schedstat is missing. Threads that already exited
/// are counted only by the latter, so the larger of the two is taken.
pub(crate) fn cpu_ns(pid: u32) -> Option<u64> {
    let ticks = stat_cpu_ns(pid);
    let mut sum = 0u64;
    let mut any = false;
    if let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for entry in dir.flatten() {
            let path = entry.path().join("schedstat");
            if let Ok(s) = std::fs::read_to_string(path)
                && let Some(ns) = s
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
            {
                sum += ns;
                any = true;
            }
        }
    }
    match (any, ticks) {
        (true, Some(t)) => Some(sum.max(t)),
        (true, None) => Some(sum),
        (false, t) => t,
    }
}

fn stat_cpu_ns(pid: u32) -> Option<u64> {
    let (utime, stime) = stat_ticks(pid)?;
    // USER_HZ is 100 on Linux.
    Some((utime + stime) * 10_000_000)
}

/// User and system CPU ticks (1/100 s) of a process, from `/proc/<pid>/stat`.
fn stat_ticks(pid: u32) -> Option<(u64, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    let after = &s[s.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the name.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime, stime))
}

/// Whether the process listens on `addr` (IPv4), as `/proc/<pid>/net/tcp` shows it: that
/// file lists the sockets of the process's own network namespace, so this also holds for a
/// server in another namespace on this machine (`bench/run --netns`).
pub(crate) fn listens_on(pid: u32, addr: std::net::SocketAddr) -> bool {
    let std::net::SocketAddr::V4(addr) = addr else {
        return false;
    };
    let Ok(table) = std::fs::read_to_string(format!("/proc/{pid}/net/tcp")) else {
        return false;
    };
    // "  0: 0100007F:0BB8 00000000:0000 0A ...": the address as a number in host byte order
    // of its network-order bytes, the port in hex, state 0A is LISTEN.
    table.lines().skip(1).any(|line| {
        let mut fields = line.split_whitespace().skip(1);
        let (Some(local), Some(_remote), Some(state)) =
            (fields.next(), fields.next(), fields.next())
        else {
            return false;
        };
        let Some((ip, port)) = local.split_once(':') else {
            return false;
        };
        let (Ok(ip), Ok(port)) = (u32::from_str_radix(ip, 16), u16::from_str_radix(port, 16))
        else {
            return false;
        };
        let ip = std::net::Ipv4Addr::from(ip.to_ne_bytes());
        state == "0A" && port == addr.port() && (ip == *addr.ip() || ip.is_unspecified())
    })
}

/// Resident memory of a process in bytes (`VmRSS`).
pub(crate) fn rss_bytes(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// CPU of the server and of the generator over a window.
pub(crate) struct CpuWindow {
    start: Instant,
    server: Option<u64>,
    me: Option<u64>,
    pids: Vec<u32>,
    ticks: Option<(u64, u64)>,
}

/// Summed over processes (a cluster's nodes); None without any, or if one is gone.
fn sum_over<T: std::ops::Add<Output = T>>(pids: &[u32], f: impl Fn(u32) -> Option<T>) -> Option<T> {
    pids.iter().map(|&p| f(p)).reduce(|a, b| Some(a? + b?))?
}

/// Resident memory of several processes, summed.
pub(crate) fn rss_sum(pids: &[u32]) -> Option<u64> {
    sum_over(pids, rss_bytes)
}

fn ticks_sum(pids: &[u32]) -> Option<(u64, u64)> {
    let all: Option<Vec<(u64, u64)>> = pids.iter().map(|&p| stat_ticks(p)).collect();
    let all = all.filter(|a| !a.is_empty())?;
    Some(all.iter().fold((0, 0), |(u, s), &(a, b)| (u + a, s + b)))
}

/// What a window measured.
pub(crate) struct CpuSpent {
    pub(crate) wall_s: f64,
    /// Server CPU seconds (None without a server pid).
    pub(crate) server_s: Option<f64>,
    pub(crate) gen_s: f64,
    /// The kernel's share of the server's CPU (from 10 ms ticks: rough on short windows).
    pub(crate) server_sys_share: Option<f64>,
}

impl CpuWindow {
    /// A window over the servers `pids` (their CPU summed: the nodes of a cluster).
    pub(crate) fn start(pids: &[u32]) -> CpuWindow {
        CpuWindow {
            start: Instant::now(),
            server: sum_over(pids, cpu_ns),
            me: cpu_ns(std::process::id()),
            pids: pids.to_vec(),
            ticks: ticks_sum(pids),
        }
    }

    pub(crate) fn stop(&self) -> CpuSpent {
        let wall_s = self.start.elapsed().as_secs_f64();
        let server_s = match (sum_over(&self.pids, cpu_ns), self.server) {
            (Some(b), Some(a)) => Some(b.saturating_sub(a) as f64 / 1e9),
            _ => None,
        };
        let gen_s = match (cpu_ns(std::process::id()), self.me) {
            (Some(b), Some(a)) => b.saturating_sub(a) as f64 / 1e9,
            _ => 0.0,
        };
        let server_sys_share = match (ticks_sum(&self.pids), self.ticks) {
            (Some((u1, s1)), Some((u0, s0))) if u1 + s1 > u0 + s0 => {
                Some((s1 - s0) as f64 / ((u1 + s1) - (u0 + s0)) as f64)
            }
            _ => None,
        };
        CpuSpent {
            wall_s,
            server_s,
            gen_s,
            server_sys_share,
        }
    }
}

/// A latency histogram in microseconds, 1 µs to 60 s, 3 significant digits.
pub(crate) fn histogram() -> Result<Histogram<u64>, String> {
    Histogram::new_with_bounds(1, 60_000_000, 3).map_err(|e| format!("histogram: {e}"))
}

/// One line of `key=value` pairs, prefixed with `RESULT`, that `bench/run` reads; the same
/// figures are printed for people above it.
#[derive(Default)]
pub(crate) struct Report {
    pairs: Vec<(String, String)>,
}

impl Report {
    pub(crate) fn put(&mut self, key: &str, value: impl std::fmt::Display) {
        self.pairs.push((key.to_owned(), value.to_string()));
    }

    pub(crate) fn put_f(&mut self, key: &str, value: f64) {
        self.put(key, format_args!("{value:.4}"));
    }

    pub(crate) fn cpu(&mut self, spent: &CpuSpent, ops: u64, unit: &str) {
        self.put_f("wall_s", spent.wall_s);
        self.put_f("gen_cpu", spent.gen_s / spent.wall_s.max(1e-9));
        // One core is all the generator has: past 90% of it, the server was not the limit.
        self.put(
            "gen_saturated",
            u8::from(spent.gen_s / spent.wall_s.max(1e-9) > 0.9),
        );
        if let Some(s) = spent.server_s {
            self.put_f("server_cpu", s / spent.wall_s.max(1e-9));
            if let Some(share) = spent.server_sys_share {
                self.put_f("server_sys_share", share);
            }
            if ops > 0 {
                self.put_f(&format!("server_us_per_{unit}"), s * 1e6 / ops as f64);
            }
        }
    }

    pub(crate) fn latency(&mut self, h: &Histogram<u64>) {
        if h.is_empty() {
            return;
        }
        self.put("p50_us", h.value_at_quantile(0.5));
        self.put("p99_us", h.value_at_quantile(0.99));
        self.put("p999_us", h.value_at_quantile(0.999));
        self.put("max_us", h.max());
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.pairs.iter().any(|(k, v)| k == "complete" && v == "1")
    }

    pub(crate) fn print(&self) {
        let mut line = String::from("RESULT");
        for (k, v) in &self.pairs {
            println!("  {k:<24} {v}");
            let _ = write!(line, " {k}={v}");
        }
        println!("{line}");
    }
}
