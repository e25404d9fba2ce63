// Prints, as JSON, the bytes the Node packages publish on Redis for representative messages:
// `@socket.io/redis-adapter` 8.3 (classic `createAdapter`) and `@socket.io/redis-emitter` 5.1.
// The Redis clients are stand-ins that record what is published, so no Redis is needed and
// the output is reproducible. Run from interop/:
//   node redis/vectors.js > ../crates/sockeye-redis/tests/vectors/node.json
"use strict";

const { Server } = require("socket.io");
const { createAdapter, createShardedAdapter } = require("@socket.io/redis-adapter");
const { Emitter } = require("@socket.io/redis-emitter");
const notepack = require("notepack.io");

const published = [];
let current = "";

// A node-redis v4 look-alike: what the adapter calls, recording publishes.
function fakeClient(numsub) {
  const listeners = [];
  return {
    listeners,
    isOpen: true,
    pSubscribe(pattern, listener) { listeners.push({ pattern, listener }); },
    subscribe(channels, listener) { listeners.push({ channels, listener }); },
    sSubscribe(channel, listener) { listeners.push({ sharded: channel, listener }); },
    sUnsubscribe() {},
    sPublish(channel, msg) { return this.publish(channel, msg); },
    pUnsubscribe() {},
    unsubscribe() {},
    publish(channel, msg) {
      const bytes = Buffer.isBuffer(msg) ? msg : Buffer.from(msg);
      published.push({ name: current, channel, hex: bytes.toString("hex") });
      return Promise.resolve(1);
    },
    sendCommand(args) { return Promise.resolve([args[2], numsub]); },
    on() {},
    off() {},
  };
}

function record(name, fn) {
  current = name;
  fn();
  current = "";
}

async function main() {
  const pub = fakeClient(3);
  const sub = fakeClient(3);
  const io = new Server({ adapter: createAdapter(pub, sub, { requestsTimeout: 50 }) });
  const main = io.of("/");
  main.adapter.uid = "node01";
  const chat = io.of("/chat");
  chat.adapter.uid = "node02";

  const numbers = [0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296,
    9007199254740991, -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649,
    1.5, -0.25, 2 ** 60, -(2 ** 60), 3.0];
  // (not 1e300: notepack writes integral doubles of 2^64 and more as a wrong uint64)
  const bigMap = {};
  for (let i = 0; i < 17; i++) bigMap["k" + i] = i;

  record("broadcast_all", () => io.emit("event", 1, "two", { a: [1.5, -3, null], b: true }));
  record("broadcast_room", () => io.to("room1").emit("event", "héllo 🌍"));
  record("broadcast_rooms_except_flags", () =>
    io.to(["r1", "r2"]).except("r3").volatile.compress(false).emit("event", {}));
  record("broadcast_numbers", () => io.emit("numbers", numbers));
  record("broadcast_nested", () => io.emit("nested", {
    empty: {}, list: [], long: "x".repeat(300), many: Array.from({ length: 20 }, (_, i) => i),
    map: bigMap, deep: { a: { b: { c: [{ d: null }] } } },
  }));
  record("broadcast_binary", () => io.emit("bin", Buffer.from([0, 1, 2, 255]),
    { file: Buffer.alloc(300, 7), name: "f" }));
  record("broadcast_namespace", () => chat.to("room1").except("room2").emit("hi"));

  // requests
  record("request_broadcast_ack", () => io.timeout(1000).emit("ask", 1, () => {}));
  await new Promise((r) => setTimeout(r, 10));
  current = "request_fetch";
  io.in("r1").except("r2").fetchSockets().catch(() => {});
  await new Promise((r) => setTimeout(r, 10));
  current = "request_all_rooms";
  main.adapter.allRooms().catch(() => {});
  await new Promise((r) => setTimeout(r, 10));
  record("request_join", () => io.in("r1").socketsJoin(["r2", "r3"]));
  record("request_leave", () => io.except("r1").socketsLeave("r2"));
  record("request_disconnect", () => io.in("r1").disconnectSockets(true));
  record("request_server_side_emit", () => io.serverSideEmit("hello", 1, { a: "b" }));
  current = "request_server_side_emit_ack";
  io.serverSideEmitWithAck("hello", 2).catch(() => {});
  await new Promise((r) => setTimeout(r, 10));

  // responses: requests from another node fed to this one
  main.adapter.addAll("sid1", new Set(["sid1", "room1"]));
  main.on("hello", (n, cb) => cb({ ok: true, n }));
  const onRequest = sub.listeners.find((l) => l.channels && l.channels[0] === "socket.io-request#/#").listener;
  const feed = async (name, request) => {
    current = name;
    await onRequest(Buffer.from(JSON.stringify(request)), "socket.io-request#/#");
    await new Promise((r) => setTimeout(r, 10));
  };
  await feed("response_all_rooms", { uid: "other1", requestId: "req001", type: 1 });
  await feed("response_fetch", { uid: "other1", requestId: "req002", type: 5, opts: { rooms: [], except: [] } });
  await feed("response_server_side_emit", { uid: "other1", requestId: "req003", type: 6, data: ["hello", 5] });
  current = "response_broadcast_client_count";
  await onRequest(notepack.encode({ uid: "other1", requestId: "req004", type: 7,
    packet: { type: 2, data: ["ask"], nsp: "/" }, opts: { rooms: [], except: [], flags: { timeout: 1000 } } }),
    "socket.io-request#/#");
  await new Promise((r) => setTimeout(r, 10));
  // the adapter encodes an acknowledgement with its parser, as here
  published.push({ name: "response_broadcast_ack", channel: "socket.io-response#/#",
    hex: notepack.encode({ type: 9, requestId: "req004", packet: { answer: [1, Buffer.from([9])] } }).toString("hex") });
  published.push({ name: "response_broadcast_ack_empty", channel: "socket.io-response#/#",
    hex: notepack.encode({ type: 9, requestId: "req004", packet: undefined }).toString("hex") });

  // the emitter
  const emitter = new Emitter(fakeClient(0));
  record("emitter_all", () => emitter.emit("event", 1, "two"));
  record("emitter_room_flags", () => emitter.to("room1").except("room2").volatile.compress(true).emit("event", { a: 1 }));
  record("emitter_rooms", () => emitter.to(["r1", "r2"]).emit("event"));
  record("emitter_binary", () => emitter.emit("bin", Buffer.from([1, 2, 3])));
  record("emitter_namespace", () => emitter.of("chat").emit("hi", "there"));
  record("emitter_join", () => emitter.in("r1").socketsJoin(["r2", "r3"]));
  record("emitter_leave", () => emitter.except("r1").socketsLeave("r2"));
  record("emitter_disconnect", () => emitter.in("r1").disconnectSockets(true));
  record("emitter_server_side_emit", () => emitter.serverSideEmit("hello", { a: 1 }));

  await sharded();
  process.stdout.write(JSON.stringify(published, null, 1) + "\n");
  process.exit(0);
}

