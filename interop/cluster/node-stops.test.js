// A node of a round-robin cluster with forwarding goes away mid-session. Stopped (SIGTERM),
// its clients are told to reconnect, land on another node and, with connection state recovery
// on the streams adapter, get their session back with every message sent meanwhile. Killed
// (SIGKILL), its clients' next requests get `Session ID unknown` from the node that tried to
// forward them, and they reconnect elsewhere and recover too: sockeye keeps a connected
// socket's state in Redis as it changes (the reference saves it only at a disconnect, so its
// killed node's clients get new sessions).
"use strict";
const assert = require("node:assert/strict");
const { after, before, describe, test } = require("node:test");
const { createClient } = require("redis");
const { startCluster, connect, collect, next, until } = require("./lib/cluster.js");

const LIMIT = { timeout: 90000 };

describe("a node of a round-robin cluster goes away (streams adapter, recovery on)", () => {
  let cluster;
  let skipReason = null;

  before(async () => {
    cluster = await startCluster({ forwarding: true, adapter: "streams" });
    skipReason = cluster.skip || null;
  });

  after(async () => {
    if (cluster && cluster.stop) await cluster.stop();
  });

  /**
   * Users until at least two nodes own some. A connect makes a fixed number of requests, so
   * behind round-robin the handshakes could all land on one node: a few requests to the
   * health route (0 to 2, at random) before each connect move nginx's turn along.
   */
  async function users(prefix, transports, nodes = cluster.nodes) {
    const list = [];
    for (let i = 0; i < 20 && new Set(list.map((u) => u.owner)).size < 2; i++) {
      for (let n = Math.floor(Math.random() * 3); n > 0; n--) {
        await (await fetch(`${cluster.nginx.url}/api/health`)).arrayBuffer();
      }
      const socket = await connect(cluster.nginx.url, {
        transports,
        name: `${prefix}${i}`,
        reconnection: true,
      });
      const owner = cluster.owner(socket.io.engine.id);
      if (nodes.includes(owner)) list.push({ socket, texts: collect(socket), owner });
      else socket.disconnect();
    }
    return list;
  }

  test("stopped: its users recover on another node and miss nothing", LIMIT, async (t) => {
    if (skipReason) return t.skip(skipReason);
    const all = await users("stop", ["polling"]);
    try {
      const victim = all[0].owner;
      const moving = all.filter((u) => u.owner === victim);
      const staying = all.filter((u) => u.owner !== victim);
      assert.ok(moving.length > 0 && staying.length > 0);
      const recovered = moving.map((u) => next(u.socket, "connect", () => u.socket.recovered, 30000));
      await victim.server.stop();
      // Messages sent while the moving users are away or reconnecting.
      const sent = [];
      for (let i = 0; i < 5; i++) {
        const text = `while-away-${i}`;
        sent.push(text);
        const res = await staying[i % staying.length].socket.timeout(10000).emitWithAck("chat-message", { text });
        assert.equal(res.status, "ok");
      }
      await Promise.all(recovered);
      for (const u of moving) {
        assert.ok(u.socket.recovered, "the session came back");
        assert.notEqual(cluster.owner(u.socket.io.engine.id), victim, "on another node");
      }
      for (const u of all) {
        await until(() => sent.every((s) => u.texts.has(s)), "every message sent meanwhile");
      }
    } finally {
      for (const u of all) u.socket.disconnect();
    }
  });

  test("killed: its users recover on another node and miss nothing", LIMIT, async (t) => {
    if (skipReason) return t.skip(skipReason);
    const live = cluster.nodes.filter((n) => n.server.child.exitCode === null && n.server.child.signalCode === null);
    const all = await users("kill", ["polling"], live);
    try {
      const victim = all[0].owner;
      const moving = all.filter((u) => u.owner === victim);
      const staying = all.filter((u) => u.owner !== victim);
      assert.ok(moving.length > 0 && staying.length > 0);
      // A killed node persists nothing at the end: its sockets' states are kept in Redis
      // while they are connected (the reference keeps them only at a disconnect).
      const redis = createClient({ url: cluster.redis.url });
      await redis.connect();
      try {
        for (const u of moving) {
          const deadline = Date.now() + 10000;
          while (!(await redis.exists(`sio:session:${u.socket._pid}`))) {
            assert.ok(Date.now() < deadline, "the moving users' sessions kept in Redis");
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      } finally {
        await redis.quit();
      }
      const recovered = moving.map((u) => next(u.socket, "connect", () => u.socket.recovered, 30000));
      victim.server.child.kill("SIGKILL");
      // Behind round-robin a staying user's POST may reach the dead node too (nginx does not
      // retry a POST elsewhere): its client then reconnects, so a message is sent again until
      // acknowledged, with a client id the chat uses to drop a repeat.
      const sent = [];
      for (let i = 0; i < 5; i++) {
        const text = `after-the-kill-${i}`;
        sent.push(text);
        const sender = staying[i % staying.length].socket;
        for (let attempt = 0; ; attempt++) {
          try {
            const res = await sender.timeout(10000).emitWithAck("chat-message", { text, cid: `kill-${i}` });
            assert.equal(res.status, "ok");
            break;
          } catch (err) {
            assert.ok(attempt < 5, `"${text}" not acknowledged: ${err.message}`);
            if (!sender.connected) await next(sender, "connect", () => true, 30000);
          }
        }
      }
      await Promise.all(recovered);
      for (const u of moving) {
        assert.ok(u.socket.recovered, "the session came back");
        assert.notEqual(cluster.owner(u.socket.io.engine.id), victim, "on another node");
      }
      for (const u of all) {
        await until(() => sent.every((s) => u.texts.has(s)), "every message sent meanwhile");
      }
    } finally {
      for (const u of all) u.socket.disconnect();
    }
  });
});
