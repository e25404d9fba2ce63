// Every pattern of the reference's emit cheatsheet, seen by official socket.io-client sockets.
"use strict";
const { describe, it, afterEach } = require("node:test");
const assert = require("node:assert/strict");
const { TRANSPORTS, useServer, connect, collect, until } = require("../lib/sio");

const url = useServer();

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`broadcast patterns (${name})`, () => {
    let sockets = [];
    afterEach(() => sockets.forEach((s) => s.disconnect()));

    async function three() {
      sockets = await Promise.all([connect(url(), opts), connect(url(), opts), connect(url(), opts)]);
      return sockets;
    }

    // A final message to everyone marks the end: what came before it is all there is.
    async function settle(sender, got) {
      sender.emit("to-all", "end");
      await until(() => got.every((g) => g.includes("end")));
      return got.map((g) => g.filter((m) => m !== "end"));
    }

    it("to the sender only", async () => {
      const [a, b, c] = await three();
      const got = collect([a, b, c], "msg");
      a.emit("to-self", "hi");
      assert.deepEqual(await settle(a, got), [["hi"], [], []]);
    });

    it("to everyone", async () => {
      const [a, b, c] = await three();
      const got = collect([a, b, c], "msg");
      a.emit("to-all", "hi");
      assert.deepEqual(await settle(a, got), [["hi"], ["hi"], ["hi"]]);
    });

    it("to everyone but the sender", async () => {
      const [a, b, c] = await three();
      const got = collect([a, b, c], "msg");
      a.emit("to-all-but-sender", "hi");
      assert.deepEqual(await settle(a, got), [[], ["hi"], ["hi"]]);
    });

    it("to a room, and to a room but the sender", async () => {
      const [a, b, c] = await three();
      await a.emitWithAck("join", "r1");
      await b.emitWithAck("join", "r1");
      const got = collect([a, b, c], "msg");
      a.emit("to-room", { room: "r1", data: "room" });
      a.emit("to-room-but-sender", { room: "r1", data: "others" });
      assert.deepEqual(await settle(a, got), [["room"], ["room", "others"], []]);
    });

    it("to several rooms, each socket once", async () => {
      const [a, b, c] = await three();
      await a.emitWithAck("join", "r1");
      await a.emitWithAck("join", "r2");
      await b.emitWithAck("join", "r2");
      const got = collect([a, b, c], "msg");
      c.emit("to-rooms", { rooms: ["r1", "r2"], data: "x" });
      assert.deepEqual(await settle(c, got), [["x"], ["x"], []]);
    });

    it("to one socket by its id, and to all but a room", async () => {
      const [a, b, c] = await three();
      await c.emitWithAck("join", "muted");
      const got = collect([a, b, c], "msg");
      a.emit("to-socket", { room: b.id, data: "direct" });
      a.emit("except-room", { room: "muted", data: "not-muted" });
      assert.deepEqual(await settle(a, got), [["not-muted"], ["direct", "not-muted"], []]);
    });

    it("leaves rooms, and lists them with the socket's own id", async () => {
      const [a] = await three();
      await a.emitWithAck("join", "r1");
      assert.deepEqual(await a.emitWithAck("rooms", null), [a.id, "r1"].sort());
      await a.emitWithAck("leave", "r1");
      assert.deepEqual(await a.emitWithAck("rooms", null), [a.id]);
    });
  });
}
