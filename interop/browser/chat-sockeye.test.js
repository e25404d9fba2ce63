// Our client in Chromium, running the chat page against sockeye's chat server
// (target/release/sockeye-chat): the same scenario as chat-node.test.js. Skipped while the
// binary is missing or still a placeholder.
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { after, before, describe, test } = require("node:test");
const { launchBrowser } = require("./lib/browser.js");
const { startSockeyeChat, sockeyeChatForTests } = require("./lib/servers.js");
const { twoUserChat, reconnectAfterRestart } = require("./lib/chat-scenario.js");

const DIST = path.join(__dirname, "..", "..", "js", "dist");

// A wait that never ends must fail the test rather than hang the suite.
const LIMIT = { timeout: 60000 };

describe("chat page with our client on sockeye's chat server", () => {
  let browser;
  let server;
  let skipReason = null;

  before(async () => {
    const started = await sockeyeChatForTests();
    if (started.skip) {
      skipReason = started.skip;
      return;
    }
    server = started.server;
    browser = await launchBrowser();
    if (!browser) skipReason = "chromium is not installed";
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  // A test returns early when it must skip.
  const skip = (t) => {
    if (skipReason) t.skip(skipReason);
    return !!skipReason;
  };

  test("GET /api/health answers {status: ok} and what the server holds", LIMIT, async (t) => {
    if (skip(t)) return;
    const res = await fetch(`${server.url}/api/health`);
    assert.equal(res.status, 200);
    const health = await res.json();
    assert.equal(health.status, "ok");
    for (const key of ["connections", "sockets", "tasks", "recoverySessions", "recoveryBytes"]) {
      assert.equal(typeof health[key], "number", `${key} in ${JSON.stringify(health)}`);
    }
  });

  test("serves our client bundles at /socket.io/", LIMIT, async (t) => {
    if (skip(t)) return;
    const bundles = ["socket.io.js", "socket.io.min.js", "socket.io.esm.min.js", "socket.io.msgpack.min.js"];
    for (const name of [...bundles, ...bundles.map((b) => `${b}.map`)]) {
      const res = await fetch(`${server.url}/socket.io/${name}`);
      assert.equal(res.status, 200, name);
      const ours = fs.readFileSync(path.join(DIST, name), "utf8");
      // The server embeds js/dist (its copy in crates/sockeye/client) when it is compiled.
      const same = (await res.text()) === ours;
      assert.ok(same, `served ${name} differs from js/dist: rebuild sockeye-chat (cargo build)`);
    }
  });

  test("two users chat (polling, then upgrade to websocket)", LIMIT, async (t) => {
    if (skip(t)) return;
    await twoUserChat(browser, server.url);
  });

  test("two users chat over websocket only", LIMIT, async (t) => {
    if (skip(t)) return;
    await twoUserChat(browser, server.url, { transports: ["websocket"] });
  });

  test("two users chat over polling only", LIMIT, async (t) => {
    if (skip(t)) return;
    await twoUserChat(browser, server.url, { transports: ["polling"] });
  });

  test("pages reconnect by themselves after a server restart", LIMIT, async (t) => {
    if (skip(t)) return;
    let own = await startSockeyeChat();
    try {
      await reconnectAfterRestart(browser, own.url, {
        stop: () => own.stop(),
        restart: async () => {
          own = await startSockeyeChat({ port: own.port });
        },
      });
    } finally {
      await own.stop();
    }
  });
});
