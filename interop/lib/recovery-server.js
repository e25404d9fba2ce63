// The reference server with connection state recovery, for the recovery tests of both our
// clients (crates/sockeye-client/tests/recovery_through_cut_connections.rs and
// interop/browser/client-recovery.test.js): socket.io 4.8 with `connectionStateRecovery: {}`
// on PORT (0 picks a free port), printing its URL once it listens. Each socket numbers what
// it is sent in socket.data, which a recovered session keeps, so that a client can check
// that every message arrives once and in order.
"use strict";
const path = require("node:path");
const { createServer } = require("node:http");
const { Server } = require(path.join(__dirname, "..", "node_modules", "socket.io"));

const httpServer = createServer();
const io = new Server(httpServer, { connectionStateRecovery: {} });
// Messages sent while the client is away, from the server's "disconnect" handler: by then
// the session is saved and the socket has left its rooms, so they can only come by replay.
const GAP = 2;

// Message `n` to the socket's room and, directly, to the socket by id.
function send(socket, count) {
  for (let i = 0; i < count; i++) {
    const n = socket.data.next++;
    io.to(socket.data.room).emit("room", n);
    io.to(socket.id).emit("direct", n);
  }
}

io.on("connection", (socket) => {
  socket.on("join", (room, cb) => {
    socket.join(room);
    socket.data.room = room;
    socket.data.next = 0;
    cb(socket.id);
  });
  socket.on("burst", (count, cb) => {
    send(socket, count);
    cb();
  });
  // Events of every shape, each with the offset appended by the server.
  socket.on("shapes", (...args) => {
    const cb = args.pop();
    io.to(socket.id).emit("none");
    io.to(socket.id).emit("null", null);
    io.to(socket.id).emit("empty", "");
    io.to(socket.id).emit("pair", 1, "two");
    io.to(socket.id).emit("done");
    cb();
  });
  socket.on("whoami", (...args) => {
    const cb = args.pop();
    cb({ id: socket.id, recovered: socket.recovered, auth: socket.handshake.auth });
  });
  socket.on("disconnect", () => {
    if (socket.data.room !== undefined) send(socket, GAP);
  });
});

httpServer.listen(Number(process.env.PORT || 0), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${httpServer.address().port}`);
});
process.on("SIGTERM", () => process.exit(0));
