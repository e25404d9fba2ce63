// Chat page. Every text from the network is inserted with textContent, never as HTML.
// `?transports=websocket` (or `polling`, or a comma list) pins the transports; without it the
// client's defaults apply.
(function () {
  "use strict";

  const TYPING_IDLE_MS = 2000;
  const $ = (id) => document.getElementById(id);

  const params = new URLSearchParams(location.search);
  const opts = {};
  if (params.get("transports")) opts.transports = params.get("transports").split(",");
  const socket = io(opts);
  // Exposed for tests and for poking at from the console.
  window.chatSocket = socket;

  let username = null;
  let typing = false;
  let typingTimer = null;
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
      socket.emit("stop-typing");
    }
  }

  $("login").addEventListener("submit", (e) => {
    e.preventDefault();
    const name = $("username").value.trim();
    if (!name) {
      $("login-error").hidden = false;
      $("username").focus();
      return;
    }
    username = name;
    $("login").hidden = true;
    $("chat").hidden = false;
    socket.emit("user-join", username);
    $("message-input").focus();
  });

  $("message-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("message-input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    stopTyping();
    socket.emit("chat-message", { text }, (res) => {
      if (res && res.error) addMessage([[null, "Not sent: " + res.error]], "system");
    });
  });

  $("message-input").addEventListener("input", () => {
    if (!typing) {
      typing = true;
      socket.emit("typing");
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  });

  socket.on("connect", () => {
    $("status").textContent = "connected";
    // The server forgets us when the connection drops: join again after a reconnection.
    if (username) socket.emit("user-join", username);
  });

  socket.on("disconnect", () => {
    $("status").textContent = "reconnecting";
    typers.clear();
    renderTyping();
  });

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
