// Prints, as JSON, what `@socket.io/redis-streams-adapter` 0.3.1 writes to Redis for
// representative messages: the XADD entries of the stream (fields in order), the msgpack of
// what it publishes, the session it SETs, the missed packets restoreSession() reads back from
// a stream, and the stream names with streamCount > 1. The Redis client is a stand-in that
// records the commands, so no Redis is needed and the output is reproducible. Run from interop/:
//   node redis/streams-vectors.js > ../crates/sockeye-redis/tests/vectors/streams.json
"use strict";

const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-streams-adapter");
const { encode } = require("@msgpack/msgpack");

const out = { xadd: [], publish: [], set: [], restore: [], streams: [] };
let current = "";
const tick = () => new Promise((r) => setTimeout(r, 10));

// A node-redis v4 look-alike: what the adapter calls, recording what it writes.
function fakeClient(state) {
  const client = {
    listeners: state.listeners,
    isOpen: true,
    duplicate() { return fakeClient(state); },
    connect() { return Promise.resolve(); },
    disconnect() {},
    on() {},
    sSubscribe(channel, listener) { state.listeners.push({ channels: [channel], listener }); },
    subscribe(channels, listener) { state.listeners.push({ channels, listener }); },
    // the adapter polls forever: never answer
    xRead() { return new Promise(() => {}); },
    xAdd(stream, id, fields, opts) {
      const n = ++state.seq;
      out.xadd.push({ name: current, stream, id, fields: Object.entries(fields), trim: opts.TRIM });
      state.entries.push({ id: `1700000000000-${n}`, message: fields });
      return Promise.resolve(`1700000000000-${n}`);
    },
    publish(channel, payload) {
      out.publish.push({ name: current, channel, hex: Buffer.from(payload).toString("hex") });
      return Promise.resolve(1);
    },
    sPublish(channel, payload) { return client.publish(channel, payload); },
    sendCommand(args) { return Promise.resolve([args[2], 3]); },
    set(key, value, opts) {
      out.set.push({ name: current, key, value, px: opts.PX });
      state.sessions.set(key, value);
      return Promise.resolve("OK");
    },
    multi() {
      let key;
      const m = {
        get(k) { key = k; return m; },
        del() { return m; },
        exec() {
          const value = state.sessions.get(key) ?? null;
          state.sessions.delete(key);
          return Promise.resolve([value, value ? 1 : 0]);
        },
      };
      return m;
    },
    xRange(stream, start, end) {
      const cmp = (a, b) => {
        const [at, as] = a.split("-").map(Number);
        const [bt, bs] = b.split("-").map(Number);
        return at - bt || as - bs;
      };
      return Promise.resolve(state.entries.filter((e) =>
        cmp(e.id, start) >= 0 && (end === "+" || cmp(e.id, end) <= 0)));
    },
  };
  return client;
}

function record(name, fn) {
  current = name;
  fn();
  current = "";
}

