//! The workloads: idle connections, handshakes, echo and ack round trips, room fan-out.
//! Each runs its clients on one [`Net`] and ends with one [`Report`]; room churn (joins and
//! leaves) and the rooms that fill a namespace first are in `rooms.rs`.

mod rooms;

pub(crate) use rooms::churn;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::client::{Client, Msg, last_string_arg, parse_u64};
use crate::net::{Net, Scenario};
use crate::stats::{self, CpuWindow, Report};
use crate::{Config, Mode};

/// Width of the decimal timestamp (ns since the generator started) inside text payloads.
const TS_DIGITS: usize = 19;
const SEQ_DIGITS: usize = 12;
/// The longest any drain waits for answers still in flight.
const DRAIN: Duration = Duration::from_secs(10);
const TURN: Duration = Duration::from_millis(5);

/// The state all workloads share: counters, latency, and how to build and read payloads.
struct Load {
    mode: Mode,
    binary: bool,
    t0: Instant,
    pad: Vec<u8>,
    /// Sending new requests (off while ramping and draining).
    sending: bool,
    /// Requests go out at a fixed rate (`--rate`), not one for each answer.
    open_loop: bool,
    /// Setting up rooms: every acknowledgement is a join's.
    setup: bool,
    /// Churn: per client, its next step (even: leave, odd: join) and when its requests in
    /// flight went.
    steps: Vec<u64>,
    step_sent_ns: Vec<std::collections::VecDeque<u64>>,
    /// Churn: the rooms each client goes through.
    churn_rooms: u64,
    measuring: bool,
    hist: Histogram<u64>,
    connected: u64,
    joined: u64,
    /// Close each client as soon as it is connected (handshake mode).
    close_on_connect: bool,
    sent: u64,
    received: u64,
    received_in_window: u64,
    malformed: u64,
    /// The server has connection state recovery on: every event ends with an offset.
    recovery: bool,
    /// Events that carried an offset.
    offsets: u64,
    /// Fan-out: deliveries per broadcast sequence number, and the room of each.
    delivered: Vec<u32>,
    room_of: Vec<u32>,
    room_size: Vec<u32>,
    complete_bcasts: u64,
    duplicates: u64,
    /// Fan-out closed loop: broadcasts whose deliveries all arrived, to replace.
    to_send: u64,
    buf: Vec<u8>,
}

impl Load {
    fn new(cfg: &Config) -> Result<Load, String> {
        // What the payload carries before its padding: `t<ts>;` (and `s<seq>;` for fan-out) as
        // text, or the little-endian numbers as binary.
        let header = match (cfg.binary, cfg.mode == Mode::Fanout) {
            (false, false) => TS_DIGITS + 2,
            (false, true) => TS_DIGITS + SEQ_DIGITS + 4,
            (true, false) => 8,
            (true, true) => 16,
        };
        let pad_len = cfg.payload.saturating_sub(header);
        Ok(Load {
            mode: cfg.mode,
            binary: cfg.binary,
            t0: Instant::now(),
            pad: vec![b'x'; pad_len],
            sending: false,
            open_loop: false,
            setup: false,
            steps: Vec::new(),
            step_sent_ns: Vec::new(),
            churn_rooms: 1,
            measuring: false,
            hist: stats::histogram()?,
            connected: 0,
            joined: 0,
            close_on_connect: false,
            sent: 0,
            received: 0,
            received_in_window: 0,
            malformed: 0,
            recovery: cfg.recovery,
            offsets: 0,
            delivered: Vec::new(),
            room_of: Vec::new(),
            room_size: Vec::new(),
            complete_bcasts: 0,
            duplicates: 0,
            to_send: 0,
            buf: Vec::with_capacity(256),
        })
    }

    fn now_ns(&self) -> u64 {
        self.t0.elapsed().as_nanos() as u64
    }

    fn record(&mut self, sent_ns: u64) {
        if self.measuring {
            let us = self.now_ns().saturating_sub(sent_ns) / 1000;
            let _ = self.hist.record(us.max(1));
        }
    }

