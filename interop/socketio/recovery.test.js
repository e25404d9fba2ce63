// Connection state recovery with the official socket.io-client against sockeye: the client
// that loses its transport comes back with the same id, `recovered` set, its rooms, and the
// packets sent meanwhile, handed to its listeners before `connect`; a server that does not
// know the session gives a fresh one.
"use strict";
const { describe, it } = require("node:test");
const assert = require("node:assert/strict");
const { io } = require("socket.io-client");
const { TRANSPORTS, useServer, connect, once } = require("../lib/sio");

const url = useServer({ RECOVERY: "1" });

/** Cuts the client's transport without letting it reconnect on its own, and waits until the
 * server has kept its session. */
async function cut(socket, probe) {
  const before = await probe.emitWithAck("recovery-sessions");
  socket.io.reconnection(false);
  const gone = once(socket, "disconnect");
  socket.io.engine.close();
  await gone;
  for (let i = 0; i < 500; i++) {
    if ((await probe.emitWithAck("recovery-sessions")) > before) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail("the server did not keep the session");
}

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`connection state recovery (${name})`, () => {
    it("the CONNECT answer's pid and offsets on events are kept by the client", async () => {
      const s = await connect(url(), opts);
      assert.equal(typeof s._pid, "string");
      const got = once(s, "msg");
      s.emit("to-self", "hello");
      const args = await got;
      assert.equal(args[0], "hello");
      assert.equal(typeof args[1], "string", "the offset is the last argument");
      assert.equal(s._lastOffset, args[1]);
      s.disconnect();
    });

    it("a cut client gets its id, rooms and missed events back, before connect", async () => {
      const s = await connect(url(), opts);
      const probe = await connect(url(), opts);
      const id = s.id;
      await s.emitWithAck("join", "blip");
      const seen = [];
      s.on("msg", (data) => seen.push(["msg", data, s.connected]));
      s.on("connect", () => seen.push(["connect"]));
      // One event before the cut, so that the client has an offset.
      const first = once(s, "msg");
      probe.emit("to-room", { room: "blip", data: 0 });
      await first;

      await cut(s, probe);
      for (const data of [1, 2, 3]) {
        probe.emit("to-room", { room: "blip", data });
      }
      // the probe's emits are handled in order: once it answers, they have been sent
      await probe.emitWithAck("rooms", null);

      s.connect();
      await once(s, "connect");
      assert.equal(s.recovered, true);
      assert.equal(s.id, id);
      assert.deepEqual(
        seen.map((e) => e.slice(0, 2)),
        [["msg", 0], ["msg", 1], ["msg", 2], ["msg", 3], ["connect"]],
        "missed events first, then connect",
      );
      assert.equal(await s.emitWithAck("recovered"), true);
      assert.deepEqual(await s.emitWithAck("rooms", null), ["blip", id].sort());
      // and live delivery goes on, once
      const live = once(s, "msg");
      probe.emit("to-room", { room: "blip", data: 4 });
      assert.equal((await live)[0], 4);
      s.disconnect();
      probe.disconnect();
    });

    it("a client whose session is unknown gets a fresh socket", async () => {
      const s = await connect(url(), opts);
      const id = s.id;
      const got = once(s, "msg");
      s.emit("to-self", "x");
      await got;
      const probe = await connect(url(), opts);
      await cut(s, probe);
      probe.disconnect();
      s._pid = "not-a-session";
      s.connect();
      await once(s, "connect");
      assert.equal(s.recovered, false);
      assert.notEqual(s.id, id);
      assert.equal(await s.emitWithAck("recovered"), false);
      s.disconnect();
    });

    it("reconnects on its own with its backoff and recovers", async () => {
      const s = io(url(), { forceNew: true, reconnectionDelay: 20, reconnectionDelayMax: 50, ...opts });
      await once(s, "connect");
      const id = s.id;
      const got = once(s, "msg");
      s.emit("to-self", "before");
      await got;
      s.io.engine.close();
      await once(s, "connect");
      assert.equal(s.recovered, true);
      assert.equal(s.id, id);
      s.disconnect();
    });
  });
}
