#!/usr/bin/env node
// What forwarding between nodes costs (docs/benchmarks.md, "Forwarding between nodes": its
// tables are this script's output, copied by hand into bench/benchmarks.forwarding.md).
//
// Three sockeye chat nodes (--redis, --cluster-secret) on a private redis-server, nginx in
// front of them. One client at a time, raw Engine.IO so that nothing else is measured:
//   polling: a round trip is a POST of `42<id>["chat-message",...]` then GETs until its ack
//            `43<id>` comes back; behind nginx round-robin (two requests in three land on a
//            node that forwards them to the owner) against nginx ip_hash (sticky: every
//            request on the owner).
//   upgrade: the websocket upgrade of a polling session opened on node A, made on A itself
//            (direct) or on node B (relayed to A): the time to the `3probe`, then chat-message
//            round trips over the websocket.
// CPU is the three chat processes' user + system time (/proc/<pid>/stat) over the round
// trips, divided by their number; nginx's is left out (it is the same work in both set-ups).
// Each figure is the median of RUNS runs. Usage: bench/forwarding/run.js [RUNS] [ROUND_TRIPS]
// (defaults 3 and 1000); needs the release sockeye-chat, redis-server, nginx and interop's
// node_modules (cd interop && npm ci).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const ROOT = path.resolve(__dirname, "..", "..");
const { start } = require(path.join(ROOT, "interop/lib/server.js"));
const { startRedis } = require(path.join(ROOT, "interop/lib/redis.js"));
const { startNginx } = require(path.join(ROOT, "interop/lib/nginx.js"));
const WebSocket = require(require.resolve("ws", { paths: [path.join(ROOT, "interop")] }));
const { binary } = require(path.join(ROOT, "interop/lib/server.js"));

const RUNS = Number(process.argv[2] || 3);
const ROUND_TRIPS = Number(process.argv[3] || 1000);
const UPGRADES = 100;
const SECRET = "benchmark cluster secret, 16+ characters";
const SEP = "\x1e";
const TICK_MS = 1000 / 100; // USER_HZ

function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
  }
  return ticks * TICK_MS;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))];
};

/** A raw Engine.IO polling session against `base` (a node or nginx). */
class Polling {
  constructor(base) {
    this.base = base;
    this.inbox = [];
  }
  url() {
    return `${this.base}/socket.io/?EIO=4&transport=polling${this.sid ? `&sid=${this.sid}` : ""}`;
  }
  async open() {
    const res = await fetch(this.url());
    const body = await res.text();
    if (res.status !== 200) throw new Error(`handshake: ${res.status} ${body}`);
    this.sid = JSON.parse(body.slice(1)).sid;
    await this.post("40");
    await this.until((p) => p.startsWith("40"));
  }
  async post(packets) {
    const res = await fetch(this.url(), { method: "POST", body: packets });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`POST: ${res.status} ${body}`);
  }
  async until(match) {
    for (;;) {
      const i = this.inbox.findIndex(match);
      if (i >= 0) return this.inbox.splice(0, i + 1)[i];
      const res = await fetch(this.url());
      const body = await res.text();
      if (res.status !== 200) throw new Error(`GET: ${res.status} ${body}`);
      for (const p of body.split(SEP)) {
        if (p === "2") await this.post("3");
        else this.inbox.push(p);
      }
    }
  }
}

