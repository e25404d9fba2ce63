// Three sockeye chat nodes on one private Redis behind nginx with plain round-robin (every
// request to the next node: no ip_hash, no sticky sessions), with or without forwarding
// (`--cluster-secret`), and the official socket.io-client helpers the cluster tests share.
"use strict";
const { io } = require("socket.io-client");
const { start } = require("../../lib/server.js");
const { startRedis } = require("../../lib/redis.js");
const { startNginx } = require("../../lib/nginx.js");
const { SOCKEYE_CHAT, sockeyeChatMissing } = require("../../browser/lib/servers.js");
const { next } = require("../../browser/lib/official-client-scenario.js");

const SECRET = "interop cluster secret, shared by every node";
const TIMEOUT = 10000;

/** Starts one chat node; with forwarding, resolves once it printed its node id. */
async function startNode(redisUrl, { forwarding, adapter }) {
  const args = ["--host", "127.0.0.1", "--redis", redisUrl, "--redis-adapter", adapter];
  const env = { PORT: "0", RUST_LOG: "warn" };
  if (forwarding) env.SOCKEYE_CLUSTER_SECRET = SECRET;
  const server = await start(SOCKEYE_CHAT, args, { env });
  if (!forwarding) return { server, id: null };
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const m = /node (\S{4}) takes forwarded requests at (\S+)/.exec(server.output());
    if (m) return { server, id: m[1], internal: m[2] };
    if (Date.now() > deadline) throw new Error(`no node id printed:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Redis, `count` chat nodes and nginx round-robin in front of them. Resolves to
 * { skip } when the chat binary is not built, else { nginx, nodes, redis, stop() }.
 */
async function startCluster({ count = 3, forwarding = true, adapter = "classic" } = {}) {
  const missing = sockeyeChatMissing();
  if (missing) return { skip: missing };
  const redis = await startRedis();
  const nodes = [];
  for (let i = 0; i < count; i++) nodes.push(await startNode(redis.url, { forwarding, adapter }));
  const nginx = await startNginx({
    upstreams: nodes.map((n) => `127.0.0.1:${n.server.port}`),
    balance: "round-robin",
  });
  return {
    redis,
    nodes,
    nginx,
    /** The node that owns a session id (its first 4 characters name it). */
    owner: (sid) => nodes.find((n) => n.id === sid.slice(0, 4)),
    stop: async () => {
      await nginx.stop();
      await Promise.all(nodes.map((n) => n.server.stop()));
      await redis.stop();
    },
  };
}

/** An official client, connected (the chat's `user-join` done when `name` is given). */
async function connect(url, { transports, name, reconnection = false } = {}) {
  const socket = io(url, {
    forceNew: true,
    reconnection,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    transports,
  });
  await next(socket, "connect");
  if (name) {
    const res = await socket.timeout(5000).emitWithAck("user-join", name);
    if (!res || res.status !== "ok") throw new Error(`join as ${name}: ${JSON.stringify(res)}`);
  }
  return socket;
}

/** Collects the texts of the chat messages a socket receives. */
function collect(socket) {
  const texts = new Set();
  socket.on("chat-message", (m) => texts.add(m.text));
  return texts;
}

/** Waits until `check()` holds, every 20 ms, failing after `timeoutMs` with `what`. */
async function until(check, what, timeoutMs = TIMEOUT) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

module.exports = { SECRET, startCluster, next, connect, collect, until };
