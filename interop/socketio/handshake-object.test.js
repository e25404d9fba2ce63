// `socket.handshake()` serialised by sockeye next to `socket.handshake` as socket.io 4.8
// sends it, for the same client connection: same keys in the same order, same types, same
// values where the two servers can agree (not the port, the time or a websocket key).
"use strict";
const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const http = require("node:http");
const { Server } = require("socket.io");
const { TRANSPORTS, useServer, connect } = require("../lib/sio");

const url = useServer();
let reference;
let referenceUrl;

before(async () => {
  const server = http.createServer();
  reference = new Server(server);
  reference.on("connection", (socket) => {
    socket.on("handshake-object", (ack) => ack(socket.handshake));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  referenceUrl = `http://localhost:${server.address().port}`;
});
after(() => reference.close());

const CLIENT = { auth: { token: "t1", n: [1, null] }, query: { room: "blue" }, extraHeaders: { "x-test": "yes" } };

/** What the two servers cannot agree on: the port, the clock, the polling cache buster. */
function comparable(h) {
  const strip = (s) => s.replace(/([?&])t=[^&]*/, "$1t=");
  const { host, "sec-websocket-key": _key, ...headers } = h.headers;
  return {
    ...h,
    headers,
    time: typeof h.time,
    issued: typeof h.issued,
    address: typeof h.address,
    url: strip(h.url),
    query: { ...h.query, t: h.query.t === undefined ? undefined : "" },
  };
}

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`the handshake object (${name})`, () => {
    it("serialises as the reference's socket.handshake", async () => {
      const ours = await connect(url(), { ...opts, ...CLIENT });
      const theirs = await connect(referenceUrl, { ...opts, ...CLIENT });
      try {
        const [a, b] = await Promise.all([
          ours.timeout(5000).emitWithAck("handshake-object"),
          theirs.timeout(5000).emitWithAck("handshake-object"),
        ]);
        assert.deepEqual(Object.keys(a), Object.keys(b));
        assert.match(a.time, /^\w{3} \w{3} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT[+-]\d{4} \(.+\)$/);
        assert.ok(Math.abs(a.issued - Date.now()) < 60_000);
        assert.equal(a.headers["x-test"], "yes");
        assert.deepEqual(Object.keys(a.headers).sort(), Object.keys(b.headers).sort());
        assert.deepEqual(comparable(a), comparable(b));
      } finally {
        ours.disconnect();
        theirs.disconnect();
      }
    });
  });
}
