//! `storm`: a reconnect storm. Receivers join rooms, one more client broadcasts to the rooms in
//! turn at a steady rate, then every receiver loses its connection at once and reconnects
//! after socket.io-client's backoff. Measures how long until all are back, how many got their
//! session back, whether every broadcast reached every member of its room exactly once, and
//! what the storm cost the server (peak RSS, CPU).
//!
//! The drop: the generator closes every receiver's socket in the same turn. The server sees
//! each transport close under it, as it sees a network failure, whatever the server is, so
//! no peer needs an admin hook. With `--wait-drop` the generator drops nothing and waits for
//! the server to go (`bench/storm --restart` kills and restarts it).
//!
//! With `--recovery` a reconnecting receiver sends the private id and the last offset it saw
//! (as socket.io-client does) and should come back with the same socket id, still in its
//! room, after the broadcasts it missed. Without, or when the server refuses, it gets a fresh
//! session and joins its room again, as an application would; what was broadcast meanwhile is
//! missing, and counted.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::Config;
use crate::client::{Client, Msg, Transport, last_string_arg, parse_u64};
use crate::net::{Net, Scenario};
use crate::stats::{self, CpuWindow, Report};

/// socket.io-client's defaults: `reconnectionDelay`, `reconnectionDelayMax`,
/// `randomizationFactor` (the delay doubles per attempt).
const DELAY_MS: f64 = 1000.0;
const DELAY_MAX_MS: f64 = 5000.0;
const RANDOMIZATION: f64 = 0.5;
/// Broadcasts per second when `--rate` is not given.
const DEFAULT_RATE: f64 = 100.0;
/// The longest the storm may last before the run gives up on the clients still away.
const BACK_DEADLINE: Duration = Duration::from_secs(120);
/// `--wait-drop`: how long to wait for the server to go.
const DROP_DEADLINE: Duration = Duration::from_secs(120);
const DRAIN: Duration = Duration::from_secs(10);
const SAMPLE: Duration = Duration::from_millis(100);
const SEQ_DIGITS: usize = 12;
/// The owner of the sender's slot.
const SENDER: usize = usize::MAX;
/// socket.io-client's `timeout`: a connection attempt not through by then fails (and is
/// retried after the backoff).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Up,
    /// Away; reconnects at the time queued for it.
    Waiting {
        attempt: u32,
    },
    Connecting {
        attempt: u32,
    },
}

struct Receiver {
    room: u32,
    state: State,
    /// The net's slot of its current client, and when that client was opened.
    slot: usize,
    since: Instant,
    sid: String,
    pid: String,
    offset: String,
    /// Deliveries of each broadcast to the room, by its index among the room's broadcasts.
    got: Vec<u8>,
    /// Time from the drop until it was connected again.
    back_after: Option<Duration>,
    recovered: bool,
}

struct Storm {
    rooms: u32,
    recovery: bool,
    /// Client slot of the net -> receiver index (or [`SENDER`]).
    owner: Vec<usize>,
    rx: Vec<Receiver>,
    up: usize,
    joined: u64,
    dropped_at: Option<Instant>,
    malformed: u64,
    missing_offsets: u64,
    recovered: u64,
    fresh: u64,
}

impl Storm {
    fn receiver(&mut self, ci: usize) -> Option<&mut Receiver> {
        let i = *self.owner.get(ci)?;
        self.rx.get_mut(i)
    }
}

