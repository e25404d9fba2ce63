#!/usr/bin/env node
// Reference chat server on the official socket.io package: the chat protocol the sockeye chat
// example implements, serving examples/chat/public. Environment:
//   PORT            port to listen on (0 = any free port); prints the URL once listening
//   SOCKEYE_CLIENT  "1": serve sockeye's js/dist/socket.io*.js at /socket.io/ instead of the
//                   official client bundle
//   PING_INTERVAL, PING_TIMEOUT  heartbeat in ms (socket.io's defaults otherwise)
//   RECOVERY        "1": enable connection state recovery
// Besides the chat events it answers a few test-only events (echo, binary-echo,
// server-disconnect) and a "/echo" namespace, which the sockeye chat server does not have.
"use strict";
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const { Server } = require("socket.io");

const ROOT = path.resolve(__dirname, "..", "..");
const PUBLIC = path.join(ROOT, "examples", "chat", "public");
const DIST = path.join(ROOT, "js", "dist");
const ourClient = process.env.SOCKEYE_CLIENT === "1";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

function sendFile(res, file) {
  fs.readFile(file, (err, body) => {
    if (err) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("Not found");
      return;
    }
    const type = TYPES[path.extname(file)] || "application/octet-stream";
    res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-cache" }).end(body);
  });
}

const httpServer = http.createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  if (url.pathname === "/api/health") {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ status: "ok" }));
    return;
  }
  const rel = url.pathname === "/" ? "index.html" : decodeURIComponent(url.pathname.slice(1));
  const file = path.resolve(PUBLIC, rel);
  if (!file.startsWith(PUBLIC + path.sep)) {
    res.writeHead(403).end();
    return;
  }
  sendFile(res, file);
});

const heartbeat = {};
if (process.env.PING_INTERVAL) heartbeat.pingInterval = Number(process.env.PING_INTERVAL);
if (process.env.PING_TIMEOUT) heartbeat.pingTimeout = Number(process.env.PING_TIMEOUT);
const recovery = process.env.RECOVERY === "1" ? { connectionStateRecovery: {} } : {};
const io = new Server(httpServer, { serveClient: !ourClient, ...heartbeat, ...recovery });

// Engine.IO claims every request under /socket.io/, so our bundle is served by a listener put in
// front of it (which is also how socket.io serves its own bundle).
if (ourClient) {
  const engineListeners = httpServer.listeners("request").slice();
  httpServer.removeAllListeners("request");
  httpServer.on("request", (req, res) => {
    const m = /^\/socket\.io\/(socket\.io(?:\.min|\.esm\.min)?\.js)(?:\?|$)/.exec(req.url);
    if (m) return sendFile(res, path.join(DIST, m[1]));
    for (const listener of engineListeners) listener.call(httpServer, req, res);
  });
}

// socket.id -> { username, joinedAt }
const users = new Map();
let nextMessageId = 1;

const userList = () => [...users.values()];
const systemMessage = (text) => ({ text, timestamp: Date.now() });

io.on("connection", (socket) => {
  socket.on("user-join", (username) => {
    if (typeof username !== "string" || !username.trim()) return;
    const name = username.trim();
    users.set(socket.id, { username: name, joinedAt: Date.now() });
    io.emit("user-list", userList());
    socket.broadcast.emit("system-message", systemMessage(`${name} joined the chat`));
  });

  socket.on("chat-message", (msg, ack) => {
    const reply = typeof ack === "function" ? ack : () => {};
    const user = users.get(socket.id);
    if (!user) return reply({ error: "Not authenticated" });
    const text = msg && typeof msg.text === "string" ? msg.text : "";
    const id = String(nextMessageId++);
    io.emit("chat-message", { id, user: user.username, text, timestamp: Date.now() });
    reply({ status: "ok", id });
  });

  socket.on("typing", () => {
    const user = users.get(socket.id);
    if (user) socket.broadcast.emit("user-typing", user.username);
  });

  socket.on("stop-typing", () => {
    const user = users.get(socket.id);
    if (user) socket.broadcast.emit("user-stopped-typing", user.username);
  });

  socket.on("disconnect", () => {
    const user = users.get(socket.id);
    if (!user) return;
    users.delete(socket.id);
    io.emit("user-list", userList());
    io.emit("system-message", systemMessage(`${user.username} left the chat`));
  });

  // Test-only events.
  socket.on("echo", (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (ack) ack(...args);
  });
  socket.on("binary-echo", (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    socket.emit("binary-echo", ...args);
    if (ack) ack(...args);
  });
  socket.on("server-disconnect", () => socket.disconnect(true));
});

io.of("/echo").on("connection", (socket) => {
  const { auth, query } = socket.handshake;
  socket.emit("handshake", { auth, query });
  socket.on("echo", (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (ack) ack(socket.nsp.name, ...args);
  });
});

// Refuses sockets without auth.token === "open sesame", with data for the client.
io.of("/private")
  .use((socket, next) => {
    if (socket.handshake.auth.token === "open sesame") return next();
    next(Object.assign(new Error("not authorized"), { data: { hint: "token" } }));
  })
  .on("connection", (socket) => socket.emit("welcome", socket.id));

// Test-only: an event broadcast to everyone, to move the connection state recovery offset.
io.on("connection", (socket) => {
  socket.on("broadcast-echo", (value) => io.emit("broadcast-echo", value));
  socket.on("drop-transport", () => socket.conn.close());
});

httpServer.listen(Number(process.env.PORT || 3000), () => {
  console.log(`Chat server running on http://localhost:${httpServer.address().port}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    io.close();
    process.exit(0);
  });
}
