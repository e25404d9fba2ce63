// The official socket.io-client with `parser: require("socket.io-msgpack-parser")` against
// the interop server started with PARSER=msgpack: events, acks both ways, binary, broadcasts
// and namespaces; and the golden vectors of crates/socketio-proto are those the pinned
// parser writes today.
"use strict";
const { describe, it, afterEach } = require("node:test");
const assert = require("node:assert/strict");
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { io } = require("socket.io-client");
const parser = require("socket.io-msgpack-parser");
const { TRANSPORTS, useServer, connect, once, collect, until } = require("../lib/sio");
const { ROOT } = require("../lib/server");

const url = useServer({ PARSER: "msgpack" });

for (const [name, transport] of Object.entries(TRANSPORTS)) {
  const opts = { ...transport, parser };
  describe(`msgpack parser (${name})`, () => {
    let sockets = [];
    afterEach(() => sockets.forEach((s) => s.disconnect()));

    it("carries events and values as msgpack", async () => {
      const s = await connect(url(), opts);
      sockets = [s];
      const value = { i: -7, f: 0.5, big: 2 ** 40, s: "é😀", n: null, t: true, a: [[], {}] };
      s.emit("to-self", value);
      assert.deepEqual(await once(s, "msg"), [value]);
    });

    it("answers acks with several arguments, and null as null", async () => {
      const s = await connect(url(), opts);
      sockets = [s];
      const all = await new Promise((r) => s.emit("echo-ack", 1, "two", { three: [3] }, (...a) => r(a)));
      assert.deepEqual(all, [1, "two", { three: [3] }]);
      assert.equal(await s.emitWithAck("first-ack", null), null);
    });

    it("asks the client and gets its ack", async () => {
      const s = await connect(url(), opts);
      sockets = [s];
      s.on("ack-me", (q, cb) => cb(`re: ${q}`));
      assert.deepEqual(await s.emitWithAck("server-ack", { timeout: 2000 }), { answer: "re: question" });
    });

    it("round-trips binary inline, nested and top-level", async () => {
      const s = await connect(url(), opts);
      sockets = [s];
      const payload = { file: Buffer.from([1, 2, 3]), parts: [Buffer.alloc(300, 7), { deep: Buffer.from("hi") }] };
      s.emit("echo", payload, Buffer.from([9]));
      const [back, second] = await once(s, "echo-back");
      assert.deepEqual(Buffer.from(back.file), Buffer.from([1, 2, 3]));
      assert.deepEqual(Buffer.from(back.parts[0]), Buffer.alloc(300, 7));
      assert.equal(Buffer.from(back.parts[1].deep).toString(), "hi");
      assert.deepEqual(Buffer.from(second), Buffer.from([9]));
    });

    it("reads a Date as the string the JSON parser would carry", async () => {
      const s = await connect(url(), opts);
      sockets = [s];
      const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
      assert.equal(await s.emitWithAck("echo-ack", date), date.toISOString());
    });

    it("broadcasts the same msgpack frame to every socket", async () => {
      const a = await connect(url(), opts);
      const b = await connect(url(), opts);
      sockets = [a, b];
      const got = collect([a, b], "msg");
      a.emit("to-all", { all: Buffer.from([5]) });
      await until(() => got[0].length === 1 && got[1].length === 1);
      for (const g of got) assert.deepEqual(Buffer.from(g[0].all), Buffer.from([5]));
    });

    it("multiplexes namespaces and refuses through middleware with data", async () => {
      const main = io(url(), { forceNew: true, reconnection: false, ...opts });
      const priv = main.io.socket("/private", { auth: { token: "secret" } });
      sockets = [main, priv];
      const welcome = once(priv, "welcome");
      priv.connect();
      await Promise.all([once(main, "connect"), once(priv, "connect")]);
      assert.deepEqual(await welcome, ["private"]);

      const refused = io(`${url()}/private`, { forceNew: true, reconnection: false, auth: { token: "no" }, ...opts });
      sockets.push(refused);
      const [err] = await once(refused, "connect_error");
      assert.equal(err.message, "not authorized");
      assert.deepEqual(err.data, { code: 42 });

      const dyn = io(`${url()}/dyn-7`, { forceNew: true, reconnection: false, ...opts });
      sockets.push(dyn);
      assert.deepEqual(await once(dyn, "welcome"), ["/dyn-7"]);
    });

    it("disconnects from the server side", async () => {
      const s = await connect(url(), opts);
      sockets = [s];
      s.emit("disconnect-me", false);
      const [reason] = await once(s, "disconnect");
      assert.equal(reason, "io server disconnect");
    });
  });
}

describe("msgpack parser (a JSON client)", () => {
  it("is closed, since its text packets are not msgpack", async () => {
    const s = io(url(), { forceNew: true, reconnection: false, transports: ["websocket"] });
    try {
      const outcome = await Promise.race([
        once(s, "connect").then(() => "connect"),
        once(s, "connect_error").then(() => "closed"),
        once(s, "disconnect").then(() => "closed"),
      ]);
      assert.equal(outcome, "closed");
    } finally {
      s.disconnect();
    }
  });
});

describe("msgpack golden vectors", () => {
  it("match what the pinned socket.io-msgpack-parser writes", () => {
    const script = path.join(ROOT, "interop", "msgpack", "vectors.js");
    const now = execFileSync(process.execPath, [script], { encoding: "utf8" });
    const stored = fs.readFileSync(path.join(ROOT, "crates", "socketio-proto", "tests", "msgpack_vectors.json"), "utf8");
    assert.equal(now, stored);
  });
});
