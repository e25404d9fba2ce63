// A mixed cluster on one real Redis: two sockeye nodes (`cluster-node`, sockeye-redis's
// classic, sharded or streams adapter) and one Node socket.io 4.8 node (@socket.io/redis-adapter
// 8.3, or @socket.io/redis-streams-adapter 0.3), an official socket.io-client on each. Every cross-node operation is started from a sockeye node and
// from the Node node, and every client must see the same thing either way.
"use strict";
const path = require("node:path");
const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { createClient } = require("redis");
const { Emitter } = require("@socket.io/redis-emitter");
const { binary, start } = require("../lib/server");
const { connect, until, once } = require("../lib/sio");
const { startRedis, startRedisCluster } = require("../lib/redis");

const NODE_NODE = path.join(__dirname, "node-cluster-node.js");
const NAMES = ["rust-a", "rust-b", "node-c"];

/** Emits a control event and resolves with its acknowledgement. */
function control(socket, event, ...args) {
  return socket.timeout(10000).emitWithAck(event, ...args);
}

// The classic adapter (createAdapter) on one Redis, the sharded adapter (createShardedAdapter)
// on a three-master Redis Cluster, and the streams adapter on one Redis, each with the same
// scenario.
for (const mode of ["classic", "sharded", "streams"]) {
describe(`a cluster of sockeye and Node nodes on one Redis (${mode})`, () => {
  let redis;
  let nodes = [];
  let clients = [];
  let silent = new Set();

  before(async () => {
    redis = mode === "sharded" ? await startRedisCluster() : await startRedis();
    const env = (name) => ({ REDIS_URL: redis.url, NODE_NAME: name, MODE: mode });
    nodes = await Promise.all([
      start(binary("cluster-node"), [], { env: env(NAMES[0]) }),
      start(binary("cluster-node"), [], { env: env(NAMES[1]) }),
      start(process.execPath, [NODE_NODE], { env: env(NAMES[2]) }),
    ]);
    clients = await Promise.all(nodes.map((n) => connect(n.url, { transports: ["websocket"] })));
    for (const [i, c] of clients.entries()) {
      c.on("ask", (cb) => {
        if (!silent.has(i)) cb(c.id);
      });
      await control(c, "set-data", { node: NAMES[i] });
    }
    // Every node must be subscribed before the first request counts the others.
    for (const c of clients) {
      let count = 0;
      const t0 = Date.now();
      while (count !== 3 && Date.now() - t0 < 10000) {
        count = await control(c, "c:server-count");
        if (count !== 3) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(count, 3, "every node counts the cluster's three nodes");
    }
  });

  after(async () => {
    clients.forEach((c) => c.disconnect());
    await Promise.all(nodes.map((n) => n.stop()));
    await redis?.stop();
  });

  /** What each client got of `event` until a marker broadcast from node 0 arrives. */
  async function deliveries(event, act, markerFrom, expected = null) {
    const got = clients.map(() => []);
    const handlers = clients.map((c, i) => {
      const h = (...args) => got[i].push(args.length === 1 ? args[0] : args);
      c.on(event, h);
      return h;
    });
    const markers = clients.map((c) => once(c, "marker", 10000));
    await act(got);
    // The marker goes from the acting node after the act: pub/sub keeps each publisher's
    // order, so once it arrives everything the act sent before it has arrived too.
    for (const i of markerFrom) await control(clients[i], "c:emit", { event: "marker" });
    await Promise.all(markers);
    // Sharded mode: room channels may live on other shards than the marker's, so wait for
    // the expected counts too (the marker still bounds what came on the namespace channel).
    if (expected) await until(() => got.every((g, i) => g.length >= expected[i]), 10000);
    clients.forEach((c, i) => c.off(event, handlers[i]));
    return got;
  }

  for (const [from, kind] of [
    [0, "a sockeye node"],
    [2, "the Node node"],
  ]) {
    describe(`started from ${kind}`, () => {
      const starter = () => clients[from];

      it("broadcasts to all, a room, several rooms once, and except", async () => {
        await control(clients[1], "join", `r1-${from}`);
        await control(clients[2], "join", `r1-${from}`);
        await control(clients[2], "join", `r2-${from}`);
        await control(clients[0], "join", `r2-${from}`);
        const got = await deliveries("msg", async () => {
          await control(starter(), "c:emit", { event: "msg", args: ["all"] });
          await control(starter(), "c:emit", { event: "msg", args: ["r1"], rooms: [`r1-${from}`] });
          await control(starter(), "c:emit", {
            event: "msg",
            args: ["r1+r2"],
            rooms: [`r1-${from}`, `r2-${from}`],
          });
          await control(starter(), "c:emit", {
            event: "msg",
            args: ["r1-r2"],
            rooms: [`r1-${from}`],
            except: [`r2-${from}`],
          });
          await control(starter(), "c:emit", { event: "msg", args: [1, { a: [true, null] }, "two"] });
        }, [from], [3, 5, 4]);
        const several = [1, { a: [true, null] }, "two"];
        // In sharded mode a room's broadcasts go to its own channel, possibly on another
        // Redis shard: the order between channels is Redis', as with Node.
        const inOrder = (list) =>
          mode !== "sharded" ? list : [...list].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
        assert.deepEqual(inOrder(got[0]), inOrder(["all", "r1+r2", several]));
        assert.deepEqual(inOrder(got[1]), inOrder(["all", "r1", "r1+r2", "r1-r2", several]));
        assert.deepEqual(inOrder(got[2]), inOrder(["all", "r1", "r1+r2", several]));
      });

      it("broadcasts binary payloads", async () => {
        const got = await deliveries("bin", async () => {
          await control(starter(), "c:emit", {
            event: "bin",
            args: [Buffer.from([0, 1, 2, 255]), { nested: Buffer.from("hé") }],
          });
        }, [from]);
        for (const g of got) {
          assert.equal(g.length, 1);
          const [buf, obj] = g[0];
          assert.deepEqual([...Buffer.from(buf)], [0, 1, 2, 255]);
          assert.equal(Buffer.from(obj.nested).toString(), "hé");
        }
      });

      it("counts every node's acknowledgements, and times out on a silent socket", async () => {
        const all = await control(starter(), "c:emit-ack", { timeout: 3000 });
        assert.deepEqual(all, { ok: true, responses: clients.map((c) => c.id).sort() });
        silent.add(1);
        try {
          const partial = await control(starter(), "c:emit-ack", { timeout: 500 });
          assert.equal(partial.ok, false);
          assert.deepEqual(partial.responses, [clients[0].id, clients[2].id].sort());
        } finally {
          silent.delete(1);
        }
      });

      it("fetches the sockets of every node with their handshake, rooms and data", async () => {
        const { ok, sockets } = await control(starter(), "c:fetch", {});
        assert.ok(ok);
        assert.deepEqual(
          sockets.map((s) => s.id),
          clients.map((c) => c.id).sort(),
        );
        for (const s of sockets) {
          const i = clients.findIndex((c) => c.id === s.id);
          assert.deepEqual(s.data, { node: NAMES[i] });
          assert.ok(s.rooms.includes(s.id));
          assert.equal(s.query.EIO, "4");
          assert.equal(s.query.transport, "websocket");
          assert.ok(s.host, "the handshake carries the headers");
        }
        const inRoom = await control(starter(), "c:fetch", { rooms: [clients[1].id] });
        assert.deepEqual(
          inRoom.sockets.map((s) => s.id),
          [clients[1].id],
        );
      });

      it("makes remote sockets join and leave rooms, and lists every node's rooms", async () => {
        const room = `joined-${from}`;
        await control(starter(), "c:join", { rooms: [clients[1].id, clients[2].id], room });
        let fetched;
        const t0 = Date.now();
        do {
          fetched = (await control(starter(), "c:fetch", { rooms: [room] })).sockets;
        } while (fetched.length !== 2 && Date.now() - t0 < 5000);
        assert.deepEqual(
          fetched.map((s) => s.id),
          [clients[1].id, clients[2].id].sort(),
        );
        const rooms = await control(starter(), "c:all-rooms");
        if (mode !== "classic" && from === 2) {
          // Node's sharded and streams adapters have no allRooms at all.
          assert.equal(rooms.ok, false);
        } else {
          assert.ok(rooms.ok, JSON.stringify(rooms));
          // The cluster protocol has no all-rooms request: a sockeye node knows its own rooms.
          const every = mode === "classic" ? [room, ...clients.map((c) => c.id)] : [clients[from].id];
          for (const r of every) assert.ok(rooms.rooms.includes(r), r);
        }
        await control(starter(), "c:leave", { rooms: [room], room });
        const t1 = Date.now();
        do {
          fetched = (await control(starter(), "c:fetch", { rooms: [room] })).sockets;
        } while (fetched.length !== 0 && Date.now() - t1 < 5000);
        assert.deepEqual(fetched, []);
      });

      it("sends server-side events to the other nodes, with and without answers", async () => {
        const before = await Promise.all(clients.map((c) => control(c, "c:sse-log")));
        await control(starter(), "c:sse", [from, "plain", { deep: [1] }]);
        const others = [0, 1, 2].filter((i) => i !== from);
        for (const i of others) {
          const t0 = Date.now();
          let log;
          do {
            log = await control(clients[i], "c:sse-log");
          } while (log.length === before[i].length && Date.now() - t0 < 5000);
          assert.deepEqual(log.at(-1), [from, "plain", { deep: [1] }]);
        }
        const mine = await control(starter(), "c:sse-log");
        assert.equal(mine.length, before[from].length, "the sender's own listeners do not run");
        const answered = await control(starter(), "c:sse-ack", ["with-ack"]);
        assert.deepEqual(answered, { ok: true, responses: others.map((i) => NAMES[i]).sort() });
      });

      it("disconnects a remote socket", async () => {
        const victim = from === 0 ? 2 : 0;
        const c = clients[victim];
        const gone = once(c, "disconnect", 10000);
        await control(starter(), "c:disconnect", { rooms: [c.id] });
        const [reason] = await gone;
        assert.equal(reason, "io server disconnect");
        clients[victim] = await connect(nodes[victim].url, { transports: ["websocket"] });
        const fresh = clients[victim];
        fresh.on("ask", (cb) => {
          if (!silent.has(victim)) cb(fresh.id);
        });
        await control(fresh, "set-data", { node: NAMES[victim] });
      });
    });
  }

  it("a Date the Node node broadcasts reaches every client as JSON writes it", async () => {
    const ms = 1732870000123;
    const got = await deliveries("date", async () => {
      await control(clients[2], "c:emit-date", { event: "date", ms });
    }, [2]);
    const iso = new Date(ms).toJSON();
    for (const g of got) assert.deepEqual(g, [[iso, { at: iso }]]);
  });

  it("Node's redis-emitter reaches sockeye's sockets, and sockeye's emitter reaches Node's", async (t) => {
    if (mode !== "classic") return t.skip("the emitters speak the classic protocol");
    const pub = createClient({ url: redis.url });
    await pub.connect();
    try {
      const emitter = new Emitter(pub);
      await control(clients[0], "join", "emitted");
      await control(clients[2], "join", "emitted");
      const got = await deliveries("from-emitter", async (got) => {
        emitter.to("emitted").emit("from-emitter", "node", Buffer.from([7]));
        await control(clients[1], "c:rust-emitter", {
          event: "from-emitter",
          rooms: ["emitted"],
          args: ["rust"],
        });
        await until(() => got[0].length >= 2 && got[2].length >= 2, 10000);
      }, [0, 1, 2]);
      assert.deepEqual(got[1], []);
      for (const i of [0, 2]) {
        assert.equal(got[i].length, 2, `client ${i}: ${JSON.stringify(got[i])}`);
        // Two publishers: their order is Redis', not ours.
        const fromNode = got[i].find((g) => Array.isArray(g) && g[0] === "node");
        assert.ok(fromNode, `client ${i} got the Node emitter's event`);
        assert.deepEqual([...Buffer.from(fromNode[1])], [7]);
        assert.ok(got[i].includes("rust"), `client ${i} got the Rust emitter's event`);
      }
    } finally {
      await pub.quit();
    }
  });
});
}
