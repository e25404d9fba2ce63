// The chat scenario every chat server is held to, driven through the chat page in Chromium.
// It talks only to the page (DOM and `window.chatSocket`), so the Node reference server and
// sockeye's chat server run exactly the same steps.
"use strict";
const assert = require("node:assert/strict");
const { openPage } = require("./browser.js");

const WAIT = { timeout: 10000 };

function pageUrl(base, transports) {
  return transports ? `${base}/?transports=${transports.join(",")}` : `${base}/`;
}

async function waitConnected(page) {
  await page.waitForFunction(() => window.chatSocket && window.chatSocket.connected, null, WAIT);
}

/** Waits until the page's engine runs on `name` (after an upgrade when starting on polling). */
async function waitTransport(page, name) {
  await page.waitForFunction(
    (n) => {
      const engine = window.chatSocket.io.engine;
      return window.chatSocket.connected && engine && engine.transport.name === n;
    },
    name,
    WAIT
  );
}

async function join(page, name) {
  await page.fill("#username", name);
  await page.click("#join");
  await page.waitForSelector("#chat", { state: "visible", ...WAIT });
}

async function waitText(page, selector, text) {
  await page.waitForFunction(
    ([sel, t]) => {
      const el = document.querySelector(sel);
      return el && el.textContent === t;
    },
    [selector, text],
    WAIT
  );
}

/** Waits for an li in #messages whose text contains `text`; `system` restricts to li.system. */
async function waitMessage(page, text, { system = false } = {}) {
  await page.waitForFunction(
    ([t, sys]) =>
      [...document.querySelectorAll(sys ? "#messages li.system" : "#messages li")].some((li) =>
        li.textContent.includes(t)
      ),
    [text, system],
    WAIT
  );
}

async function messages(page) {
  return page.$$eval("#messages li", (lis) =>
    lis.map((li) => ({ system: li.classList.contains("system"), text: li.textContent }))
  );
}

/** Sends through the UI: type, then Enter. */
async function sendViaUi(page, text) {
  await page.fill("#message-input", "");
  await page.type("#message-input", text);
  await page.press("#message-input", "Enter");
}

async function emitWithAck(page, event, arg) {
  return page.evaluate(
    ([e, a]) => window.chatSocket.timeout(5000).emitWithAck(e, a),
    [event, arg]
  );
}

/**
 * Two users chat: join and online count, join/leave system messages, messages both ways with
 * the server's ack, typing indicator (on input, cleared on send and after 2 s idle), text shown
 * as text, a message refused before joining, and an empty name refused by the page.
 * `transports`: pin the page's transports (null = client default, which must upgrade).
 * `bobBaseUrl`: where bob opens the page, when not at `baseUrl` (another node of a cluster).
 */
async function twoUserChat(browser, baseUrl, { transports = null, bobBaseUrl = baseUrl } = {}) {
  const url = pageUrl(baseUrl, transports);
  const errors = [];
  const alice = await openPage(browser, url, errors);
  const bob = await openPage(browser, pageUrl(bobBaseUrl, transports), errors);
  try {
    await waitConnected(alice);
    await waitConnected(bob);
    const expected = transports && transports.length === 1 ? transports[0] : "websocket";
    await waitTransport(alice, expected);

    // Before joining, the server refuses messages; the page refuses an empty name.
    assert.deepEqual(await emitWithAck(bob, "chat-message", { text: "too early" }), {
      error: "Not authenticated",
    });
    await bob.click("#join");
    assert.equal(await bob.isVisible("#chat"), false, "empty name must be refused");
    assert.equal(await bob.isVisible("#login"), true);

    await join(alice, "alice");
    await waitText(alice, "#online-count", "1");
    await join(bob, "bob");
    await waitText(alice, "#online-count", "2");
    await waitText(bob, "#online-count", "2");
    await waitMessage(alice, "bob joined the chat", { system: true });

    // Typing indicator, then cleared by sending.
    await alice.type("#message-input", "hello bo");
    await waitText(bob, "#typing", "alice is typing...");
    await alice.type("#message-input", "b");
    await alice.press("#message-input", "Enter");
    await waitText(bob, "#typing", "");
    await waitMessage(bob, "hello bob");
    await waitMessage(alice, "hello bob");

    // The ack from the server.
    const ack = await emitWithAck(bob, "chat-message", { text: "hi alice <b>bold</b>" });
    assert.equal(ack.status, "ok");
    assert.ok(ack.id !== undefined && ack.id !== null, "ack carries the message id");
    await waitMessage(alice, "hi alice <b>bold</b>");
    assert.equal(await alice.$$eval("#messages b", (els) => els.length), 0, "text, not HTML");

    // Typing stops by itself after 2 s without keystrokes.
    await bob.type("#message-input", "thinking");
    await waitText(alice, "#typing", "bob is typing...");
    await waitText(alice, "#typing", "");

    // The newcomer is not told about its own arrival; everyone else is.
    const bobSees = await messages(bob);
    assert.ok(!bobSees.some((m) => m.system && m.text.includes("bob joined the chat")));
    const chatLines = (await messages(alice)).filter((m) => !m.system).map((m) => m.text);
    assert.ok(chatLines[0].includes("alice") && chatLines[0].includes("hello bob"));
    assert.ok(chatLines[1].includes("bob") && chatLines[1].includes("hi alice"));

    // Leaving.
    await bob.context().close();
    await waitText(alice, "#online-count", "1");
    await waitMessage(alice, "bob left the chat", { system: true });
    assert.deepEqual(errors.map(String), []);
  } finally {
    await alice.context().close();
    await bob.context().close().catch(() => {});
  }
}

/**
 * The server goes away and comes back on the same port (`restart()` resolves once it
 * listens again): both pages reconnect by themselves, join again and chat.
 */
async function reconnectAfterRestart(browser, baseUrl, { stop, restart }) {
  const errors = [];
  const alice = await openPage(browser, pageUrl(baseUrl), errors);
  const bob = await openPage(browser, pageUrl(baseUrl), errors);
  try {
    for (const [page, name] of [[alice, "alice"], [bob, "bob"]]) {
      await waitConnected(page);
      await join(page, name);
      await page.evaluate(() => {
        window.reconnects = [];
        window.chatSocket.io.on("reconnect", (n) => window.reconnects.push(n));
        window.disconnects = [];
        window.chatSocket.on("disconnect", (r) => window.disconnects.push(r));
      });
    }
    await waitText(alice, "#online-count", "2");

    await stop();
    for (const page of [alice, bob]) {
      await page.waitForFunction(() => window.disconnects.length > 0, null, WAIT);
    }
    const reasons = await alice.evaluate(() => window.disconnects);
    assert.ok(["transport close", "transport error"].includes(reasons[0]), reasons[0]);

    await restart();
    for (const page of [alice, bob]) {
      await page.waitForFunction(() => window.reconnects.length > 0, null, { timeout: 20000 });
      await waitConnected(page);
    }
    await waitText(alice, "#online-count", "2");
    await waitText(bob, "#online-count", "2");
    await sendViaUi(alice, "back again");
    await waitMessage(bob, "back again");
    assert.deepEqual(errors.map(String), []);
  } finally {
    await alice.context().close();
    await bob.context().close();
  }
}

module.exports = { twoUserChat, reconnectAfterRestart, waitConnected, waitTransport, join };
