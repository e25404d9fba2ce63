#!/usr/bin/env node
// Builds js/dist from js/src: the sources are concatenated in dependency order into one scope,
// then wrapped as a classic script (global `io`) and as an ES module, and minified with terser.
// `node js/build.js [outDir]`; the output depends only on the sources and the terser version.
// Each bundle comes with its source map (`<name>.map`, named by a `sourceMappingURL` comment),
// and a build into js/dist is copied into crates/sockeye/client, which the server embeds.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const SRC = path.join(__dirname, "src");
const DIST = path.join(__dirname, "dist");
// The server crate embeds its own copy, so that it can be packaged without this folder.
const CRATE_COPY = path.join(__dirname, "..", "crates", "sockeye", "client");

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
  return bodyLines(files).text;
}

/** The concatenated sources, and for each line of it the source line it came from: `[file
 *  index, line]`, or null for the lines the build adds. */
function bodyLines(files = FILES) {
  const origins = [];
  const texts = files.map((f, index) => {
    const raw = `// ---- ${f}\n` + fs.readFileSync(path.join(SRC, f), "utf8");
    const text = raw.trim();
    const skipped = raw.slice(0, raw.length - raw.trimStart().length).split("\n").length - 1;
    if (index > 0) origins.push(null); // the blank line between two files
    text.split("\n").forEach((_, i) => origins.push(i + skipped === 0 ? null : [index, i + skipped - 1]));
    return text;
  });
  return { text: texts.join("\n\n") + "\n", origins };
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

// ---- source maps (version 3): every generated line that comes from js/src maps to the
// start of its source line.
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function vlq(n) {
  let v = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = "";
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += B64[digit];
  } while (v > 0);
  return out;
}

/** The map of a bundle whose first `before` lines are the build's own, then the body. */
function sourceMap(name, before, files = FILES) {
  const { origins } = bodyLines(files);
  let last = [0, 0];
  const lines = Array(before).fill("");
  for (const origin of origins) {
    if (!origin) {
      lines.push("");
      continue;
    }
    lines.push(vlq(0) + vlq(origin[0] - last[0]) + vlq(origin[1] - last[1]) + vlq(0));
    last = origin;
  }
  return {
    version: 3,
    file: name,
    sources: files.map((f) => `sockeye-client/${f}`),
    sourcesContent: files.map((f) => fs.readFileSync(path.join(SRC, f), "utf8")),
    names: [],
    mappings: lines.join(";"),
  };
}

function withMapUrl(code, name) {
  return `${code}//# sourceMappingURL=${name}.map\n`;
}

/**
 * Evaluates the sources in Node and returns the named top-level declarations (for tests);
 * `{ msgpack: true }` loads the msgpack bundle's sources.
 */
function load(names, { msgpack = false } = {}) {
  const files = msgpack ? MSGPACK_FILES : FILES;
  return new Function(`"use strict";\n${body(files)}\nreturn { ${names.join(", ")} };`)();
}

/** Minifies `source`, whose map to js/src is `inputMap`; the result maps to js/src too. */
async function minify(name, source, inputMap, module) {
  const { minify } = require(path.join(__dirname, "..", "interop", "node_modules", "terser"));
  const out = await minify(
    { [inputMap.file]: source },
    {
      module,
      ecma: 2020,
      compress: { passes: 2 },
      mangle: true,
      format: { comments: /^!/ },
      sourceMap: { filename: name, url: `${name}.map`, content: inputMap, includeSources: true },
    }
  );
  return { code: out.code + "\n", map: out.map + "\n" };
}

async function build(outDir = DIST, copyDir = outDir === DIST ? CRATE_COPY : null) {
  const classic = classicScript();
  // The classic script adds 4 lines before the body, the module 1 (the banner).
  const classicMap = sourceMap("socket.io.js", 4);
  const min = await minify("socket.io.min.js", classic, classicMap, false);
  const esm = await minify("socket.io.esm.min.js", esModule(), sourceMap("socket.io.esm.js", 1), true);
  const msgpackMap = sourceMap("socket.io.msgpack.js", 4, MSGPACK_FILES);
  const msgpack = await minify(
    "socket.io.msgpack.min.js",
    classicScript(MSGPACK_FILES, MSGPACK_BANNER),
    msgpackMap,
    false
  );
  const files = {
    "socket.io.js": withMapUrl(classic, "socket.io.js"),
    "socket.io.js.map": JSON.stringify(classicMap) + "\n",
    "socket.io.min.js": min.code,
    "socket.io.min.js.map": min.map,
    "socket.io.esm.min.js": esm.code,
    "socket.io.esm.min.js.map": esm.map,
    "socket.io.msgpack.min.js": msgpack.code,
    "socket.io.msgpack.min.js.map": msgpack.map,
  };
  for (const dir of [outDir, copyDir].filter(Boolean)) {
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, name), text);
    }
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
