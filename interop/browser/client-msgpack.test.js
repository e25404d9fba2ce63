// socket.io.msgpack.min.js, as sockeye serves it, in Chromium against the interop server
// started with PARSER=msgpack: events, acks, binary both ways, namespaces, on each transport.
"use strict";
const assert = require("node:assert/strict");
const { after, before, describe, test } = require("node:test");
const { launchBrowser } = require("./lib/browser.js");
const { binary, start } = require("../lib/server.js");

const LIMIT = { timeout: 30000 };

describe("the msgpack bundle in Chromium", () => {
  let browser;
  let server;

  before(async () => {
    browser = await launchBrowser();
    if (!browser) return;
    server = await start(binary("interop-server"), [], { env: { PARSER: "msgpack" } });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  for (const transports of [["polling", "websocket"], ["websocket"], ["polling"]]) {
    test(`events, acks, binary and namespaces (${transports})`, LIMIT, async (t) => {
      if (!browser) return t.skip("chromium is not installed");
      const page = await browser.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      t.after(() => page.close());
      // A page of the server's origin: the bundle itself, then the bundle as a script.
      const bundle = `${server.url}/socket.io/socket.io.msgpack.min.js`;
      await page.goto(bundle);
      await page.addScriptTag({ url: bundle });
      const result = await page.evaluate(async (transports) => {
        const connect = (nsp, opts) =>
          new Promise((resolve, reject) => {
            const s = io(nsp, Object.assign({ forceNew: true, transports }, opts));
            s.once("connect", () => resolve(s));
            s.once("connect_error", reject);
          });
        const bytes = (b) => Array.from(new Uint8Array(b));
        const s = await connect("/");
        const value = { i: -7, f: 0.5, s: "é😀", n: null, a: [[], {}] };
        const echoed = new Promise((r) => s.once("msg", r));
        s.emit("to-self", value);
        const msg = await echoed;
        const acked = await new Promise((r) => s.emit("echo-ack", 1, "two", (...a) => r(a)));
        const back = new Promise((r) => s.once("echo-back", (...a) => r(a)));
        s.emit("echo", { file: new Uint8Array([1, 2, 3]), deep: [new Uint8Array(300).fill(7).buffer] });
        const [bin] = await back;
        s.on("ack-me", (q, cb) => cb("re: " + q));
        const asked = await s.emitWithAck("server-ack", { timeout: 2000 });
        const priv = s.io.socket("/private", { auth: { token: "secret" } });
        const welcome = new Promise((r) => priv.once("welcome", r));
        priv.connect();
        const welcomed = await welcome;
        let refused;
        try {
          await connect("/private", { auth: { token: "no" } });
        } catch (err) {
          refused = { message: err.message, data: err.data };
        }
        const transport = s.io.engine.transport.name;
        s.disconnect();
        return {
          msg,
          acked,
          bin: [bin.file instanceof ArrayBuffer, bytes(bin.file), bytes(bin.deep[0]).length],
          asked,
          welcomed,
          refused,
          transport,
        };
      }, transports);
      assert.deepEqual(result.msg, { i: -7, f: 0.5, s: "é😀", n: null, a: [[], {}] });
      assert.deepEqual(result.acked, [1, "two"]);
      assert.deepEqual(result.bin, [true, [1, 2, 3], 300]);
      assert.deepEqual(result.asked, { answer: "re: question" });
      assert.equal(result.welcomed, "private");
      assert.deepEqual(result.refused, { message: "not authorized", data: { code: 42 } });
      assert.deepEqual(errors, []);
    });
  }
});
