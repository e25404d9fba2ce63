// The chat page with connection state recovery (sockeye's chat, on by default): a user whose
// connection is cut, and stays away while the other one writes, comes back with the same
// socket, sees every message sent meanwhile once and in order, and nobody sees "left" or
// "joined" for it; the page says it is reconnecting, then that nothing was missed.
"use strict";
const assert = require("node:assert/strict");
const { after, before, describe, test } = require("node:test");
const { launchBrowser, openPage } = require("./lib/browser.js");
const { sockeyeChatForTests } = require("./lib/servers.js");
const { waitConnected, join } = require("./lib/chat-scenario.js");
const { startCutProxy } = require("../lib/cut-proxy.js");

const WAIT = { timeout: 15000 };
const LIMIT = { timeout: 90000 };
const CUTS = 3;

/** Every line of #messages: chat lines as "user text", system lines as "* text". */
function lines(page) {
  return page.$$eval("#messages li:not(.pending)", (lis) =>
    lis.map((li) => {
      const part = (cls) => (li.querySelector("." + cls) || {}).textContent || "";
      return li.classList.contains("system")
        ? "* " + li.firstChild.textContent
        : `${part("user")} ${part("text")}`;
    })
  );
}

async function send(page, text) {
  await page.fill("#message-input", text);
  await page.press("#message-input", "Enter");
  // Acknowledged: no pending line left.
  await page.waitForFunction(() => !document.querySelector("#messages li.pending"), null, WAIT);
}

async function waitLine(page, line) {
  await page.waitForFunction(
    (l) =>
      [...document.querySelectorAll("#messages li:not(.system)")].some(
        (li) => `${li.querySelector(".user").textContent} ${li.querySelector(".text").textContent}` === l
      ),
    line,
    WAIT
  );
}

describe("chat page with connection state recovery (sockeye)", () => {
  let browser;
  let server;
  let proxy;
  let skipReason = null;

  before(async () => {
    const started = await sockeyeChatForTests();
    if (started.skip) {
      skipReason = started.skip;
      return;
    }
    server = started.server;
    proxy = await startCutProxy(server.port);
    browser = await launchBrowser();
    if (!browser) skipReason = "chromium is not installed";
  });

  after(async () => {
    if (browser) await browser.close();
    if (proxy) await proxy.close();
    if (server) await server.stop();
  });

  test("cut after cut: no message lost or doubled, no leave/join noise", LIMIT, async (t) => {
    if (skipReason) return t.skip(skipReason);
    const errors = [];
    // Alice goes through the cutting proxy (websocket: a cut is seen by both ends at once).
    const alice = await openPage(browser, `${proxy.url}/?transports=websocket`, errors);
    const bob = await openPage(browser, `${server.url}/`, errors);
    await waitConnected(alice);
    await join(alice, "alice");
    await waitConnected(bob);
    await join(bob, "bob");
    await send(bob, "hello");
    await waitLine(alice, "bob hello");
    const before = { alice: await lines(alice), bob: await lines(bob) };

    const sent = ["bob hello"];
    for (let cut = 1; cut <= CUTS; cut++) {
      proxy.hold();
      assert.ok(proxy.cut() >= 1, `cut ${cut}: alice's connections`);
      await alice.waitForFunction(() => !window.chatSocket.connected, null, WAIT);
      assert.match(await alice.textContent("#connection"), /Reconnecting/);
      // Bob writes while alice is away.
      for (const n of [1, 2]) {
        await send(bob, `cut ${cut} message ${n}`);
        sent.push(`bob cut ${cut} message ${n}`);
      }
      proxy.release();
      await alice.waitForFunction(
        () => window.chatSocket.connected && window.chatSocket.recovered,
        null,
        WAIT
      );
      await waitLine(alice, `bob cut ${cut} message 2`);
      assert.equal(await alice.textContent("#connection"), "Reconnected. Nothing was missed.");
      // And alice can write again, once.
      await send(alice, `back ${cut}`);
      sent.push(`alice back ${cut}`);
      await waitLine(bob, `alice back ${cut}`);
    }

    const after = { alice: await lines(alice), bob: await lines(bob) };
    // Exactly the messages sent since, in order, on both pages; no system line added.
    assert.deepEqual(after.alice.slice(before.alice.length - 1), sent);
    assert.deepEqual(after.bob.slice(before.bob.length - 1), sent);
    assert.equal(after.alice.filter((l) => l.startsWith("* ")).length, before.alice.filter((l) => l.startsWith("* ")).length);
    assert.equal(after.bob.filter((l) => l.startsWith("* ")).length, before.bob.filter((l) => l.startsWith("* ")).length);
    assert.equal(await bob.textContent("#online-count"), "2");
    assert.deepEqual(errors.map(String), []);
    await alice.close();
    await bob.close();
  });
});
