// Who may use a name: through the chat page in Chromium (the login form says why a name is
// refused), and through the official Node client (the user-join acknowledgement, and a tab
// taking its name back after a reconnection). The same steps for every chat server.
"use strict";
const assert = require("node:assert/strict");
const { io } = require("socket.io-client");
const { openPage } = require("./browser.js");
const { waitConnected, join } = require("./chat-scenario.js");
const { next } = require("./official-client-scenario.js");

const WAIT = { timeout: 10000 };

/** Submits `name` on the login form and resolves to the error it shows (the chat stays hidden). */
async function refusedName(page, name) {
  await page.evaluate(() => {
    document.getElementById("login-error").hidden = true;
  });
  await page.fill("#username", name);
  await page.click("#join");
  await page.waitForSelector("#login-error", { state: "visible", ...WAIT });
  // The join button comes back once the server has answered.
  await page.waitForFunction(() => !document.getElementById("join").disabled, null, WAIT);
  assert.equal(await page.isVisible("#chat"), false, `"${name}" must be refused`);
  assert.equal(await page.isVisible("#login"), true);
  return page.textContent("#login-error");
}

async function waitUsers(page, names) {
  await page.waitForFunction(
    (want) => {
      const have = [...document.querySelectorAll("#users li")].map((li) => li.textContent);
      return JSON.stringify(have) === JSON.stringify(want);
    },
    names,
    WAIT
  );
}

/**
 * A name in use is refused on the login form, whatever its case and surrounding spaces; an
 * empty one too; another name is then accepted, and a name is free again once its user left.
 */
async function duplicateNamesRefused(browser, baseUrl) {
  const errors = [];
  const url = `${baseUrl}/`;
  const first = await openPage(browser, url, errors);
  const second = await openPage(browser, url, errors);
  let third = null;
  try {
    await waitConnected(first);
    await waitConnected(second);
    await join(first, "bob");

    assert.match(await refusedName(second, "bob"), /"bob" is taken/);
    assert.match(await refusedName(second, "  BoB "), /"bob" is taken/);
    assert.match(await refusedName(second, "   "), /enter a name/i);
    await waitUsers(first, ["bob"]);

    await join(second, "bobby");
    await waitUsers(first, ["bob", "bobby"]);
    await waitUsers(second, ["bob", "bobby"]);

    // Once bob has left, the name is free.
    await first.context().close();
    await waitUsers(second, ["bobby"]);
    third = await openPage(browser, url, errors);
    await waitConnected(third);
    await join(third, "Bob");
    await waitUsers(second, ["bobby", "Bob"]);
    assert.deepEqual(errors.map(String), []);
  } finally {
    await first.context().close().catch(() => {});
    await second.context().close();
    if (third) await third.context().close();
  }
}

function connect(url, auth) {
  const socket = io(url, { forceNew: true, reconnection: false, auth });
  return next(socket, "connect").then(() => socket);
}

const joinAs = (socket, name) => socket.timeout(5000).emitWithAck("user-join", name);

/**
 * The user-join acknowledgement: ok, or an error saying why (taken, empty, not text, too long,
 * already joined as another name). A second socket with the same tab key (handshake auth.key)
 * takes the name over and the first is disconnected: a tab whose reconnection the server
 * sees before the old connection's end.
 */
async function joinAcknowledgements(url) {
  const sockets = [];
  const open = async (auth) => {
    const s = await connect(url, auth);
    sockets.push(s);
    return s;
  };
  try {
    const dana = await open({ key: "tab-1" });
    assert.deepEqual(await joinAs(dana, " dana "), { status: "ok" });
    assert.deepEqual(await joinAs(dana, "dana"), { status: "ok" }, "joining again is fine");
    assert.match((await joinAs(dana, "erin")).error, /already joined as "dana"/);

    const other = await open({ key: "tab-2" });
    assert.match((await joinAs(other, "DANA")).error, /"dana" is taken/);
    assert.match((await joinAs(other, "")).error, /enter a name/i);
    assert.match((await joinAs(other, 42)).error, /text/);
    assert.match((await joinAs(other, "x".repeat(33))).error, /at most 32/);
    assert.deepEqual(await joinAs(other, "é".repeat(32)), { status: "ok" }, "32 characters");
    const sent = await other.timeout(5000).emitWithAck("chat-message", { text: "joined" });
    assert.equal(sent.status, "ok");

    // The same tab, reconnected while its old socket is still connected.
    const danaGone = next(dana, "disconnect");
    const back = await open({ key: "tab-1" });
    const list = next(
      other,
      "user-list",
      (l) => l.length === 2 && l.filter((u) => u.username === "dana").length === 1
    );
    assert.deepEqual(await joinAs(back, "dana"), { status: "ok" });
    await danaGone;
    await list;
    // Without the key, or with another, the name stays taken.
    const stranger = await open({});
    assert.match((await joinAs(stranger, "dana")).error, /"dana" is taken/);
  } finally {
    for (const s of sockets) s.disconnect();
  }
}

module.exports = { duplicateNamesRefused, joinAcknowledgements };
