// The official Admin UI on a mixed cluster: sockeye's chat (`--admin --redis`) and a Node
// socket.io node with `instrument()` (interop/redis/node-cluster-node.js) on one private Redis.
// The page, logged in to the sockeye node, lists both servers (each node's server_stats reach
// it through the admin namespace's adapter, as between Node nodes) and the sockets of both.
"use strict";
const os = require("node:os");
const path = require("node:path");
const { after, before, describe, test } = require("node:test");
const { io: connect } = require("socket.io-client");
const { launchBrowser } = require("./lib/browser.js");
const { sockeyeChatMissing, SOCKEYE_CHAT } = require("./lib/servers.js");
const { adminScenario, serveUi } = require("./lib/admin-ui.js");
const { start } = require("../lib/server.js");
const { startRedis } = require("../lib/redis.js");

const LIMIT = { timeout: 120000 };
const PASSWORD = "correct horse";
const NODE_NODE = path.join(__dirname, "..", "redis", "node-cluster-node.js");

describe("the official Admin UI on a sockeye + Node cluster on Redis", () => {
  let browser;
  let ui;
  let redis;
  let nodes = [];
  let skipReason = sockeyeChatMissing();

  before(async () => {
    if (skipReason) return;
    browser = await launchBrowser();
    if (!browser) {
      skipReason = "chromium is not installed";
      return;
    }
    ui = await serveUi();
    redis = await startRedis();
    nodes = await Promise.all([
      start(SOCKEYE_CHAT, ["--admin", "--cors-origin", ui.origin, "--redis", redis.url], {
        env: { SOCKEYE_ADMIN_PASSWORD: PASSWORD },
      }),
      start(process.execPath, [NODE_NODE], {
        env: {
          REDIS_URL: redis.url,
          NODE_NAME: "node-c",
          ADMIN_PASSWORD: PASSWORD,
          ADMIN_ORIGIN: ui.origin,
        },
      }),
    ]);
  });

  after(async () => {
    if (browser) await browser.close();
    if (ui) await ui.close();
    await Promise.all(nodes.map((n) => n.stop()));
    if (redis) await redis.stop();
  });

  test("the page lists both servers and both nodes' sockets", LIMIT, async (t) => {
    if (skipReason) return t.skip(skipReason);
    const [sockeye, node] = nodes;
    const onNode = connect(node.url, { transports: ["websocket"], forceNew: true });
    await new Promise((resolve) => onNode.once("connect", resolve));
    const nodeSocketId = onNode.id;
    try {
      await adminScenario(browser, ui, {
        serverUrl: sockeye.url,
        password: PASSWORD,
        name: "cluster",
        // A chat node of a cluster is "<host>#<pid>", as the reference's cluster workers.
        serverIds: [`${os.hostname()}#${sockeye.child.pid}`, "node-c"],
        sockets: [() => nodeSocketId],
      });
    } finally {
      onNode.close();
    }
  });
});
