// Ordered handling of one socket's events, volatile drops, and CORS for another origin.
"use strict";
const { describe, it, afterEach } = require("node:test");
const assert = require("node:assert/strict");
const { TRANSPORTS, useServer, connect, once, until } = require("../lib/sio");

const url = useServer();

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`delivery (${name})`, () => {
    let socket;
    afterEach(() => socket && socket.disconnect());

    it("handles one socket's events in the order they arrived", async () => {
      socket = await connect(url(), opts);
      socket.emit("slow", "first");
      socket.emit("fast", "second");
      socket.emit("slow", "third");
      socket.emit("fast", "fourth");
      assert.deepEqual(await socket.emitWithAck("order", null), ["first", "second", "third", "fourth"]);
    });
  });
}

describe("volatile", () => {
  it("drops volatile packets while the polling transport is not writable", async () => {
    const socket = await connect(url(), { transports: ["polling"] });
    const got = [];
    socket.on("volatile", (i) => got.push(i));
    const done = once(socket, "volatile-done");
    socket.emit("volatile-burst", 50);
    await done;
    // A poll carries what was queued when it was answered; packets sent while no poll was
    // waiting are dropped, so not all 50 arrive (whether the first one does depends on
    // whether a poll was waiting at that moment). The non-volatile marker always arrives.
    assert.ok(got.length < 50, `got ${got.length}`);
    socket.disconnect();
  });

  it("sends volatile packets on an open websocket", async () => {
    const socket = await connect(url(), { transports: ["websocket"] });
    const got = [];
    socket.on("volatile", (i) => got.push(i));
    socket.emit("volatile-burst", 20);
    await once(socket, "volatile-done");
    await until(() => got.length === 20);
    socket.disconnect();
  });
});

describe("CORS", () => {
  it("answers a preflight from the allowed origin with credentials", async () => {
    const res = await fetch(`${url()}/socket.io/?EIO=4&transport=polling`, {
      method: "OPTIONS",
      headers: {
        Origin: "http://example.test",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), "http://example.test");
    assert.equal(res.headers.get("access-control-allow-credentials"), "true");
    assert.match(res.headers.get("access-control-allow-methods") || "", /POST/);
  });

  it("gives a handshake from the allowed origin the CORS headers", async () => {
    const res = await fetch(`${url()}/socket.io/?EIO=4&transport=polling`, {
      headers: { Origin: "http://example.test" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "http://example.test");
    assert.equal(res.headers.get("access-control-allow-credentials"), "true");
  });
});
