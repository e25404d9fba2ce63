// Prints golden vectors of socket.io-msgpack-parser (the pinned devDependency) as JSON:
// `node interop/msgpack/vectors.js > crates/socketio-proto/tests/msgpack_vectors.json`.
// (notepack.io writes integral floats of 2^64 and more as a wrong uint64; they are left out.)
// `encode` vectors are packets that sockeye writes byte for byte the same (same key order);
// `decode` vectors are what other peers send (socket.io-client's key order and `options`),
// read back by sockeye; `reject` vectors are frames the official decoder refuses.
"use strict";

const path = require("node:path");
const { Encoder, Decoder } = require("socket.io-msgpack-parser");
// The notepack.io the parser itself uses (2.2), not the top-level one the Redis tests pin.
const encode = require(
  require.resolve("notepack.io/lib/encode", {
    paths: [path.dirname(require.resolve("socket.io-msgpack-parser"))],
  })
);

const hex = (packet) => Buffer.from(new Encoder().encode(packet)[0]).toString("hex");
const raw = (value) => encode(value).toString("hex");
const rejects = (bytes) => {
  try {
    new Decoder().add(Buffer.from(bytes, "hex"));
    return false;
  } catch {
    return true;
  }
};

const bin = Buffer.from([1, 2, 3]);
const big = Buffer.alloc(300, 7);

const out = {
  encode: {
    connect_main: { type: 0, nsp: "/" },
    connect_auth: { type: 0, data: { token: "abc" }, nsp: "/admin" },
    connect_reply: { type: 0, data: { sid: "abcdefghijklmnopqrst" }, nsp: "/" },
    disconnect: { type: 1, nsp: "/chat" },
    event: { type: 2, data: ["chat message", "hello"], nsp: "/" },
    event_ack: { type: 2, data: ["ask", 1, "two"], nsp: "/", id: 42 },
    event_numbers: {
      type: 2,
      data: ["n", 0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -1, -32, -33,
        -128, -129, -32768, -32769, -2147483648, -2147483649, 1.5, -0.25, 0.1, 2 ** 53, -(2 ** 53)],
      nsp: "/",
    },
    event_values: {
      type: 2,
      data: ["v", null, true, false, "", "é☃😀", "x".repeat(31), "y".repeat(32),
        "z".repeat(256), { a: 1, b: [1, 2], c: { d: null } }, [], {}],
      nsp: "/",
    },
    event_long_array: { type: 2, data: ["l", ...Array.from({ length: 16 }, (_, i) => i)], nsp: "/" },
    event_binary: { type: 2, data: ["upload", bin, { nested: big }], nsp: "/files" },
    ack: { type: 3, data: ["ok", { n: 1 }], nsp: "/", id: 7 },
    ack_empty: { type: 3, data: [], nsp: "/", id: 4294967296 },
    connect_error: { type: 4, data: { message: "not authorized", data: { code: 3 } }, nsp: "/admin" },
    connect_error_string: { type: 4, data: "Invalid namespace", nsp: "/nope" },
  },
  decode: {
    // socket.io-client 4.8's CONNECT without auth: notepack.io 2 writes `data: undefined`.
    client_connect: hex({ type: 0, data: undefined, nsp: "/" }),
    // socket.io-client 4.8's emit: type, data, options, id, then nsp.
    client_emit: hex({ type: 2, data: ["hi", 1], options: { compress: true }, id: 3, nsp: "/" }),
    date: hex({ type: 2, data: ["d", new Date(Date.UTC(2020, 1, 29, 12, 34, 56, 789))], nsp: "/" }),
    array_buffer: hex({ type: 2, data: ["ab", new Uint8Array([9, 8]).buffer], nsp: "/" }),
    typed_array: hex({ type: 2, data: ["ta", new Uint16Array([1, 2])], nsp: "/" }),
    undefined_arg: hex({ type: 2, data: ["u", undefined], nsp: "/" }),
  },
  reject: {
    not_a_map: raw([2, "/"]),
    type_missing: raw({ nsp: "/", data: ["a"] }),
    type_string: raw({ type: "2", nsp: "/", data: ["a"] }),
    type_binary_event: raw({ type: 5, nsp: "/", data: ["a"] }),
    type_float: raw({ type: 2.5, nsp: "/", data: ["a"] }),
    nsp_missing: raw({ type: 2, data: ["a"] }),
    nsp_number: raw({ type: 2, nsp: 1, data: ["a"] }),
    connect_array: raw({ type: 0, nsp: "/", data: [] }),
    connect_null: raw({ type: 0, nsp: "/", data: null }),
    disconnect_data: raw({ type: 1, nsp: "/", data: {} }),
    connect_error_array: raw({ type: 4, nsp: "/", data: [] }),
    event_object: raw({ type: 2, nsp: "/", data: { a: 1 } }),
    event_missing: raw({ type: 2, nsp: "/" }),
    ack_string: raw({ type: 3, nsp: "/", data: "x", id: 1 }),
    id_string: raw({ type: 2, nsp: "/", data: ["a"], id: "1" }),
    id_float: raw({ type: 2, nsp: "/", data: ["a"], id: 1.5 }),
    id_null: raw({ type: 2, nsp: "/", data: ["a"], id: null }),
    trailing: raw({ type: 1, nsp: "/" }) + "00",
    truncated: raw({ type: 2, nsp: "/", data: ["abc"] }).slice(0, -2),
    reserved_marker: "c1",
  },
};

for (const [name, packet] of Object.entries(out.encode)) {
  out.encode[name] = { hex: hex(packet) };
}
for (const [name, bytes] of Object.entries(out.reject)) {
  if (!rejects(bytes)) throw new Error(`the official decoder accepts ${name}`);
}
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
