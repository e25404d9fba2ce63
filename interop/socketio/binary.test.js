// Binary nested in objects and arrays, several attachments, both ways.
"use strict";
const { describe, it, afterEach } = require("node:test");
const assert = require("node:assert/strict");
const { TRANSPORTS, useServer, connect, once } = require("../lib/sio");

const url = useServer();

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`binary (${name})`, () => {
    let socket;
    afterEach(() => socket && socket.disconnect());

    it("round-trips nested buffers through an event", async () => {
      socket = await connect(url(), opts);
      const payload = {
        file: Buffer.from([1, 2, 3]),
        parts: [Buffer.from([4, 5]), { deep: Buffer.from("hello") }],
        label: "x",
      };
      socket.emit("echo", payload, Buffer.from([9]));
      const [back, second] = await once(socket, "echo-back");
      assert.deepEqual(Buffer.from(back.file), Buffer.from([1, 2, 3]));
      assert.deepEqual(Buffer.from(back.parts[0]), Buffer.from([4, 5]));
      assert.equal(Buffer.from(back.parts[1].deep).toString(), "hello");
      assert.equal(back.label, "x");
      assert.deepEqual(Buffer.from(second), Buffer.from([9]));
    });

    it("round-trips buffers through an ack", async () => {
      socket = await connect(url(), opts);
      const answer = await socket.emitWithAck("echo-ack", { a: Buffer.from([7, 7]) });
      assert.deepEqual(Buffer.from(answer.a), Buffer.from([7, 7]));
    });
  });
}
