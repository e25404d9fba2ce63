// Our client (js/dist/socket.io.js) in Chromium, running the chat page against the Node
// reference chat server (socket.io from npm).
"use strict";
const { after, before, describe, test } = require("node:test");
const { launchBrowser } = require("./lib/browser.js");
const { startNodeChat } = require("./lib/servers.js");
const { twoUserChat, reconnectAfterRestart } = require("./lib/chat-scenario.js");

// A wait that never ends must fail the test rather than hang the suite.
const LIMIT = { timeout: 60000 };

describe("chat page with our client on the Node reference server", () => {
  let browser;
  let server;

  before(async () => {
    browser = await launchBrowser();
    if (browser) server = await startNodeChat();
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  const skip = (t) => !browser && t.skip("chromium is not installed");

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

  test("the page runs unchanged on the official client bundle", LIMIT, async (t) => {
    if (skip(t)) return;
    const official = await startNodeChat({ ourClient: false });
    try {
      await twoUserChat(browser, official.url);
    } finally {
      await official.stop();
    }
  });

  test("pages reconnect by themselves after a server restart", LIMIT, async (t) => {
    if (skip(t)) return;
    let own = await startNodeChat();
    try {
      await reconnectAfterRestart(browser, own.url, {
        stop: () => own.stop(),
        restart: async () => {
          own = await startNodeChat({ port: own.port });
        },
      });
    } finally {
      await own.stop();
    }
  });
});
