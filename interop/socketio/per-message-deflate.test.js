// permessage-deflate against `ws` (what engine.io and socket.io-client in Node use) and the
// official socket.io-client, on the interop server started with PER_MESSAGE_DEFLATE: the
// negotiated extension, a large message compressed on the wire (RSV1 seen on a raw socket and
// inflated by Node's zlib), and large messages both ways through the clients. Run once with
// the option's defaults (no context takeover) and once with context takeover.
"use strict";
const { describe, it, afterEach } = require("node:test");
const assert = require("node:assert/strict");
const net = require("node:net");
const zlib = require("node:zlib");
const crypto = require("node:crypto");
const WebSocket = require("ws");
const { useServer, connect, once } = require("../lib/sio");

/** A masked client frame (FIN, no RSV) with `payload`. */
function clientFrame(payload) {
  const data = Buffer.from(payload);
  const len = data.length;
  const head = len < 126 ? Buffer.from([0x81, 0x80 | len]) : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff]);
  const key = crypto.randomBytes(4);
  const masked = Buffer.from(data.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([head, key, masked]);
}

/** A raw client: the upgrade answer's head, then the server's frames as { first, payload }. */
function rawClient(sock) {
  let buf = Buffer.alloc(0);
  let head = null;
  let headWaiter = null;
  const waiting = [];
  const pump = () => {
    if (head === null) {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      head = buf.subarray(0, end).toString("latin1");
      buf = buf.subarray(end + 4);
      if (headWaiter) headWaiter(head);
    }
    while (waiting.length && buf.length >= 2) {
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      if (buf.length < off + len) return;
      const frame = { first: buf[0], payload: buf.subarray(off, off + len) };
      buf = buf.subarray(off + len);
      waiting.shift()(frame);
    }
  };
  sock.on("data", (d) => {
    buf = Buffer.concat([buf, d]);
    pump();
  });
  return {
    head: () => (head !== null ? Promise.resolve(head) : new Promise((r) => (headWaiter = r))),
    next: () =>
      new Promise((resolve) => {
        waiting.push(resolve);
        pump();
      }),
  };
}

function inflate(payload) {
  const tail = Buffer.from([0, 0, 0xff, 0xff]);
  return zlib.inflateRawSync(Buffer.concat([payload, tail]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString();
}

for (const [mode, answer] of [
  ["1", "permessage-deflate; server_no_context_takeover; client_no_context_takeover"],
  ["takeover", "permessage-deflate"],
]) {
  const params = answer.split("; ").slice(1).join("; ");
  describe(`perMessageDeflate (${mode === "1" ? "defaults: no context takeover" : "context takeover"})`, () => {
    const url = useServer({ PER_MESSAGE_DEFLATE: mode });
    const wsUrl = () => url().replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket";
    let closers = [];
    afterEach(() => {
      closers.forEach((c) => c());
      closers = [];
    });

    it("answers a raw offer and sends a large message with RSV1, which zlib inflates", async () => {
      const { port } = new URL(url());
      const sock = net.connect(port, "127.0.0.1");
      closers.push(() => sock.destroy());
      await once(sock, "connect");
      const client = rawClient(sock);
      sock.write(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\n" +
          "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
          "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n",
      );
      const head = await client.head();
      assert.match(head, /^HTTP\/1\.1 101/);
      const ext = head.split("\r\n").find((l) => /^sec-websocket-extensions:/i.test(l));
      assert.equal(ext.split(":")[1].trim(), answer);
      // Small messages go as they are (FIN + text, no RSV1).
      const open = await client.next();
      assert.equal(open.first, 0x81);
      assert.match(open.payload.toString(), /^0\{/);
      sock.write(clientFrame("40"));
      const connected = await client.next();
      assert.equal(connected.first, 0x81);
      assert.match(connected.payload.toString(), /^40\{/);
      const big = "compressible ".repeat(2000);
      for (let i = 0; i < 2; i++) {
        sock.write(clientFrame(`42${JSON.stringify(["echo", big, i])}`));
        const echo = await client.next();
        assert.equal(echo.first, 0xc1, "FIN + RSV1 + text");
        assert.ok(echo.payload.length < big.length / 10);
        if (i === 0 || mode === "1") {
          // Each message stands alone without context takeover; the first one always does.
          assert.equal(inflate(echo.payload), `42${JSON.stringify(["echo-back", big, i])}`);
        }
      }
    });

    it("round-trips large messages with `ws` (perMessageDeflate: true)", async () => {
      const ws = new WebSocket(wsUrl(), { perMessageDeflate: true });
      closers.push(() => ws.terminate());
      const messages = [];
      let wake = null;
      ws.on("message", (data, isBinary) => {
        messages.push(isBinary ? data : data.toString());
        if (wake) wake();
      });
      const nextMessage = async () => {
        while (!messages.length) await new Promise((r) => (wake = r));
        return messages.shift();
      };
      await once(ws, "open");
      // `extensions` names the extension; its accepted parameters are ws's own state.
      assert.equal(ws.extensions, "permessage-deflate");
      assert.deepEqual(Object.keys(ws._extensions["permessage-deflate"].params).join("; "), params);
      assert.match(await nextMessage(), /^0\{/);
      ws.send("40");
      assert.match(await nextMessage(), /^40\{/);
      const big = "déflate ".repeat(5000);
      for (let i = 0; i < 3; i++) {
        ws.send(`42${JSON.stringify(["echo", big, i])}`);
        assert.equal(await nextMessage(), `42${JSON.stringify(["echo-back", big, i])}`);
      }
    });

    it("carries large text and binary with socket.io-client over websocket", async () => {
      const s = await connect(url(), { transports: ["websocket"] });
      closers.push(() => s.disconnect());
      // engine.io-client offers permessage-deflate by default in Node (threshold 1024).
      const ws = s.io.engine.transport.ws;
      assert.equal(ws.extensions, "permessage-deflate");
      assert.deepEqual(Object.keys(ws._extensions["permessage-deflate"].params).join("; "), params);
      const text = "é😀 ".repeat(3000);
      const blob = Buffer.alloc(100_000, 7);
      for (let i = 0; i < 3; i++) {
        s.emit("echo", { text, i }, blob);
        const [back, bin] = await once(s, "echo-back");
        assert.deepEqual(back, { text, i });
        assert.deepEqual(Buffer.from(bin), blob);
      }
    });
  });
}
