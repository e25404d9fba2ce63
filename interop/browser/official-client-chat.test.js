// The official socket.io-client (Node, from npm) running the chat protocol against sockeye's
// chat server; the same scenario against the Node reference server checks the scenario itself.
"use strict";
const { after, before, describe, test } = require("node:test");
const { startNodeChat, sockeyeChatForTests } = require("./lib/servers.js");
const { officialClientChat } = require("./lib/official-client-scenario.js");

const SERVERS = [
  ["the Node reference chat server", async () => ({ server: await startNodeChat() })],
  ["sockeye's chat server", sockeyeChatForTests],
];

for (const [name, startServer] of SERVERS) {
  describe(`official socket.io-client on ${name}`, () => {
    let server;
    let skipReason = null;
    before(async () => {
      const started = await startServer();
      server = started.server;
      skipReason = started.skip || null;
    });
    after(async () => {
      if (server) await server.stop();
    });

    const cases = [
      ["polling + upgrade", ["polling", "websocket"]],
      ["websocket only", ["websocket"]],
      ["polling only", ["polling"]],
    ];
    for (const [label, transports] of cases) {
      test(`join, message with ack, typing, leave (${label})`, async (t) => {
        if (skipReason) return t.skip(skipReason);
        await officialClientChat(server.url, { transports });
      });
    }
  });
}