    /// Sends one `echo` event or `ack` request on `c`.
    fn send_request(&mut self, c: &mut Client) {
        let ts = self.now_ns();
        let mut b = std::mem::take(&mut self.buf);
        b.clear();
        let ack = self.mode == Mode::Ack;
        let name = if ack { "ack" } else { "echo" };
        if self.binary {
            b.extend_from_slice(b"51-");
            if ack {
                let _ = write!(Bytes(&mut b), "{}", c.next_ack);
            }
            let _ = write!(
                Bytes(&mut b),
                "[\"{name}\",{{\"_placeholder\":true,\"num\":0}}]"
            );
            c.send_sio(&b);
            b.clear();
            b.extend_from_slice(&ts.to_le_bytes());
            b.extend_from_slice(&self.pad);
            c.send_attachment(&b);
        } else {
            b.push(b'2');
            if ack {
                let _ = write!(Bytes(&mut b), "{}", c.next_ack);
            }
            let _ = write!(Bytes(&mut b), "[\"{name}\",\"t{ts:0TS_DIGITS$};");
            b.extend_from_slice(&self.pad);
            b.extend_from_slice(b"\"]");
            c.send_sio(&b);
        }
        if ack {
            c.next_ack += 1;
        }
        c.sent += 1;
        self.sent += 1;
        self.buf = b;
    }

    /// Sends one broadcast to room `room` from `c`.
    fn send_bcast(&mut self, c: &mut Client, rooms: u32) {
        let seq = self.delivered.len() as u64;
        let room = (seq % u64::from(rooms.max(1))) as u32;
        self.delivered.push(0);
        self.room_of.push(room);
        let ts = self.now_ns();
        let mut b = std::mem::take(&mut self.buf);
        b.clear();
        if self.binary {
            let _ = write!(
                Bytes(&mut b),
                "51-[\"bcast\",\"r{room}\",{{\"_placeholder\":true,\"num\":0}}]"
            );
            c.send_sio(&b);
            b.clear();
            b.extend_from_slice(&ts.to_le_bytes());
            b.extend_from_slice(&seq.to_le_bytes());
            b.extend_from_slice(&self.pad);
            c.send_attachment(&b);
        } else {
            let _ = write!(
                Bytes(&mut b),
                "2[\"bcast\",\"r{room}\",\"t{ts:0TS_DIGITS$};s{seq:0SEQ_DIGITS$};"
            );
            b.extend_from_slice(&self.pad);
            b.extend_from_slice(b"\"]");
            c.send_sio(&b);
        }
        c.sent += 1;
        self.sent += 1;
        self.buf = b;
    }

    /// Reads the timestamp (and the sequence number, for fan-out) from a payload.
    fn read_payload(&self, rest: &[u8], bin: Option<&[u8]>) -> Option<(u64, u64)> {
        if let Some(bin) = bin {
            let ts = u64::from_le_bytes(bin.get(0..8)?.try_into().ok()?);
            let seq = match bin.get(8..16) {
                Some(s) => u64::from_le_bytes(s.try_into().ok()?),
                None => 0,
            };
            return Some((ts, seq));
        }
        let start = crate::http::find(rest, b"\"t")? + 2;
        let ts = parse_u64(rest.get(start..start + TS_DIGITS)?)?;
        let seq = if self.mode == Mode::Fanout {
            let s = start + TS_DIGITS + 2;
            parse_u64(rest.get(s..s + SEQ_DIGITS)?)?
        } else {
            0
        };
        Some((ts, seq))
    }
}

/// `write!` into a byte vector.
struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

impl Scenario for Load {
    fn on_msg(&mut self, ci: usize, c: &mut Client, m: Msg<'_>) {
        match m {
            Msg::Connected => {
                self.connected += 1;
                if self.close_on_connect {
                    c.close();
                }
            }
            Msg::Event { name, rest, bin } => {
                if self.recovery {
                    // The offset is an extra last argument; the payload before it is read
                    // as always.
                    if last_string_arg(rest).is_none() {
                        self.malformed += 1;
                        return;
                    }
                    self.offsets += 1;
                }
                self.on_event(c, name, rest, bin);
            }
            Msg::Ack { rest, bin, .. } => {
                if self.mode == Mode::Fanout || self.setup {
                    self.joined += 1;
                    return;
                }
                if self.mode == Mode::Churn {
                    self.churned(ci, c);
                    return;
                }
                let Some((ts, _)) = self.read_payload(rest, bin) else {
                    self.malformed += 1;
                    return;
                };
                self.answer(c, ts);
            }
        }
    }
}

