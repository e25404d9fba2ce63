// js/dist is what sockeye serves: it must be the build of js/src, and the minified bundle must
// stay smaller than the official one.
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const vm = require("node:vm");
const zlib = require("node:zlib");
const { test } = require("node:test");
const { build } = require("../../js/build.js");

const DIST = path.join(__dirname, "..", "..", "js", "dist");
const OFFICIAL_MIN = path.join(
  path.dirname(require.resolve("socket.io-client/package.json")),
  "dist",
  "socket.io.min.js"
);

const gzipSize = (file) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;

test("js/dist is up to date with js/src (run `node js/build.js`)", async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sockeye-dist-"));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const names = await build(tmp, null);
  assert.deepEqual(names.sort(), [
    "socket.io.esm.min.js",
    "socket.io.esm.min.js.map",
    "socket.io.js",
    "socket.io.js.map",
    "socket.io.min.js",
    "socket.io.min.js.map",
    "socket.io.msgpack.min.js",
    "socket.io.msgpack.min.js.map",
  ]);
  for (const name of names) {
    const fresh = fs.readFileSync(path.join(tmp, name), "utf8");
    const committed = fs.readFileSync(path.join(DIST, name), "utf8");
    assert.ok(fresh === committed, `js/dist/${name} differs from a fresh build`);
  }
});

test("socket.io.min.js is smaller gzipped than the official socket.io.min.js", (t) => {
  const ours = gzipSize(path.join(DIST, "socket.io.min.js"));
  const official = gzipSize(OFFICIAL_MIN);
  t.diagnostic(`gzip -9: ours ${ours} bytes, official ${official} bytes`);
  assert.ok(ours < official, `ours ${ours} >= official ${official}`);
});

test("the classic scripts define a global io; the module exports io, Manager, Socket", async () => {
  for (const name of ["socket.io.js", "socket.io.min.js", "socket.io.msgpack.min.js"]) {
    const sandbox = {};
    vm.runInNewContext(fs.readFileSync(path.join(DIST, name), "utf8"), sandbox);
    assert.equal(typeof sandbox.io, "function", name);
    assert.equal(typeof sandbox.io.Manager, "function", name);
    assert.equal(typeof sandbox.io.Socket, "function", name);
    assert.equal(sandbox.io.connect, sandbox.io, name);
  }
  // A data: URL makes it a module whatever the nearest package.json says.
  const source = fs.readFileSync(path.join(DIST, "socket.io.esm.min.js")).toString("base64");
  const mod = await import(`data:text/javascript;base64,${source}`);
  assert.equal(typeof mod.io, "function");
  assert.equal(mod.default, mod.io);
  assert.equal(typeof mod.Manager, "function");
  assert.equal(typeof mod.Socket, "function");
});

test("each bundle names its source map, which leads back to js/src", () => {
  const { TraceMap, originalPositionFor } = require("@jridgewell/trace-mapping");
  const socketSource = fs.readFileSync(path.join(__dirname, "..", "..", "js", "src", "socket.js"), "utf8");
  const wanted = socketSource.split("\n").findIndex((l) => l.includes("emitWithAck(")) + 1;
  for (const name of ["socket.io.js", "socket.io.min.js", "socket.io.esm.min.js"]) {
    const code = fs.readFileSync(path.join(DIST, name), "utf8");
    assert.ok(code.endsWith(`//# sourceMappingURL=${name}.map\n`), name);
    const map = new TraceMap(fs.readFileSync(path.join(DIST, `${name}.map`), "utf8"));
    const lines = code.split("\n");
    const line = lines.findIndex((l) => l.includes("emitWithAck("));
    const pos = originalPositionFor(map, { line: line + 1, column: lines[line].indexOf("emitWithAck(") });
    assert.equal(pos.source, "sockeye-client/socket.js", name);
    assert.equal(pos.line, wanted, name);
  }
});
