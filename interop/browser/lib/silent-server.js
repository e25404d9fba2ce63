// A fake Socket.IO server over HTTP long-polling that completes the handshake and the CONNECT,
// then never pings: the client must give up on its own with "ping timeout" after
// pingInterval + pingTimeout. It also serves a blank page and our client bundle, so the page
// is same-origin.
"use strict";
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");

const BUNDLE = path.join(__dirname, "..", "..", "..", "js", "dist", "socket.io.js");

function startSilentServer({ pingInterval = 100, pingTimeout = 100 } = {}) {
  const held = new Set();
  // The CONNECT reply goes out on a poll; the client's POST of CONNECT and its poll may arrive
  // in either order.
  let connectPosted = false;
  let waitingPoll = null;
  let connectAnswered = false;
  const answerConnect = () => {
    if (connectAnswered || !connectPosted || !waitingPoll) return;
    connectAnswered = true;
    waitingPoll.writeHead(200, { "Content-Type": "text/plain" }).end('40{"sid":"nsp-silent"}');
    waitingPoll = null;
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    if (url.pathname === "/") {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end('<!doctype html><link rel="icon" href="data:,"><title>silent</title>');
      return;
    }
    if (url.pathname === "/socket.io/socket.io.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" }).end(fs.readFileSync(BUNDLE));
      return;
    }
    if (url.pathname !== "/socket.io/" || url.searchParams.get("transport") !== "polling") {
      res.writeHead(400).end();
      return;
    }
    const sid = url.searchParams.get("sid");
    if (!sid) {
      const open = { sid: "silent", upgrades: [], pingInterval, pingTimeout, maxPayload: 1e6 };
      res.writeHead(200, { "Content-Type": "text/plain" }).end("0" + JSON.stringify(open));
      return;
    }
    if (req.method === "POST") {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        res.writeHead(200).end("ok");
        if (body.startsWith("40")) {
          connectPosted = true;
          answerConnect();
        }
      });
      return;
    }
    // GET: the first one carries the CONNECT reply, later ones are held until the client leaves.
    if (!connectAnswered && !waitingPoll) {
      waitingPoll = res;
      answerConnect();
      return;
    }
    held.add(res);
    res.on("close", () => held.delete(res));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () =>
          new Promise((r) => {
            for (const res of held) res.destroy();
            server.closeAllConnections();
            server.close(r);
          }),
      });
    });
  });
}

module.exports = { startSilentServer };
