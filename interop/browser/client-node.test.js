// Our client's API in Chromium against the Node reference server (socket.io from npm), on a
// blank page of the server's origin. Uses the Node server's test-only events (echo,
// binary-echo, server-disconnect, the /echo namespace), which sockeye's chat server lacks.
"use strict";
const assert = require("node:assert/strict");
const { after, before, describe, test } = require("node:test");
const { launchBrowser } = require("./lib/browser.js");
const { startNodeChat } = require("./lib/servers.js");
const { startSilentServer } = require("./lib/silent-server.js");

// Generous: a wait in the page that never ends must fail the test rather than hang the suite.
const LIMIT = { timeout: 30000 };

describe("our client's API on the Node reference server", () => {
  let browser;
  let context;
  let server;

  before(async () => {
    browser = await launchBrowser();
    if (!browser) return;
    context = await browser.newContext();
    server = await startNodeChat({ env: { PING_INTERVAL: "300", PING_TIMEOUT: "1000" } });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  /** A page of the server's origin with only `bundle` loaded (global `io`), and no socket. */
  async function blankPage(t, bundle = "socket.io.js") {
    if (!browser) return t.skip("chromium is not installed") || null;
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e));
    t.after(async () => {
      await page.close();
      assert.deepEqual(errors.map(String), []);
    });
    await page.goto(`${server.url}/api/health`);
    await page.addScriptTag({ url: `${server.url}/socket.io/${bundle}` });
    return page;
  }

  // Runs in the page: connects `io(nsp, opts)` and resolves with the socket.
  const CONNECT = `window.connect = (nsp, opts) => new Promise((resolve, reject) => {
    const s = io(nsp, Object.assign({ forceNew: true }, opts));
    s.once("connect", () => resolve(s));
    s.once("connect_error", reject);
  });`;

  for (const transports of [["websocket"], ["polling"]]) {
    test(`binary both ways, anywhere in the payload (${transports})`, LIMIT, async (t) => {
      const page = await blankPage(t);
      if (!page) return;
      await page.addScriptTag({ content: CONNECT });
      const result = await page.evaluate(async (transports) => {
        const s = await connect("/", { transports });
        const bytes = (b) => Array.from(new Uint8Array(b));
        const received = new Promise((r) => s.once("binary-echo", (...args) => r(args)));
        const acked = await s.emitWithAck(
          "binary-echo",
          new Uint8Array([1, 2, 3]).buffer,
          { nested: [new Uint8Array([4, 5]), "text", { deep: new Int16Array([-1]) }] },
          new Blob([new Uint8Array([9, 8, 7])]),
          "plain"
        );
        const [a, b, c, d] = await received;
        s.disconnect();
        return {
          transport: s.io.engine ? s.io.engine.transport.name : null,
          eventTypes: [a, b.nested[0], b.nested[2].deep, c].map((x) => x instanceof ArrayBuffer),
          event: [bytes(a), bytes(b.nested[0]), b.nested[1], bytes(b.nested[2].deep), bytes(c), d],
          ackFirst: bytes(acked),
        };
      }, transports);
      assert.deepEqual(result.eventTypes, [true, true, true, true]);
      assert.deepEqual(result.event, [[1, 2, 3], [4, 5], "text", [255, 255], [9, 8, 7], "plain"]);
      assert.deepEqual(result.ackFirst, [1, 2, 3]);
    });
  }

  test("acks: callback, emitWithAck, timeout() and ackTimeout", LIMIT, async (t) => {
    const page = await blankPage(t);
    if (!page) return;
    await page.addScriptTag({ content: CONNECT });
    const result = await page.evaluate(async () => {
      const s = await connect("/");
      const out = {};
      out.callback = await new Promise((r) => s.emit("echo", 1, { a: "b" }, (...args) => r(args)));
      out.withAck = await s.emitWithAck("echo", "x", "y");
      out.timedCallback = await new Promise((r) =>
        s.timeout(2000).emit("echo", 7, (err, v) => r([err, v]))
      );
      const started = Date.now();
      try {
        await s.timeout(150).emitWithAck("no-such-event");
      } catch (e) {
        out.timeout = [e.message, Date.now() - started >= 140];
      }
      const t2 = await connect("/", { ackTimeout: 100 });
      out.ackTimeout = await new Promise((r) => t2.emit("no-such-event", (err) => r(err.message)));
      s.disconnect();
      t2.disconnect();
      return out;
    });
    assert.deepEqual(result.callback, [1, { a: "b" }]);
    assert.equal(result.withAck, "x");
    assert.deepEqual(result.timedCallback, [null, 7]);
    assert.deepEqual(result.timeout, ["operation has timed out", true]);
    assert.equal(result.ackTimeout, "operation has timed out");
  });

  test("namespaces share a connection unless forceNew / multiplex: false", LIMIT, async (t) => {
    const page = await blankPage(t);
    if (!page) return;
    const result = await page.evaluate(async () => {
      const main = io();
      // `query` belongs to the Manager: only a socket that gets its own Manager sends it.
      const echo = io("/echo", { auth: { token: "abc" }, query: { ignored: "1" } });
      const handshake = await new Promise((r) => echo.once("handshake", r));
      const sameManager = main.io === echo.io;
      const nsp = await echo.emitWithAck("echo", 1);
      const forced = io("/echo?room=r1", { forceNew: true, auth: (cb) => cb({ token: "fn" }) });
      const forcedHandshake = await new Promise((r) => forced.once("handshake", r));
      const separate = io("/", { multiplex: false });
      await new Promise((r) => separate.once("connect", r));
      const ids = [main.id, echo.id, forced.id];
      const out = {
        sameManager,
        forcedOwnManager: forced.io !== echo.io,
        separateOwnManager: separate.io !== main.io,
        nsp,
        handshake,
        forcedAuth: forcedHandshake.auth,
        forcedQuery: forcedHandshake.query,
        distinctIds: new Set(ids).size === 3,
      };
      for (const s of [main, echo, forced, separate]) s.disconnect();
      return out;
    });
    assert.equal(result.sameManager, true);
    assert.equal(result.forcedOwnManager, true);
    assert.equal(result.separateOwnManager, true);
    assert.equal(result.nsp, "/echo");
    assert.deepEqual(result.handshake.auth, { token: "abc" });
    assert.equal(result.handshake.query.ignored, undefined);
    assert.equal(result.handshake.query.EIO, "4");
    assert.equal(result.forcedQuery.room, "r1");
    assert.equal(result.forcedQuery.transport, "polling");
    assert.deepEqual(result.forcedAuth, { token: "fn" });
    assert.equal(result.distinctIds, true);
  });

  test("emits buffered until connected, volatile dropped; onAny(Outgoing)", LIMIT, async (t) => {
    const page = await blankPage(t);
    if (!page) return;
    const result = await page.evaluate(async () => {
      const s = io({ forceNew: true, autoConnect: false });
      const outgoing = [];
      s.onAnyOutgoing((...args) => outgoing.push(args[0]));
      const incoming = [];
      const any = (event) => incoming.push(event);
      s.onAny(any);
      s.prependAny((event) => incoming.push("first:" + event));
      s.volatile.emit("binary-echo", "dropped");
      const buffered = new Promise((r) => s.emit("echo", "kept", r));
      const gotEcho = new Promise((r) => s.on("binary-echo", r));
      s.connect();
      const ack = await buffered;
      s.emit("binary-echo", "after");
      const echoed = await gotEcho;
      s.offAny(any);
      const listenersAfterOff = s.listenersAny().length;
      s.disconnect();
      return { ack, echoed, outgoing, incoming, listenersAfterOff };
    });
    assert.equal(result.ack, "kept");
    assert.equal(result.echoed, "after", "the volatile emit made while disconnected was dropped");
    assert.deepEqual(result.outgoing, ["echo", "binary-echo"]);
    assert.deepEqual(result.incoming, ["first:binary-echo", "binary-echo"]);
    assert.equal(result.listenersAfterOff, 1);
  });

  test("disconnect reasons, state flags and connect_error", LIMIT, async (t) => {
    const page = await blankPage(t);
    if (!page) return;
    await page.addScriptTag({ content: CONNECT });
    const result = await page.evaluate(async () => {
      const out = {};
      const a = await connect("/");
      out.connectedState = [a.connected, a.disconnected, a.active, typeof a.id, a.recovered];
      const serverSide = new Promise((r) => a.once("disconnect", r));
      a.emit("server-disconnect");
      out.serverReason = await serverSide;
      out.afterServer = [a.connected, a.active, a.id];

      const b = await connect("/");
      const clientSide = new Promise((r) => b.once("disconnect", r));
      b.disconnect();
      out.clientReason = await clientSide;
      out.afterClient = [b.connected, b.active];

      try {
        await connect("/no-such-namespace");
      } catch (err) {
        out.refused = [err.message, err.data];
      }
      try {
        await connect("/private", { auth: { token: "wrong" } });
      } catch (err) {
        out.unauthorized = [err.message, err.data];
      }
      const p = await connect("/private", { auth: (cb) => cb({ token: "open sesame" }) });
      out.authorized = p.connected;
      p.disconnect();
      return out;
    });
    assert.deepEqual(result.connectedState, [true, false, true, "string", false]);
    assert.equal(result.serverReason, "io server disconnect");
    assert.deepEqual(result.afterServer, [false, false, undefined]);
    assert.equal(result.clientReason, "io client disconnect");
    assert.deepEqual(result.afterClient, [false, false]);
    assert.equal(result.refused[0], "Invalid namespace");
    assert.deepEqual(result.unauthorized, ["not authorized", { hint: "token" }]);
    assert.equal(result.authorized, true);
  });

  test("reconnection gives up after reconnectionAttempts, with events", LIMIT, async (t) => {
    const page = await blankPage(t);
    if (!page) return;
    const result = await page.evaluate(async () => {
      const events = [];
      // Port 1: nothing listens, every attempt fails at once.
      const s = io("http://127.0.0.1:1", {
        forceNew: true,
        reconnectionAttempts: 2,
        reconnectionDelay: 20,
        reconnectionDelayMax: 40,
      });
      s.on("connect_error", (e) => events.push("connect_error:" + e.message));
      for (const e of ["reconnect_attempt", "reconnect_error", "error"]) {
        s.io.on(e, (arg) => events.push(e + (typeof arg === "number" ? ":" + arg : "")));
      }
      await new Promise((r) => s.io.once("reconnect_failed", r));
      s.disconnect();
      return events;
    });
    // The socket subscribed to the manager before the page did, so it reports first.
    assert.deepEqual(result, [
      "connect_error:xhr poll error",
      "error",
      "reconnect_attempt:1",
      "connect_error:xhr poll error",
      "error",
      "reconnect_error",
      "reconnect_attempt:2",
      "connect_error:xhr poll error",
      "error",
      "reconnect_error",
    ]);
  });

  test("the client answers the server's pings (heartbeat every 300 ms)", LIMIT, async (t) => {
    const page = await blankPage(t);
    if (!page) return;
    await page.addScriptTag({ content: CONNECT });
    const result = await page.evaluate(async () => {
      const s = await connect("/", { transports: ["websocket"] });
      let disconnected = null;
      s.on("disconnect", (r) => (disconnected = r));
      await new Promise((resolve) => {
        let pings = 0;
        s.io.on("ping", () => ++pings === 4 && resolve());
      });
      const ack = await s.emitWithAck("echo", "alive");
      const result = { disconnected, ack };
      s.disconnect();
      return result;
    });
    assert.deepEqual(result, { disconnected: null, ack: "alive" });
  });

  test("a server that stops pinging is dropped with \"ping timeout\"", LIMIT, async (t) => {
    if (!browser) return t.skip("chromium is not installed");
    const silent = await startSilentServer({ pingInterval: 100, pingTimeout: 100 });
    const page = await context.newPage();
    t.after(async () => {
      await page.close();
      await silent.close();
    });
    await page.goto(silent.url);
    await page.addScriptTag({ url: `${silent.url}/socket.io/socket.io.js` });
    const result = await page.evaluate(async () => {
      const s = io({ forceNew: true, reconnection: false, transports: ["polling"] });
      await new Promise((r) => s.once("connect", r));
      const connectedAt = Date.now();
      const reason = await new Promise((r) => s.once("disconnect", r));
      return { id: s.id, reason, after: Date.now() - connectedAt };
    });
    // The reason alone: how long it took is the machine's timing, not a pass criterion (the
    // client's timer starts at the open packet, before "connect").
    assert.equal(result.reason, "ping timeout");
  });

  test("connection state recovery: a dropped connection comes back recovered", LIMIT, async (t) => {
    if (!browser) return t.skip("chromium is not installed");
    const recovering = await startNodeChat({ env: { RECOVERY: "1" } });
    const page = await context.newPage();
    t.after(async () => {
      await page.close();
      await recovering.stop();
    });
    await page.goto(`${recovering.url}/api/health`);
    await page.addScriptTag({ url: `${recovering.url}/socket.io/socket.io.js` });
    const result = await page.evaluate(async () => {
      const s = io({ forceNew: true, reconnectionDelay: 50, transports: ["websocket"] });
      await new Promise((r) => s.once("connect", r));
      const first = { id: s.id, recovered: s.recovered };
      // A broadcast carries an offset, which the client sends back when it reconnects.
      const got = new Promise((r) => s.once("broadcast-echo", (v) => r(v)));
      s.emit("broadcast-echo", "before");
      const before = await got;
      const reasons = [];
      s.on("disconnect", (reason) => reasons.push(reason));
      const back = new Promise((r) => s.once("connect", r));
      s.emit("drop-transport");
      await back;
      const second = { id: s.id, recovered: s.recovered };
      const out = { first, before, reasons: reasons.slice(), second };
      s.disconnect();
      return out;
    });
    assert.equal(result.first.recovered, false);
    assert.equal(result.before, "before");
    assert.deepEqual(result.reasons, ["transport close"]);
    assert.equal(result.second.recovered, true);
    assert.equal(result.second.id, result.first.id, "a recovered socket keeps its id");
  });

  test("the minified and ES module builds work", LIMIT, async (t) => {
    const page = await blankPage(t, "socket.io.min.js");
    if (!page) return;
    const result = await page.evaluate(async (esm) => {
      const viaMin = io({ forceNew: true });
      const a = await viaMin.emitWithAck("echo", "min");
      viaMin.disconnect();
      const mod = await import(esm);
      const viaEsm = mod.io({ forceNew: true, transports: ["websocket"] });
      const b = await viaEsm.emitWithAck("binary-echo", new Uint8Array([3]));
      viaEsm.disconnect();
      return {
        a,
        b: Array.from(new Uint8Array(b)),
        exports: [typeof mod.default, typeof mod.Manager, typeof mod.Socket],
      };
    }, `${server.url}/socket.io/socket.io.esm.min.js`);
    assert.deepEqual(result, { a: "min", b: [3], exports: ["function", "function", "function"] });
  });
});
