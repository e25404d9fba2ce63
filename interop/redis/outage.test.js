// Redis goes away under a two-node sockeye cluster and comes back: local delivery never stops,
// cross-node requests fail with the adapter's typed error within their timeout (never hang),
// nothing panics, and the cluster works again by itself once Redis is back. Once with the
// classic adapter, once with the streams adapter.
"use strict";
const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { binary, start } = require("../lib/server");
const { connect, until } = require("../lib/sio");
const { startRedis } = require("../lib/redis");

function control(socket, event, ...args) {
  return socket.timeout(15000).emitWithAck(event, ...args);
}

for (const mode of ["classic", "streams"]) {
describe(`a Redis outage under a sockeye cluster (${mode})`, () => {
  let redis;
  let nodes = [];
  let clients = [];
  const got = [[], []];

  before(async () => {
    redis = await startRedis();
    nodes = await Promise.all(
      ["a", "b"].map((name) =>
        start(binary("cluster-node"), [], {
          env: { REDIS_URL: redis.url, NODE_NAME: name, MODE: mode, REQUESTS_TIMEOUT_MS: "1000" },
        }),
      ),
    );
    clients = await Promise.all(nodes.map((n) => connect(n.url, { transports: ["websocket"] })));
    clients.forEach((c, i) => c.on("msg", (m) => got[i].push(m)));
  });

  after(async () => {
    clients.forEach((c) => c.disconnect());
    await Promise.all(nodes.map((n) => n.stop()));
    await redis?.stop();
  });

  it("keeps local delivery, fails requests in time, and recovers", async () => {
    // Before: a broadcast from a reaches b.
    let n = 0;
    const crossNode = async () => {
      const tag = `probe-${n++}`;
      await control(clients[0], "c:emit", { event: "msg", args: [tag] });
      return tag;
    };
    const first = await crossNode();
    await until(() => got[1].includes(first), 10000);

    await redis.stop();

    // Local delivery goes on.
    const during = await crossNode();
    await until(() => got[0].includes(during), 5000);

    // A request that needs the other node fails with the typed error, in time.
    const t0 = Date.now();
    const fetched = await control(clients[0], "c:fetch", {});
    assert.equal(fetched.ok, false, JSON.stringify(fetched));
    assert.match(fetched.error, /timeout|transport|redis|connection/i);
    assert.ok(Date.now() - t0 < 10000, "the request fails within its timeout");
    const sse = await control(clients[1], "c:sse-ack", ["x"]);
    assert.equal(sse.ok, false);

    await redis.restart();

    // The cluster comes back by itself: a broadcast from a reaches b again.
    const deadline = Date.now() + 20000;
    let back = false;
    while (!back && Date.now() < deadline) {
      const tag = await crossNode();
      try {
        await until(() => got[1].includes(tag), 500);
        back = true;
      } catch {
        // not yet resubscribed
      }
    }
    assert.ok(back, "cross-node delivery resumes after Redis returns");
    const count = await control(clients[1], "c:server-count");
    assert.equal(count, 2);

    for (const node of nodes) {
      assert.equal(node.child.exitCode, null, "the node is still running");
      assert.doesNotMatch(node.output(), /panicked/);
    }
    // One line when the outage begins, not one per packet.
    const warnings = nodes[0].output().split("\n").filter((l) => /WARN/.test(l) && /redis/i.test(l));
    assert.ok(warnings.length <= 4, `outage logged once, not per packet:\n${warnings.join("\n")}`);
  });
});
}