impl Load {
    fn on_event(&mut self, c: &mut Client, name: &[u8], rest: &[u8], bin: Option<&[u8]>) {
        match (self.mode, name) {
            (Mode::Echo, b"echo") => {
                let Some((ts, _)) = self.read_payload(rest, bin) else {
                    self.malformed += 1;
                    return;
                };
                self.answer(c, ts);
            }
            (Mode::Fanout, b"b") => {
                let Some((ts, seq)) = self.read_payload(rest, bin) else {
                    self.malformed += 1;
                    return;
                };
                self.deliver(ts, seq);
            }
            _ => self.malformed += 1,
        }
    }

    fn answer(&mut self, c: &mut Client, ts: u64) {
        c.recv += 1;
        self.received += 1;
        if self.measuring {
            self.received_in_window += 1;
        }
        self.record(ts);
        if self.sending && !self.open_loop {
            self.send_request(c);
        }
    }

    fn deliver(&mut self, ts: u64, seq: u64) {
        let Some(slot) = self.delivered.get_mut(seq as usize) else {
            self.malformed += 1;
            return;
        };
        *slot += 1;
        let n = *slot;
        self.received += 1;
        if self.measuring {
            self.received_in_window += 1;
        }
        self.record(ts);
        let room = self.room_of.get(seq as usize).copied().unwrap_or(0);
        let want = self.room_size.get(room as usize).copied().unwrap_or(0);
        if n == want {
            self.complete_bcasts += 1;
            self.to_send += 1;
        } else if n > want {
            self.duplicates += 1;
        }
    }
}

/// Failures of clients, kept for the report: how many and the first few reasons.
#[derive(Default)]
struct Failures {
    count: u64,
    first: Vec<String>,
}

impl Failures {
    fn take(&mut self, net: &mut Net) {
        for (_, err) in net.ended.drain(..) {
            if let Some(e) = err {
                self.count += 1;
                if self.first.len() < 3 {
                    self.first.push(e);
                }
            }
        }
    }

    fn report(&self, r: &mut Report) {
        r.put("errors", self.count);
        if let Some(e) = self.first.first() {
            r.put("first_error", format_args!("{:?}", e));
            eprintln!("client errors ({}): {:?}", self.count, self.first);
        }
    }
}

impl Load {
    /// How a request/answer workload ended: its counts, its failures, and whether it is
    /// complete (no failure, nothing malformed, every request answered, and `ok`: every
    /// client there and something measured).
    fn report_answers(&self, r: &mut Report, fails: &Failures, ok: bool) {
        r.put("sent", self.sent);
        r.put("received", self.received);
        r.put("lost", self.sent.saturating_sub(self.received));
        r.put("malformed", self.malformed);
        fails.report(r);
        r.put(
            "complete",
            u8::from(fails.count == 0 && self.malformed == 0 && self.sent == self.received && ok),
        );
    }
}

/// Opens `n` clients, at most `cfg.concurrency` handshakes at a time, and waits until all are
/// connected (or failed, or the deadline passed). Returns the indexes of the connected ones.
fn ramp(
    cfg: &Config,
    net: &mut Net,
    load: &mut Load,
    fails: &mut Failures,
    n: usize,
    tag: impl Fn(usize) -> u32,
) -> Result<Vec<usize>, String> {
    let deadline = Instant::now() + Duration::from_secs(30) + Duration::from_millis(n as u64 * 5);
    let mut started = 0usize;
    let mut ids = Vec::with_capacity(n);
    let base = load.connected;
    let fail_base = fails.count;
    let settled = |load: &Load, fails: &Failures| {
        (load.connected - base) as usize + (fails.count - fail_base) as usize
    };
    while settled(load, fails) < n {
        while started < n && started - settled(load, fails) < cfg.concurrency {
            ids.push(net.open(cfg.transport, tag(started)));
            started += 1;
        }
        net.turn(load, TURN)?;
        fails.take(net);
        if Instant::now() > deadline {
            return Err(format!(
                "ramp timed out: {} of {n} connected",
                load.connected - base
            ));
        }
    }
    ids.retain(|&ci| {
        net.clients
            .get(ci)
            .is_some_and(|c| c.as_ref().is_some_and(Client::is_ready))
    });
    Ok(ids)
}