// `createShardedAdapter`: the ClusterAdapter messages of socket.io-adapter.
async function sharded() {
  const pub = fakeClient(3);
  const sub = fakeClient(3);
  const io = new Server({ adapter: createShardedAdapter(pub, sub, { subscriptionMode: "dynamic" }) });
  const main = io.of("/");
  main.adapter.uid = "node01";
  const tick = () => new Promise((r) => setTimeout(r, 10));

  record("sharded_broadcast_all", () => io.emit("event", 1, "two", { a: [1.5, null] }));
  await tick();
  record("sharded_broadcast_room", () => io.to("room1").emit("event", "héllo"));
  await tick();
  record("sharded_broadcast_socket_room", () => io.to("abcdefghijklmnopqrst").emit("event"));
  await tick();
  record("sharded_broadcast_rooms_except_flags", () =>
    io.to(["r1", "r2"]).except("r3").volatile.compress(false).emit("event", {}));
  await tick();
  record("sharded_broadcast_binary", () => io.emit("bin", Buffer.from([0, 1, 2, 255]), { n: -5 }));
  await tick();
  current = "sharded_broadcast_ack";
  io.timeout(1000).emit("ask", 1, () => {});
  await tick();
  record("sharded_join", () => io.in("r1").socketsJoin(["r2", "r3"]));
  await tick();
  record("sharded_leave", () => io.except("r1").socketsLeave("r2"));
  await tick();
  record("sharded_disconnect", () => io.in("r1").disconnectSockets(true));
  await tick();
  current = "sharded_fetch";
  io.in("r1").fetchSockets().catch(() => {});
  await tick();
  record("sharded_server_side_emit", () => io.serverSideEmit("hello", 1, { a: "b" }));
  await tick();
  current = "sharded_server_side_emit_ack";
  io.serverSideEmitWithAck("hello", 2).catch(() => {});
  await tick();

  // answers to messages from another node
  main.on("hello", (n, cb) => cb({ ok: true, bin: Buffer.from([n]) }));
  const handler = sub.listeners.find((l) => l.sharded === "socket.io#/#").listener;
  const feed = async (name, message) => {
    current = name;
    handler(Buffer.from(JSON.stringify(message)), "socket.io#/#");
    await tick();
  };
  await feed("sharded_response_fetch", { type: 7, data: { opts: { rooms: [], except: [] }, requestId: "req002" }, uid: "other1", nsp: "/" });
  await feed("sharded_response_server_side_emit", { type: 9, data: { requestId: "req003", packet: ["hello", 5] }, uid: "other1", nsp: "/" });
  await feed("sharded_response_client_count", { type: 3, data: { packet: { type: 2, data: ["ask"] }, requestId: "req004", opts: { rooms: [], except: [], flags: { timeout: 1000 } } }, uid: "other1", nsp: "/" });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
