// Unit tests of our client's codecs, run in Node directly on js/src (no browser), and checked
// against the official engine.io-parser and socket.io-parser in both directions.
"use strict";
const assert = require("node:assert/strict");
const { describe, test } = require("node:test");
const eioParser = require("engine.io-parser");
const sioParser = require("socket.io-parser");
const { load } = require("../../js/build.js");

const {
  encodeEnginePacket,
  decodeEnginePacket,
  encodePayload,
  decodePayload,
  encodeSocketPacket,
  Decoder,
  Backoff,
  parseUrl,
  CONNECT,
  DISCONNECT,
  EVENT,
  ACK,
  CONNECT_ERROR,
} = load([
  "encodeEnginePacket",
  "decodeEnginePacket",
  "encodePayload",
  "decodePayload",
  "encodeSocketPacket",
  "Decoder",
  "Backoff",
  "parseUrl",
  "CONNECT",
  "DISCONNECT",
  "EVENT",
  "ACK",
  "CONNECT_ERROR",
]);

const bytes = (...b) => new Uint8Array(b).buffer;
const list = (buf) => Array.from(new Uint8Array(buf));

describe("Engine.IO packets and payloads", () => {
  test("text packets are <type digit><data>", () => {
    assert.equal(encodeEnginePacket({ type: "message", data: "hello" }, true), "4hello");
    assert.equal(encodeEnginePacket({ type: "ping", data: "probe" }, true), "2probe");
    assert.equal(encodeEnginePacket({ type: "pong" }, false), "3");
    assert.equal(encodeEnginePacket({ type: "upgrade" }, true), "5");
    assert.deepEqual(decodeEnginePacket('0{"sid":"x"}'), { type: "open", data: '{"sid":"x"}' });
    assert.deepEqual(decodeEnginePacket("6"), { type: "noop" });
    assert.deepEqual(decodeEnginePacket("9"), { type: "error", data: "parser error" });
  });

  test("binary is a frame of its own, or b+base64 in text", () => {
    const buf = bytes(1, 2, 3);
    assert.equal(encodeEnginePacket({ type: "message", data: buf }, true), buf);
    assert.equal(encodeEnginePacket({ type: "message", data: buf }, false), "bAQID");
    const view = new Uint8Array([0, 1, 2, 3, 4]).subarray(1, 4);
    assert.equal(encodeEnginePacket({ type: "message", data: view }, false), "bAQID");
    const decoded = decodeEnginePacket("bAQID");
    assert.equal(decoded.type, "message");
    assert.ok(decoded.data instanceof ArrayBuffer);
    assert.deepEqual(list(decoded.data), [1, 2, 3]);
    assert.deepEqual(decodeEnginePacket(buf), { type: "message", data: buf });
  });

  test("payloads join packets with 0x1e, as the official parser does", async () => {
    const packets = [
      { type: "message", data: "héllo" },
      { type: "message", data: bytes(255, 0, 7) },
      { type: "ping" },
      { type: "message", data: "" },
    ];
    const ours = encodePayload(packets);
    assert.equal(ours, "4héllo\x1eb/wAH\x1e2\x1e4");
    const theirs = await new Promise((r) => eioParser.encodePayload(packets, r));
    assert.equal(ours, theirs);
    const back = decodePayload(theirs);
    assert.deepEqual(back[0], { type: "message", data: "héllo" });
    assert.deepEqual(list(back[1].data), [255, 0, 7]);
    assert.deepEqual(back[2], { type: "ping" });
    const official = eioParser.decodePayload(ours, "arraybuffer");
    assert.deepEqual(official.map((p) => p.type), ["message", "message", "ping", "message"]);
    assert.deepEqual(list(official[1].data), [255, 0, 7]);
  });

  test("a malformed payload stops at the first bad packet", () => {
    assert.deepEqual(decodePayload("4a\x1ez\x1e4b").map((p) => p.type), ["message", "error"]);
  });
});