/// Runs turns for `d` (answering pings, counting) without sending anything new.
fn hold(net: &mut Net, load: &mut Load, fails: &mut Failures, d: Duration) -> Result<(), String> {
    let end = Instant::now() + d;
    while Instant::now() < end {
        net.turn(load, Duration::from_millis(50))?;
        fails.take(net);
    }
    Ok(())
}

/// `idle`: ramp, settle, measure memory, hold.
pub(crate) fn idle(cfg: &Config) -> Result<Report, String> {
    let mut net = Net::new(&cfg.addrs, &cfg.path, cfg.clients)?;
    let mut load = Load::new(cfg)?;
    let mut fails = Failures::default();
    let rss_before = stats::rss_sum(&cfg.server_pids);
    let cpu = CpuWindow::start(&cfg.server_pids);
    let ids = ramp(cfg, &mut net, &mut load, &mut fails, cfg.clients, |_| 0)?;
    let spent = cpu.stop();
    if cfg.child {
        // The parent measures the server; it needs to know this share is up.
        println!("READY connected={} failed={}", ids.len(), fails.count);
    }
    hold(&mut net, &mut load, &mut fails, Duration::from_secs(1))?;
    let rss_after = stats::rss_sum(&cfg.server_pids);
    hold(&mut net, &mut load, &mut fails, cfg.hold)?;
    let still = ids
        .iter()
        .filter(|&&ci| net.clients.get(ci).is_some_and(Option::is_some))
        .count();
    let mut r = Report::default();
    r.put("connections", ids.len());
    r.put("held", still);
    r.put_f(
        "handshakes_per_s",
        ids.len() as f64 / spent.wall_s.max(1e-9),
    );
    r.cpu(&spent, ids.len() as u64, "handshake");
    if let (Some(a), Some(b)) = (rss_before, rss_after) {
        r.put("server_rss_kib", b / 1024);
        r.put_f(
            "server_rss_per_conn_kib",
            b.saturating_sub(a) as f64 / 1024.0 / ids.len().max(1) as f64,
        );
    }
    fails.report(&mut r);
    r.put(
        "complete",
        u8::from(fails.count == 0 && still == cfg.clients && ids.len() == cfg.clients),
    );
    Ok(r)
}

/// `handshake`: connect and close in a loop, `cfg.concurrency` at a time.
pub(crate) fn handshake(cfg: &Config) -> Result<Report, String> {
    let mut net = Net::new(&cfg.addrs, &cfg.path, cfg.concurrency)?;
    net.keep_alive = !cfg.new_connections;
    let mut load = Load::new(cfg)?;
    load.close_on_connect = true;
    let mut fails = Failures::default();
    let run = |net: &mut Net, load: &mut Load, fails: &mut Failures, d: Duration, max: u64| {
        let end = Instant::now() + d;
        let mut opened = 0u64;
        while Instant::now() < end && opened < max {
            while net.live < cfg.concurrency && opened < max {
                net.open(cfg.transport, 0);
                opened += 1;
            }
            net.turn(load, TURN)?;
            fails.take(net);
        }
        Ok::<u64, String>(opened)
    };
    run(&mut net, &mut load, &mut fails, cfg.warmup, u64::MAX)?;
    let base = load.connected;
    let cpu = CpuWindow::start(&cfg.server_pids);
    let opened = run(&mut net, &mut load, &mut fails, cfg.duration, cfg.max_ops)?;
    let spent = cpu.stop();
    let done = load.connected - base;
    // Let the handshakes in flight finish: every one started must complete.
    let end = Instant::now() + DRAIN;
    while net.live > 0 && Instant::now() < end {
        net.turn(&mut load, TURN)?;
        fails.take(&mut net);
    }
    let mut r = Report::default();
    r.put("handshakes", done);
    r.put_f("handshakes_per_s", done as f64 / spent.wall_s.max(1e-9));
    r.cpu(&spent, done, "handshake");
    fails.report(&mut r);
    r.put("stuck", net.live);
    r.put("opened", opened);
    r.put(
        "complete",
        u8::from(fails.count == 0 && net.live == 0 && done > 0),
    );
    Ok(r)
}

