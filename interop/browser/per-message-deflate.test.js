// permessage-deflate with Chromium's own websocket: the served bundle over websocket against
// the interop server started with PER_MESSAGE_DEFLATE, large text and binary both ways
// (Chromium compresses every message it sends; the server compresses what is over 1024
// bytes), and the answer Chromium accepted, read from the DevTools protocol.
"use strict";
const assert = require("node:assert/strict");
const { after, before, describe, test } = require("node:test");
const { launchBrowser } = require("./lib/browser.js");
const { binary, start } = require("../lib/server.js");

const LIMIT = { timeout: 30000 };

for (const [mode, answer] of [
  ["1", "permessage-deflate; server_no_context_takeover; client_no_context_takeover"],
  ["takeover", "permessage-deflate"],
]) {
  describe(`perMessageDeflate in Chromium (PER_MESSAGE_DEFLATE=${mode})`, () => {
    let browser;
    let server;

    before(async () => {
      browser = await launchBrowser();
      if (!browser) return;
      server = await start(binary("interop-server"), [], { env: { PER_MESSAGE_DEFLATE: mode } });
    });

    after(async () => {
      if (browser) await browser.close();
      if (server) await server.stop();
    });

    test("large messages round-trip compressed over websocket", LIMIT, async (t) => {
      if (!browser) return t.skip("chromium is not installed");
      const page = await browser.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      t.after(() => page.close());
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Network.enable");
      const handshakes = [];
      cdp.on("Network.webSocketHandshakeResponseReceived", (e) => handshakes.push(e.response));
      const bundle = `${server.url}/socket.io/socket.io.js`;
      await page.goto(bundle);
      await page.addScriptTag({ url: bundle });
      const result = await page.evaluate(async () => {
        const s = io("/", { forceNew: true, transports: ["websocket"] });
        await new Promise((resolve, reject) => {
          s.once("connect", resolve);
          s.once("connect_error", reject);
        });
        const text = "déflate 😀 ".repeat(5000);
        const blob = new Uint8Array(100000).map((_, i) => i % 7);
        const out = [];
        for (let i = 0; i < 3; i++) {
          const back = new Promise((r) => s.once("echo-back", (...a) => r(a)));
          s.emit("echo", { text, i }, blob);
          const [obj, bin] = await back;
          const bytes = new Uint8Array(bin);
          out.push(obj.text === text && obj.i === i && bytes.length === blob.length && bytes.every((b, j) => b === j % 7));
        }
        s.disconnect();
        return out;
      });
      assert.deepEqual(result, [true, true, true]);
      assert.deepEqual(errors, []);
      const headers = Object.fromEntries(
        Object.entries(handshakes[0].headers).map(([k, v]) => [k.toLowerCase(), v]),
      );
      assert.equal(handshakes[0].status, 101);
      assert.equal(headers["sec-websocket-extensions"], answer);
    });
  });
}
