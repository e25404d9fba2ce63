// Acknowledgements both ways, with timeouts, and broadcasts collecting every client's answer.
"use strict";
const { describe, it, afterEach } = require("node:test");
const assert = require("node:assert/strict");
const { TRANSPORTS, useServer, connect } = require("../lib/sio");

const url = useServer();

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`acknowledgements (${name})`, () => {
    let sockets = [];
    afterEach(() => sockets.forEach((s) => s.disconnect()));

    it("the server answers the client's ack with every argument", async () => {
      const a = await connect(url(), opts);
      sockets = [a];
      const answer = await new Promise((resolve) => a.emit("echo-ack", 1, "2", { 3: [true] }, (...args) => resolve(args)));
      assert.deepEqual(answer, [1, "2", { 3: [true] }]);
    });

    it("a one-parameter handler gets the first argument, and its null goes back as null", async () => {
      const a = await connect(url(), opts);
      sockets = [a];
      const ask = (...args) => new Promise((resolve) => a.emit("first-ack", ...args, (...back) => resolve(back)));
      assert.deepEqual(await ask("a", "b"), ["a"]);
      assert.deepEqual(await ask(null, 2), [null]);
      assert.deepEqual(await ask(), [null]);
    });

    it("a payload that does not fit the handler reaches the server's error hook", async () => {
      const a = await connect(url(), opts);
      sockets = [a];
      assert.equal(await a.emitWithAck("typed-ack", 41), 42);
      const answer = await a.emitWithAck("typed-ack", { not: "a number" });
      assert.equal(answer.event, "typed-ack");
      assert.equal(answer.index, 0);
      assert.match(answer.error, /invalid type: map, expected u32/);
    });

    it("a client ack times out when the server never answers", async () => {
      const a = await connect(url(), opts);
      sockets = [a];
      await assert.rejects(a.timeout(200).emitWithAck("no-such-event", 1), /operation has timed out/);
    });

    it("the client answers the server's ack request", async () => {
      const a = await connect(url(), opts);
      sockets = [a];
      a.on("ack-me", (question, cb) => cb(`answer to ${question}`));
      const result = await a.emitWithAck("server-ack", { timeout: 2000 });
      assert.deepEqual(result, { answer: "answer to question" });
    });

    it("the server's ack request times out when the client does not answer", async () => {
      const a = await connect(url(), opts);
      sockets = [a];
      a.on("ack-me", () => {});
      const result = await a.emitWithAck("server-ack", { timeout: 200 });
      assert.deepEqual(result, { error: "operation has timed out" });
    });

    it("a broadcast collects every client's ack", async () => {
      sockets = await Promise.all([connect(url(), opts), connect(url(), opts), connect(url(), opts)]);
      sockets.forEach((s, i) => s.on("ack-me", (_q, cb) => cb(`c${i}`)));
      const result = await sockets[0].emitWithAck("broadcast-ack", { timeout: 2000 });
      assert.deepEqual(result, { answers: ["c0", "c1", "c2"] });
    });

    it("a broadcast ack names the clients that did not answer", async () => {
      sockets = await Promise.all([connect(url(), opts), connect(url(), opts)]);
      sockets[0].on("ack-me", (_q, cb) => cb("yes"));
      sockets[1].on("ack-me", () => {});
      const result = await sockets[0].emitWithAck("broadcast-ack", { timeout: 300 });
      assert.deepEqual(result, { error: "timeout", answered: 1, missing: 1 });
    });
  });
}
