// The disconnect reasons a client can provoke, as both sides report them.
"use strict";
const { describe, it } = require("node:test");
const assert = require("node:assert/strict");
const { TRANSPORTS, useServer, connect, once } = require("../lib/sio");

const url = useServer();

async function serverReason(opts, id) {
  const probe = await connect(url(), opts);
  let entry;
  for (let i = 0; i < 100 && !entry; i++) {
    const log = await probe.emitWithAck("disconnect-log", null);
    entry = log.find((l) => l.startsWith(id + " "));
    if (!entry) await new Promise((r) => setTimeout(r, 20));
  }
  probe.disconnect();
  return entry && entry.slice(id.length + 1);
}

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`disconnect reasons (${name})`, () => {
    it("client disconnect -> server sees client namespace disconnect", async () => {
      const s = await connect(url(), opts);
      const id = s.id;
      s.disconnect();
      assert.equal(await serverReason(opts, id), "client namespace disconnect");
    });

    it("client closes the transport -> server sees transport close", async () => {
      const s = await connect(url(), opts);
      const id = s.id;
      s.io.engine.close();
      assert.equal(await serverReason(opts, id), "transport close");
    });

    it("server disconnect -> client sees io server disconnect, server namespace disconnect", async () => {
      const s = await connect(url(), opts);
      const id = s.id;
      const reason = once(s, "disconnect");
      s.emit("disconnect-me", false);
      assert.deepEqual((await reason)[0], "io server disconnect");
      assert.equal(await serverReason(opts, id), "server namespace disconnect");
    });

    it("server closes the connection -> client sees io server disconnect", async () => {
      const s = await connect(url(), opts);
      const id = s.id;
      const reason = once(s, "disconnect");
      s.emit("disconnect-me", true);
      assert.deepEqual((await reason)[0], "io server disconnect");
      assert.equal(await serverReason(opts, id), "server namespace disconnect");
    });
  });
}
