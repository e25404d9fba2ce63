// The official Admin UI (@socket.io/admin-ui 0.5.1's page, from npm) in Chromium, logged in to
// sockeye's chat (`--admin`) and, for the expected page content, to the Node reference chat
// server with the package's own `instrument()`: one scenario, two targets.
"use strict";
const os = require("node:os");
const { after, before, describe, test } = require("node:test");
const { launchBrowser } = require("./lib/browser.js");
const { startNodeChat, sockeyeChatMissing, SOCKEYE_CHAT } = require("./lib/servers.js");
const { adminScenario, serveUi } = require("./lib/admin-ui.js");
const { start } = require("../lib/server.js");

const LIMIT = { timeout: 90000 };
const PASSWORD = "correct horse";

describe("the official Admin UI", () => {
  let browser;
  let ui;

  before(async () => {
    browser = await launchBrowser();
    ui = await serveUi();
  });

  after(async () => {
    if (browser) await browser.close();
    if (ui) await ui.close();
  });

  test("on sockeye's chat with --admin", LIMIT, async (t) => {
    if (!browser) return t.skip("chromium is not installed");
    const missing = sockeyeChatMissing();
    if (missing) return t.skip(missing);
    const server = await start(SOCKEYE_CHAT, ["--admin", "--cors-origin", ui.origin], {
      env: { SOCKEYE_ADMIN_PASSWORD: PASSWORD, SOCKEYE_ADMIN_USER: "admin" },
    });
    try {
      await adminScenario(browser, ui, {
        serverUrl: server.url,
        password: PASSWORD,
        name: "sockeye",
        serverIds: [os.hostname()],
      });
    } finally {
      await server.stop();
    }
  });

  test("on the Node reference chat with instrument()", LIMIT, async (t) => {
    if (!browser) return t.skip("chromium is not installed");
    const server = await startNodeChat({
      ourClient: false,
      env: { ADMIN_PASSWORD: PASSWORD, ADMIN_ORIGIN: ui.origin },
    });
    try {
      await adminScenario(browser, ui, {
        serverUrl: server.url,
        password: PASSWORD,
        name: "node",
        serverIds: [os.hostname()],
      });
    } finally {
      await server.stop();
    }
  });
});
