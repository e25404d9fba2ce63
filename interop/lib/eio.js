// Helpers for the Engine.IO interop tests: an engine.io-client socket whose events can be
// awaited in order, and the conformance server started once per test file.
"use strict";
const { Socket } = require("engine.io-client");
const { binary, start } = require("./server.js");

/**
 * Starts target/release/conformance-server on a free port, or with SOCKEYE_REFERENCE=1 the
 * official engine.io server with the same mounts (to check the tests against the reference).
 */
function startConformanceServer() {
  if (process.env.SOCKEYE_REFERENCE === "1") {
    return start(process.execPath, [require("node:path").join(__dirname, "reference-engine.js")]);
  }
  return start(binary("conformance-server"));
}

/**
 * Opens an engine.io-client socket to `url` with `opts` and records its events so that tests
 * can await them in order: next("message"), next("close"), ...
 */
function connect(url, opts = {}) {
  const socket = new Socket(url, { path: "/engine.io", ...opts });
  const buffered = { open: [], message: [], close: [], upgrade: [], error: [], upgradeError: [] };
  const waiting = { open: [], message: [], close: [], upgrade: [], error: [], upgradeError: [] };
  for (const type of Object.keys(buffered)) {
    socket.on(type, (...args) => {
      if (waiting[type].length) waiting[type].shift()(args);
      else buffered[type].push(args);
    });
  }
  /** Resolves with the arguments of the next `type` event, or rejects after `ms`. */
  socket.next = (type, ms = 5000) => {
    if (buffered[type].length) return Promise.resolve(buffered[type].shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} event within ${ms} ms`)), ms);
      waiting[type].push((args) => {
        clearTimeout(timer);
        resolve(args);
      });
    });
  };
  /** Events of `type` received and not yet awaited. */
  socket.pending = (type) => buffered[type].length;
  return socket;
}

/** Bytes of a binary message as the client hands it over (Buffer or ArrayBuffer). */
function bytes(data) {
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

module.exports = { startConformanceServer, connect, bytes, sleep };
