// Who may use a name in the chat, on both chat servers: the page's login form in Chromium, and
// the user-join acknowledgement through the official Node client.
"use strict";
const { after, before, describe, test } = require("node:test");
const { launchBrowser } = require("./lib/browser.js");
const { startNodeChat, sockeyeChatForTests } = require("./lib/servers.js");
const { duplicateNamesRefused, joinAcknowledgements } = require("./lib/chat-names-scenario.js");

// A wait that never ends must fail the test rather than hang the suite.
const LIMIT = { timeout: 60000 };

const SERVERS = [
  ["the Node reference chat server", async () => ({ server: await startNodeChat() })],
  ["sockeye's chat server", sockeyeChatForTests],
];

for (const [name, startServer] of SERVERS) {
  describe(`chat names on ${name}`, () => {
    let browser;
    let server;
    let skipReason = null;

    before(async () => {
      const started = await startServer();
      server = started.server;
      skipReason = started.skip || null;
      if (server) browser = await launchBrowser();
    });

    after(async () => {
      if (browser) await browser.close();
      if (server) await server.stop();
    });

    test("user-join answers ok or says why the name is refused", LIMIT, async (t) => {
      if (skipReason) return t.skip(skipReason);
      await joinAcknowledgements(server.url);
    });

    test("the login form refuses a name in use, in any case, and an empty one", LIMIT, async (t) => {
      if (skipReason) return t.skip(skipReason);
      if (!browser) return t.skip("chromium is not installed");
      await duplicateNamesRefused(browser, server.url);
    });
  });
}
