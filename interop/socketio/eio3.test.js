// Engine.IO 3 / Socket.IO 4 clients (the official socket.io-client 2.x) with `allowEIO3` on,
// and refused with it off.
"use strict";
const { describe, it, afterEach } = require("node:test");
const assert = require("node:assert/strict");
const ioV2 = require("socket.io-client-v2");
const { useServer, once } = require("../lib/sio");

const allowed = useServer({ ALLOW_EIO3: "1" });
const refusing = useServer();

const TRANSPORTS_V2 = {
  "polling then upgrade": { transports: ["polling", "websocket"] },
  "websocket only": { transports: ["websocket"] },
};

/** Connects a 2.x client and resolves once its namespace is connected. */
async function connectV2(url, opts = {}) {
  const socket = ioV2(url, { forceNew: true, reconnection: false, ...opts });
  await Promise.race([
    once(socket, "connect"),
    once(socket, "connect_error").then(([err]) => {
      throw err;
    }),
    once(socket, "error").then(([err]) => {
      throw new Error(`namespace error: ${JSON.stringify(err)}`);
    }),
  ]);
  return socket;
}

const ack = (socket, event, ...args) => new Promise((resolve) => socket.emit(event, ...args, (...back) => resolve(back)));

for (const [name, opts] of Object.entries(TRANSPORTS_V2)) {
  describe(`socket.io-client 2.x with allowEIO3 (${name})`, () => {
    let sockets = [];
    afterEach(() => sockets.forEach((s) => s.close()));

    it("connects to the main namespace without asking; its id is the engine id", async () => {
      const s = await connectV2(allowed(), opts);
      sockets = [s];
      assert.equal(s.id, s.io.engine.id);
      assert.deepEqual(await ack(s, "rooms", null), [[s.id]]);
    });

    it("upgrades to websocket when it starts on polling", async () => {
      const s = await connectV2(allowed(), opts);
      sockets = [s];
      if (s.io.engine.transport.name !== "websocket") {
        await once(s.io.engine, "upgrade");
      }
      assert.equal(s.io.engine.transport.name, "websocket");
      // Still talking after the upgrade.
      assert.deepEqual(await ack(s, "echo-ack", "after upgrade"), ["after upgrade"]);
    });

    it("events go both ways", async () => {
      const s = await connectV2(allowed(), opts);
      sockets = [s];
      const back = once(s, "echo-back");
      s.emit("echo", "héllo 😀", { n: 1 });
      assert.deepEqual(await back, ["héllo 😀", { n: 1 }]);
    });

    it("acks go both ways", async () => {
      const s = await connectV2(allowed(), opts);
      sockets = [s];
      assert.deepEqual(await ack(s, "echo-ack", 1, "2", { 3: [true] }), [1, "2", { 3: [true] }]);
      s.on("ack-me", (question, cb) => cb(`answer to ${question}`));
      assert.deepEqual(await ack(s, "server-ack", { timeout: 2000 }), [{ answer: "answer to question" }]);
    });

    it("binary goes both ways", async () => {
      const s = await connectV2(allowed(), opts);
      sockets = [s];
      const back = once(s, "echo-back");
      s.emit("echo", Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5]) });
      const [a, b] = await back;
      assert.deepEqual([...a], [1, 2, 3]);
      assert.deepEqual([...b.nested], [4, 5]);
    });

    it("joins a namespace with its query as auth, or gets the middleware's error data", async () => {
      const ok = ioV2(`${allowed()}/private`, { ...opts, forceNew: true, reconnection: false, query: { token: "secret" } });
      sockets = [ok];
      // The server greets in the same batch as the CONNECT: listen before it arrives.
      const welcome = once(ok, "welcome");
      await once(ok, "connect");
      assert.equal(ok.id, `/private#${ok.io.engine.id}`);
      assert.deepEqual(await welcome, ["private"]);
      const refused = ioV2(`${allowed()}/private`, { ...opts, forceNew: true, reconnection: false, query: { token: "nope" } });
      sockets.push(refused);
      assert.deepEqual(await once(refused, "error"), [{ code: 42 }]);
    });
  });
}

describe("socket.io-client 2.x without allowEIO3", () => {
  it("is refused with Unsupported protocol version", async () => {
    const r = await fetch(`${refusing()}/socket.io/?EIO=3&transport=polling`);
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), { code: 5, message: "Unsupported protocol version" });
    const s = ioV2(refusing(), { forceNew: true, reconnection: false, transports: ["polling"] });
    try {
      await once(s, "connect_error");
    } finally {
      s.close();
    }
  });
});
