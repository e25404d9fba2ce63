// The chat scaled out: two sockeye chat nodes (`--redis`) on one private Redis behind nginx
// with `ip_hash` (docs/deployment.md's set-up), and two Chromium users pinned to different
// nodes (one comes from 127.0.0.1, the other from ::1, which ip_hash sends elsewhere). They
// see each other join, chat, type and leave, the online count is right on both, and a name
// taken on one node is refused on the other.
"use strict";
const assert = require("node:assert/strict");
const { after, before, describe, test } = require("node:test");
const { launchBrowser, openPage } = require("./lib/browser.js");
const { start } = require("../lib/server.js");
const { startRedis } = require("../lib/redis.js");
const { startNginx } = require("../lib/nginx.js");
const { SOCKEYE_CHAT, sockeyeChatMissing } = require("./lib/servers.js");
const { twoUserChat, waitConnected, join } = require("./lib/chat-scenario.js");

const LIMIT = { timeout: 90000 };

describe("two sockeye chat nodes on Redis behind nginx (ip_hash)", () => {
  let redis;
  let nodes = [];
  let nginx;
  let browser;
  let skipReason = sockeyeChatMissing();

  before(async () => {
    if (skipReason) return;
    redis = await startRedis();
    nodes = await Promise.all(
      [0, 1].map(() => start(SOCKEYE_CHAT, ["--host", "127.0.0.1", "--redis", redis.url], { env: { PORT: "0" } })),
    );
    nginx = await startNginx({
      upstreams: nodes.map((n) => `127.0.0.1:${n.port}`),
      balance: "ip_hash",
    });
    browser = await launchBrowser();
    if (!browser) skipReason = "chromium is not installed";
  });

  after(async () => {
    if (browser) await browser.close();
    if (nginx) await nginx.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    if (redis) await redis.stop();
  });

  test("the two addresses land on different nodes", LIMIT, async (t) => {
    if (skipReason) return t.skip(skipReason);
    const upstream = async (url) => {
      const res = await fetch(`${url}/api/health`);
      await res.arrayBuffer();
      return res.headers.get("x-upstream");
    };
    const [a, b] = [await upstream(nginx.url), await upstream(nginx.url6)];
    assert.notEqual(a, b, "ip_hash must pin the two users to different nodes");
    assert.equal(await upstream(nginx.url), a, "and keep them there");
  });

  test("users on different nodes chat as on one server", LIMIT, async (t) => {
    if (skipReason) return t.skip(skipReason);
    await twoUserChat(browser, nginx.url, { bobBaseUrl: nginx.url6 });
  });

  test("a name taken on one node is refused on the other", LIMIT, async (t) => {
    if (skipReason) return t.skip(skipReason);
    const alice = await openPage(browser, `${nginx.url}/`);
    const other = await openPage(browser, `${nginx.url6}/`);
    try {
      await waitConnected(alice);
      await waitConnected(other);
      await join(alice, "alice");
      const answer = await other.evaluate(() =>
        window.chatSocket.timeout(5000).emitWithAck("user-join", "  ALICE "),
      );
      assert.ok(answer && answer.error, `refused: ${JSON.stringify(answer)}`);
      assert.match(answer.error, /taken/);
    } finally {
      await alice.context().close();
      await other.context().close();
    }
  });
});
