#!/usr/bin/env node
// Reference chat server on the official socket.io package: the chat protocol the sockeye chat
// example implements, serving examples/chat/public. Environment:
//   PORT            port to listen on (0 = any free port); prints the URL once listening
//   SOCKEYE_CLIENT  "1": serve sockeye's js/dist/socket.io*.js at /socket.io/ instead of the
//                   official client bundle
//   PING_INTERVAL, PING_TIMEOUT  heartbeat in ms (socket.io's defaults otherwise)
//   RECOVERY        "1": enable connection state recovery
//   ADMIN_PASSWORD, ADMIN_USER, ADMIN_ORIGIN, ADMIN_SERVER_ID  the official Admin UI (below)
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
// ADMIN_ORIGIN: where the Admin UI is served from (allowed with credentials, as sockeye's chat
// allows https://admin.socket.io with --admin).
const cors = process.env.ADMIN_ORIGIN
  ? { cors: { origin: [process.env.ADMIN_ORIGIN], credentials: true } }
  : {};
const io = new Server(httpServer, { serveClient: !ourClient, ...heartbeat, ...recovery, ...cors });

// ADMIN_PASSWORD: the official Admin UI's server side on /admin (user ADMIN_USER, default
// admin), as sockeye's chat with --admin; ADMIN_SERVER_ID names this server in the UI.
if (process.env.ADMIN_PASSWORD) {
  const { instrument } = require("@socket.io/admin-ui");
  const bcrypt = require("bcryptjs");
  instrument(io, {
    auth: {
      type: "basic",
      username: process.env.ADMIN_USER || "admin",
      password: bcrypt.hashSync(process.env.ADMIN_PASSWORD, 10),
    },
    serverId: process.env.ADMIN_SERVER_ID || undefined,
    mode: "development",
  });
}

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

// Who has joined lives in socket.data ({ username, joinedAt, key }) and the online list comes
// from fetchSockets(), as in sockeye's chat, so both would span a cluster behind an adapter.
const MAX_NAME_CHARS = 32;
const MAX_KEY_CHARS = 64;
let nextMessageId = 1;
// Name checks run one at a time: fetchSockets() yields, and two sockets must not both take a
// free name between one's check and its claim.
let joinQueue = Promise.resolve();

const systemMessage = (text) => ({ text, timestamp: Date.now() });
const sameName = (a, b) => a.toLowerCase() === b.toLowerCase();
// The same tab again: its key (handshake auth.key) and name match.
const sameTab = (a, b) => !!a.key && a.key === b.key && sameName(a.username, b.username);

async function members() {
  const sockets = await io.fetchSockets();
  return sockets
    .filter((s) => s.data && typeof s.data.username === "string")
    .sort((a, b) => a.data.joinedAt - b.data.joinedAt);
}

async function emitUserList() {
  const list = (await members()).map((s) => ({
    username: s.data.username,
    joinedAt: s.data.joinedAt,
  }));
  io.emit("user-list", list);
}

function validName(name) {
  if (typeof name !== "string") return { error: "A name must be text." };
  const trimmed = name.trim();
  if (!trimmed) return { error: "Please enter a name." };
  if ([...trimmed].length > MAX_NAME_CHARS) {
    return { error: `A name has at most ${MAX_NAME_CHARS} characters.` };
  }
  return { name: trimmed };
}

// Resolves to { error } or { joined: "new" | "again" | "took-over", previous }.
async function join(socket, requested) {
  const { name, error } = validName(requested);
  if (error) return { error };
  const me = socket.data && socket.data.username ? socket.data : null;
  if (me) {
    return sameName(me.username, name)
      ? { joined: "again" }
      : { error: `You have already joined as "${me.username}".` };
  }
  const auth = socket.handshake.auth || {};
  const key =
    typeof auth.key === "string" && auth.key && [...auth.key].length <= MAX_KEY_CHARS
      ? auth.key
      : null;
  const member = { username: name, joinedAt: Date.now(), key };
  const previous = [];
  for (const other of await members()) {
    if (other.id === socket.id || !sameName(other.data.username, name)) continue;
    if (!sameTab(member, other.data)) {
      return { error: `The name "${other.data.username}" is taken. Please choose another.` };
    }
    previous.push(other);
  }
  socket.data = member;
  return { joined: previous.length ? "took-over" : "new", previous };
}

io.on("connection", (socket) => {
  socket.on("user-join", async (username, ack) => {
    const reply = typeof ack === "function" ? ack : () => {};
    const turn = joinQueue.then(() => join(socket, username));
    joinQueue = turn.catch(() => {});
    let result;
    try {
      result = await turn;
    } catch (err) {
      return reply({ error: `the server cannot list who is online: ${err.message}` });
    }
    if (result.error) return reply({ error: result.error });
    if (result.joined === "again") return reply({ status: "ok" });
    for (const old of result.previous) old.disconnect(true);
    await emitUserList();
    if (result.joined === "new") {
      socket.broadcast.emit(
        "system-message",
        systemMessage(`${socket.data.username} joined the chat`)
      );
    }
    reply({ status: "ok" });
  });

  socket.on("chat-message", (msg, ack) => {
    const reply = typeof ack === "function" ? ack : () => {};
    const user = socket.data && socket.data.username ? socket.data : null;
    if (!user) return reply({ error: "Not authenticated" });
    const text = msg && typeof msg.text === "string" ? msg.text : "";
    const id = String(nextMessageId++);
    io.emit("chat-message", { id, user: user.username, text, timestamp: Date.now() });
    reply({ status: "ok", id });
  });

  socket.on("typing", () => {
    if (socket.data.username) socket.broadcast.emit("user-typing", socket.data.username);
  });

  socket.on("stop-typing", () => {
    if (socket.data.username) socket.broadcast.emit("user-stopped-typing", socket.data.username);
  });

  socket.on("disconnect", async () => {
    const gone = socket.data && socket.data.username ? socket.data : null;
    if (!gone) return;
    // A tab closed mid-word never sends stop-typing.
    io.emit("user-stopped-typing", gone.username);
    await emitUserList();
    // Taken over by the same tab's new socket: nobody left.
    if ((await members()).some((s) => sameTab(s.data, gone))) return;
    io.emit("system-message", systemMessage(`${gone.username} left the chat`));
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
