// Starts a private redis-server (Debian's) on a free port for one test file, and can stop and
// restart it on the same port (the outage tests). Nothing assumes a Redis is already running.
"use strict";
const { spawn } = require("node:child_process");
const net = require("node:net");

/** A free TCP port on 127.0.0.1 (bound then released). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Spawns redis-server on `port`; resolves once it accepts connections. */
function spawnRedis(port, extraArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...extraArgs],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server did not start on ${port}:\n${out}`));
    }, 10000);
    child.stdout.on("data", (c) => {
      out += c;
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr.on("data", (c) => (out += c));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${out}`));
    });
  });
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** A Redis server of the test's own: { url, port, stop(), restart() }. */
async function startRedis() {
  const port = await freePort();
  let child = await spawnRedis(port);
  const redis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await stopChild(child);
    },
    async restart() {
      child = await spawnRedis(port);
    },
  };
  return redis;
}

/**
 * A Redis Cluster of three masters of the test's own (sharded pub/sub needs one):
 * { urls, url (comma-separated), stop() }. Each node keeps its cluster layout in a
 * temporary folder.
 */
async function startRedisCluster() {
  const fs = require("node:fs");
  const os = require("node:os");
  const path = require("node:path");
  const { execFile } = require("node:child_process");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sockeye-redis-cluster-"));
  const children = [];
  const ports = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const bus = await freePort();
    const nodeDir = path.join(dir, String(port));
    fs.mkdirSync(nodeDir);
    children.push(
      await spawnRedis(port, [
        "--cluster-enabled", "yes",
        "--cluster-port", String(bus),
        "--cluster-config-file", "nodes.conf",
        "--dir", nodeDir,
      ]),
    );
    ports.push(port);
  }
  const run = (args) =>
    new Promise((resolve, reject) =>
      execFile("redis-cli", args, (err, stdout, stderr) =>
        err ? reject(new Error(`redis-cli ${args.join(" ")}: ${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
  await run([
    "--cluster", "create",
    ...ports.map((p) => `127.0.0.1:${p}`),
    "--cluster-replicas", "0", "--cluster-yes",
  ]);
  const deadline = Date.now() + 20000;
  for (const port of ports) {
    for (;;) {
      const info = await run(["-p", String(port), "cluster", "info"]);
      if (/cluster_state:ok/.test(info)) break;
      if (Date.now() > deadline) throw new Error(`the Redis Cluster is not ok on ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const urls = ports.map((p) => `redis://127.0.0.1:${p}`);
  return {
    urls,
    url: urls.join(","),
    async stop() {
      await Promise.all(children.map(stopChild));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { freePort, startRedis, startRedisCluster };
