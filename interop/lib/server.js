// Starts one of sockeye's programs (or a Node script) on a free port and resolves once it
// prints the URL it listens on. Every server the interop tests start goes through here.
"use strict";
const { spawn } = require("node:child_process");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");
const TARGET = process.env.CARGO_TARGET_DIR
  ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR)
  : path.join(ROOT, "target");

/** Path of a release binary built by `cargo build --release`. */
function binary(name) {
  return path.join(TARGET, "release", name);
}

/**
 * Spawns `command args` with PORT=0 (unless env says otherwise) and waits for a line holding
 * `http://host:port`. Returns { url, port, child, output(), stop() }.
 */
function start(command, args = [], { env = {}, timeoutMs = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, PORT: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let done = false;
    const timer = setTimeout(() => {
      if (!done) {
        done = true;
        child.kill("SIGKILL");
        reject(new Error(`${command} printed no URL in ${timeoutMs} ms:\n${out}`));
      }
    }, timeoutMs);
    const onData = (chunk) => {
      out += chunk;
      const m = !done && /(https?):\/\/([\w.\-]+):(\d+)/.exec(out);
      if (m) {
        done = true;
        clearTimeout(timer);
        const port = Number(m[3]);
        resolve({
          url: `${m[1]}://localhost:${port}`,
          port,
          child,
          output: () => out,
          stop: () => stop(child),
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (c) => {
      out += c;
    });
    // A program that cannot be started (not built, or built under another target
    // directory): say so at once rather than after the timeout.
    child.on("error", (err) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        const hint = command.startsWith(TARGET)
          ? ` (built with \`cargo build --release\`? binaries are looked for under ${TARGET}; ` +
            "set CARGO_TARGET_DIR to where cargo puts them)"
          : "";
        reject(new Error(`${command} could not be started: ${err.message}${hint}`));
      }
    });
    child.on("exit", (code) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(new Error(`${command} exited with ${code} before listening:\n${out}`));
      }
    });
  });
}

/** Kills a child and resolves when it has exited. */
function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

module.exports = { ROOT, binary, start, stop };
