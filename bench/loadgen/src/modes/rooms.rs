//! Rooms as the work grows: [`fill`] puts a namespace's worth of rooms in place before a
//! scenario measures (each held by one of `--fill-clients` sockets), and [`churn`] measures
//! what one join or one leave costs the server while each client is in `--rooms` rooms.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::{Bytes, DRAIN, Failures, Load, TURN, ramp};
use crate::Config;
use crate::client::Client;
use crate::net::Net;
use crate::stats::{CpuWindow, Report};

/// Sends `verb` (`join` or `leave`) for `room` with an acknowledgement id.
fn send_room_op(c: &mut Client, verb: &str, room: std::fmt::Arguments<'_>, buf: &mut Vec<u8>) {
    let id = c.next_ack;
    c.next_ack += 1;
    buf.clear();
    let _ = write!(Bytes(buf), "2{id}[\"{verb}\",\"{room}\"]");
    c.send_sio(buf);
    c.sent += 1;
}

/// Runs turns until `want` more joins are acknowledged than `base`, or fails after a
/// deadline that grows with the count.
fn await_joins(
    net: &mut Net,
    load: &mut Load,
    fails: &mut Failures,
    base: u64,
    want: u64,
) -> Result<(), String> {
    let end = Instant::now() + DRAIN + Duration::from_micros(want * 200);
    while load.joined - base < want {
        if Instant::now() > end {
            return Err(format!(
                "only {} of {want} joins acknowledged",
                load.joined - base
            ));
        }
        net.turn(load, TURN)?;
        fails.take(net);
    }
    Ok(())
}

/// `--fill-rooms T`: T rooms `f0`..`f{T-1}`, room k held by filler socket k % F (F =
/// `--fill-clients`, at most T), all joined before anything is measured. Returns T.
pub(super) fn fill(
    cfg: &Config,
    net: &mut Net,
    load: &mut Load,
    fails: &mut Failures,
) -> Result<usize, String> {
    if cfg.fill_rooms == 0 {
        return Ok(0);
    }
    let holders = cfg.fill_clients.clamp(1, cfg.fill_rooms);
    let ids = ramp(cfg, net, load, fails, holders, |_| u32::MAX - 1)?;
    if ids.len() < holders {
        return Err(format!(
            "only {} of {holders} room holders connected",
            ids.len()
        ));
    }
    load.setup = true;
    let base = load.joined;
    let mut buf = Vec::new();
    for (i, &ci) in ids.iter().enumerate() {
        let Some(c) = net.client(ci) else { continue };
        for k in (i..cfg.fill_rooms).step_by(holders) {
            send_room_op(c, "join", format_args!("f{k}"), &mut buf);
        }
        net.flush(ci);
    }
    let r = await_joins(net, load, fails, base, cfg.fill_rooms as u64);
    load.setup = false;
    r.map(|()| cfg.fill_rooms)
}

impl Load {
    /// Churn: client `ci`'s next request, leave and join in turn, over its rooms in turn
    /// (leave `k0`, join `k0`, leave `k1`, ...), so that it is back in all of them every
    /// second step.
    fn churn_step(&mut self, ci: usize, c: &mut Client) {
        let Some(step) = self.steps.get_mut(ci) else {
            return;
        };
        let s = *step;
        *step += 1;
        let step = s;
        let room = (step / 2) % self.churn_rooms.max(1);
        let verb = if step % 2 == 0 { "leave" } else { "join" };
        let mut buf = std::mem::take(&mut self.buf);
        send_room_op(c, verb, format_args!("k{room}"), &mut buf);
        self.buf = buf;
        self.sent += 1;
        let now = self.now_ns();
        if let Some(q) = self.step_sent_ns.get_mut(ci) {
            q.push_back(now);
        }
    }

    /// Churn: client `ci`'s request was acknowledged.
    pub(super) fn churned(&mut self, ci: usize, c: &mut Client) {
        c.recv += 1;
        self.received += 1;
        if self.measuring {
            self.received_in_window += 1;
        }
        // A socket's requests are answered in order: the oldest one sent is this one.
        if let Some(t) = self.step_sent_ns.get_mut(ci).and_then(|q| q.pop_front()) {
            self.record(t);
        }
        if self.sending {
            self.churn_step(ci, c);
        }
    }
}

/// `churn`: every client joins `--rooms` rooms (`k0`.., the same names for all, so each
/// room has `--clients` members and the namespace `--rooms` rooms, plus `--fill-rooms`),
/// then leaves and joins them again in a closed loop, `--inflight` requests in flight each
/// (a socket's requests are handled in order, so the leave and the join of one room never
/// swap); the server's CPU per acknowledged join or leave is what it measures.
pub(crate) fn churn(cfg: &Config) -> Result<Report, String> {
    let per = cfg.rooms.max(1);
    let mut net = Net::new(&cfg.addrs, &cfg.path, cfg.clients + cfg.fill_clients)?;
    let mut load = Load::new(cfg)?;
    load.churn_rooms = per as u64;
    let mut fails = Failures::default();
    let filled = fill(cfg, &mut net, &mut load, &mut fails)?;
    let ids = ramp(cfg, &mut net, &mut load, &mut fails, cfg.clients, |_| 0)?;
    load.setup = true;
    let base = load.joined;
    let mut buf = Vec::new();
    for &ci in &ids {
        let Some(c) = net.client(ci) else { continue };
        for k in 0..per {
            send_room_op(c, "join", format_args!("k{k}"), &mut buf);
        }
        net.flush(ci);
    }
    await_joins(
        &mut net,
        &mut load,
        &mut fails,
        base,
        (ids.len() * per) as u64,
    )?;
    load.setup = false;
    let slots = ids.iter().max().map_or(0, |&m| m + 1);
    load.steps = vec![0; slots];
    load.step_sent_ns = vec![std::collections::VecDeque::new(); slots];
    load.sending = true;
    for &ci in &ids {
        if let Some(c) = net.client(ci) {
            for _ in 0..cfg.inflight {
                load.churn_step(ci, c);
            }
        }
        net.flush(ci);
    }
    let end = Instant::now() + cfg.warmup;
    while Instant::now() < end {
        net.turn(&mut load, TURN)?;
        fails.take(&mut net);
    }
    load.measuring = true;
    let cpu = CpuWindow::start(&cfg.server_pids);
    let end = Instant::now() + cfg.duration;
    while Instant::now() < end && load.received_in_window < cfg.max_ops {
        net.turn(&mut load, TURN)?;
        fails.take(&mut net);
    }
    let spent = cpu.stop();
    load.measuring = false;
    load.sending = false;
    let ops = load.received_in_window;
    let drain_end = Instant::now() + DRAIN;
    while load.received < load.sent && Instant::now() < drain_end && net.live > 0 {
        net.turn(&mut load, TURN)?;
        fails.take(&mut net);
    }
    let mut r = Report::default();
    r.put("clients", ids.len());
    r.put("rooms_per_socket", per);
    r.put("fill_rooms", filled);
    r.put("ops", ops);
    r.put_f("ops_per_s", ops as f64 / spent.wall_s.max(1e-9));
    r.cpu(&spent, ops, "op");
    r.latency(&load.hist);
    load.report_answers(&mut r, &fails, ids.len() == cfg.clients && ops > 0);
    Ok(r)
}