/// `echo` and `ack`: every client keeps `cfg.inflight` requests in flight.
pub(crate) fn echo(cfg: &Config) -> Result<Report, String> {
    let mut net = Net::new(&cfg.addrs, &cfg.path, cfg.clients)?;
    let mut load = Load::new(cfg)?;
    let mut fails = Failures::default();
    let rss_before = stats::rss_sum(&cfg.server_pids);
    let ids = ramp(cfg, &mut net, &mut load, &mut fails, cfg.clients, |_| 0)?;
    // --rate: the connections' idle memory first (as `idle` measures it: a second after the
    // ramp), then requests at the rate, spread over the clients in turn.
    let mut rss_after = None;
    if cfg.rate.is_some() {
        hold(&mut net, &mut load, &mut fails, Duration::from_secs(1))?;
        rss_after = stats::rss_sum(&cfg.server_pids);
    }
    load.sending = true;
    load.open_loop = cfg.rate.is_some();
    if !load.open_loop {
        for &ci in &ids {
            if let Some(c) = net.client(ci) {
                for _ in 0..cfg.inflight {
                    load.send_request(c);
                }
            }
            net.flush(ci);
        }
    }
    let started = Instant::now();
    let mut next = 0usize;
    let mut paced = |net: &mut Net, load: &mut Load| {
        let Some(rate) = cfg.rate else { return };
        let due = (started.elapsed().as_secs_f64() * rate) as u64;
        for _ in 0..due.saturating_sub(load.sent).min(10_000) {
            let Some(&ci) = ids.get(next % ids.len().max(1)) else {
                return;
            };
            next += 1;
            if let Some(c) = net.client(ci) {
                load.send_request(c);
            }
            net.flush(ci);
        }
    };
    let turn = if load.open_loop {
        Duration::from_millis(1)
    } else {
        TURN
    };
    let end = Instant::now() + cfg.warmup;
    while Instant::now() < end {
        net.turn(&mut load, turn)?;
        fails.take(&mut net);
        paced(&mut net, &mut load);
    }
    load.measuring = true;
    let cpu = CpuWindow::start(&cfg.server_pids);
    let end = Instant::now() + cfg.duration;
    while Instant::now() < end && load.received_in_window < cfg.max_ops {
        net.turn(&mut load, turn)?;
        fails.take(&mut net);
        paced(&mut net, &mut load);
    }
    let spent = cpu.stop();
    load.measuring = false;
    load.sending = false;
    let round_trips = load.received_in_window;
    let drain_end = Instant::now() + DRAIN;
    while load.received < load.sent && Instant::now() < drain_end && net.live > 0 {
        net.turn(&mut load, TURN)?;
        fails.take(&mut net);
    }
    let mut r = Report::default();
    r.put("clients", ids.len());
    r.put("round_trips", round_trips);
    r.put_f(
        "round_trips_per_s",
        round_trips as f64 / spent.wall_s.max(1e-9),
    );
    r.cpu(&spent, round_trips, "round_trip");
    r.latency(&load.hist);
    if let (Some(a), Some(b)) = (rss_before, rss_after) {
        r.put("server_rss_kib", b / 1024);
        r.put_f(
            "server_rss_per_conn_kib",
            b.saturating_sub(a) as f64 / 1024.0 / ids.len().max(1) as f64,
        );
    }
    if load.recovery {
        r.put("offsets", load.offsets);
    }
    load.report_answers(&mut r, &fails, ids.len() == cfg.clients && round_trips > 0);
    Ok(r)
}

