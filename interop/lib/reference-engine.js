// The official engine.io server with the conformance server's mounts and settings, so that
// the interop tests can be pointed at the reference (SOCKEYE_REFERENCE=1) to check that they
// assert the reference's behaviour. Prints its URL like the conformance server.
"use strict";
const http = require("node:http");
const { Server } = require("engine.io");

const options = { pingInterval: 300, pingTimeout: 200, maxHttpBufferSize: 1e6, cors: { origin: "*" } };
const httpServer = http.createServer((req, res) => {
  res.writeHead(404).end("not found");
});

function mount(path, commands) {
  const engine = new Server(options);
  engine.attach(httpServer, { path });
  engine.on("connection", (socket) => {
    socket.on("message", (data) => {
      if (commands && data === "close") socket.close();
      else socket.send(data);
    });
  });
}
mount("/engine.io", false);
mount("/engine-test", true);

httpServer.listen(Number(process.env.PORT || 0), () => {
  console.log(`reference engine.io listening on http://localhost:${httpServer.address().port}`);
});
