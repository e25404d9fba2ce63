#!/usr/bin/env node
// Server memory after bursts of large broadcasts (issue #16, "memory after a burst"): starts
// the chat server, connects a sender and --readers clients that read everything, then runs
// --rounds rounds. Each round --slow new clients join and stop reading (slow consumers, which
// the server disconnects once their outbox is full), and the sender sends --messages chat
// messages of --size bytes, each broadcast to everyone. Prints the server's peak VmRSS during
// each round and its VmRSS once the round is delivered, then once every client has left.
//
//   node bench/burst-memory.js [--rounds 10] [--messages 1200] [--size 262144]
//                              [--readers 2] [--slow 1] [--window 8] [--server PATH] [--label NAME]
//                              [--port P --pid PID]   (a server already running)
//
// The server is the release chat binary (cargo build --release --bins) unless --server names
// another one; the environment is passed on, so MALLOC_ARENA_MAX=2 node bench/burst-memory.js
// measures glibc with two arenas. Ends with one `RESULT key=value ...` line.
"use strict";
const fs = require("node:fs");
const net = require("node:net");
const path = require("node:path");
const WebSocket = require(path.join(__dirname, "../interop/node_modules/ws"));
const { binary, start } = require("../interop/lib/server");

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const ROUNDS = Number(option("rounds", 10));
const MESSAGES = Number(option("messages", 1200));
const SIZE = Number(option("size", 256 * 1024));
const READERS = Number(option("readers", 2));
const SLOW = Number(option("slow", 1));
// Messages in flight: 8 x 256 kB stays under the 8 MiB outbox bound of a reading client
// (a burst above it disconnects readers too: that is the bound doing its job).
const WINDOW = Number(option("window", 8));
const SERVER = option("server", binary("sockeye-chat"));
const LABEL = option("label", path.basename(SERVER));

function rssMB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A websocket client that answers pings and counts the chat messages it receives. */
function reader(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.received = 0;
    ws.on("error", reject);
    ws.on("close", (code) => {
      ws.closedWith = code;
    });
    ws.on("message", (data) => {
      const text = data.toString();
      if (text === "2") ws.send("3");
      else if (text.startsWith("0{")) ws.send("40");
      else if (text.startsWith("40")) resolve(ws);
      else if (text.startsWith('42["chat-message"')) ws.received += 1;
      else if (ws.onText) ws.onText(text);
    });
  });
}

/** One masked client text frame (any length). */
function frame(text) {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, 0x80 | n]) : Buffer.from([0x81, 0x80 | 126, n >> 8, n & 255]);
  const key = Buffer.from([1, 2, 3, 4]);
  return Buffer.concat([head, key, payload.map((b, i) => b ^ key[i % 4])]);
}

/** A client that joins the main namespace, then never reads again. */
function nonReader(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    let seen = "";
    s.on("error", () => {});
    s.on("connect", () => {
      s.write(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\n" +
          "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
    });
    s.on("data", (chunk) => {
      seen += chunk.toString("latin1");
      if (seen.includes("0{") && !seen.includes("sent40")) {
        seen += "sent40";
        s.write(frame("40"));
      } else if (seen.includes("40{")) {
        s.pause();
        s.removeAllListeners("data");
        resolve(s);
      }
    });
    setTimeout(() => reject(new Error("non-reader did not join")), 10000);
  });
}

async function main() {
  // --port P --pid PID: a server started by hand (under a profiler, say) instead.
  const server = option("port")
    ? { port: Number(option("port")), child: { pid: Number(option("pid")) }, stop: async () => {} }
    : await start(SERVER, ["--host", "127.0.0.1"]);
  try {
    await bursts(server);
  } finally {
    await server.stop();
  }
}

async function bursts(server) {
  const pid = server.child.pid;
  const url = `ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`;
  const readers = [];
  for (let i = 0; i < READERS; i++) readers.push(await reader(url));
  const sender = await reader(url);
  let acks = 0;
  let nextId = 1;
  const waiting = new Map();
  sender.onText = (text) => {
    const m = /^43(\d+)/.exec(text);
    if (m && waiting.has(m[1])) {
      waiting.get(m[1])();
      waiting.delete(m[1]);
    }
  };
  const ask = (event, data) =>
    new Promise((resolve) => {
      const id = String(nextId++);
      waiting.set(id, resolve);
      sender.send(`42${id}${JSON.stringify([event, data])}`);
    });
  await ask("user-join", "burst-sender");
  readers.push(sender);

  const start0 = rssMB(pid);
  console.log(`${LABEL}: ${READERS} readers, ${ROUNDS} rounds of ${MESSAGES} x ${SIZE} B; RSS at start ${start0.toFixed(1)} MB`);
  const text = "x".repeat(SIZE);
  const peaks = [];
  const afters = [];
  const slow = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (let i = 0; i < SLOW; i++) slow.push(await nonReader(server.port));
    let peak = rssMB(pid);
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMB(pid));
    }, 20);
    let sent = 0;
    const lane = async () => {
      while (sent < MESSAGES) {
        sent += 1;
        await ask("chat-message", { text });
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, lane));
    acks += MESSAGES;
    while (readers.some((r) => r.received < round * MESSAGES)) {
      const closed = readers.find((r) => r.closedWith !== undefined);
      if (closed) throw new Error(`a reading client was disconnected (${closed.closedWith})`);
      await sleep(10);
    }
    clearInterval(sampler);
    const after = rssMB(pid);
    peak = Math.max(peak, after);
    peaks.push(peak);
    afters.push(after);
    console.log(`round ${String(round).padStart(2)}: peak ${peak.toFixed(1)} MB, delivered ${after.toFixed(1)} MB`);
  }
  for (const r of readers) r.terminate();
  for (const s of slow) s.destroy();
  // The server notices the closed connections at once; give its tasks a moment to finish.
  await sleep(2000);
  const gone = rssMB(pid);
  console.log(`everyone gone: ${gone.toFixed(1)} MB`);
  console.log(
    `RESULT label=${LABEL} rounds=${ROUNDS} messages=${MESSAGES} size=${SIZE} readers=${READERS} slow=${SLOW} ` +
      `start_mb=${start0.toFixed(1)} peak_mb=${peaks.map((p) => p.toFixed(0)).join(",")} ` +
      `delivered_mb=${afters.map((p) => p.toFixed(0)).join(",")} gone_mb=${gone.toFixed(1)} acks=${acks}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
