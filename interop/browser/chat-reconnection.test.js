// The chat page in Chromium when connections end, on both chat servers: a typer who closes the
// tab, a message sent while the server is down, the online list while reconnecting.
"use strict";
const { after, before, describe, test } = require("node:test");
const { launchBrowser } = require("./lib/browser.js");
const { startNodeChat, startSockeyeChat, sockeyeChatForTests } = require("./lib/servers.js");
const {
  typerLeaves,
  messageSentWhileServerDown,
  staleListWhileReconnecting,
} = require("./lib/chat-reconnection-scenario.js");

// A wait that never ends must fail the test rather than hang the suite.
const LIMIT = { timeout: 90000 };

const SERVERS = [
  ["the Node reference chat server", startNodeChat, async () => ({ server: await startNodeChat() })],
  ["sockeye's chat server", startSockeyeChat, sockeyeChatForTests],
];

for (const [name, startOwn, startShared] of SERVERS) {
  describe(`chat page reconnection on ${name}`, () => {
    let browser;
    let server;
    let skipReason = null;

    before(async () => {
      const started = await startShared();
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

    const skip = (t) => {
      if (skipReason) t.skip(skipReason);
      return !!skipReason;
    };

    /** Runs `scenario` against a server of its own that it may stop and start again. */
    async function withRestartableServer(scenario) {
      let own = await startOwn();
      try {
        await scenario(browser, own.url, {
          stop: () => own.stop(),
          restart: async () => {
            own = await startOwn({ port: own.port });
          },
        });
      } finally {
        await own.stop();
      }
    }

    test("a typer who closes the tab stops showing as typing", LIMIT, async (t) => {
      if (skip(t)) return;
      await typerLeaves(browser, server.url);
    });

    test("a message sent while the server is down arrives after reconnection", LIMIT, async (t) => {
      if (skip(t)) return;
      await withRestartableServer(messageSentWhileServerDown);
    });

    test("the online list is marked stale while reconnecting", LIMIT, async (t) => {
      if (skip(t)) return;
      await withRestartableServer(staleListWhileReconnecting);
    });
  });
}
