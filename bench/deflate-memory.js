#!/usr/bin/env node
// Server memory per websocket with permessage-deflate negotiated: starts the interop server
// with PER_MESSAGE_DEFLATE unset, "1" (the defaults: no context takeover) and "takeover",
// opens N `ws` connections (perMessageDeflate: true) that each send and receive one large
// compressed message and then stay idle, and prints the growth of the server's VmRSS per
// connection. Usage: node bench/deflate-memory.js [N]   (after cargo build --release --bins)
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const WebSocket = require(path.join(__dirname, "../interop/node_modules/ws"));
const { binary, start } = require("../interop/lib/server");

const N = Number(process.argv[2] || 1000);

function rssKiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

/** One connection that exchanges one large message, left open. */
function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: true });
    const big = "x".repeat(20000) + Math.random();
    let step = 0;
    ws.on("error", reject);
    ws.on("message", (data) => {
      const text = data.toString();
      if (step === 0 && text.startsWith("0{")) {
        step = 1;
        ws.send("40");
      } else if (step === 1 && text.startsWith("40")) {
        step = 2;
        ws.send(`42${JSON.stringify(["echo", big])}`);
      } else if (step === 2 && text.startsWith("42")) {
        step = 3;
        resolve(ws);
      }
    });
  });
}

async function measure(mode) {
  const env = mode ? { PER_MESSAGE_DEFLATE: mode } : {};
  const server = await start(binary("interop-server"), [], { env });
  const pid = server.child.pid;
  const url = server.url.replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket";
  // Warm-up: the per-thread states and the allocator's first arenas are not per connection.
  const warm = await Promise.all(Array.from({ length: 20 }, () => open(url)));
  const before = rssKiB(pid);
  const sockets = [];
  for (let i = 0; i < N; i += 50) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, N - i) }, () => open(url)))));
  }
  await new Promise((r) => setTimeout(r, 500));
  const after = rssKiB(pid);
  const ext = sockets[0].extensions || "(none)";
  for (const ws of [...warm, ...sockets]) ws.terminate();
  await server.stop();
  return { mode: mode || "off", ext, perConnKiB: ((after - before) / N).toFixed(2) };
}

(async () => {
  for (const mode of [null, "1", "takeover"]) {
    const r = await measure(mode);
    console.log(`${r.mode.padEnd(9)} ${String(N).padStart(6)} conns  ${r.perConnKiB.padStart(7)} KiB/conn  ${r.ext}`);
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
