// The reference server for the Rust client's interop tests (crates/sockeye-client/tests):
// socket.io 4.8 on PORT (0 picks a free port), printing its URL once it listens. The same
// handlers are installed on "/" and "/admin"; sockeye's in-process twin is in the tests.
"use strict";
const path = require("node:path");
const { createServer } = require("node:http");
const { Server } = require(path.join(__dirname, "..", "node_modules", "socket.io"));

const httpServer = createServer();
const io = new Server(httpServer, {
  // PARSER=msgpack: the msgpack parser, as a server for sockeye-client's `Parser::Msgpack`.
  ...(process.env.PARSER === "msgpack"
    ? { parser: require(path.join(__dirname, "..", "node_modules", "socket.io-msgpack-parser")) }
    : {}),
  pingInterval: Number(process.env.PING_INTERVAL || 25000),
  pingTimeout: Number(process.env.PING_TIMEOUT || 20000),
});

function install(nsp) {
  nsp.use((socket, next) => {
    if (socket.handshake.auth && socket.handshake.auth.token === "bad") {
      const err = new Error("not authorized");
      err.data = { code: 7 };
      return next(err);
    }
    next();
  });
  nsp.on("connection", (socket) => {
    // Answers with the arguments, or emits them back as "echo" when no ack was asked.
    socket.on("echo", (...args) => {
      const last = args[args.length - 1];
      if (typeof last === "function") {
        args.pop();
        last(...args);
      } else {
        socket.emit("echo", ...args);
      }
    });
    // Asks the client (with an ack) and hands its answer back.
    socket.on("ask", async (data, cb) => {
      try {
        const answer = await socket.timeout(2000).emitWithAck("question", data);
        cb({ answer });
      } catch (e) {
        cb({ error: e.message });
      }
    });
    socket.on("ignore", () => {});
    // Acknowledges every second try only: exercises the client's retries.
    let flaky = 0;
    socket.on("flaky", (cb) => {
      flaky += 1;
      if (flaky % 2 === 0) cb(flaky);
    });
    socket.on("whoami", (cb) => cb({ engine: socket.conn.id, transport: socket.conn.transport.name, auth: socket.handshake.auth }));
    socket.on("kick", () => socket.disconnect());
  });
}
install(io.of("/"));
install(io.of("/admin"));

httpServer.listen(Number(process.env.PORT || 0), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${httpServer.address().port}`);
});
process.on("SIGTERM", () => process.exit(0));
