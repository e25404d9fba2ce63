// The official Admin UI (@socket.io/admin-ui's ui/dist, from npm) served for the browser tests,
// and the scenario they run on it: log in, read what the page shows, act on a socket from the
// page, and check that the chat's own client sees it.
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");
const { io: connect } = require("socket.io-client");

const UI_DIST = path.dirname(require.resolve("@socket.io/admin-ui/ui/dist/index.html"));

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** Serves ui/dist on a free port; resolves to { url, origin, close() }. */
function serveUi() {
  const server = http.createServer((req, res) => {
    const rel = new URL(req.url, "http://x").pathname.slice(1) || "index.html";
    const file = path.resolve(UI_DIST, decodeURIComponent(rel));
    if (!file.startsWith(UI_DIST + path.sep)) return res.writeHead(403).end();
    fs.readFile(file, (err, body) => {
      if (err) return res.writeHead(404).end();
      res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] || "application/octet-stream" });
      res.end(body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const origin = `http://127.0.0.1:${server.address().port}`;
      resolve({ url: `${origin}/`, origin, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

/** Where a test's screenshots go (not committed): SOCKEYE_TEST_OUTPUT, else the temp folder. */
function outputDir(name) {
  const base = process.env.SOCKEYE_TEST_OUTPUT || path.join(os.tmpdir(), "sockeye-test-output");
  const dir = path.join(base, "admin-ui", name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** A page on the UI whose requests to anything but the UI and `allowed` are refused (its fonts
 *  and icons come from CDNs that a closed network does not reach). */
async function openUi(browser, ui, allowed) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(err));
  await page.route("**/*", (route) => {
    const url = route.request().url();
    const ok = [ui.origin, ...allowed].some((o) => url.startsWith(o));
    return ok ? route.continue() : route.abort();
  });
  await page.goto(ui.url, { waitUntil: "domcontentloaded" });
  return { context, page, errors };
}

/** Fills the connection form and submits it. */
async function login(page, serverUrl, username, password) {
  await page.getByLabel("Server URL").fill(serverUrl);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Connect" }).click();
}

function once(socket, event) {
  return new Promise((resolve) => socket.once(event, (...args) => resolve(args)));
}

/** A chat user: the official client joining the chat as `name`. */
async function chatUser(serverUrl, name) {
  const socket = connect(serverUrl, { transports: ["websocket"], forceNew: true });
  await once(socket, "connect");
  const answer = await socket.timeout(5000).emitWithAck("user-join", name);
  assert.equal(answer.status, "ok", JSON.stringify(answer));
  return socket;
}

/**
 * The scenario, on the UI served by `ui`, for a chat server at `serverUrl` with the Admin UI
 * on /admin (user admin, `password`): the page must list `serverIds`, and the sockets whose
 * ids the functions of `sockets` give besides the scenario's own user.
 */
async function adminScenario(browser, ui, { serverUrl, password, name, serverIds, sockets = [] }) {
  const shots = outputDir(name);
  let n = 0;
  const shot = (page, what) =>
    page.screenshot({ path: path.join(shots, `${String(++n).padStart(2, "0")}-${what}.png`) });
  const user = await chatUser(serverUrl, "ann");
  const userId = user.id; // the client forgets it once disconnected
  const watcher = connect(serverUrl, { transports: ["websocket"], forceNew: true });
  await once(watcher, "connect");
  const { context, page, errors } = await openUi(browser, ui, [serverUrl]);
  try {
    // A wrong password: the form stays, with the UI's message for the server's refusal.
    await login(page, serverUrl, "admin", "not-the-password");
    await page.getByText("Invalid credentials").waitFor();
    await shot(page, "wrong-password");

    await login(page, serverUrl, "admin", password);
    await page.getByRole("dialog").waitFor({ state: "hidden" });

    // The servers, from their server_stats.
    await page.goto(`${ui.url}#/servers/`);
    for (const id of serverIds) await page.getByRole("cell", { name: id, exact: true }).first().waitFor();
    await shot(page, "servers");

    // The sockets of the main namespace, with their transport.
    await page.goto(`${ui.url}#/sockets/`);
    await page.getByRole("row").filter({ hasText: userId }).waitFor();
    // The transport of a socket whose data the chat did not replace: the reference keeps its
    // transport in `socket.data._admin`, which the chat's `socket.data = member` drops, so
    // its page shows no transport for a joined user (sockeye's shows it).
    await page.getByRole("row").filter({ hasText: watcher.id }).getByText("WebSocket").waitFor();
    for (const other of sockets) await page.getByRole("row").filter({ hasText: other() }).waitFor();
    await shot(page, "sockets");

    // The socket's details: its data (the chat keeps the user name there) and rooms.
    await page.goto(`${ui.url}#/n/%2F/sockets/${userId}`);
    await page.getByText('"username": "ann"').first().waitFor();
    await page.getByRole("cell", { name: userId, exact: true }).first().waitFor();
    await shot(page, "socket");

    // Join the socket to a room from the page; an emit to that room reaches the chat user.
    await page.getByLabel("Join a room").fill("vip");
    await page
      .locator("form")
      .filter({ has: page.getByLabel("Join a room") })
      .locator("button[type=submit]")
      .click();
    await page.getByRole("cell", { name: "vip", exact: true }).waitFor();
    await shot(page, "joined");
    // The UI 0.5.1 has no emit form: its protocol's `emit` command, as the page would send it.
    const admin = connect(`${serverUrl}/admin`, {
      transports: ["websocket"],
      forceNew: true,
      auth: { username: "admin", password },
    });
    await once(admin, "connect");
    const news = once(user, "news");
    admin.emit("emit", "/", "vip", "news", "for vip only");
    // (With connection state recovery on, as in sockeye's chat, the offset follows.)
    assert.equal((await news)[0], "for vip only");
    admin.close();

    // Live events: what the chat user sends shows on the events page.
    await page.goto(`${ui.url}#/events/`);
    user.emit("chat-message", "hello admin");
    await page.getByText("chat-message").first().waitFor();
    await shot(page, "events");

    // Disconnect the socket from the page: the chat user is told by the server.
    await page.goto(`${ui.url}#/sockets/`);
    const gone = once(user, "disconnect");
    await page.getByRole("row").filter({ hasText: userId }).getByRole("button").click();
    assert.equal((await gone)[0], "io server disconnect");
    // (The click reaches the row too, which opens the socket's page: back to the list.)
    await page.goto(`${ui.url}#/sockets/`);
    await page.getByRole("row").filter({ hasText: watcher.id }).waitFor();
    await page.getByRole("row").filter({ hasText: userId }).waitFor({ state: "detached" });
    await shot(page, "disconnected");
    assert.deepEqual(errors.map(String), []);
  } catch (err) {
    await shot(page, "failure").catch(() => {});
    err.message += `\n(screenshots in ${shots})`;
    throw err;
  } finally {
    user.close();
    watcher.close();
    await context.close();
  }
}

module.exports = { adminScenario, serveUi, outputDir, chatUser };
