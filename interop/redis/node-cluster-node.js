#!/usr/bin/env node
// One Node socket.io 4.8 node of a Redis cluster (@socket.io/redis-adapter 8.3, or
// @socket.io/redis-streams-adapter 0.3), with the same
// control events as sockeye's `cluster-node` binary, so a test can start every cross-node
// operation from either kind of node and compare. Environment:
//   PORT        port to listen on (0 = any free port); prints the URL once listening
//   REDIS_URL   the Redis to join (redis://127.0.0.1:6379)
//   NODE_NAME   what this node answers to server-side events
//   MODE        "classic" (createAdapter, default), "sharded" (createShardedAdapter) or
//               "streams" (the streams adapter's createAdapter)
//   RECOVERY    "1": connectionStateRecovery with its defaults
//   ADMIN_PASSWORD, ADMIN_ORIGIN  the official Admin UI (see below)
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");
const { createClient, createCluster } = require("redis");
const { createAdapter, createShardedAdapter } = require("@socket.io/redis-adapter");
const streams = require("@socket.io/redis-streams-adapter");

const name = process.env.NODE_NAME || "node";
const mode = process.env.MODE || "classic";

function selection(io, { rooms = [], except = [] } = {}) {
  let op = io.of("/");
  for (const r of rooms) op = op.to(r);
  for (const r of except) op = op.except(r);
  return op;
}

function controls(io) {
  const sseLog = [];
  io.on("sse", (...args) => {
    const cb = typeof args[args.length - 1] === "function" ? args.pop() : null;
    sseLog.push(args);
    if (cb) cb(name);
  });
  io.on("connection", (socket) => {
    socket.on("set-data", (data, cb) => {
      socket.data = data;
      cb?.();
    });
    socket.on("join", (room, cb) => {
      socket.join(room);
      cb?.();
    });
    // A Date cannot come from the test as JSON: it is made here (msgpack carries it as a
    // timestamp extension).
    socket.on("c:emit-date", ({ event, ms }, cb) => {
      io.emit(event, new Date(ms), { at: new Date(ms) });
      cb?.();
    });
    socket.on("c:emit", ({ event, args = [], ...sel }, cb) => {
      selection(io, sel).emit(event, ...args);
      cb?.();
    });
    socket.on("c:emit-ack", async ({ timeout = 2000, ...sel }, cb) => {
      try {
        const responses = await selection(io, sel).timeout(timeout).emitWithAck("ask");
        cb({ ok: true, responses: responses.sort() });
      } catch (e) {
        cb({ ok: false, responses: (e.responses || []).sort() });
      }
    });
    socket.on("c:fetch", async (sel, cb) => {
      try {
        const sockets = await selection(io, sel).fetchSockets();
        cb({
          ok: true,
          sockets: sockets
            .map((s) => ({
              id: s.id,
              rooms: [...s.rooms].sort(),
              data: s.data,
              query: s.handshake.query,
              auth: s.handshake.auth,
              host: !!(s.handshake.headers && s.handshake.headers.host),
            }))
            .sort((a, b) => (a.id < b.id ? -1 : 1)),
        });
      } catch (e) {
        cb({ ok: false, error: e.message });
      }
    });
    socket.on("c:join", ({ room, ...sel }, cb) => {
      selection(io, sel).socketsJoin(room);
      cb?.();
    });
    socket.on("c:leave", ({ room, ...sel }, cb) => {
      selection(io, sel).socketsLeave(room);
      cb?.();
    });
    socket.on("c:disconnect", ({ close = false, ...sel }, cb) => {
      selection(io, sel).disconnectSockets(close);
      cb?.();
    });
    socket.on("c:sse", (args, cb) => {
      io.serverSideEmit("sse", ...args);
      cb?.();
    });
    socket.on("c:sse-ack", async (args, cb) => {
      try {
        const responses = await io.serverSideEmitWithAck("sse", ...args);
        cb({ ok: true, responses: responses.sort() });
      } catch (e) {
        cb({ ok: false, error: e.message });
      }
    });
    socket.on("c:sse-log", (cb) => cb(sseLog));
    socket.on("c:all-rooms", async (cb) => {
      try {
        cb({ ok: true, rooms: [...(await io.of("/").adapter.allRooms())].sort() });
      } catch (e) {
        cb({ ok: false, error: e.message });
      }
    });
    socket.on("c:server-count", async (cb) => cb(await io.of("/").adapter.serverCount()));
  });
}

async function main() {
  const url = process.env.REDIS_URL || "redis://127.0.0.1:6379";
  let pub, sub;
  if (mode === "sharded") {
    const rootNodes = url.split(",").map((u) => ({ url: u }));
    pub = createCluster({ rootNodes });
    sub = pub.duplicate();
  } else {
    pub = createClient({ url });
    sub = pub.duplicate();
  }
  pub.on("error", () => {});
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  const adapter =
    mode === "sharded" ? createShardedAdapter(pub, sub)
    : mode === "streams" ? streams.createAdapter(pub)
    : createAdapter(pub, sub);
  const server = http.createServer();
  // RECOVERY=1: connection state recovery (across the cluster with the streams adapter).
  const recovery = process.env.RECOVERY === "1" ? { connectionStateRecovery: {} } : {};
  // ADMIN_PASSWORD: the official Admin UI on /admin (user admin, server id NODE_NAME), its
  // page served from ADMIN_ORIGIN (allowed with credentials).
  const cors = process.env.ADMIN_ORIGIN
    ? { cors: { origin: [process.env.ADMIN_ORIGIN], credentials: true } }
    : {};
  const io = new Server(server, { adapter, ...recovery, ...cors });
  if (process.env.ADMIN_PASSWORD) {
    const { instrument } = require("@socket.io/admin-ui");
    const bcrypt = require("bcryptjs");
    instrument(io, {
      auth: { type: "basic", username: "admin", password: bcrypt.hashSync(process.env.ADMIN_PASSWORD, 10) },
      serverId: name,
      mode: "development",
    });
  }
  controls(io);
  server.listen(Number(process.env.PORT || 0), "127.0.0.1", () => {
    console.log(`node cluster node ${name} listening on http://127.0.0.1:${server.address().port}`);
  });
  process.on("SIGTERM", () => process.exit(0));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
