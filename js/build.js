#!/usr/bin/env node
// Builds js/dist from js/src: the sources are concatenated in dependency order into one scope,
// then wrapped as a classic script (global `io`) and as an ES module, and minified with terser.
// `node js/build.js [outDir]`; the output depends only on the sources and the terser version.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const SRC = path.join(__dirname, "src");
const DIST = path.join(__dirname, "dist");

// Each file may use what the files before it declare.
const FILES = [
  "emitter.js",
  "url.js",
  "backoff.js",
  "engine-parser.js",
  "socket-parser.js",
  "parser-json.js",
  "transport.js",
  "transport-polling.js",
  "transport-websocket.js",
  "engine.js",
  "socket.js",
  "manager.js",
  "index.js",
];

// socket.io.msgpack.min.js: the same client speaking the msgpack parser's format.
const MSGPACK_FILES = FILES.flatMap((f) =>
  f === "parser-json.js" ? ["msgpack.js", "socket-parser-msgpack.js", "parser-msgpack.js"] : [f]
);

const BANNER = "/*! sockeye browser client: Socket.IO protocol 5 over Engine.IO protocol 4 */\n";
const MSGPACK_BANNER =
  "/*! sockeye browser client, msgpack parser: Socket.IO protocol 5 over Engine.IO protocol 4 */\n";

function body(files = FILES) {
  const parts = files.map((f) => `// ---- ${f}\n` + fs.readFileSync(path.join(SRC, f), "utf8"));
  return parts.map((p) => p.trim()).join("\n\n") + "\n";
}

function indent(text) {
  return text.replace(/^(?=.)/gm, "  ");
}

function classicScript(files = FILES, banner = BANNER) {
  return `${banner}var io = (function () {\n  "use strict";\n\n${indent(body(files))}\n  return io;\n})();\n`;
}

function esModule() {
  return `${BANNER}${body()}\nexport { io, Manager, Socket };\nexport default io;\n`;
}

/**
 * Evaluates the sources in Node and returns the named top-level declarations (for tests);
 * `{ msgpack: true }` loads the msgpack bundle's sources.
 */
function load(names, { msgpack = false } = {}) {
  const files = msgpack ? MSGPACK_FILES : FILES;
  return new Function(`"use strict";\n${body(files)}\nreturn { ${names.join(", ")} };`)();
}

async function minify(code, module) {
  const { minify } = require(path.join(__dirname, "..", "interop", "node_modules", "terser"));
  const out = await minify(code, {
    module,
    ecma: 2020,
    compress: { passes: 2 },
    mangle: true,
    format: { comments: /^!/ },
  });
  return out.code + "\n";
}

async function build(outDir = DIST) {
  fs.mkdirSync(outDir, { recursive: true });
  const files = {
    "socket.io.js": classicScript(),
    "socket.io.min.js": await minify(classicScript(), false),
    "socket.io.esm.min.js": await minify(esModule(), true),
    "socket.io.msgpack.min.js": await minify(classicScript(MSGPACK_FILES, MSGPACK_BANNER), false),
  };
  for (const [name, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(outDir, name), text);
  }
  return Object.keys(files);
}

module.exports = { FILES, MSGPACK_FILES, build, load };

if (require.main === module) {
  build(process.argv[2] ? path.resolve(process.argv[2]) : DIST).then(
    (names) => console.log(`built ${names.join(", ")}`),
    (err) => {
      console.error(err);
      process.exit(1);
    }
  );
}
