// Namespaces on one connection, dynamic namespaces, middleware refusal with data, and the
// handshake details reaching the server.
"use strict";
const { describe, it, afterEach } = require("node:test");
const assert = require("node:assert/strict");
const { io } = require("socket.io-client");
const { TRANSPORTS, useServer, connect, once } = require("../lib/sio");

const url = useServer();

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`namespaces and middleware (${name})`, () => {
    let sockets = [];
    afterEach(() => sockets.forEach((s) => s.disconnect()));

    it("multiplexes two namespaces over one Engine.IO session", async () => {
      const main = io(url(), { forceNew: true, reconnection: false, ...opts });
      const priv = main.io.socket("/private", { auth: { token: "secret" } });
      sockets = [main, priv];
      const welcome = once(priv, "welcome");
      priv.connect();
      await Promise.all([once(main, "connect"), once(priv, "connect")]);
      assert.deepEqual(await welcome, ["private"]);
      assert.equal(main.io.engine.id, priv.io.engine.id);
      assert.notEqual(main.id, priv.id);
    });

    it("refuses through middleware with a message and data", async () => {
      const s = io(`${url()}/private`, { forceNew: true, reconnection: false, auth: { token: "nope" }, ...opts });
      sockets = [s];
      const [err] = await once(s, "connect_error");
      assert.equal(err.message, "not authorized");
      assert.deepEqual(err.data, { code: 42 });
    });

    it("refuses an unknown namespace", async () => {
      const s = io(`${url()}/nowhere`, { forceNew: true, reconnection: false, ...opts });
      sockets = [s];
      const [err] = await once(s, "connect_error");
      assert.equal(err.message, "Invalid namespace");
    });

    it("creates dynamic namespaces on demand", async () => {
      const s = io(`${url()}/dyn-42`, { forceNew: true, reconnection: false, ...opts });
      sockets = [s];
      assert.deepEqual(await once(s, "welcome"), ["/dyn-42"]);
    });

    it("hands auth, query and headers to the handshake", async () => {
      const s = await connect(url(), {
        ...opts,
        auth: { token: "t1" },
        query: { room: "blue" },
        extraHeaders: { "x-test": "yes" },
      });
      sockets = [s];
      const h = await s.emitWithAck("handshake", null);
      assert.deepEqual(h.auth, { token: "t1" });
      assert.equal(h.query.room, "blue");
      assert.equal(h.query.EIO, "4");
      assert.equal(h.header, "yes");
      assert.equal(h.id, s.id);
      assert.match(h.url, /^\/socket\.io\/\?/);
    });
  });
}