impl Scenario for Storm {
    fn on_msg(&mut self, ci: usize, c: &mut Client, m: Msg<'_>) {
        let rooms = self.rooms;
        let recovery = self.recovery;
        let dropped_at = self.dropped_at;
        match m {
            Msg::Connected => {
                let Some(r) = self.receiver(ci) else { return };
                let again = matches!(r.state, State::Connecting { .. }) && dropped_at.is_some();
                let recovered = again && !r.sid.is_empty() && r.sid == c.socket_sid;
                r.state = State::Up;
                r.sid.clone_from(&c.socket_sid);
                if !c.pid.is_empty() {
                    r.pid.clone_from(&c.pid);
                }
                let room = r.room;
                if again {
                    r.back_after = dropped_at.map(|t| t.elapsed());
                    r.recovered = recovered;
                    if recovered {
                        self.recovered += 1;
                    } else {
                        // A fresh session is in no room: join again, as an application does.
                        self.fresh += 1;
                        send_join(c, room);
                    }
                }
                self.up += 1;
            }
            Msg::Event { name, rest, .. } => {
                if name != b"b" {
                    self.malformed += 1;
                    return;
                }
                let offset = if recovery {
                    let o = last_string_arg(rest);
                    if o.is_none() {
                        self.missing_offsets += 1;
                    }
                    o
                } else {
                    None
                };
                let Some(seq) = read_seq(rest) else {
                    self.malformed += 1;
                    return;
                };
                let Some(r) = self.receiver(ci) else { return };
                if seq % u64::from(rooms) != u64::from(r.room) {
                    self.malformed += 1;
                    return;
                }
                let idx = (seq / u64::from(rooms)) as usize;
                if r.got.len() <= idx {
                    r.got.resize(idx + 1, 0);
                }
                r.got[idx] = r.got[idx].saturating_add(1);
                if let Some(o) = offset {
                    r.offset.clear();
                    r.offset.push_str(&String::from_utf8_lossy(o));
                }
            }
            Msg::Ack { .. } => self.joined += 1,
        }
    }
}

/// The sequence number of a broadcast (`,"s<seq>"...`).
fn read_seq(rest: &[u8]) -> Option<u64> {
    let start = crate::http::find(rest, b"\"s")? + 2;
    parse_u64(rest.get(start..start + SEQ_DIGITS)?)
}

fn send_join(c: &mut Client, room: u32) {
    let id = c.next_ack;
    c.next_ack += 1;
    let mut b = Vec::new();
    let _ = write!(Text(&mut b), "2{id}[\"join\",\"r{room}\"]");
    c.send_sio(&b);
}

/// `write!` into a byte vector.
struct Text<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Text<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// socket.io-client's backoff: `DELAY_MS * 2^attempt`, moved by up to `RANDOMIZATION` of
/// itself either way, at most `DELAY_MAX_MS`.
pub(crate) fn backoff(attempt: u32, rng: &mut u64) -> Duration {
    let ms = DELAY_MS * 2f64.powi(attempt.min(16) as i32);
    let rand = next_f64(rng);
    let deviation = (rand * RANDOMIZATION * ms).floor();
    let ms = if ((rand * 10.0).floor() as u64) & 1 == 0 {
        ms - deviation
    } else {
        ms + deviation
    };
    Duration::from_millis(ms.min(DELAY_MAX_MS) as u64)
}