let ackId = 0;
async function pollingRoundTrips(base, n) {
  const s = new Polling(base);
  await s.open();
  const join = ++ackId;
  await s.post(`42${join}["user-join","p${join}"]`);
  await s.until((p) => p.startsWith(`43${join}`));
  const times = [];
  for (let i = 0; i < n; i++) {
    const id = ++ackId;
    const t0 = process.hrtime.bigint();
    await s.post(`42${id}["chat-message",{"text":"x"}]`);
    await s.until((p) => p.startsWith(`43${id}`));
    times.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  await s.post("1");
  return times;
}

function wsOpen(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}
function wsNext(ws, match) {
  return new Promise((resolve) => {
    const on = (data) => {
      const text = data.toString();
      if (text === "2") return ws.send("3");
      if (!match(text)) return;
      ws.off("message", on);
      resolve(text);
    };
    ws.on("message", on);
  });
}

/** Upgrades a session opened on `owner` through `via`; the time to the probe's answer. */
async function upgrade(owner, via) {
  const s = new Polling(owner);
  await s.open();
  const t0 = process.hrtime.bigint();
  const ws = await wsOpen(`${via.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket&sid=${s.sid}`);
  const probe = wsNext(ws, (t) => t === "3probe");
  ws.send("2probe");
  await probe;
  const took = Number(process.hrtime.bigint() - t0) / 1e3;
  ws.send("5");
  return { ws, took };
}

async function wsRoundTrips(ws, n) {
  const join = ++ackId;
  const joined = wsNext(ws, (t) => t.startsWith(`43${join}`));
  ws.send(`42${join}["user-join","w${join}"]`);
  await joined;
  const times = [];
  for (let i = 0; i < n; i++) {
    const id = ++ackId;
    const t0 = process.hrtime.bigint();
    const ack = wsNext(ws, (t) => t.startsWith(`43${id}`));
    ws.send(`42${id}["chat-message",{"text":"x"}]`);
    await ack;
    times.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  return times;
}

async function measure(pids, f) {
  const c0 = cpuMs(pids);
  const { times, count } = await f();
  const cpu = cpuMs(pids) - c0;
  return { p50: median(times), p99: pct(times, 99), cpuUs: (cpu * 1000) / count };
}

async function main() {
  const redis = await startRedis();
  const nodes = [];
  for (let i = 0; i < 3; i++) {
    nodes.push(
      await start(binary("sockeye-chat"), ["--host", "127.0.0.1", "--redis", redis.url], {
        env: { PORT: "0", SOCKEYE_CLUSTER_SECRET: SECRET, RUST_LOG: "error" },
      }),
    );
  }
  const upstreams = nodes.map((n) => `127.0.0.1:${n.port}`);
  const rr = await startNginx({ upstreams, balance: "round-robin" });
  const sticky = await startNginx({ upstreams, balance: "ip_hash" });
  const pids = nodes.map((n) => n.child.pid);
  const direct = (i) => `http://127.0.0.1:${nodes[i].port}`;
  const results = { "polling, sticky (ip_hash)": [], "polling, round-robin (2 in 3 forwarded)": [], "websocket, direct": [], "websocket, relayed": [] };
  const upgrades = { direct: [], relayed: [] };
  try {
    // Warm-up: connections, allocators, the registry's cache.
    await pollingRoundTrips(rr.url, 200);
    await pollingRoundTrips(sticky.url, 200);
    for (let run = 0; run < RUNS; run++) {
      for (const [name, base] of [["polling, sticky (ip_hash)", sticky.url], ["polling, round-robin (2 in 3 forwarded)", rr.url]]) {
        results[name].push(
          await measure(pids, async () => ({ times: await pollingRoundTrips(base, ROUND_TRIPS), count: ROUND_TRIPS })),
        );
      }
      for (const [name, via] of [["direct", direct(0)], ["relayed", direct(1)]]) {
        const took = [];
        for (let i = 0; i < UPGRADES; i++) {
          const u = await upgrade(direct(0), via);
          took.push(u.took);
          u.ws.close();
        }
        upgrades[name].push(median(took));
        const { ws } = await upgrade(direct(0), via);
        results[`websocket, ${name}`].push(
          await measure(pids, async () => ({ times: await wsRoundTrips(ws, ROUND_TRIPS), count: ROUND_TRIPS })),
        );
        ws.close();
      }
    }
  } finally {
    await rr.stop();
    await sticky.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    await redis.stop();
  }
  const fmt = (x) => x.toFixed(0);
  console.log(`| set-up | round trip p50 (µs) | p99 (µs) | CPU per round trip, 3 nodes (µs) |`);
  console.log(`| --- | --- | --- | --- |`);
  for (const [name, runs] of Object.entries(results)) {
    console.log(`| ${name} | ${fmt(median(runs.map((r) => r.p50)))} | ${fmt(median(runs.map((r) => r.p99)))} | ${fmt(median(runs.map((r) => r.cpuUs)))} |`);
  }
  console.log();
  console.log(`| upgrade (to \`3probe\`) | median (µs) |`);
  console.log(`| --- | --- |`);
  for (const [name, runs] of Object.entries(upgrades)) console.log(`| ${name} | ${fmt(median(runs))} |`);
  console.log(`\n${RUNS} runs of ${ROUND_TRIPS} round trips and ${UPGRADES} upgrades each; medians over runs.`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
