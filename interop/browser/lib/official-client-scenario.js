// The chat protocol driven by the official socket.io-client for Node: the same expectations
// as the page scenario, without a browser, so a server's protocol can be checked on its own.
"use strict";
const assert = require("node:assert/strict");
const { io } = require("socket.io-client");

const TIMEOUT = 10000;

/** Resolves with the args of the next `event` on `emitter` for which `test(...args)` holds. */
function next(emitter, event, test = () => true, timeoutMs = TIMEOUT) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    function on(...args) {
      if (!test(...args)) return;
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(args);
    }
    emitter.on(event, on);
  });
}

function connect(url, transports) {
  const socket = io(url, { forceNew: true, reconnection: false, transports });
  return next(socket, "connect").then(() => socket);
}

async function officialClientChat(url, { transports = ["polling", "websocket"] } = {}) {
  const alice = await connect(url, transports);
  const bob = await connect(url, transports);
  try {
    assert.deepEqual(
      await bob.timeout(5000).emitWithAck("chat-message", { text: "early" }),
      { error: "Not authenticated" }
    );

    const aliceList = next(alice, "user-list", (l) => l.length === 1);
    alice.emit("user-join", "alice");
    const [list1] = await aliceList;
    assert.equal(list1[0].username, "alice");
    assert.equal(typeof list1[0].joinedAt, "number");

    const joined = next(alice, "system-message", (m) => m.text === "bob joined the chat");
    const bothListed = Promise.all([
      next(alice, "user-list", (l) => l.length === 2),
      next(bob, "user-list", (l) => l.length === 2),
    ]);
    let bobToldOfSelf = false;
    bob.on("system-message", (m) => {
      if (m.text === "bob joined the chat") bobToldOfSelf = true;
    });
    bob.emit("user-join", "bob");
    const [[msg]] = await Promise.all([joined, bothListed]);
    assert.equal(typeof msg.timestamp, "number");

    const typing = next(bob, "user-typing");
    alice.emit("typing");
    // The first argument: with connection state recovery on (sockeye's chat), the server
    // appends each event's offset, which socket.io-client hands over as one more argument.
    assert.equal((await typing)[0], "alice");
    const stopped = next(bob, "user-stopped-typing");
    alice.emit("stop-typing");
    assert.equal((await stopped)[0], "alice");

    const atBob = next(bob, "chat-message");
    const atAlice = next(alice, "chat-message");
    const ack = await alice.timeout(5000).emitWithAck("chat-message", { text: "hello" });
    assert.equal(ack.status, "ok");
    const [[m1], [m2]] = await Promise.all([atBob, atAlice]);
    assert.deepEqual(m1, m2);
    assert.equal(m1.user, "alice");
    assert.equal(m1.text, "hello");
    assert.equal(String(m1.id), String(ack.id));
    assert.equal(typeof m1.timestamp, "number");
    assert.equal(bobToldOfSelf, false);

    // Bad input: an empty name is ignored (still not joined); a message above
    // maxHttpBufferSize (1 MB) costs its sender the connection, not the server or the others.
    const mallory = await connect(url, transports);
    mallory.emit("user-join", "   ");
    assert.deepEqual(
      await mallory.timeout(5000).emitWithAck("chat-message", { text: "x" }),
      { error: "Not authenticated" }
    );
    const gone = next(mallory, "disconnect");
    mallory.emit("chat-message", { text: "x".repeat(1_100_000) });
    await gone;
    mallory.disconnect();
    const stillAlive = next(bob, "chat-message", (m) => m.text === "after the flood");
    assert.equal(
      (await alice.timeout(5000).emitWithAck("chat-message", { text: "after the flood" })).status,
      "ok"
    );
    await stillAlive;

    const left = next(alice, "system-message", (m) => m.text === "bob left the chat");
    const listAfter = next(alice, "user-list", (l) => l.length === 1);
    bob.disconnect();
    await Promise.all([left, listAfter]);
  } finally {
    alice.disconnect();
    bob.disconnect();
  }
}

module.exports = { officialClientChat, next };