async function main() {
  const state = { listeners: [], entries: [], sessions: new Map(), seq: 0 };
  const io = new Server({
    adapter: createAdapter(fakeClient(state)),
    connectionStateRecovery: { maxDisconnectionDuration: 60000 },
  });
  const main = io.of("/");
  main.adapter.uid = "node01";
  const chat = io.of("/chat");
  chat.adapter.uid = "node02";
  await tick();

  const numbers = [0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296,
    9007199254740991, -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649,
    1.5, -0.25, 2 ** 60, -(2 ** 60), 3.0, 1e300];

  // the stream: non-ephemeral messages
  record("broadcast_all", () => io.emit("event", 1, "two", { a: [1.5, -3, null], b: true }));
  record("broadcast_room", () => io.to("room1").emit("event", "héllo 🌍"));
  record("broadcast_rooms_except_flags", () =>
    io.to(["r1", "r2"]).except("r3").volatile.compress(false).emit("event", {}));
  record("broadcast_numbers", () => io.emit("numbers", numbers));
  record("broadcast_binary", () => io.emit("bin", Buffer.from([0, 1, 2, 255]),
    { file: Buffer.alloc(300, 7), name: "f", n: numbers }));
  record("broadcast_namespace", () => chat.to("room1").except("room2").emit("hi"));
  record("broadcast_except_only", () => io.except("room1").emit("not-room1", 1));
  record("join", () => io.in("r1").socketsJoin(["r2", "r3"]));
  record("leave", () => io.except("r1").socketsLeave("r2"));
  record("disconnect", () => io.in("r1").disconnectSockets(true));
  await tick();

  // pub/sub: ephemeral messages, msgpack
  record("broadcast_ack", () => io.timeout(1000).emit("ask", 1, () => {}));
  record("broadcast_ack_binary", () => io.to("r1").timeout(1000).emit("ask", Buffer.from([1, 2]), () => {}));
  current = "fetch";
  io.in("r1").except("r2").fetchSockets().catch(() => {});
  await tick();
  record("server_side_emit", () => io.serverSideEmit("hello", 1, { a: "b" }));
  record("server_side_emit_numbers", () => io.serverSideEmit("numbers", numbers, Buffer.from([7])));
  current = "server_side_emit_ack";
  io.serverSideEmitWithAck("hello", 2).catch(() => {});
  await tick();

  // answers to messages from another node, on its own channel
  main.on("hello", (n, cb) => cb({ ok: true, n }));
  main.on("nothing", (cb) => cb());
  const onPublic = state.listeners.find((l) => l.channels[0] === "socket.io#/#").listener;
  const feed = async (name, message) => {
    current = name;
    onPublic(Buffer.from(encode(message)));
    await tick();
  };
  await feed("response_fetch", { type: 7, data: { opts: { rooms: [], except: [], flags: {} }, requestId: "req002" }, uid: "other1", nsp: "/" });
  await feed("response_server_side_emit", { type: 9, data: { requestId: "req003", packet: ["hello", 5] }, uid: "other1", nsp: "/" });
  await feed("response_server_side_emit_empty", { type: 9, data: { requestId: "req005", packet: ["nothing"] }, uid: "other1", nsp: "/" });
  await feed("response_client_count", { type: 3, data: { packet: { type: 2, data: ["ask"] }, requestId: "req004", opts: { rooms: [], except: [], flags: { timeout: 1000 } } }, uid: "other1", nsp: "/" });

  // a session, and what restoring it from the first broadcast reads back
  current = "session";
  main.adapter.persistSession({ sid: "sid1", pid: "pid1", rooms: ["sid1", "room1"], data: { user: "a", bin: Buffer.from([1]) } });
  main.adapter.persistSession({ sid: "sid2", pid: "pid2", rooms: ["sid2", "r3"], data: {} });
  for (const [name, pid, offset] of [["restore_room1", "pid1", "1700000000000-1"], ["restore_r3", "pid2", "1700000000000-1"]]) {
    try {
      const session = await main.adapter.restoreSession(pid, offset);
      out.restore.push({ name, pid, offset, session: JSON.parse(JSON.stringify(session)) });
    } catch (e) {
      out.restore.push({ name, pid, offset, error: String(e) });
    }
  }
  for (const [name, pid, offset] of [["restore_gone", "pid1", "1700000000000-1"], ["restore_bad_offset", "pidx", "abc"], ["restore_unknown_offset", "pidx", "1-1"]]) {
    try {
      await main.adapter.restoreSession(pid, offset);
      out.restore.push({ name, pid, offset, error: null });
    } catch (e) {
      out.restore.push({ name, pid, offset, error: String(e) });
    }
  }

  // the stream of each namespace with several streams (util.hashCode)
  for (const count of [2, 3, 7]) {
    const adapterOf = createAdapter(fakeClient({ listeners: [], entries: [], sessions: new Map(), seq: 0 }), { streamCount: count });
    for (const nsp of ["/", "/chat", "/admin", "/a-very-long-namespace-name-that-overflows", "/é🌍", "/xyzzy12"]) {
      const fakeNsp = { name: nsp, server: { opts: {} } };
      const a = adapterOf(fakeNsp);
      const before = out.xadd.length;
      current = "stream";
      await a.addSockets({ rooms: new Set(), except: new Set(), flags: {} }, ["x"]).catch(() => {});
      const entry = out.xadd.splice(before)[0];
      out.streams.push({ nsp, count, stream: entry && entry.stream });
    }
  }
  process.stdout.write(JSON.stringify(out, null, 1) + "\n");
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
