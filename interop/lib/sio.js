// Helpers for the Socket.IO interop tests: start the sockeye interop server once per file,
// connect official socket.io-client sockets to it, and wait on events.
"use strict";
const { before, after } = require("node:test");
const { io } = require("socket.io-client");
const { binary, start } = require("./server");

/** The transport set-ups every scenario runs under. */
const TRANSPORTS = {
  "polling then upgrade": { transports: ["polling", "websocket"] },
  "websocket only": { transports: ["websocket"] },
};

/** Starts `target/release/interop-server` for the file; returns a getter for its URL. */
function useServer(env = {}) {
  let server;
  before(async () => {
    server = await start(binary("interop-server"), [], { env });
  });
  after(async () => {
    await server.stop();
  });
  return () => server.url;
}

/** Resolves with the first `event` the emitter fires (its arguments as an array). */
function once(emitter, event, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${event}" within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/** Connects a new client (its own Manager) and resolves once it is connected. */
async function connect(url, opts = {}) {
  const socket = io(url, { forceNew: true, reconnection: false, ...opts });
  await Promise.race([
    once(socket, "connect"),
    once(socket, "connect_error").then(([err]) => {
      throw err;
    }),
  ]);
  return socket;
}

/** Collects every `event` on each socket, for asserting who got what. */
function collect(sockets, event) {
  const got = sockets.map(() => []);
  sockets.forEach((s, i) => s.on(event, (...args) => got[i].push(args.length === 1 ? args[0] : args)));
  return got;
}

/** Waits until `predicate()` is true, polling on the event loop (never a fixed sleep as a pass criterion). */
async function until(predicate, timeoutMs = 5000) {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

module.exports = { TRANSPORTS, useServer, once, connect, collect, until };
