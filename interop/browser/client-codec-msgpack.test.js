// The msgpack bundle's codec (js/src/msgpack.js, socket-parser-msgpack.js), run in Node on
// js/src and checked against the official socket.io-msgpack-parser in both directions.
"use strict";
const assert = require("node:assert/strict");
const { describe, test } = require("node:test");
const path = require("node:path");
const official = require("socket.io-msgpack-parser");
// The notepack.io the official parser encodes with (2.2; the Redis tests pin 3.0 at the top).
const notepack = require(
  require.resolve("notepack.io", { paths: [path.dirname(require.resolve("socket.io-msgpack-parser"))] })
);
const { load } = require("../../js/build.js");

const { msgpackEncode, msgpackDecode, msgpackParser, defaultParser } = load(
  ["msgpackEncode", "msgpackDecode", "msgpackParser", "defaultParser"],
  { msgpack: true }
);

const hex = (b) => Buffer.from(b).toString("hex");
const theirs = (packet) => new official.Encoder().encode(packet)[0];
const officialDecode = (bytes) => {
  let out;
  const d = new official.Decoder();
  d.on("decoded", (p) => (out = p));
  d.add(Buffer.from(bytes));
  return out;
};

const PACKETS = [
  { type: 0, nsp: "/" },
  { type: 0, data: { token: "abc", n: [1, 2] }, nsp: "/admin" },
  { type: 1, nsp: "/chat" },
  { type: 2, data: ["hello", "é☃😀", "x".repeat(40), "y".repeat(300)], nsp: "/" },
  {
    type: 2,
    data: ["n", 0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53, -1, -32, -33,
      -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53), 1.5, -0.25, 0.1],
    nsp: "/",
    id: 7,
  },
  { type: 2, data: ["v", null, true, false, [], {}, Array.from({ length: 20 }, (_, i) => i)], nsp: "/" },
  { type: 2, data: ["m", Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]))], nsp: "/" },
  { type: 3, data: [{ ok: true }], nsp: "/", id: 2 ** 32 },
  { type: 4, data: { message: "not authorized", data: { code: 3 } }, nsp: "/admin" },
  { type: 4, data: "Invalid namespace", nsp: "/nope" },
];

describe("msgpack bundle codec", () => {
  test("the bundle's default parser is msgpack", () => {
    assert.equal(defaultParser, msgpackParser);
  });

  test("writes packets byte for byte as the official parser", () => {
    for (const p of PACKETS) {
      const [ours] = msgpackParser.encode(p);
      assert.equal(hex(ours), hex(theirs(p)), JSON.stringify(p));
    }
  });

  test("binary, dates and undefined values are written as notepack.io writes them", () => {
    const buf = new Uint8Array([1, 2, 3]);
    const date = new Date(Date.UTC(2020, 1, 29, 1, 2, 3, 4));
    const ours = msgpackEncode({ b: buf.buffer, big: new Uint8Array(300).fill(7).buffer, d: date, u: undefined });
    const official = notepack.encode({ b: Buffer.from(buf), big: Buffer.alloc(300, 7), d: date });
    assert.equal(hex(ours), hex(official));
  });

  test("reads what the official parser writes", () => {
    for (const p of PACKETS) {
      const packet = new msgpackParser.Decoder().add(theirs(p));
      const expected = { ...p };
      if (!("id" in expected)) expected.id = undefined;
      if (!("data" in expected)) expected.data = undefined;
      assert.deepEqual(packet, expected);
    }
    const withBinary = new msgpackParser.Decoder().add(
      theirs({ type: 2, data: ["b", Buffer.from([4, 5]), new Date(86400000)], nsp: "/" })
    );
    assert.ok(withBinary.data[1] instanceof ArrayBuffer);
    assert.deepEqual(Array.from(new Uint8Array(withBinary.data[1])), [4, 5]);
    assert.equal(withBinary.data[2].toISOString(), "1970-01-02T00:00:00.000Z");
  });

  test("the official parser reads what the bundle writes", () => {
    for (const p of PACKETS) {
      const [ours] = msgpackParser.encode(p);
      assert.deepEqual({ ...officialDecode(ours) }, p);
    }
  });

  test("refuses what the official parser refuses", () => {
    const enc = (v) => msgpackEncode(v);
    const bad = [
      "a text frame",
      enc([2, "/"]),
      enc({ type: 7, nsp: "/", data: [] }),
      enc({ type: 2, data: ["a"] }),
      enc({ type: 0, nsp: "/", data: [] }),
      enc({ type: 1, nsp: "/", data: {} }),
      enc({ type: 2, nsp: "/", data: {} }),
      enc({ type: 2, nsp: "/", data: ["a"], id: "1" }),
      new Uint8Array([0xc0, 0xc0]),
      new Uint8Array([0xc1]),
      new Uint8Array([0x92, 0x01]),
      new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]),
      new Uint8Array(200).fill(0x91),
    ];
    for (const b of bad) {
      assert.throws(() => new msgpackParser.Decoder().add(b), String(b));
    }
  });

  test("a Blob is refused with a clear error rather than sent as an empty map", () => {
    assert.throws(() => msgpackParser.encode({ type: 2, data: ["b", new Blob(["x"])], nsp: "/" }), /Blob/);
  });

  test("a map key named __proto__ stays an own property", () => {
    const v = msgpackDecode(new Uint8Array([0x81, 0xa9, ...Buffer.from("__proto__"), 0x81, 0xa1, 0x78, 0x01]));
    assert.deepEqual(Object.keys(v), ["__proto__"]);
    assert.equal({}.x, undefined);
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
  });
});
