// The Node socket.io 4.8 peer of the benchmarks: the same handlers as tools/bench-server.rs
// (echo, ack, join, leave, bcast) on HOST:PORT (defaults 127.0.0.1 and 3000), with socket.io's
// default engine (ws). With REDIS_URL it joins a cluster through @socket.io/redis-adapter
// (classic pub/sub, node-redis clients), as bench-server does with --redis. With RECOVERY=1
// it turns on connection state recovery with its defaults, as bench-server does with --recovery.
// BACKLOG sets the listening socket's backlog (default 511, Node's own).
"use strict";
const http = require("http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || "127.0.0.1";
const redisUrl = process.env.REDIS_URL;
const recovery = !["", "0", "false", "no", "off"].includes((process.env.RECOVERY || "").toLowerCase());
const httpServer = http.createServer();
const io = new Server(httpServer, recovery ? { connectionStateRecovery: {} } : {});

io.on("connection", (socket) => {
  socket.on("echo", (data) => socket.emit("echo", data));
  socket.on("ack", (data, ack) => {
    if (typeof ack === "function") ack(data);
  });
  socket.on("join", (room, ack) => {
    socket.join(room);
    if (typeof ack === "function") ack();
  });
  socket.on("leave", (room, ack) => {
    socket.leave(room);
    if (typeof ack === "function") ack();
  });
  socket.on("bcast", (room, data) => io.to(room).emit("b", data));
});

async function main() {
  if (redisUrl) {
    const { createClient } = require("redis");
    const { createAdapter } = require("@socket.io/redis-adapter");
    const pubClient = createClient({ url: redisUrl });
    const subClient = pubClient.duplicate();
    for (const c of [pubClient, subClient]) c.on("error", (err) => console.error("redis:", err.message));
    await Promise.all([pubClient.connect(), subClient.connect()]);
    io.adapter(createAdapter(pubClient, subClient));
  }
  // BACKLOG: the listen backlog (Node's default 511), for bench/storm's experiments.
  httpServer.listen({ port, host, backlog: Number(process.env.BACKLOG || 511) }, () => {
    console.log(`node socket.io bench server listening on http://${host}:${httpServer.address().port}`);
  });
}

main().catch((err) => {
  console.error(`cannot start: ${err.message}`);
  process.exit(1);
});
