// sockeye's Engine.IO server against the official engine.io-client 6.6.
"use strict";
const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { startConformanceServer, connect, bytes, sleep } = require("../lib/eio.js");

const MAX_PAYLOAD = 1e6;
const TRANSPORTS = {
  polling: { transports: ["polling"] },
  websocket: { transports: ["websocket"] },
};

let server;
before(async () => {
  server = await startConformanceServer();
});
after(async () => {
  await server.stop();
});

async function open(opts) {
  const socket = connect(server.url, opts);
  await socket.next("open");
  return socket;
}

async function closeAndWait(socket) {
  socket.close();
  const [reason] = await socket.next("close");
  return reason;
}

/** Status and error code of a polling GET for `sid`. */
async function poll(path, sid) {
  const res = await fetch(`${server.url}${path}/?EIO=4&transport=polling&sid=${sid}`);
  const body = await res.text();
  let code;
  try {
    code = JSON.parse(body).code;
  } catch {
    code = undefined;
  }
  return { status: res.status, code };
}

/** Waits until the server answers "Session ID unknown" (code 1) for `sid`. */
async function waitForSessionGone(path, sid) {
  for (let i = 0; i < 50; i++) {
    const { status, code } = await poll(path, sid);
    if (status === 400 && code === 1) return;
    await sleep(50);
  }
  assert.fail(`session ${sid} still open on the server`);
}

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`${name} only`, () => {
    it("opens with the server's handshake values", async () => {
      const socket = await open(opts);
      assert.equal(socket.transport.name, name);
      assert.match(socket.id, /^[A-Za-z0-9_-]{20}$/);
      assert.equal(socket._pingInterval, 300);
      assert.equal(socket._pingTimeout, 200);
      assert.equal(socket._maxPayload, MAX_PAYLOAD);
      await closeAndWait(socket);
    });

    it("echoes text both ways, in order", async () => {
      const socket = await open(opts);
      const sent = ["hello", "", "€ unicode ✓", "4 looks like a packet", "x".repeat(10000)];
      for (const m of sent) socket.send(m);
      for (const m of sent) {
        const [data] = await socket.next("message");
        // An empty message travels as a bare "4", which the client hands over as undefined.
        assert.equal(data ?? "", m);
      }
      await closeAndWait(socket);
    });

    it("echoes binary both ways", async () => {
      const socket = await open(opts);
      const payload = Buffer.from([0, 1, 2, 3, 250, 255]);
      socket.send(payload);
      socket.send("between");
      socket.send(new Uint8Array(70000).fill(7));
      const [first] = await socket.next("message");
      assert.ok(typeof first !== "string", "binary arrives as binary");
      assert.deepEqual(bytes(first), payload);
      assert.equal((await socket.next("message"))[0], "between");
      const [big] = await socket.next("message");
      assert.equal(bytes(big).length, 70000);
      assert.ok(bytes(big).every((b) => b === 7));
      await closeAndWait(socket);
    });

    it("stays open while idle, kept alive by heartbeats over several intervals", async () => {
      const socket = await open(opts);
      let pings = 0;
      socket.on("ping", () => pings++);
      await sleep(2000);
      assert.equal(socket.readyState, "open");
      assert.equal(socket.pending("close"), 0);
      assert.ok(pings >= 4, `expected at least 4 pings in 2 s, saw ${pings}`);
      socket.send("still there");
      assert.equal((await socket.next("message"))[0], "still there");
      await closeAndWait(socket);
    });

    it("a client-side close reports 'forced close' and ends the server session", async () => {
      const socket = await open(opts);
      const sid = socket.id;
      assert.equal(await closeAndWait(socket), "forced close");
      await waitForSessionGone("/engine.io", sid);
    });

    it("a server-side close reports 'transport close'", async () => {
      const socket = await open({ ...opts, path: "/engine-test" });
      const sid = socket.id;
      socket.send("close");
      const [reason] = await socket.next("close");
      assert.equal(reason, "transport close");
      await waitForSessionGone("/engine-test", sid);
    });
  });
}

describe("message above maxHttpBufferSize", () => {
  it("over websocket: the server closes with 1009 (empty reason) and the client reports 'transport close'", async () => {
    const socket = await open(TRANSPORTS.websocket);
    const sid = socket.id;
    let code;
    let closeReason;
    socket.transport.ws.addEventListener("close", (e) => {
      code = e.code;
      closeReason = e.reason;
    });
    socket.send("x".repeat(MAX_PAYLOAD + 1));
    const [reason] = await socket.next("close");
    assert.equal(reason, "transport close");
    assert.equal(code, 1009);
    // `ws` (and so a Node server) sends the code alone.
    assert.equal(closeReason, "");
    await waitForSessionGone("/engine.io", sid);
  });

  it("over polling: the POST is refused with 413 and the client reports 'transport error'", async () => {
    const socket = await open(TRANSPORTS.polling);
    socket.send("x".repeat(MAX_PAYLOAD + 1));
    const [reason, description] = await socket.next("close");
    assert.equal(reason, "transport error");
    assert.equal(description.context?.status ?? description.description, 413);
  });

  it("a message just below the limit goes through", async () => {
    for (const opts of Object.values(TRANSPORTS)) {
      const socket = await open(opts);
      const m = "y".repeat(MAX_PAYLOAD - 1); // plus its "4" type: exactly the limit
      socket.send(m);
      const [data] = await socket.next("message");
      assert.equal(data.length, m.length);
      await closeAndWait(socket);
    }
  });
});

describe("polling then upgrade", () => {
  it("upgrades to websocket and keeps the messages in order", async () => {
    const socket = connect(server.url);
    await socket.next("open");
    assert.equal(socket.transport.name, "polling");
    socket.send("before upgrade");
    const [transport] = await socket.next("upgrade");
    assert.equal(transport.name, "websocket");
    assert.equal(socket.transport.name, "websocket");
    assert.equal((await socket.next("message"))[0], "before upgrade");
    socket.send("after upgrade");
    socket.send(Buffer.from([9, 8, 7]));
    assert.equal((await socket.next("message"))[0], "after upgrade");
    assert.deepEqual(bytes((await socket.next("message"))[0]), Buffer.from([9, 8, 7]));
    // The polling transport is refused once the session upgraded.
    assert.deepEqual(await poll("/engine.io", socket.id), { status: 400, code: 3 });
    await closeAndWait(socket);
  });

  it("messages sent during the upgrade all arrive", async () => {
    const socket = connect(server.url);
    await socket.next("open");
    const n = 50;
    for (let i = 0; i < n; i++) socket.send(`m${i}`);
    await socket.next("upgrade");
    for (let i = 0; i < n; i++) assert.equal((await socket.next("message"))[0], `m${i}`);
    await closeAndWait(socket);
  });

  it("an upgraded session is kept alive by heartbeats", async () => {
    const socket = connect(server.url);
    await socket.next("open");
    await socket.next("upgrade");
    await sleep(1200);
    assert.equal(socket.readyState, "open");
    socket.send("ok");
    assert.equal((await socket.next("message"))[0], "ok");
    await closeAndWait(socket);
  });
});