/// `fanout`: receivers join `cfg.rooms` rooms; one more client broadcasts to them in turn,
/// keeping `cfg.inflight` broadcasts incomplete at a time, or at `cfg.rate` per second.
pub(crate) fn fanout(cfg: &Config) -> Result<Report, String> {
    let rooms = cfg.rooms.max(1) as u32;
    let mut net = Net::new(&cfg.addrs, &cfg.path, cfg.clients + 1 + cfg.fill_clients)?;
    let mut load = Load::new(cfg)?;
    let mut fails = Failures::default();
    let filled = rooms::fill(cfg, &mut net, &mut load, &mut fails)?;
    // Client i goes to node i % nodes (Net's round-robin); each run of `nodes` consecutive
    // clients joins one room, so that a room of `nodes` members or more has some on every
    // node (with one node: client i in room i % rooms, as always).
    let nodes = cfg.addrs.len().max(1);
    let ids = ramp(cfg, &mut net, &mut load, &mut fails, cfg.clients, |i| {
        ((i / nodes) % rooms as usize) as u32
    })?;
    load.room_size = vec![0; rooms as usize];
    // The filler's joins were counted already.
    let base = load.joined;
    for &ci in &ids {
        let Some(c) = net.client(ci) else { continue };
        let room = c.tag;
        let id = c.next_ack;
        c.next_ack += 1;
        let mut b = Vec::new();
        let _ = write!(Bytes(&mut b), "2{id}[\"join\",\"r{room}\"]");
        c.send_sio(&b);
        if let Some(n) = load.room_size.get_mut(room as usize) {
            *n += 1;
        }
        net.flush(ci);
    }
    let end = Instant::now() + DRAIN + Duration::from_millis(ids.len() as u64);
    while load.joined - base < ids.len() as u64 && Instant::now() < end {
        net.turn(&mut load, TURN)?;
        fails.take(&mut net);
    }
    if load.joined - base < ids.len() as u64 {
        return Err(format!(
            "only {} of {} joined",
            load.joined - base,
            ids.len()
        ));
    }
    let sender = ramp(cfg, &mut net, &mut load, &mut fails, 1, |_| u32::MAX)?;
    let Some(&sender) = sender.first() else {
        return Err("the sender did not connect".into());
    };
    let send = |net: &mut Net, load: &mut Load, n: u64| {
        if let Some(c) = net.client(sender) {
            for _ in 0..n {
                load.send_bcast(c, rooms);
            }
        }
        net.flush(sender);
    };
    load.sending = true;
    let started = Instant::now();
    if cfg.rate.is_none() {
        send(&mut net, &mut load, cfg.inflight as u64);
    }
    let mut phase_end = Instant::now() + cfg.warmup;
    let mut cpu = None;
    let mut spent = None;
    loop {
        let now = Instant::now();
        if now >= phase_end {
            if cpu.is_none() {
                load.measuring = true;
                cpu = Some(CpuWindow::start(&cfg.server_pids));
                phase_end = now + cfg.duration;
            } else {
                break;
            }
        }
        if load.received_in_window >= cfg.max_ops {
            break;
        }
        net.turn(
            &mut load,
            if cfg.rate.is_some() {
                Duration::from_millis(1)
            } else {
                TURN
            },
        )?;
        fails.take(&mut net);
        if !net.clients.get(sender).is_some_and(Option::is_some) {
            break;
        }
        match cfg.rate {
            Some(rate) => {
                let due = (started.elapsed().as_secs_f64() * rate) as u64;
                let n = due.saturating_sub(load.sent).min(1000);
                send(&mut net, &mut load, n);
            }
            None => {
                let n = std::mem::take(&mut load.to_send);
                send(&mut net, &mut load, n);
            }
        }
    }
    if let Some(c) = cpu {
        spent = Some(c.stop());
    }
    load.measuring = false;
    load.sending = false;
    let deliveries = load.received_in_window;
    let expected = |load: &Load| -> u64 {
        load.room_of
            .iter()
            .map(|&r| u64::from(load.room_size.get(r as usize).copied().unwrap_or(0)))
            .sum()
    };
    let drain_end = Instant::now() + DRAIN;
    while load.received < expected(&load) && Instant::now() < drain_end {
        net.turn(&mut load, TURN)?;
        fails.take(&mut net);
    }
    let want = expected(&load);
    let mut r = Report::default();
    r.put("receivers", ids.len());
    r.put("nodes", nodes);
    r.put("rooms", rooms);
    r.put("fill_rooms", filled);
    r.put("broadcasts", load.sent);
    r.put("deliveries", deliveries);
    if let Some(spent) = &spent {
        r.put_f(
            "deliveries_per_s",
            deliveries as f64 / spent.wall_s.max(1e-9),
        );
        r.cpu(spent, deliveries, "delivery");
    }
    r.latency(&load.hist);
    r.put("expected_total", want);
    r.put("received_total", load.received);
    r.put("lost", want.saturating_sub(load.received));
    r.put("duplicates", load.duplicates);
    r.put("malformed", load.malformed);
    if load.recovery {
        r.put("offsets", load.offsets);
    }
    fails.report(&mut r);
    r.put(
        "complete",
        u8::from(
            fails.count == 0
                && load.malformed == 0
                && load.duplicates == 0
                && load.received == want
                && deliveries > 0,
        ),
    );
    Ok(r)
}
