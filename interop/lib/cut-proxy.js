// A TCP proxy whose connections a test can cut, to drop clients the way a network would
// while both ends stay up: connection state recovery, reconnection, heartbeats.
//
//   const { startCutProxy } = require("../lib/cut-proxy.js");
//   const proxy = await startCutProxy(server.port);  // listens on 127.0.0.1, any free port
//   io(proxy.url);                                   // the client connects through it
//   proxy.cut();                                     // drops every current connection, both
//                                                    // sides; new ones are still accepted
//   proxy.hold(); ... proxy.release();               // new connections wait meanwhile (an
//                                                    // outage that lasts as long as the test
//                                                    // wants), then go through
//   await proxy.close();
//
// The proxy is an EventEmitter: "connection" (with the running count) each time a client
// connects, which is how a test waits for a reconnection. A failure to reach the target
// closes the client's side, as an unreachable server would.
//
// Run as a program (`node cut-proxy.js TARGET_PORT`) it prints "listening on <url>", then
// reads commands on stdin: "cut" answers "cut <n>" (n connections dropped), "count" answers
// "count <n>" (connections accepted so far). The Rust client's tests drive it this way.
"use strict";
const net = require("node:net");
const readline = require("node:readline");
const { EventEmitter } = require("node:events");

class CutProxy extends EventEmitter {
  constructor(targetPort, targetHost) {
    super();
    this.targetPort = targetPort;
    this.targetHost = targetHost;
    /** Connections accepted since the start. */
    this.connections = 0;
    this._pairs = new Set();
    /** Clients accepted while held, waiting for `release()`. */
    this._held = null;
    this._server = net.createServer((client) => this._accept(client));
  }

  /** New connections wait (accepted, but not forwarded) until `release()`. */
  hold() {
    if (!this._held) this._held = [];
  }

  /** Forwards the connections that waited, and the next ones at once. */
  release() {
    const held = this._held || [];
    this._held = null;
    for (const client of held) {
      if (!client.destroyed) this._accept(client);
    }
  }

  _accept(client) {
    if (this._held) {
      client.on("error", () => client.destroy());
      this._held.push(client);
      return;
    }
    const upstream = net.connect(this.targetPort, this.targetHost);
    const pair = [client, upstream];
    this._pairs.add(pair);
    // Either side ending or failing ends the pair: the proxy never holds a half connection.
    const end = () => {
      if (!this._pairs.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    for (const s of pair) {
      s.setNoDelay(true);
      s.on("error", end);
      s.on("close", end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    this.connections += 1;
    this.emit("connection", this.connections);
  }

  /** The port it listens on (127.0.0.1). */
  get port() {
    return this._server.address().port;
  }

  /** `http://127.0.0.1:<port>`. */
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Connections open now. */
  get open() {
    return this._pairs.size;
  }

  /** Destroys both sides of every current connection; returns how many it cut. */
  cut() {
    const pairs = [...this._pairs];
    this._pairs.clear();
    for (const [client, upstream] of pairs) {
      client.destroy();
      upstream.destroy();
    }
    return pairs.length;
  }

  /** Cuts every connection and stops listening. */
  close() {
    for (const client of this._held || []) client.destroy();
    this._held = null;
    this.cut();
    return new Promise((resolve) => this._server.close(() => resolve()));
  }
}

/** Resolves to a CutProxy listening on 127.0.0.1:0 and forwarding to targetHost:targetPort. */
function startCutProxy(targetPort, targetHost = "127.0.0.1") {
  const proxy = new CutProxy(targetPort, targetHost);
  return new Promise((resolve, reject) => {
    proxy._server.once("error", reject);
    proxy._server.listen(0, "127.0.0.1", () => resolve(proxy));
  });
}

module.exports = { startCutProxy, CutProxy };

if (require.main === module) {
  const target = Number(process.argv[2]);
  if (!Number.isInteger(target) || target <= 0 || target > 65535) {
    console.error("usage: node cut-proxy.js TARGET_PORT");
    process.exit(2);
  }
  startCutProxy(target).then((proxy) => {
    console.log(`listening on ${proxy.url}`);
    const lines = readline.createInterface({ input: process.stdin });
    lines.on("line", (line) => {
      const command = line.trim();
      if (command === "cut") console.log(`cut ${proxy.cut()}`);
      else if (command === "count") console.log(`count ${proxy.connections}`);
      else if (command) console.log(`unknown command ${JSON.stringify(command)}`);
    });
    // The test that started it is gone: so is the proxy.
    lines.on("close", () => proxy.close().then(() => process.exit(0)));
  });
}
