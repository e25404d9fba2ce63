// Chat page. Every text from the network is inserted with textContent, never as HTML.
// `?transports=websocket` (or `polling`, or a comma list) pins the transports; without it the
// client's defaults apply.
//
// Joining and sending survive reconnections: the page joins again on every connection, and
// messages wait in an outbox until the server acknowledges them. They are sent only once this
// connection has joined, so the server never sees a message from a page it does not know.
(function () {
  "use strict";

  const TYPING_IDLE_MS = 2000;
  const BACK_ONLINE_MS = 4000;
  const $ = (id) => document.getElementById(id);

  // Identifies this tab across reconnections, so that it can take its name back from its own
  // previous connection when the server has not noticed yet that it is gone.
  function tabKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  const params = new URLSearchParams(location.search);
  const opts = { auth: { key: tabKey() } };
  if (params.get("transports")) opts.transports = params.get("transports").split(",");
  const socket = io(opts);
  // Exposed for tests and for poking at from the console.
  window.chatSocket = socket;

  // The name the user asked for (null until the login form is sent), and whether the server
  // has accepted it: ever (the chat is shown) and on the current connection.
  let wanted = null;
  let username = null;
  let joined = false;
  let joining = false;
  // Bumped at every connect and disconnect: answers from an earlier connection are stale.
  let connection = 0;
  // Messages the server has not acknowledged yet: { text, li, sending }.
  const outbox = [];
  let typing = false;
  let typingTimer = null;
  let backOnlineTimer = null;
  const typers = new Set();

  function addMessage(parts, className) {
    const li = document.createElement("li");
    if (className) li.className = className;
    for (const [cls, text] of parts) {
      const span = document.createElement("span");
      if (cls) span.className = cls;
      span.textContent = text;
      li.appendChild(span);
    }
    const list = $("messages");
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
    return li;
  }

  function time(ts) {
    const d = new Date(ts || Date.now());
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function renderTyping() {
    const names = [...typers];
    const verb = names.length > 1 ? " are typing..." : " is typing...";
    $("typing").textContent = names.length ? names.join(", ") + verb : "";
  }

  function stopTyping() {
    clearTimeout(typingTimer);
    if (typing) {
      typing = false;
      if (joined) socket.emit("stop-typing");
    }
  }

  function showLoginError(text) {
    $("login-error").textContent = text;
    $("login-error").hidden = !text;
  }

  // ----- connection state on the page ------------------------------------------------

  function showOffline() {
    clearTimeout(backOnlineTimer);
    $("status").textContent = "reconnecting";
    $("connection").textContent = "Connection lost. Reconnecting…";
    $("connection").className = "banner offline";
    $("connection").hidden = false;
    // The list is what the server said before the connection dropped: say so.
    $("online").classList.add("stale");
    $("online-stale").hidden = false;
  }

  function showOnline(wasOffline) {
    $("status").textContent = "connected";
    $("online").classList.remove("stale");
    $("online-stale").hidden = true;
    if (!wasOffline) return;
    // With connection state recovery the server kept our place and replayed what we missed.
    $("connection").textContent = socket.recovered
      ? "Reconnected. Nothing was missed."
      : "Reconnected.";
    $("connection").className = "banner online";
    $("connection").hidden = false;
    clearTimeout(backOnlineTimer);
    backOnlineTimer = setTimeout(() => {
      $("connection").hidden = true;
    }, BACK_ONLINE_MS);
  }

  // ----- joining ---------------------------------------------------------------------

  function requestJoin() {
    if (!wanted || joined || joining || !socket.connected) return;
    joining = true;
    const asked = wanted;
    const mine = connection;
    socket.emit("user-join", asked, (res) => {
      if (mine !== connection) return;
      joining = false;
      if (res && res.status === "ok") {
        const wasOffline = username !== null;
        username = asked;
        joined = true;
        showLoginError("");
        $("join").disabled = false;
        $("login").hidden = true;
        $("chat").hidden = false;
        showOnline(wasOffline);
        if (!wasOffline) $("message-input").focus();
        flushOutbox();
        return;
      }
      // Refused: back to the login form; the outbox waits for the next name.
      const error = (res && res.error) || "The server refused the name.";
      wanted = null;
      $("join").disabled = false;
      $("chat").hidden = true;
      $("login").hidden = false;
      showLoginError(error);
      $("username").focus();
      $("username").select();
    });
  }

  $("login").addEventListener("submit", (e) => {
    e.preventDefault();
    if (wanted) return;
    const name = $("username").value.trim();
    if (!name) {
      showLoginError("Please enter a name.");
      $("username").focus();
      return;
    }
    wanted = name;
    $("join").disabled = true;
    showLoginError(socket.connected ? "" : "Connecting to the server…");
    requestJoin();
  });

  // ----- sending ---------------------------------------------------------------------

  function flushOutbox() {
    if (!joined) return;
    for (const entry of outbox) {
      if (entry.sending) continue;
      entry.sending = true;
      const mine = connection;
      socket.emit("chat-message", { text: entry.text, cid: entry.cid }, (res) => {
        if (res && res.status === "ok") {
          // The server's broadcast has already shown the message.
          const i = outbox.indexOf(entry);
          if (i >= 0) outbox.splice(i, 1);
          entry.li.remove();
          return;
        }
        // An answer from a connection that has since dropped: the entry goes out again.
        if (mine !== connection) return;
        // Refused: it stays on the page, marked, with its text.
        const i = outbox.indexOf(entry);
        if (i >= 0) outbox.splice(i, 1);
        entry.li.className = "system";
        entry.li.textContent = "Not sent: " + ((res && res.error) || "no answer") + ": " + entry.text;
      });
    }
  }

  $("message-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("message-input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    stopTyping();
    const li = addMessage([["user", username], ["text", text], ["time", "sending…"]], "pending");
    // `cid` lets the server recognise this message if it has to go out again.
    outbox.push({ text, li, sending: false, cid: tabKey().slice(0, 16) });
    flushOutbox();
  });

  $("message-input").addEventListener("input", () => {
    if (!typing && joined) {
      typing = true;
      socket.emit("typing");
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  });

  // ----- events from the server ------------------------------------------------------

  socket.on("connect", () => {
    connection += 1;
    joined = false;
    joining = false;
    $("status").textContent = username ? "joining" : "connected";
    if (wanted && !username) showLoginError("");
    // The server forgets us when the connection drops: join again before sending anything.
    requestJoin();
  });

  socket.on("disconnect", () => {
    connection += 1;
    joined = false;
    joining = false;
    typing = false;
    // What was in flight may not have arrived: it goes out again after the next join.
    for (const entry of outbox) entry.sending = false;
    showOffline();
    if (wanted && !username) showLoginError("Connection lost. Reconnecting…");
    typers.clear();
    renderTyping();
  });

  // Leaving the page is leaving the chat: say so, rather than look like a dropped connection
  // that the server would keep a place for.
  addEventListener("pagehide", () => socket.disconnect());

  socket.on("user-list", (users) => {
    $("online-count").textContent = String(users.length);
    const list = $("users");
    list.textContent = "";
    for (const u of users) {
      const li = document.createElement("li");
      li.textContent = u.username;
      list.appendChild(li);
    }
  });

  socket.on("system-message", (msg) => {
    addMessage([[null, msg.text], ["time", time(msg.timestamp)]], "system");
  });

  socket.on("chat-message", (msg) => {
    addMessage([["user", msg.user], ["text", msg.text], ["time", time(msg.timestamp)]]);
  });

  socket.on("user-typing", (name) => {
    typers.add(name);
    renderTyping();
  });

  socket.on("user-stopped-typing", (name) => {
    typers.delete(name);
    renderTyping();
  });
})();
