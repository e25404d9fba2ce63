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

module.exports = { freePort, startRedis };
