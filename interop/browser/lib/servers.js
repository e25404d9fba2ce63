// The chat servers the browser tests run against: the Node reference (socket.io from npm,
// serving either client bundle) and sockeye's chat example.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { binary, start } = require("../../lib/server.js");

const NODE_CHAT_SERVER = path.join(__dirname, "..", "node-chat-server.js");
const SOCKEYE_CHAT = binary("sockeye-chat");

/** The Node reference chat server; `ourClient` serves js/dist instead of the official bundle. */
function startNodeChat({ ourClient = true, port = 0, env = {} } = {}) {
  return start(process.execPath, [NODE_CHAT_SERVER], {
    env: { PORT: String(port), SOCKEYE_CLIENT: ourClient ? "1" : "0", ...env },
  });
}

function startSockeyeChat({ port = 0 } = {}) {
  return start(SOCKEYE_CHAT, [], { env: { PORT: String(port) } });
}

/** Skip message when sockeye's chat binary has not been built, else false. */
function sockeyeChatMissing() {
  return fs.existsSync(SOCKEYE_CHAT)
    ? false
    : `${SOCKEYE_CHAT} not built (cargo build --release --bin sockeye-chat)`;
}

/**
 * Starts sockeye's chat server for a test file. Resolves to { server } or, when there is
 * nothing to test yet (binary not built, or still the placeholder that exits at once without
 * listening), to { skip: reason }. Any other failure to start rejects.
 */
async function sockeyeChatForTests() {
  const missing = sockeyeChatMissing();
  if (missing) return { skip: missing };
  try {
    return { server: await startSockeyeChat() };
  } catch (err) {
    if (/exited with 0 before listening/.test(err.message)) {
      return { skip: `${SOCKEYE_CHAT} exits without listening (not implemented yet)` };
    }
    throw err;
  }
}

module.exports = {
  startNodeChat,
  startSockeyeChat,
  sockeyeChatMissing,
  sockeyeChatForTests,
  SOCKEYE_CHAT,
};
