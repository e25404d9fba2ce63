// The soak benchmark: sockeye's chat under steady churn for a long time, to show that what the
// server holds stays flat after warm-up. Simulated users (official socket.io-client, half on
// websocket, half on polling then upgrade) connect, join with a name, chat with
// acknowledgements, and leave, over and over: two in three leave cleanly, one in three drops
// its transport (its session is then kept for connection state recovery and expires after
// the chat's window). Every SAMPLE seconds it records the server's RSS (/proc) and what
// /api/health reports (connections, sockets, tokio tasks alive, recovery sessions and log
// bytes), and at the end writes a markdown section with the samples and the drift between the
// first sample after warm-up and the last. A benchmark: it never fails on a figure.
//
//   node bench/soak.js                 30 minutes, 60 users (the figures in docs/benchmarks.md)
//   node bench/soak.js --minutes 2     a short run
//   options: --minutes M --users N --sample S --warmup M --out FILE (default
//            bench/benchmarks.soak.md) --doc FILE (the section goes there too; default
//            docs/benchmarks.md) --server PATH (default $CARGO_TARGET_DIR/release/sockeye-chat)
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawn } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..");
const { io } = require(path.join(ROOT, "interop", "node_modules", "socket.io-client"));

function options(argv) {
  const target = process.env.CARGO_TARGET_DIR || path.join(ROOT, "target");
  const o = {
    minutes: 30,
    users: 60,
    sample: 15,
    warmup: 3,
    out: path.join(ROOT, "bench", "benchmarks.soak.md"),
    doc: path.join(ROOT, "docs", "benchmarks.md"),
    server: path.join(target, "release", "sockeye-chat"),
  };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, "");
    const value = argv[++i];
    if (!(key in o) || value === undefined) {
      console.error(`unknown option or missing value: ${argv[i - 1]}`);
      process.exit(2);
    }
    o[key] = ["out", "server", "doc"].includes(key) ? value : Number(value);
    if (typeof o[key] === "number" && !(o[key] > 0)) {
      console.error(`--${key} takes a positive number`);
      process.exit(2);
    }
  }
  return o;
}

function startServer(exe) {
  return new Promise((resolve, reject) => {
    const child = spawn(exe, ["--port", "0", "--host", "127.0.0.1"], { stdio: ["ignore", "pipe", "inherit"] });
    child.on("error", reject);
    child.stdout.on("data", (chunk) => {
      const m = /http:\/\/localhost:(\d+)/.exec(String(chunk));
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const between = (a, b) => a + Math.random() * (b - a);

/** One user's life, again and again until `until`. Counts into `stats`. */
async function user(n, url, until, stats) {
  for (let cycle = 0; Date.now() < until; cycle++) {
    const transports = n % 2 ? ["websocket"] : ["polling", "websocket"];
    const s = io(url, { forceNew: true, reconnection: false, transports });
    s.on("chat-message", () => stats.delivered++);
    try {
      await new Promise((resolve, reject) => {
        s.once("connect", resolve);
        s.once("connect_error", reject);
      });
      const joined = await s.timeout(10000).emitWithAck("user-join", `u${n}-${cycle}`);
      if (!joined || joined.status !== "ok") throw new Error(JSON.stringify(joined));
      stats.joins++;
      const messages = Math.floor(between(3, 8));
      for (let i = 0; i < messages && Date.now() < until; i++) {
        await sleep(between(500, 2500));
        const res = await s.timeout(10000).emitWithAck("chat-message", { text: `m${i}` });
        if (res && res.status === "ok") stats.sent++;
        else stats.errors++;
      }
    } catch (err) {
      stats.errors++;
    }
    if (cycle % 3 === 2) {
      s.io.engine.close(); // dropped: a session kept for recovery, never claimed
      stats.dropped++;
    } else {
      s.disconnect();
    }
    await sleep(between(100, 1000));
  }
}

function rssKib(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

async function main() {
  const o = options(process.argv.slice(2));
  const { child, url } = await startServer(o.server);
  const start = Date.now();
  const until = start + o.minutes * 60000;
  const stats = { joins: 0, sent: 0, delivered: 0, dropped: 0, errors: 0 };
  const samples = [];
  const sampler = setInterval(async () => {
    try {
      const health = await (await fetch(`${url}/api/health`)).json();
      const sample = { minute: (Date.now() - start) / 60000, rss: rssKib(child.pid), ...health, ...stats };
      samples.push(sample);
      console.log(JSON.stringify(sample));
    } catch (err) {
      console.error(`sample failed: ${err.message}`);
    }
  }, o.sample * 1000);
  await Promise.all(Array.from({ length: o.users }, (_, n) => sleep(n * 50).then(() => user(n, url, until, stats))));
  clearInterval(sampler);
  // After everyone left: what is still held.
  await sleep(2000);
  const end = await (await fetch(`${url}/api/health`)).json();
  const endRss = rssKib(child.pid);
  child.kill("SIGTERM");

  const warm = samples.filter((s) => s.minute >= o.warmup);
  const first = warm[0] || samples[0];
  const last = samples[samples.length - 1];
  const fmt = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
  const rows = samples
    .filter((s, i) => i % Math.max(1, Math.round(samples.length / 15)) === 0 || s === last)
    .map(
      (s) =>
        `| ${s.minute.toFixed(1)} | ${fmt(s.rss)} | ${s.connections} | ${s.sockets} | ${s.tasks} | ${s.recoverySessions} | ${(s.recoveryBytes / 1024).toFixed(0)} KiB | ${s.joins} | ${s.sent} |`
    );
  const md = [
    "## Soak (chat under churn)",
    "",
    `\`node bench/soak.js --minutes ${o.minutes} --users ${o.users}\`: ${o.users} simulated users of`,
    "sockeye's chat (release build, connection state recovery on, 120 s window) connect, join,",
    "chat with acknowledgements and leave, over and over; one leave in three drops the transport",
    "(a recovery session kept, never claimed, expiring after 120 s). Samples of the server:",
    "",
    "| minute | RSS | connections | sockets | tokio tasks | recovery sessions | recovery log | joins so far | messages so far |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    `Totals: ${stats.joins} joins, ${stats.sent} messages acknowledged, ${stats.delivered} deliveries, ${stats.dropped} dropped transports, ${stats.errors} errors.`,
    `From minute ${first.minute.toFixed(1)} (after a ${o.warmup}-minute warm-up) to the end, RSS went ${fmt(first.rss)} -> ${fmt(last.rss)}` +
      ` and tokio tasks ${first.tasks} -> ${last.tasks}. Two seconds after every user left: ${end.connections} connections, ${end.sockets} sockets,` +
      ` ${end.tasks} tasks, ${end.recoverySessions} recovery sessions still in their window, RSS ${fmt(endRss)}.`,
    "",
  ].join("\n");
  fs.writeFileSync(o.out, md);
  console.log(md);
  if (o.doc) {
    // Its section of docs/benchmarks.md, in place (bench/section.py, as bench/storm does).
    const { spawnSync } = require("node:child_process");
    const put = spawnSync("python3", [
      "-c",
      "import sys; sys.path.insert(0, sys.argv[1]); from section import put_section; put_section(sys.argv[2], open(sys.argv[3]).read())",
      path.join(ROOT, "bench"),
      o.doc,
      o.out,
    ], { stdio: "inherit" });
    if (put.status !== 0) process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
