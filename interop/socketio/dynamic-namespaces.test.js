// Dynamic namespaces as socket.io 4.8 has them, seen from the official client: a predicate
// that takes time (`of_dynamic_async`, the reference's `io.of((name, auth, next) => ...)`),
// the `new_namespace` event, and `cleanupEmptyChildNamespaces` (on in this server).
"use strict";
const { describe, it, afterEach } = require("node:test");
const assert = require("node:assert/strict");
const { io } = require("socket.io-client");
const { TRANSPORTS, useServer, connect, once } = require("../lib/sio");

const url = useServer({ CLEANUP_EMPTY_CHILD_NAMESPACES: "1" });

let n = 0;
for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`dynamic namespaces (${name})`, () => {
    let sockets = [];
    afterEach(() => sockets.forEach((s) => s.disconnect()));

    it("an async predicate admits the namespace its auth allows", async () => {
      const nsp = `/async-${++n}`;
      const s = io(`${url()}${nsp}`, { forceNew: true, reconnection: false, ...opts, auth: { allow: true } });
      sockets = [s];
      assert.deepEqual(await once(s, "welcome"), [nsp]);
      assert.ok(s.connected);
    });

    it("an async predicate that refuses gives Invalid namespace", async () => {
      await assert.rejects(connect(`${url()}/async-${++n}`, { ...opts, auth: { allow: false } }), {
        message: "Invalid namespace",
      });
    });

    it("announces a new child and removes it once its last socket left", async () => {
      const nsp = `/dyn-${1000 + ++n}`;
      const main = await connect(url(), opts);
      sockets = [main];
      const ask = () => main.timeout(5000).emitWithAck("namespaces");
      assert.ok(!(await ask()).live.includes(nsp));

      // The Manager's autoConnect opens the child's namespace at once.
      const child = main.io.socket(nsp);
      sockets.push(child);
      assert.deepEqual(await once(child, "welcome"), [nsp]);
      let state = await ask();
      assert.ok(state.live.includes(nsp), JSON.stringify(state));
      assert.equal(state.created.filter((c) => c === nsp).length, 1);

      // The server handles the DISCONNECT in the child's own task: ask until it is gone.
      child.disconnect();
      const deadline = Date.now() + 5000;
      while ((state = await ask()).live.includes(nsp)) {
        assert.ok(Date.now() < deadline, `${nsp} still there: ${JSON.stringify(state)}`);
      }

      // The next connection creates it again, announced again, with the parent's handlers.
      const welcome = once(child, "welcome");
      child.connect();
      assert.deepEqual(await welcome, [nsp]);
      state = await ask();
      assert.ok(state.live.includes(nsp));
      assert.equal(state.created.filter((c) => c === nsp).length, 2);
    });
  });
}
