// The served browser bundles and their source maps, next to socket.io 4.8 serving its own:
// every bundle names `<name>.map`, which both servers serve as JSON, a query string
// included.
"use strict";
const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const http = require("node:http");
const { Server } = require("socket.io");
const { useServer } = require("../lib/sio");

const url = useServer();
let reference;
let referenceUrl;

before(async () => {
  const server = http.createServer();
  reference = new Server(server);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  referenceUrl = `http://localhost:${server.address().port}`;
});
after(() => reference.close());

async function get(base, file) {
  const res = await fetch(`${base}/socket.io/${file}`);
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

describe("client bundles and source maps", () => {
  for (const name of ["socket.io.js", "socket.io.min.js", "socket.io.esm.min.js"]) {
    it(`${name} names its map, served as JSON as the reference serves it`, async () => {
      const [ours, theirs] = await Promise.all([get(url(), name), get(referenceUrl, name)]);
      const mapUrl = (body) => /\/\/# sourceMappingURL=(\S+)\s*$/.exec(body)?.[1];
      assert.equal(mapUrl(ours.body), `${name}.map`);
      assert.equal(mapUrl(ours.body), mapUrl(theirs.body));

      const [oursMap, theirsMap] = await Promise.all([
        get(url(), `${name}.map?v=1`),
        get(referenceUrl, `${name}.map?v=1`),
      ]);
      assert.equal(oursMap.status, 200);
      assert.equal(oursMap.status, theirsMap.status);
      assert.equal(oursMap.type, theirsMap.type);
      const [a, b] = [JSON.parse(oursMap.body), JSON.parse(theirsMap.body)];
      assert.equal(a.version, b.version);
      assert.equal(a.file, name);
      assert.ok(a.sources.length > 0 && a.mappings.length > 0);
    });
  }

  it("a map of no bundle is not served", async () => {
    const res = await get(url(), "socket.io.nothing.js.map");
    assert.notEqual(res.status, 200);
  });
});
