// Connection state recovery across a Redis Streams cluster mixing sockeye and Node: a client
// (the official socket.io-client) whose connection is cut is moved by the proxy in front of
// it to another node, and recovers there: same id, `recovered`, its room, and every message
// sent meanwhile from any node (to its room and to itself) once, in stream order, before
// `connect`. It moves sockeye -> Node -> sockeye -> sockeye, so that each kind of node
// restores a session the other kind persisted.
"use strict";
const path = require("node:path");
const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { createClient } = require("redis");
const { binary, start } = require("../lib/server");
const { connect, once } = require("../lib/sio");
const { startRedis } = require("../lib/redis");
const { startCutProxy } = require("../lib/cut-proxy");
const { io } = require("socket.io-client");

const NODE_NODE = path.join(__dirname, "node-cluster-node.js");
const NAMES = ["rust-a", "node-b", "rust-c"];

/** Within each hop (between two connects), the messages sorted: the order between nodes is
 * the stream's, each node's own order is checked by its room message preceding its direct
 * one in `seen` (see the test). */
function normalize(events) {
  const out = [];
  let group = [];
  for (const e of events) {
    if (e.startsWith("connect")) {
      out.push(...group.sort(), e);
      group = [];
    } else group.push(e);
  }
  return [...out, ...group.sort()];
}

function control(socket, event, ...args) {
  return socket.timeout(10000).emitWithAck(event, ...args);
}

describe("connection state recovery across a streams cluster of sockeye and Node nodes", () => {
  let redis;
  let redisClient;
  let nodes = [];
  let controls = [];
  let proxy;

  before(async () => {
    redis = await startRedis();
    const env = (name) => ({ REDIS_URL: redis.url, NODE_NAME: name, MODE: "streams", RECOVERY: "1" });
    nodes = await Promise.all([
      start(binary("cluster-node"), [], { env: env(NAMES[0]) }),
      start(process.execPath, [NODE_NODE], { env: env(NAMES[1]) }),
      start(binary("cluster-node"), [], { env: env(NAMES[2]) }),
    ]);
    controls = await Promise.all(nodes.map((n) => connect(n.url, { transports: ["websocket"] })));
    for (const c of controls) {
      let count = 0;
      const t0 = Date.now();
      while (count !== 3 && Date.now() - t0 < 10000) {
        count = await control(c, "c:server-count");
        if (count !== 3) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(count, 3);
    }
    proxy = await startCutProxy(nodes[0].port);
    redisClient = createClient({ url: redis.url });
    await redisClient.connect();
  });

  after(async () => {
    for (const c of controls) c.disconnect();
    if (proxy) await proxy.close();
    if (redisClient) await redisClient.quit();
    await Promise.all(nodes.map((n) => n.stop()));
    if (redis) await redis.stop();
  });

  it("moves from node to node and loses nothing", { timeout: 60000 }, async () => {
    const x = io(proxy.url, {
      forceNew: true,
      transports: ["websocket"],
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
    });
    const seen = [];
    x.on("m", (text) => seen.push(text));
    x.on("connect", () => seen.push(`connect ${x.recovered}`));
    await once(x, "connect");
    const id = x.id;
    await control(x, "join", "r");
    // One message first, so that the client has an offset.
    await control(controls[0], "c:emit", { rooms: ["r"], event: "m", args: ["hello"] });
    while (!seen.includes("hello")) await new Promise((r) => setTimeout(r, 10));
    const expected = ["connect false", "hello"];

    for (const [hop, to] of [[1, 1], [2, 2], [3, 0]]) {
      proxy.hold();
      const gone = once(x, "disconnect");
      proxy.cut();
      await gone;
      proxy.targetPort = nodes[to].port;
      // The node it left has stored its session in Redis.
      const key = `sio:session:${x._pid}`;
      for (let i = 0; i < 500 && !(await redisClient.exists(key)); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(await redisClient.exists(key), 1, `hop ${hop}: session kept`);
      // Messages from every node while it is away, to its room and to itself.
      for (const [i, c] of controls.entries()) {
        await control(c, "c:emit", { rooms: ["r"], event: "m", args: [`${hop} room from ${NAMES[i]}`] });
        await control(c, "c:emit", { rooms: [id], event: "m", args: [`${hop} direct from ${NAMES[i]}`] });
        expected.push(`${hop} room from ${NAMES[i]}`, `${hop} direct from ${NAMES[i]}`);
      }
      proxy.release();
      await once(x, "connect");
      expected.push("connect true");
      assert.equal(x.id, id, `hop ${hop}: same id on ${NAMES[to]}`);
      assert.equal(x.recovered, true, `hop ${hop}`);
      // Live again, and still in its room on the new node.
      await control(controls[to], "c:emit", { rooms: ["r"], event: "m", args: [`${hop} live`] });
      expected.push(`${hop} live`);
      while (!seen.includes(`${hop} live`)) await new Promise((r) => setTimeout(r, 10));
      // Each node's messages come in the order they were sent; nodes interleave in the order
      // the stream got them, which the acknowledged emits do not fix across nodes.
      assert.deepEqual(normalize(seen), normalize(expected), `hop ${hop} to ${NAMES[to]}`);
      for (const name of NAMES) {
        const room = seen.indexOf(`${hop} room from ${name}`);
        const direct = seen.indexOf(`${hop} direct from ${name}`);
        assert.ok(room >= 0 && room < direct, `hop ${hop}: ${name}'s messages in its order`);
      }
      assert.equal(new Set(seen.filter((e) => !e.startsWith("connect"))).size, seen.filter((e) => !e.startsWith("connect")).length, "nothing twice");
    }
    x.disconnect();
  });
});
