// Our browser client (js/dist/socket.io.js) in Chromium against the Node reference server with
// connection state recovery (interop/lib/recovery-server.js), the connection cut under it by
// interop/lib/cut-proxy.js: every message to its room and to itself arrives once and in
// order, the replay before "connect", `socket.recovered` and the same id after each cut; a
// restarted server (which forgot every session) gives a new session. A scripted websocket
// server then plays the corners no real server can be made to hit at a chosen moment.
"use strict";
const assert = require("node:assert/strict");
const path = require("node:path");
const { after, before, describe, test } = require("node:test");
const { launchBrowser } = require("./lib/browser.js");
const { start } = require("../lib/server.js");
const { startCutProxy } = require("../lib/cut-proxy.js");
const { WebSocketServer } = require("ws");

const LIMIT = { timeout: 30000 };
const SERVER = path.join(__dirname, "..", "lib", "recovery-server.js");
const BUNDLE = path.join(__dirname, "..", "..", "js", "dist", "socket.io.js");
// Messages the server sends from its "disconnect" handler, while the client is away.
const GAP = 2;

const startServer = (port = 0) => start(process.execPath, [SERVER], { env: { PORT: String(port) } });

describe("our browser client recovers its session across cut connections", () => {
  let browser;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
  });

  /**
   * A page whose socket connects to `url` (websocket only: a cut is then seen by both ends at
   * once) and records what its listeners see in `window.seen`. Returns helpers to drive it.
   */
  async function client(t, url, opts = {}) {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e));
    t.after(async () => {
      await page.close();
      assert.deepEqual(errors.map(String), []);
    });
    await page.addScriptTag({ path: BUNDLE });
    await page.evaluate(([url, opts]) => {
      window.seen = [];
      const s = io(url, { forceNew: true, transports: ["websocket"], reconnectionDelay: 100, ...opts });
      window.s = s;
      s.on("connect", () => seen.push({ connect: s.id, recovered: s.recovered }));
      s.on("disconnect", () => seen.push("disconnect"));
      // The trailing offset is one more argument, which these listeners leave alone.
      s.on("room", (n) => seen.push(`room ${n}`));
      s.on("direct", (n) => seen.push(`direct ${n}`));
    }, [url, opts]);
    return {
      // Resolves with what the listeners saw from index `from` once there are `count` more.
      seen: async (from, count) => {
        await page.waitForFunction((n) => window.seen.length >= n, from + count);
        return page.evaluate(([a, b]) => window.seen.slice(a, b), [from, from + count]);
      },
      ask: (event, ...args) => page.evaluate(([e, a]) => s.timeout(5000).emitWithAck(e, ...a), [event, args]),
      state: () => page.evaluate(() => ({ id: s.id, recovered: s.recovered, offset: s._lastOffset })),
    };
  }

  const messages = (from, count) =>
    Array.from({ length: count }, (_, i) => [`room ${from + i}`, `direct ${from + i}`]).flat();

  test("cuts lose no message and keep the session", LIMIT, async (t) => {
    if (!browser) return t.skip("chromium is not installed");
    const server = await startServer();
    const proxy = await startCutProxy(server.port);
    t.after(async () => {
      await proxy.close();
      await server.stop();
    });
    const c = await client(t, proxy.url);
    const [first] = await c.seen(0, 1);
    assert.equal(first.recovered, false, "a first connection is a new session");
    const id = first.connect;
    assert.equal(await c.ask("join", "r"), id);
    let at = 1;
    let sent = 0;
    for (let cut = 0; cut < 3; cut++) {
      await c.ask("burst", 3);
      assert.deepEqual(await c.seen(at, 6), messages(sent, 3));
      at += 6;
      sent += 3;
      const { offset } = await c.state();
      assert.equal(typeof offset, "string", "messages carry offsets");

      assert.equal(proxy.cut(), 1, `cut ${cut}: one websocket`);
      // What the server sent while the client was away comes first, then "connect".
      const expected = ["disconnect", ...messages(sent, GAP), { connect: id, recovered: true }];
      assert.deepEqual(await c.seen(at, expected.length), expected, `cut ${cut}`);
      at += expected.length;
      sent += GAP;
      const me = await c.ask("whoami");
      assert.equal(me.recovered, true);
      assert.equal(me.id, id);
      assert.equal(me.auth.offset, offset, "the reconnection sent the offset it had");
      assert.equal(typeof me.auth.pid, "string");
    }
    await c.ask("burst", 2);
    assert.deepEqual(await c.seen(at, 4), messages(sent, 2));
    assert.equal(proxy.connections, 4, "one connection per (re)connection");
  });

  test("a server that forgot the session starts a new one", LIMIT, async (t) => {
    if (!browser) return t.skip("chromium is not installed");
    let server = await startServer();
    const port = server.port;
    const proxy = await startCutProxy(port);
    t.after(async () => {
      await proxy.close();
      await server.stop();
    });
    const c = await client(t, proxy.url);
    const [first] = await c.seen(0, 1);
    await c.ask("join", "r");
    await c.ask("burst", 1);
    assert.deepEqual(await c.seen(1, 2), messages(0, 1));
    const { offset } = await c.state();

    await server.stop();
    assert.deepEqual(await c.seen(3, 1), ["disconnect"]);
    server = await startServer(port);
    // Failed attempts are not recorded; the next entry is the new session's "connect".
    const [again] = await c.seen(4, 1);
    assert.equal(again.recovered, false);
    assert.notEqual(again.connect, first.connect);
    const me = await c.ask("whoami");
    assert.equal(me.recovered, false);
    assert.equal(me.auth.offset, offset, "it was asked all the same");
  });

  test("events before the CONNECT answer come before connect; unanswered ones are dropped", LIMIT, async (t) => {
    if (!browser) return t.skip("chromium is not installed");
    const server = await scriptedServer();
    t.after(() => server.close());
    const c = await client(t, server.url, { auth: { token: "t" } });

    // A first connection: an event before the answer, which gives a pid.
    let conn = await server.connection();
    assert.deepEqual(await conn.connectAuth(), { token: "t" });
    conn.send('42["room",1,"o1"]');
    conn.send('40{"sid":"s1","pid":"p1"}');
    conn.send('42["room",2,"o2"]');
    assert.deepEqual(await c.seen(0, 3), ["room 1", { connect: "s1", recovered: false }, "room 2"]);
    conn.close();
    assert.deepEqual(await c.seen(3, 1), ["disconnect"]);

    // The second connection replays an event, then dies before its CONNECT answer.
    conn = await server.connection();
    assert.deepEqual(await conn.connectAuth(), { pid: "p1", offset: "o2", token: "t" });
    conn.send('42["room",3,"o3"]');
    conn.close();

    // The third asks from the same offset: the held event was never delivered, and comes once.
    conn = await server.connection();
    assert.deepEqual(await conn.connectAuth(), { pid: "p1", offset: "o2", token: "t" });
    conn.send('42["room",3,"o3"]');
    conn.send('42["direct"]'); // no argument: its name is no offset
    conn.send('40{"sid":"s1","pid":"p1"}');
    // "disconnect" for the connection that died unanswered too, as the official client does.
    assert.deepEqual(await c.seen(4, 4), [
      "disconnect",
      "room 3",
      "direct undefined",
      { connect: "s1", recovered: true },
    ]);
    assert.deepEqual(await c.state(), { id: "s1", recovered: true, offset: "o3" });
  });
});

/**
 * A websocket server that plays the Socket.IO server's side packet by packet: each
 * connection gets the Engine.IO open packet, then the test reads and sends packets.
 */
async function scriptedServer() {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((r) => wss.once("listening", r));
  const connections = queue();
  wss.on("connection", (ws) => {
    const packets = queue();
    ws.on("message", (data, binary) => binary || packets.push(String(data)));
    ws.send('0{"sid":"e","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
    connections.push({
      // The auth of the client's next CONNECT to "/" (null without one).
      async connectAuth() {
        const text = await packets.next();
        assert.match(text, /^40/);
        return text.length > 2 ? JSON.parse(text.slice(2)) : null;
      },
      send: (text) => ws.send(text),
      close: () => ws.close(),
    });
  });
  return {
    url: `http://127.0.0.1:${wss.address().port}`,
    connection: () => connections.next(),
    close: () =>
      new Promise((r) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => r());
      }),
  };
}

/** An async queue: push items, await them in order. */
function queue() {
  const items = [];
  const waiting = [];
  return {
    push(item) {
      if (waiting.length) waiting.shift()(item);
      else items.push(item);
    },
    next() {
      return items.length ? Promise.resolve(items.shift()) : new Promise((r) => waiting.push(r));
    },
  };
}