/// A uniform number in [0, 1) from a xorshift64 state.
fn next_f64(state: &mut u64) -> f64 {
    let mut x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// The sender: one client in no room, broadcasting `s<seq>` to room `seq % rooms`.
struct Sender {
    slot: usize,
    sent: u64,
    started: Instant,
    rate: f64,
}

impl Sender {
    /// Sends what is due at the rate.
    fn tick(&mut self, net: &mut Net, rooms: u32) {
        let due = (self.started.elapsed().as_secs_f64() * self.rate) as u64;
        let n = due.saturating_sub(self.sent).min(1000);
        if n == 0 {
            return;
        }
        let Some(c) = net.client(self.slot).filter(|c| c.is_ready()) else {
            // Not connected (--wait-drop): nothing is sent meanwhile, and nothing is owed
            // when it is back.
            self.started = Instant::now() - Duration::from_secs_f64(self.sent as f64 / self.rate);
            return;
        };
        let mut b = Vec::new();
        for _ in 0..n {
            let seq = self.sent;
            let room = seq % u64::from(rooms);
            b.clear();
            let _ = write!(
                Text(&mut b),
                "2[\"bcast\",\"r{room}\",\"s{seq:0SEQ_DIGITS$}\"]"
            );
            c.send_sio(&b);
            self.sent += 1;
        }
        net.flush(self.slot);
    }
}

fn set_owner(owner: &mut Vec<usize>, slot: usize, who: usize) {
    if owner.len() <= slot {
        owner.resize(slot + 1, SENDER);
    }
    owner[slot] = who;
}

/// Opens a client for receiver `i`, asking to recover its session when it has one.
fn reconnect(net: &mut Net, s: &mut Storm, i: usize, attempt: u32) {
    let slot = net.open(Transport::Websocket, 0);
    set_owner(&mut s.owner, slot, i);
    let Some(r) = s.rx.get_mut(i) else { return };
    r.state = State::Connecting { attempt };
    r.slot = slot;
    r.since = Instant::now();
    if s.recovery
        && !r.pid.is_empty()
        && let Some(c) = net.client(slot)
    {
        // As socket.io-client: the offset only once one was seen.
        let mut auth = format!("{{\"pid\":\"{}\"", r.pid);
        if !r.offset.is_empty() {
            let _ = write!(auth, ",\"offset\":\"{}\"", r.offset);
        }
        auth.push('}');
        c.connect_auth = Some(auth.into_bytes());
    }
}

/// Failures of receivers, kept for the report.
#[derive(Default)]
struct Failures {
    count: u64,
    first: Vec<String>,
}

impl Failures {
    fn add(&mut self, e: String) {
        self.count += 1;
        if self.first.len() < 3 {
            self.first.push(e);
        }
    }
}

pub(crate) fn storm(cfg: &Config) -> Result<Report, String> {
    let n = cfg.clients;
    let rooms = cfg.rooms.clamp(1, n) as u32;
    let rate = cfg.rate.unwrap_or(DEFAULT_RATE);
    let mut net = Net::new(&cfg.addrs, &cfg.path, n + 1)?;
    let mut rng = 0x2545_F491_4F6C_DD1D_u64;
    let mut s = Storm {
        rooms,
        recovery: cfg.recovery,
        owner: Vec::with_capacity(n + 1),
        rx: (0..n)
            .map(|i| Receiver {
                room: (i % rooms as usize) as u32,
                state: State::Waiting { attempt: 0 },
                slot: usize::MAX,
                since: Instant::now(),
                sid: String::new(),
                pid: String::new(),
                offset: String::new(),
                got: Vec::new(),
                back_after: None,
                recovered: false,
            })
            .collect(),
        up: 0,
        joined: 0,
        dropped_at: None,
        malformed: 0,
        missing_offsets: 0,
        recovered: 0,
        fresh: 0,
    };

    // Ramp: every receiver connects (at most --concurrency handshakes at a time) and joins.
    let deadline = Instant::now() + Duration::from_secs(30) + Duration::from_millis(n as u64 * 5);
    let mut opened = 0usize;
    while s.up < n {
        while opened < n && opened - s.up < cfg.concurrency {
            reconnect(&mut net, &mut s, opened, 0);
            opened += 1;
        }
        net.turn(&mut s, Duration::from_millis(5))?;
        if let Some((_, e)) = net.ended.drain(..).next() {
            return Err(format!("ramp: a receiver failed: {e:?}"));
        }
        if Instant::now() > deadline {
            return Err(format!("ramp timed out: {} of {n} connected", s.up));
        }
    }
    for slot in 0..net.clients.len() {
        let room = s.receiver(slot).map(|r| r.room);
        if let (Some(room), Some(c)) = (room, net.client(slot)) {
            send_join(c, room);
            net.flush(slot);
        }
    }
    let end = Instant::now() + DRAIN + Duration::from_millis(n as u64);
    while s.joined < n as u64 {
        net.turn(&mut s, Duration::from_millis(5))?;
        if Instant::now() > end {
            return Err(format!("only {} of {n} joined", s.joined));
        }
    }
    let slot = net.open(Transport::Websocket, 0);
    set_owner(&mut s.owner, slot, SENDER);
    let end = Instant::now() + DRAIN;
    while !net.client(slot).is_some_and(|c| c.is_ready()) {
        net.turn(&mut s, Duration::from_millis(5))?;
        if !net.ended.is_empty() || Instant::now() > end {
            return Err("the sender did not connect".into());
        }
    }
    let mut sender = Sender {
        slot,
        sent: 0,
        started: Instant::now(),
        rate,
    };
    let sender_alive = |net: &Net| net.clients.get(slot).is_some_and(Option::is_some);

    // Steady stream, then the drop.
    let end = Instant::now() + cfg.warmup;
    let mut fails = Failures::default();
    let mut queue: BinaryHeap<Reverse<(Instant, usize)>> = BinaryHeap::new();
    let mut rss_before = None;
    let mut cpu = None;
    let mut reschedule_ended = |s: &mut Storm, net: &mut Net, queue: &mut BinaryHeap<_>| {
        // Receivers that ended: away, to reconnect after the backoff (a failed attempt
        // counts and waits longer).
        for (ci, err) in net.ended.drain(..) {
            let Some(&i) = s.owner.get(ci) else { continue };
            let Some(r) = s.rx.get_mut(i) else { continue };
            let attempt = match r.state {
                State::Up => {
                    s.up -= 1;
                    0
                }
                State::Connecting { attempt } => {
                    fails.add(err.unwrap_or_else(|| "closed".into()));
                    attempt + 1
                }
                State::Waiting { .. } => continue,
            };
            r.state = State::Waiting { attempt };
            queue.push(Reverse((Instant::now() + backoff(attempt, &mut rng), i)));
        }
    };
    if cfg.wait_drop {
        // The server goes on its own (killed by bench/storm): the first receiver to lose its
        // connection marks the drop.
        println!("READY connected={n}");
        let end = Instant::now() + DROP_DEADLINE;
        while s.up == n {
            sender.tick(&mut net, rooms);
            net.turn(&mut s, Duration::from_millis(1))?;
            if !net.ended.is_empty() {
                s.dropped_at = Some(Instant::now());
            }
            reschedule_ended(&mut s, &mut net, &mut queue);
            if Instant::now() > end {
                return Err("the server did not go".into());
            }
        }
        s.dropped_at.get_or_insert_with(Instant::now);
    } else {
        while Instant::now() < end {
            sender.tick(&mut net, rooms);
            net.turn(&mut s, Duration::from_millis(1))?;
            if !sender_alive(&net) {
                return Err("the sender lost its connection before the drop".into());
            }
        }
        rss_before = stats::rss_sum(&cfg.server_pids);
        cpu = Some(CpuWindow::start(&cfg.server_pids));
        let now = Instant::now();
        s.dropped_at = Some(now);
        for ci in 0..net.clients.len() {
            if s.owner.get(ci).is_some_and(|&o| o != SENDER) {
                net.end(ci, None);
            }
        }
        reschedule_ended(&mut s, &mut net, &mut queue);
    }
    let dropped_at = s.dropped_at.unwrap_or_else(Instant::now);
    let mut rss_peak = rss_before.unwrap_or(0);
    let mut next_sample = Instant::now();
    let deadline = dropped_at + BACK_DEADLINE;

    // The storm: reconnect each receiver when its backoff is over, until all are back.
    // Without --wait-drop the sender stays connected; with it, it comes back too.
    let mut sender_back = !cfg.wait_drop || sender_alive(&net);
    let mut sender_retry = dropped_at + Duration::from_millis(DELAY_MS as u64);
    while s.up < n || !sender_back {
        let now = Instant::now();
        if now > deadline {
            break;
        }
        while let Some(&Reverse((at, i))) = queue.peek() {
            if at > now {
                break;
            }
            queue.pop();
            if let Some(State::Waiting { attempt }) = s.rx.get(i).map(|r| r.state) {
                reconnect(&mut net, &mut s, i, attempt);
            }
        }
        if sender_alive(&net) {
            sender.tick(&mut net, rooms);
        } else if now >= sender_retry {
            // --wait-drop: the sender, too, tries again (the server may not be up yet).
            let slot = net.open(Transport::Websocket, 0);
            set_owner(&mut s.owner, slot, SENDER);
            sender.slot = slot;
            sender_retry = now + Duration::from_millis(DELAY_MS as u64);
        }
        net.turn(&mut s, Duration::from_millis(1))?;
        // The sender's own failures are not the receivers'.
        net.ended.retain(|&(ci, _)| ci != sender.slot);
        reschedule_ended(&mut s, &mut net, &mut queue);
        if !sender_back && net.client(sender.slot).is_some_and(|c| c.is_ready()) {
            sender_back = true;
        }
        if now >= next_sample {
            for r in &s.rx {
                if matches!(r.state, State::Connecting { .. })
                    && now.duration_since(r.since) > CONNECT_TIMEOUT
                {
                    let phase = net.client(r.slot).map_or("gone", |c| c.phase_name());
                    net.end(r.slot, Some(format!("timeout: {phase}")));
                }
            }
            if let Some(rss) = stats::rss_sum(&cfg.server_pids) {
                rss_peak = rss_peak.max(rss);
            }
            next_sample = now + SAMPLE;
        }
    }
    // --wait-drop: the server measured (if any) is gone; bench/storm measures its successor.
    let spent = cpu.map(|c| c.stop());
    let all_back = s.up == n;
    // For bench/storm, which measures a restarted server itself: the storm is over.
    println!("BACK all={}", u8::from(all_back));
    let storm_s = dropped_at.elapsed().as_secs_f64();

    // Steady again, then drain: until every receiver has its room's last broadcast.
    let end = Instant::now() + cfg.duration;
    while Instant::now() < end && sender_alive(&net) {
        sender.tick(&mut net, rooms);
        net.turn(&mut s, Duration::from_millis(1))?;
        net.ended.retain(|&(ci, _)| ci != sender.slot);
        reschedule_ended(&mut s, &mut net, &mut queue);
    }
    let sent = sender.sent;
    let expected = |room: u32| -> usize {
        (sent / u64::from(rooms) + u64::from(u64::from(room) < sent % u64::from(rooms))) as usize
    };
    let drain_end = Instant::now() + DRAIN;
    while Instant::now() < drain_end {
        let done = s.rx.iter().all(|r| {
            let want = expected(r.room);
            want == 0 || r.got.get(want - 1).is_some_and(|&g| g > 0)
        });
        if done {
            break;
        }
        net.turn(&mut s, Duration::from_millis(20))?;
        net.ended.retain(|&(ci, _)| ci != sender.slot);
        reschedule_ended(&mut s, &mut net, &mut queue);
    }

    // Every receiver should have had every broadcast to its room exactly once.
    let (mut missing, mut duplicates, mut whole) = (0u64, 0u64, 0u64);
    let mut missing_recovered = 0u64;
    for r in &s.rx {
        let want = expected(r.room);
        let miss = (0..want)
            .filter(|&k| r.got.get(k).is_none_or(|&g| g == 0))
            .count() as u64;
        let dup: u64 = r.got.iter().map(|&g| u64::from(g.saturating_sub(1))).sum();
        missing += miss;
        duplicates += dup;
        if r.recovered {
            missing_recovered += miss;
        }
        if miss == 0 && dup == 0 && r.got.len() <= want {
            whole += 1;
        }
    }
    let mut back: Vec<f64> =
        s.rx.iter()
            .filter_map(|r| r.back_after.map(|d| d.as_secs_f64()))
            .collect();
    back.sort_by(f64::total_cmp);
    let quantile = |q: f64| -> f64 {
        back.get(((back.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0.0)
    };
    let mut r = Report::default();
    r.put("receivers", n);
    r.put("rooms", rooms);
    r.put_f("rate", rate);
    r.put("recovery", u8::from(cfg.recovery));
    r.put("broadcasts", sent);
    r.put("back", back.len());
    r.put_f("back_all_s", if all_back { quantile(1.0) } else { storm_s });
    r.put_f("back_p50_s", quantile(0.5));
    r.put_f("back_p99_s", quantile(0.99));
    r.put("recovered", s.recovered);
    r.put("fresh", s.fresh);
    r.put("reconnect_failures", fails.count);
    if let Some(e) = fails.first.first() {
        r.put("first_error", format_args!("{e:?}"));
        eprintln!("reconnect failures ({}): {:?}", fails.count, fails.first);
    }
    r.put(
        "expected_total",
        s.rx.iter().map(|r| expected(r.room) as u64).sum::<u64>(),
    );
    r.put("missing", missing);
    r.put("missing_recovered", missing_recovered);
    r.put("duplicates", duplicates);
    r.put_f("clients_whole_pct", whole as f64 * 100.0 / n.max(1) as f64);
    r.put("malformed", s.malformed);
    if cfg.recovery {
        r.put("missing_offsets", s.missing_offsets);
    }
    r.put_f("storm_wall_s", storm_s);
    if let Some(spent) = &spent
        && let Some(cpu_s) = spent.server_s
    {
        r.put_f("gen_cpu", spent.gen_s / spent.wall_s.max(1e-9));
        r.put_f("server_cpu_s", cpu_s);
        r.put_f("server_cpu", cpu_s / spent.wall_s.max(1e-9));
    }
    if let Some(b) = rss_before {
        r.put("server_rss_before_kib", b / 1024);
        r.put("server_peak_rss_kib", rss_peak / 1024);
    }
    // Whether the run worked (every receiver back, nothing unreadable), not a verdict on the
    // figures: delivery is what the figures above report.
    r.put(
        "complete",
        u8::from(all_back && s.malformed == 0 && s.missing_offsets == 0),
    );
    Ok(r)
}