describe("Socket.IO packets", () => {
  const cases = [
    [{ type: CONNECT, nsp: "/" }, "0"],
    [{ type: CONNECT, nsp: "/admin", data: { token: "x" } }, '0/admin,{"token":"x"}'],
    [{ type: DISCONNECT, nsp: "/admin" }, "1/admin,"],
    [{ type: EVENT, nsp: "/", data: ["chat", { text: "hi" }] }, '2["chat",{"text":"hi"}]'],
    [{ type: EVENT, nsp: "/chat", id: 12, data: ["a", 1] }, '2/chat,12["a",1]'],
    [{ type: ACK, nsp: "/", id: 3, data: [null, "ok"] }, '33[null,"ok"]'],
    [
      { type: CONNECT_ERROR, nsp: "/", data: { message: "nope", data: { a: 1 } } },
      '4{"message":"nope","data":{"a":1}}',
    ],
  ];

  for (const [packet, wire] of cases) {
    test(`encodes and decodes ${wire}`, () => {
      assert.deepEqual(encodeSocketPacket(packet), [wire]);
      assert.deepEqual(new sioParser.Encoder().encode(packet), [wire]);
      assert.deepEqual(new Decoder().add(wire), packet);
    });
  }

  test("binary values become placeholders and attachments", () => {
    const a = bytes(1, 2);
    const b = new Uint8Array([3]);
    const packet = { type: EVENT, nsp: "/x", id: 4, data: ["up", a, { list: [b, "s"] }] };
    const [head, ...attachments] = encodeSocketPacket(packet);
    assert.equal(
      head,
      '52-/x,4["up",{"_placeholder":true,"num":0},{"list":[{"_placeholder":true,"num":1},"s"]}]'
    );
    assert.deepEqual(attachments, [a, b]);

    // The official decoder reassembles what we send...
    const official = new sioParser.Decoder();
    const got = new Promise((r) => official.on("decoded", r));
    official.add(head);
    attachments.forEach((x) => official.add(x));
    return got.then((decoded) => {
      assert.equal(decoded.type, EVENT);
      assert.equal(decoded.id, 4);
      assert.equal(decoded.nsp, "/x");
      assert.deepEqual(list(decoded.data[1]), [1, 2]);
      assert.equal(decoded.data[2].list[1], "s");
    });
  });

  test("binary packets of the official encoder decode once the last attachment arrives", () => {
    const encoded = new sioParser.Encoder().encode({
      type: sioParser.PacketType.ACK,
      nsp: "/",
      id: 9,
      data: [{ file: bytes(7) }, bytes(8, 9)],
    });
    assert.match(encoded[0], /^62-9\[/);
    const decoder = new Decoder();
    assert.equal(decoder.add(encoded[0]), null);
    assert.equal(decoder.add(encoded[1]), null);
    const packet = decoder.add(encoded[2]);
    assert.equal(packet.type, ACK);
    assert.equal(packet.id, 9);
    assert.deepEqual(list(packet.data[0].file), [7]);
    assert.deepEqual(list(packet.data[1]), [8, 9]);
    assert.equal(packet.attachments, undefined);
  });

  test("values with toJSON keep it, binary or not", () => {
    const when = new Date(0);
    const custom = { toJSON: () => ({ file: new Uint8Array([5]) }) };
    const [head, attachment] = encodeSocketPacket({
      type: EVENT,
      nsp: "/",
      data: ["e", when, custom],
    });
    assert.equal(
      head,
      '51-["e","1970-01-01T00:00:00.000Z",{"file":{"_placeholder":true,"num":0}}]'
    );
    assert.deepEqual(Array.from(attachment), [5]);
    const [plain] = encodeSocketPacket({ type: EVENT, nsp: "/", data: ["e", { toJSON: () => 1 }] });
    assert.equal(plain, '2["e",1]');
  });

  test("a binary packet with no attachments decodes at once", () => {
    assert.deepEqual(new Decoder().add('50-["a"]'), { type: EVENT, nsp: "/", data: ["a"] });
  });

  test("malformed packets are refused", () => {
    const refuse = (input, message) => assert.throws(() => new Decoder().add(input), message);
    refuse("9", /unknown packet type/);
    refuse("5x-[]", /illegal attachments/);
    refuse("5-1-[]", /illegal attachments/);
    refuse('511-["a"]', /too many attachments/);
    refuse('2["connect"]', /invalid payload/);
    refuse("2{}", /invalid payload/);
    refuse("2[1,", /invalid payload/);
    refuse("0[]", /invalid payload/);
    refuse("1{}", /invalid payload/);
    refuse(bytes(1), /not reconstructing/);
    const d = new Decoder();
    d.add('51-["a",{"_placeholder":true,"num":0}]');
    assert.throws(() => d.add("2[]"), /reconstructing/);
    const bad = new Decoder();
    bad.add('51-["a",{"_placeholder":true,"num":5}]');
    assert.throws(() => bad.add(bytes(1)), /illegal attachments/);
  });
});

describe("reconnection backoff", () => {
  test("doubles from reconnectionDelay up to reconnectionDelayMax", () => {
    const b = new Backoff(1000, 5000, 0);
    assert.deepEqual([1, 2, 3, 4, 5].map(() => b.duration()), [1000, 2000, 4000, 5000, 5000]);
    b.reset();
    assert.equal(b.duration(), 1000);
  });

  test("jitter stays within the randomization factor", () => {
    const b = new Backoff(1000, 5000, 0.5);
    for (let i = 0; i < 200; i++) {
      b.reset();
      const d = b.duration();
      assert.ok(d >= 500 && d <= 1500, String(d));
    }
  });
});

describe("URL resolution", () => {
  test("namespace, query and the connection key", () => {
    const u = parseUrl("http://localhost:3000/chat?room=a", "/socket.io");
    assert.equal(u.nsp, "/chat");
    assert.equal(u.id, "http://localhost:3000/socket.io");
    assert.deepEqual(u.query, { room: "a" });
    assert.equal(u.secure, false);
    const s = parseUrl("https://example.com", "/socket.io");
    assert.equal(s.port, "443");
    assert.equal(s.nsp, "/");
    assert.equal(s.query, null);
    assert.equal(s.secure, true);
    const v6 = parseUrl("ws://[::1]:8080/", "/p");
    assert.equal(v6.host, "::1");
    assert.equal(v6.id, "ws://[::1]:8080/p");
  });
});
