// What the chat page keeps and shows when connections end: a typer who leaves, a message sent
// while the server is down, and the online list while reconnecting. Like chat-scenario.js it
// talks only to the page, so the Node reference server and sockeye's run the same steps.
"use strict";
const assert = require("node:assert/strict");
const { openPage } = require("./browser.js");
const { waitConnected, join } = require("./chat-scenario.js");

const WAIT = { timeout: 10000 };
// Reconnection backs off up to 5 s (plus jitter) between attempts.
const RECONNECT = { timeout: 20000 };

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

/** The texts of the chat lines (not system lines, not pending ones) in `page`. */
function chatLines(page) {
  return page.$$eval("#messages li:not(.system):not(.pending)", (lis) =>
    lis.map((li) => li.textContent)
  );
}

async function joinedPair(browser, url, errors) {
  const alice = await openPage(browser, url, errors);
  const bob = await openPage(browser, url, errors);
  for (const [page, name] of [[alice, "alice"], [bob, "bob"]]) {
    await waitConnected(page);
    await join(page, name);
  }
  await waitText(alice, "#online-count", "2");
  await waitText(bob, "#online-count", "2");
  return { alice, bob };
}

async function waitDisconnected(page) {
  await page.waitForFunction(() => !window.chatSocket.connected, null, WAIT);
}

/** The connection banner, the stale marker on the online list and the header status. */
function connectionState(page) {
  return page.evaluate(() => {
    const visible = (el) => !!el && !el.hidden && el.getClientRects().length > 0;
    return {
      banner: visible(document.getElementById("connection"))
        ? document.getElementById("connection").textContent
        : null,
      stale: document.getElementById("online").classList.contains("stale"),
      staleLabel: visible(document.getElementById("online-stale")),
      status: document.getElementById("status").textContent,
    };
  });
}

/** A user closes the tab in the middle of a word: the others stop seeing "typing...". */
async function typerLeaves(browser, baseUrl) {
  const errors = [];
  const { alice, bob } = await joinedPair(browser, `${baseUrl}/`, errors);
  try {
    await alice.type("#message-input", "half a thou");
    await waitText(bob, "#typing", "alice is typing...");
    // Closing the tab sends no stop-typing; the page's 2 s idle timer dies with it.
    await alice.context().close();
    await waitText(bob, "#online-count", "1");
    await waitText(bob, "#typing", "");
    assert.deepEqual(errors.map(String), []);
  } finally {
    await alice.context().close().catch(() => {});
    await bob.context().close();
  }
}

/**
 * The server stops; alice sends a message; the server comes back on the same port. The message
 * reaches bob once, after alice has joined again, and alice's page shows no refusal.
 * Alice's network stays off until bob is back, so that bob is there to receive it.
 */
async function messageSentWhileServerDown(browser, baseUrl, { stop, restart }) {
  const errors = [];
  const { alice, bob } = await joinedPair(browser, `${baseUrl}/`, errors);
  try {
    await stop();
    await waitDisconnected(alice);
    await waitDisconnected(bob);

    await alice.type("#message-input", "written while the server was down");
    await alice.press("#message-input", "Enter");
    await alice.waitForFunction(
      () => document.getElementById("message-input").value === "",
      null,
      WAIT
    );
    await alice.context().setOffline(true);

    await restart();
    await bob.waitForFunction(() => window.chatSocket.connected, null, RECONNECT);
    await waitText(bob, "#online-count", "1");
    await alice.context().setOffline(false);

    await bob.waitForFunction(
      () =>
        [...document.querySelectorAll("#messages li:not(.system)")].some((li) =>
          li.textContent.includes("written while the server was down")
        ),
      null,
      RECONNECT
    );
    await waitText(bob, "#online-count", "2");
    const atBob = (await chatLines(bob)).filter((t) => t.includes("written while"));
    assert.equal(atBob.length, 1, "delivered once");
    assert.ok(atBob[0].startsWith("alice"), atBob[0]);

    // Alice's page: the pending line gave way to the delivered one, nothing refused.
    await alice.waitForFunction(() => !document.querySelector("#messages li.pending"), null, WAIT);
    const aliceSystem = await alice.$$eval("#messages li.system", (lis) =>
      lis.map((li) => li.textContent)
    );
    assert.ok(!aliceSystem.some((t) => t.includes("Not sent")), aliceSystem.join("\n"));
    assert.equal((await chatLines(alice)).filter((t) => t.includes("written while")).length, 1);
    assert.deepEqual(errors.map(String), []);
  } finally {
    await alice.context().close();
    await bob.context().close();
  }
}

/**
 * While the page reconnects, the online list is marked as stale and the page says it is
 * reconnecting; once back, the list is fresh again and the page says so.
 */
async function staleListWhileReconnecting(browser, baseUrl, { stop, restart }) {
  const errors = [];
  const { alice, bob } = await joinedPair(browser, `${baseUrl}/`, errors);
  try {
    const before = await connectionState(alice);
    assert.deepEqual(before, { banner: null, stale: false, staleLabel: false, status: "connected" });

    await stop();
    await waitDisconnected(alice);
    const down = await connectionState(alice);
    assert.equal(down.stale, true, "the list is marked stale");
    assert.equal(down.staleLabel, true, "a label says the list is not current");
    assert.match(down.banner || "", /reconnecting/i);
    assert.equal(down.status, "reconnecting");
    // The users still shown are the last known ones, greyed out.
    assert.deepEqual(await alice.$$eval("#users li", (lis) => lis.map((li) => li.textContent)), [
      "alice",
      "bob",
    ]);
    const opacity = await alice.$eval("#users", (el) => Number(getComputedStyle(el).opacity));
    assert.ok(opacity < 1, `stale list is dimmed (opacity ${opacity})`);

    await restart();
    for (const page of [alice, bob]) {
      await page.waitForFunction(
        () => !document.getElementById("online").classList.contains("stale"),
        null,
        RECONNECT
      );
    }
    await waitText(alice, "#online-count", "2");
    const back = await connectionState(alice);
    assert.equal(back.staleLabel, false);
    assert.match(back.banner || "", /reconnected/i);
    assert.equal(back.status, "connected");
    assert.deepEqual(errors.map(String), []);
  } finally {
    await alice.context().close();
    await bob.context().close();
  }
}

module.exports = { typerLeaves, messageSentWhileServerDown, staleListWhileReconnecting };
