/*! sockeye browser client: Socket.IO protocol 5 over Engine.IO protocol 4 */
var io = (function () {
  "use strict";

  // ---- emitter.js
  // Event emitter under every layer of the client. Listeners run in registration order, and a
  // listener removed while an event is dispatched still sees that event (the list is copied).
  class Emitter {
    on(event, fn) {
      const all = this._listeners || (this._listeners = Object.create(null));
      (all[event] || (all[event] = [])).push(fn);
      return this;
    }

    once(event, fn) {
      const wrapper = (...args) => {
        this.off(event, wrapper);
        fn.apply(this, args);
      };
      wrapper.fn = fn;
      return this.on(event, wrapper);
    }

    off(event, fn) {
      const all = this._listeners;
      if (!all) return this;
      if (event === undefined) {
        this._listeners = Object.create(null);
        return this;
      }
      const list = all[event];
      if (!list) return this;
      if (fn === undefined) {
        delete all[event];
        return this;
      }
      const i = list.findIndex((l) => l === fn || l.fn === fn);
      if (i >= 0) list.splice(i, 1);
      if (!list.length) delete all[event];
      return this;
    }

    // Kept separate from `emit` because Socket#emit sends to the server instead.
    emitReserved(event, ...args) {
      const list = this._listeners && this._listeners[event];
      if (list) for (const fn of list.slice()) fn.apply(this, args);
      return this;
    }

    emit(event, ...args) {
      return this.emitReserved(event, ...args);
    }

    listeners(event) {
      return (this._listeners && this._listeners[event]) || [];
    }

    hasListeners(event) {
      return this.listeners(event).length > 0;
    }
  }

  {
    const p = Emitter.prototype;
    p.addEventListener = p.on;
    p.removeListener = p.removeEventListener = p.removeAllListeners = p.off;
  }

  // Runs `fn` after the current task's synchronous work, like the reference's nextTick.
  const nextTick = (fn) => Promise.resolve().then(fn);

  // Subscribes and returns the matching unsubscribe function.
  function subscribe(emitter, event, fn) {
    emitter.on(event, fn);
    return () => emitter.off(event, fn);
  }

  // ---- url.js
  // Resolves what `io(uri)` was given against the page's location: the engine's endpoint, the
  // namespace, and the key under which connections to the same endpoint are shared.
  function parseUrl(uri, path) {
    const loc = typeof location !== "undefined" ? location : null;
    if (uri == null) uri = loc.protocol + "//" + loc.host;
    if (uri.charAt(0) === "/") {
      uri = uri.charAt(1) === "/" ? loc.protocol + uri : loc.host + uri;
    }
    if (!/^(https?|wss?):\/\//.test(uri)) {
      uri = (loc ? loc.protocol + "//" : "https://") + uri;
    }
    const u = new URL(uri);
    const protocol = u.protocol.slice(0, -1);
    const secure = protocol === "https" || protocol === "wss";
    const host = u.hostname.replace(/^\[|\]$/g, "");
    const port = u.port || (secure ? "443" : "80");
    const bracketed = host.indexOf(":") >= 0 ? "[" + host + "]" : host;
    const query = {};
    u.searchParams.forEach((v, k) => (query[k] = v));
    return {
      source: uri,
      protocol,
      secure,
      host,
      port,
      nsp: u.pathname || "/",
      query: u.search.length > 1 ? query : null,
      id: protocol + "://" + bracketed + ":" + port + (path || ""),
    };
  }

  function encodeQuery(obj) {
    const parts = [];
    for (const k in obj) {
      if (Object.prototype.hasOwnProperty.call(obj, k)) {
        parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(obj[k]));
      }
    }
    return parts.join("&");
  }

  function decodeQuery(str) {
    const obj = {};
    new URLSearchParams(str).forEach((v, k) => (obj[k] = v));
    return obj;
  }

  // ---- backoff.js
  // Exponential reconnection delay: min * 2^attempt, capped at max, moved up or down by a random
  // share of itself (the randomization factor) so that clients do not reconnect in lockstep.
  class Backoff {
    constructor(min, max, jitter) {
      this.min = min;
      this.max = max;
      this.jitter = jitter;
      this.attempts = 0;
    }

    duration() {
      let ms = this.min * Math.pow(2, this.attempts++);
      if (this.jitter > 0 && this.jitter <= 1) {
        const r = Math.random();
        const deviation = Math.floor(r * this.jitter * ms);
        ms = Math.floor(r * 10) & 1 ? ms + deviation : ms - deviation;
      }
      return Math.min(ms, this.max) | 0;
    }

    reset() {
      this.attempts = 0;
    }
  }

  // ---- engine-parser.js
  // Engine.IO v4 packets. Text packets are "<type digit><data>". Binary packets travel as frames of
  // their own on WebSocket and as "b<base64>" inside a polling payload, where packets are joined
  // by the record separator 0x1e.
  const EIO_PROTOCOL = 4;
  const EIO_TYPES = ["open", "close", "ping", "pong", "message", "upgrade", "noop"];
  const PAYLOAD_SEPARATOR = "\x1e";

  const isBlob = (x) => typeof Blob !== "undefined" && x instanceof Blob;
  const isBinary = (x) =>
    !!x && (x instanceof ArrayBuffer || ArrayBuffer.isView(x) || isBlob(x));

  function toBytes(data) {
    return data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  function toBase64(data) {
    const bytes = toBytes(data);
    let s = "";
    // Chunked so that String.fromCharCode never gets more arguments than the engine allows.
    for (let i = 0; i < bytes.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(s);
  }

  function fromBase64(str) {
    const s = atob(str);
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return bytes.buffer;
  }

  // `binaryFrames`: whether binary data may stay binary (WebSocket) or must become base64 text.
  // Blobs must have been read into ArrayBuffers first unless they go out as frames.
  function encodeEnginePacket(packet, binaryFrames) {
    const data = packet.data;
    if (isBinary(data)) return binaryFrames ? data : "b" + toBase64(data);
    return EIO_TYPES.indexOf(packet.type) + (data == null ? "" : String(data));
  }

  function decodeEnginePacket(data) {
    if (typeof data !== "string") {
      return { type: "message", data: data };
    }
    if (data.charAt(0) === "b") {
      return { type: "message", data: fromBase64(data.slice(1)) };
    }
    const type = EIO_TYPES[data.charAt(0)];
    if (!type) return { type: "error", data: "parser error" };
    return data.length > 1 ? { type, data: data.slice(1) } : { type };
  }

  function encodePayload(packets) {
    return packets.map((p) => encodeEnginePacket(p, false)).join(PAYLOAD_SEPARATOR);
  }

  function decodePayload(payload) {
    const packets = [];
    for (const piece of payload.split(PAYLOAD_SEPARATOR)) {
      const packet = decodeEnginePacket(piece);
      packets.push(packet);
      if (packet.type === "error") break;
    }
    return packets;
  }

  // Replaces Blob payloads by their bytes, keeping order; synchronous when there is no Blob.
  function readBlobs(packets, done) {
    if (!packets.some((p) => isBlob(p.data))) return done(packets);
    Promise.all(
      packets.map((p) =>
        isBlob(p.data) ? p.data.arrayBuffer().then((data) => ({ ...p, data })) : p
      )
    ).then(done);
  }

  // ---- socket-parser.js
  // Socket.IO v5 packets: "<type>[<attachments>-][<nsp>,][<ack id>][<JSON>]". Binary values are
  // lifted out of the JSON, replaced by {"_placeholder":true,"num":i}, and sent as the packet's
  // attachments right after it.
  const CONNECT = 0;
  const DISCONNECT = 1;
  const EVENT = 2;
  const ACK = 3;
  const CONNECT_ERROR = 4;
  const BINARY_EVENT = 5;
  const BINARY_ACK = 6;

  const RESERVED_EVENTS = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
  ];

  const isPlainObject = (x) => Object.prototype.toString.call(x) === "[object Object]";

  function hasBinary(value, viaToJSON) {
    if (!value || typeof value !== "object") return false;
    if (isBinary(value)) return true;
    if (Array.isArray(value)) return value.some((v) => hasBinary(v));
    if (typeof value.toJSON === "function" && !viaToJSON) {
      return hasBinary(value.toJSON(), true);
    }
    return Object.keys(value).some((k) => hasBinary(value[k]));
  }

  // Copies only the branches that hold binary; everything else is left for JSON.stringify.
  function extractBinary(value, buffers) {
    if (isBinary(value)) {
      buffers.push(value);
      return { _placeholder: true, num: buffers.length - 1 };
    }
    if (!hasBinary(value)) return value;
    if (Array.isArray(value)) return value.map((v) => extractBinary(v, buffers));
    if (typeof value.toJSON === "function") return extractBinary(value.toJSON(), buffers);
    const out = {};
    for (const k of Object.keys(value)) out[k] = extractBinary(value[k], buffers);
    return out;
  }

  function insertBinary(value, buffers) {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = insertBinary(value[i], buffers);
    } else if (value && typeof value === "object") {
      if (value._placeholder === true) {
        const ok = typeof value.num === "number" && value.num >= 0 && value.num < buffers.length;
        if (!ok) throw new Error("illegal attachments");
        return buffers[value.num];
      }
      for (const k of Object.keys(value)) value[k] = insertBinary(value[k], buffers);
    }
    return value;
  }

  function packetHeader(packet, attachments) {
    let s = String(packet.type);
    if (attachments !== undefined) s += attachments + "-";
    if (packet.nsp && packet.nsp !== "/") s += packet.nsp + ",";
    if (packet.id != null) s += packet.id;
    return s;
  }

  // Returns the string to send followed by the attachments, each to be written as its own
  // Engine.IO message.
  function encodeSocketPacket(packet) {
    let type = packet.type;
    if ((type === EVENT || type === ACK) && hasBinary(packet.data)) {
      const buffers = [];
      const data = extractBinary(packet.data, buffers);
      type = type === EVENT ? BINARY_EVENT : BINARY_ACK;
      const head = packetHeader({ ...packet, type }, buffers.length);
      return [head + JSON.stringify(data)].concat(buffers);
    }
    const head = packetHeader(packet);
    return [packet.data === undefined ? head : head + JSON.stringify(packet.data)];
  }

  function isPayloadValid(type, data) {
    switch (type) {
      case CONNECT:
        return isPlainObject(data);
      case DISCONNECT:
        return data === undefined;
      case CONNECT_ERROR:
        return typeof data === "string" || isPlainObject(data);
      case EVENT:
      case BINARY_EVENT:
        return (
          Array.isArray(data) &&
          (typeof data[0] === "number" ||
            (typeof data[0] === "string" && RESERVED_EVENTS.indexOf(data[0]) < 0))
        );
      case ACK:
      case BINARY_ACK:
        return Array.isArray(data);
    }
    return false;
  }

  function decodeSocketString(str) {
    const type = Number(str.charAt(0));
    if (!(type >= CONNECT && type <= BINARY_ACK)) throw new Error("unknown packet type " + type);
    const packet = { type, nsp: "/" };
    let i = 1;
    if (type === BINARY_EVENT || type === BINARY_ACK) {
      const dash = str.indexOf("-", i);
      const n = dash < 0 ? NaN : Number(str.slice(i, dash));
      if (!Number.isInteger(n) || n < 0 || dash === i) throw new Error("illegal attachments");
      packet.attachments = n;
      i = dash + 1;
    }
    if (str.charAt(i) === "/") {
      const comma = str.indexOf(",", i);
      const end = comma < 0 ? str.length : comma;
      packet.nsp = str.slice(i, end);
      i = comma < 0 ? end : end + 1;
    }
    const digits = /^\d+/.exec(str.slice(i));
    if (digits) {
      packet.id = Number(digits[0]);
      i += digits[0].length;
    }
    if (i < str.length) {
      let data;
      try {
        data = JSON.parse(str.slice(i));
      } catch (e) {
        throw new Error("invalid payload");
      }
      if (!isPayloadValid(type, data)) throw new Error("invalid payload");
      packet.data = data;
    }
    return packet;
  }

  // Feeds Engine.IO messages one at a time; `add` returns a packet once it is complete (a binary
  // packet after its last attachment), and throws on anything malformed.
  class Decoder {
    constructor(maxAttachments = 10) {
      this.maxAttachments = maxAttachments;
      this.pending = null;
      this.buffers = [];
    }

    add(data) {
      if (typeof data === "string") {
        if (this.pending) throw new Error("got plaintext data when reconstructing a packet");
        const packet = decodeSocketString(data);
        if (packet.type !== BINARY_EVENT && packet.type !== BINARY_ACK) return packet;
        if (packet.attachments > this.maxAttachments) throw new Error("too many attachments");
        packet.type = packet.type === BINARY_EVENT ? EVENT : ACK;
        if (packet.attachments === 0) return this.finish(packet, []);
        this.pending = packet;
        this.buffers = [];
        return null;
      }
      if (!this.pending) throw new Error("got binary data when not reconstructing a packet");
      this.buffers.push(data);
      if (this.buffers.length < this.pending.attachments) return null;
      const packet = this.pending;
      const buffers = this.buffers;
      this.reset();
      return this.finish(packet, buffers);
    }

    finish(packet, buffers) {
      delete packet.attachments;
      packet.data = insertBinary(packet.data, buffers);
      return packet;
    }

    reset() {
      this.pending = null;
      this.buffers = [];
    }
  }

  // ---- parser-json.js
  // The bundle's packet format: socket.io-parser's JSON (the default bundles).
  const defaultParser = { encode: encodeSocketPacket, Decoder };

  // ---- transport.js
  // What the two transports share: state, the endpoint URL, and how they report to the engine
  // ("open", "packet", "drain", "error", "close").
  class TransportError extends Error {
    constructor(reason, description, context) {
      super(reason);
      this.type = "TransportError";
      this.description = description;
      this.context = context;
    }
  }

  class Transport extends Emitter {
    constructor(opts) {
      super();
      this.opts = opts;
      this.query = opts.query;
      this.writable = false;
      this.readyState = "";
    }

    open() {
      this.readyState = "opening";
      this.doOpen();
      return this;
    }

    close() {
      if (this.readyState === "opening" || this.readyState === "open") {
        this.doClose();
        this.onClose();
      }
      return this;
    }

    send(packets) {
      if (this.readyState === "open") this.write(packets);
    }

    onOpen() {
      this.readyState = "open";
      this.writable = true;
      this.emitReserved("open");
    }

    onPacket(packet) {
      this.emitReserved("packet", packet);
    }

    onError(reason, description, context) {
      this.emitReserved("error", new TransportError(reason, description, context));
    }

    onClose(details) {
      this.readyState = "closed";
      this.emitReserved("close", details);
    }

    uri(scheme) {
      const o = this.opts;
      const host = o.hostname.indexOf(":") >= 0 ? "[" + o.hostname + "]" : o.hostname;
      const defaultPort = o.secure ? 443 : 80;
      const port = o.port && Number(o.port) !== defaultPort ? ":" + o.port : "";
      const query = Object.assign({}, this.query);
      if (o.timestampRequests !== false && (scheme.startsWith("http") || o.timestampRequests)) {
        query[o.timestampParam || "t"] = randomString();
      }
      const qs = encodeQuery(query);
      return scheme + (o.secure ? "s" : "") + "://" + host + port + o.path + (qs ? "?" + qs : "");
    }
  }

  // Cache-buster for polling requests.
  function randomString() {
    return Date.now().toString(36).slice(3) + Math.random().toString(36).slice(2, 5);
  }

  // ---- transport-polling.js
  // HTTP long-polling: one GET outstanding at a time receives payloads, each write is a POST.
  class Polling extends Transport {
    get name() {
      return "polling";
    }

    doOpen() {
      this.poll();
    }

    poll() {
      this.polling = true;
      this.pollRequest = this.request("GET", null, (text) => this.onData(text), "xhr poll error");
      this.emitReserved("poll");
    }

    onData(text) {
      for (const packet of decodePayload(text)) {
        if (this.readyState === "opening" && packet.type === "open") this.onOpen();
        if (packet.type === "close") {
          this.onClose({ description: "transport closed by the server" });
          return;
        }
        this.onPacket(packet);
      }
      if (this.readyState !== "closed") {
        this.polling = false;
        this.emitReserved("pollComplete");
        if (this.readyState === "open") this.poll();
      }
    }

    write(packets) {
      this.writable = false;
      readBlobs(packets, (ready) => {
        this.request("POST", encodePayload(ready), () => {
          this.writable = true;
          this.emitReserved("drain");
        }, "xhr post error");
      });
    }

    // Lets an upgrade proceed only once no GET or POST is in flight.
    pause(onPause) {
      this.readyState = "pausing";
      let waiting = 0;
      const done = () => {
        if (--waiting <= 0) {
          this.readyState = "paused";
          onPause();
        }
      };
      if (this.polling) {
        waiting++;
        this.once("pollComplete", done);
      }
      if (!this.writable) {
        waiting++;
        this.once("drain", done);
      }
      if (!waiting) done();
    }

    doClose() {
      const sendClose = () => this.write([{ type: "close" }]);
      if (this.readyState === "open") sendClose();
      else this.once("open", sendClose);
    }

    onClose(details) {
      super.onClose(details);
      if (this.pollRequest) this.pollRequest.abort();
    }

    request(method, body, onLoad, errorReason) {
      const xhr = new XMLHttpRequest();
      xhr.open(method, this.uri("http"), true);
      xhr.withCredentials = !!this.opts.withCredentials;
      const headers = this.opts.extraHeaders || {};
      for (const h in headers) xhr.setRequestHeader(h, headers[h]);
      if (method === "POST") xhr.setRequestHeader("Content-Type", "text/plain;charset=UTF-8");
      if (this.opts.requestTimeout) xhr.timeout = this.opts.requestTimeout;
      xhr.onreadystatechange = () => {
        if (xhr.readyState !== 4) return;
        xhr.onreadystatechange = null;
        if (xhr.status === 200 || xhr.status === 1223) {
          onLoad(xhr.responseText);
        } else {
          // Deferred so that an "error" is never reported before the caller has subscribed.
          setTimeout(() => this.onError(errorReason, xhr.status, xhr), 0);
        }
      };
      xhr.send(body);
      return {
        abort() {
          xhr.onreadystatechange = null;
          xhr.abort();
        },
      };
    }
  }

  // ---- transport-websocket.js
  // WebSocket: one Engine.IO packet per frame, binary data as binary frames.
  class WebSocketTransport extends Transport {
    get name() {
      return "websocket";
    }

    doOpen() {
      let ws;
      try {
        ws = this.ws = new WebSocket(this.uri("ws"), this.opts.protocols);
      } catch (err) {
        return this.emitReserved("error", err);
      }
      ws.binaryType = "arraybuffer";
      ws.onopen = () => this.onOpen();
      ws.onclose = (event) =>
        this.onClose({ description: "websocket connection closed", context: event });
      ws.onmessage = (event) => this.onPacket(decodeEnginePacket(event.data));
      ws.onerror = (event) => this.onError("websocket error", event);
    }

    write(packets) {
      this.writable = false;
      for (const packet of packets) {
        try {
          this.ws.send(encodeEnginePacket(packet, true));
        } catch (e) {
          // A socket closing underneath us reports itself through onclose.
        }
      }
      // The browser buffers sends itself; becoming writable on the next tick keeps the order of
      // "drain" relative to the caller's bookkeeping the same as for polling.
      setTimeout(() => {
        this.writable = true;
        this.emitReserved("drain");
      }, 0);
    }

    doClose() {
      if (this.ws) {
        this.ws.onerror = () => {};
        this.ws.close();
        this.ws = null;
      }
    }
  }

  const TRANSPORTS = { polling: Polling, websocket: WebSocketTransport };

  // ---- engine.js
  // One Engine.IO session: handshake, heartbeat, the write buffer and the upgrade from polling
  // to WebSocket. Emits "open", "data" (each message), "ping", "error" and "close" (reason).
  class Engine extends Emitter {
    constructor(uri, opts) {
      super();
      const parsed = parseUrl(uri);
      this.opts = Object.assign(
        { upgrade: true, withCredentials: false, timestampParam: "t", addTrailingSlash: true },
        opts,
        { hostname: parsed.host, port: parsed.port, secure: parsed.secure },
        parsed.query ? { query: parsed.query } : null
      );
      const o = this.opts;
      o.path = (o.path || "/engine.io").replace(/\/$/, "") + (o.addTrailingSlash ? "/" : "");
      if (typeof o.query === "string") o.query = decodeQuery(o.query);
      this.transports = (o.transports || ["polling", "websocket"]).filter((t) => TRANSPORTS[t]);
      this.writeBuffer = [];
      this.prevBufferLen = 0;
      this.upgrading = false;
      this.readyState = "opening";
      this.id = null;
      if (!this.transports.length) {
        setTimeout(() => this.emitReserved("error", "No transports available"), 0);
        return;
      }
      const first = this.createTransport(this.transports[0]);
      first.open();
      this.setTransport(first);
    }

    createTransport(name) {
      const query = Object.assign({}, this.opts.query, { EIO: EIO_PROTOCOL, transport: name });
      if (this.id) query.sid = this.id;
      return new TRANSPORTS[name](Object.assign({}, this.opts, { query }));
    }

    setTransport(transport) {
      if (this.transport) this.transport.off();
      this.transport = transport
        .on("drain", () => this.onDrain())
        .on("packet", (p) => this.onPacket(p))
        .on("error", (e) => this.onError(e))
        .on("close", (details) => this.onClose("transport close", details));
    }

    onPacket(packet) {
      if (this.readyState === "closed") return;
      this.emitReserved("packet", packet);
      this.emitReserved("heartbeat");
      switch (packet.type) {
        case "open":
          this.onHandshake(JSON.parse(packet.data));
          break;
        case "ping":
          this.sendPacket("pong");
          this.emitReserved("ping");
          this.emitReserved("pong");
          this.resetPingTimeout();
          break;
        case "error": {
          const err = new Error("server error");
          err.code = packet.data;
          this.onError(err);
          break;
        }
        case "message":
          this.emitReserved("data", packet.data);
          this.emitReserved("message", packet.data);
          break;
      }
    }

    onHandshake(data) {
      this.emitReserved("handshake", data);
      this.id = data.sid;
      this.transport.query.sid = data.sid;
      this.pingInterval = data.pingInterval;
      this.pingTimeout = data.pingTimeout;
      this.maxPayload = data.maxPayload;
      const upgrades = (data.upgrades || []).filter((u) => this.transports.indexOf(u) >= 0);
      this.readyState = "open";
      this.emitReserved("open");
      this.flush();
      if (this.readyState !== "open") return;
      this.resetPingTimeout();
      if (this.opts.upgrade) upgrades.forEach((name) => this.probe(name));
    }

    resetPingTimeout() {
      clearTimeout(this.pingTimer);
      const delay = this.pingInterval + this.pingTimeout;
      this.pingDeadline = Date.now() + delay;
      this.pingTimer = setTimeout(() => this.onClose("ping timeout"), delay);
    }

    // Checked before each emit: timers are throttled in background tabs, so the deadline can have
    // passed without the timer having fired yet.
    hasPingExpired() {
      if (!this.pingDeadline) return true;
      const expired = Date.now() > this.pingDeadline;
      if (expired) {
        this.pingDeadline = 0;
        nextTick(() => this.onClose("ping timeout"));
      }
      return expired;
    }

    // Opens `name` alongside the current transport, checks it with a ping "probe", then waits for
    // polling to go quiet before switching writes over with an "upgrade" packet.
    probe(name) {
      let transport = this.createTransport(name);
      let failed = false;
      const fail = (reason) => {
        if (failed) return;
        failed = true;
        cleanup();
        transport.close();
        const err = new Error("probe error: " + reason);
        err.transport = name;
        this.emitReserved("upgradeError", err);
      };
      const onError = (err) => fail(err && err.message ? err.message : err);
      const onTransportClose = () => fail("transport closed");
      const onEngineClose = () => fail("socket closed");
      const cleanup = () => {
        transport.off("open", onOpen);
        transport.off("error", onError);
        transport.off("close", onTransportClose);
        this.off("close", onEngineClose);
      };
      const onOpen = () => {
        transport.send([{ type: "ping", data: "probe" }]);
        transport.once("packet", (msg) => {
          if (failed) return;
          if (msg.type !== "pong" || msg.data !== "probe") return fail("unexpected probe reply");
          this.upgrading = true;
          this.emitReserved("upgrading", transport);
          this.transport.pause(() => {
            if (failed || this.readyState === "closed") return;
            cleanup();
            this.setTransport(transport);
            transport.send([{ type: "upgrade" }]);
            this.emitReserved("upgrade", transport);
            this.upgrading = false;
            this.flush();
          });
        });
      };
      transport.once("open", onOpen);
      transport.once("error", onError);
      transport.once("close", onTransportClose);
      this.once("close", onEngineClose);
      transport.open();
    }

    onDrain() {
      this.writeBuffer.splice(0, this.prevBufferLen);
      this.prevBufferLen = 0;
      if (this.writeBuffer.length) this.flush();
      else this.emitReserved("drain");
    }

    flush() {
      if (
        this.readyState !== "closed" &&
        this.transport.writable &&
        !this.upgrading &&
        this.writeBuffer.length
      ) {
        const packets = this.writablePackets();
        this.transport.send(packets);
        this.prevBufferLen = packets.length;
        this.emitReserved("flush");
      }
    }

    // Keeps one polling POST under the server's maxPayload.
    writablePackets() {
      const buf = this.writeBuffer;
      if (!this.maxPayload || this.transport.name !== "polling" || buf.length < 2) return buf;
      let size = 1;
      for (let i = 0; i < buf.length; i++) {
        const data = buf[i].data;
        // Binary goes as base64 in a polling payload: 4 characters for every 3 bytes.
        if (typeof data === "string") size += utf8Length(data);
        else if (data) size += Math.ceil(byteSize(data) / 3) * 4;
        if (i > 0 && size > this.maxPayload) return buf.slice(0, i);
        size += 2;
      }
      return buf;
    }

    write(data, options, fn) {
      this.sendPacket("message", data, options, fn);
      return this;
    }

    send(data, options, fn) {
      return this.write(data, options, fn);
    }

    sendPacket(type, data, options, fn) {
      if (this.readyState === "closing" || this.readyState === "closed") return;
      this.writeBuffer.push({ type, data, options });
      if (fn) this.once("flush", fn);
      this.flush();
    }

    // Lets buffered writes and a running upgrade finish before closing.
    close() {
      const close = () => {
        this.onClose("forced close");
        this.transport.close();
      };
      const afterUpgrade = () => {
        this.off("upgrade", afterUpgrade);
        this.off("upgradeError", afterUpgrade);
        close();
      };
      const whenQuiet = () => {
        if (this.upgrading) {
          this.once("upgrade", afterUpgrade);
          this.once("upgradeError", afterUpgrade);
        } else {
          close();
        }
      };
      if (this.readyState === "opening" || this.readyState === "open") {
        this.readyState = "closing";
        if (this.writeBuffer.length) this.once("drain", whenQuiet);
        else whenQuiet();
      }
      return this;
    }

    onError(err) {
      this.emitReserved("error", err);
      this.onClose("transport error", err);
    }

    onClose(reason, description) {
      if (this.readyState === "closed") return;
      clearTimeout(this.pingTimer);
      const transport = this.transport;
      if (transport) {
        transport.off("close");
        transport.close();
        transport.off();
      }
      this.readyState = "closed";
      this.id = null;
      this.emitReserved("close", reason, description);
      this.writeBuffer = [];
      this.prevBufferLen = 0;
    }
  }

  const utf8Length = (str) => new TextEncoder().encode(str).length;

  const byteSize = (data) => (isBlob(data) ? data.size : data.byteLength);

  // ---- socket.js
  // A namespace on a Manager's connection: what `io()` returns. Events from the server go to
  // `on` listeners; `emit` sends to the server.
  class Socket extends Emitter {
    constructor(io, nsp, opts) {
      super();
      this.io = io;
      this.nsp = nsp;
      this.id = undefined;
      this.connected = false;
      this.recovered = false;
      this.receiveBuffer = [];
      this.sendBuffer = [];
      this._queue = [];
      this._queueSeq = 0;
      this.ids = 0;
      this.acks = {};
      this.flags = {};
      this._opts = Object.assign({}, opts);
      if (opts && opts.auth) this.auth = opts.auth;
      if (io._autoConnect) this.open();
    }

    get disconnected() {
      return !this.connected;
    }

    // True from connect() until disconnect() or a refusal by the server: the socket will keep
    // trying to (re)connect while active.
    get active() {
      return !!this.subs;
    }

    subEvents() {
      if (this.subs) return;
      const io = this.io;
      this.subs = [
        subscribe(io, "open", () => this.onopen()),
        subscribe(io, "packet", (p) => this.onpacket(p)),
        subscribe(io, "error", (e) => this.onerror(e)),
        subscribe(io, "close", (reason, d) => this.onclose(reason, d)),
      ];
    }

    connect() {
      if (this.connected) return this;
      this.subEvents();
      if (!this.io._reconnecting) this.io.open();
      if (this.io._readyState === "open") this.onopen();
      return this;
    }

    open() {
      return this.connect();
    }

    send(...args) {
      return this.emit("message", ...args);
    }

    emit(event, ...args) {
      if (RESERVED_EVENTS.indexOf(event) >= 0) {
        throw new Error('"' + String(event) + '" is a reserved event name');
      }
      args.unshift(event);
      if (this._opts.retries && !this.flags.fromQueue && !this.flags.volatile) {
        this.addToQueue(args);
        return this;
      }
      const options = { compress: this.flags.compress !== false };
      const packet = { type: EVENT, data: args, options };
      if (typeof args[args.length - 1] === "function") {
        const id = this.ids++;
        this.registerAck(id, args.pop());
        packet.id = id;
      }
      const engine = this.io.engine;
      const writable = engine && engine.transport && engine.transport.writable;
      const connected = this.connected && !(engine && engine.hasPingExpired());
      if (this.flags.volatile && !writable) {
        // Volatile packets are dropped rather than buffered.
      } else if (connected) {
        this.notifyOutgoing(packet);
        this.packet(packet);
      } else {
        this.sendBuffer.push(packet);
      }
      this.flags = {};
      return this;
    }

    registerAck(id, ack) {
      const timeout = this.flags.timeout !== undefined ? this.flags.timeout : this._opts.ackTimeout;
      if (timeout === undefined) {
        this.acks[id] = ack;
        return;
      }
      const timer = setTimeout(() => {
        delete this.acks[id];
        this.sendBuffer = this.sendBuffer.filter((p) => p.id !== id);
        ack.call(this, new Error("operation has timed out"));
      }, timeout);
      const fn = (...args) => {
        clearTimeout(timer);
        ack.apply(this, args);
      };
      fn.withError = true;
      this.acks[id] = fn;
    }

    emitWithAck(event, ...args) {
      return new Promise((resolve, reject) => {
        const fn = (err, value) => (err ? reject(err) : resolve(value));
        fn.withError = true;
        args.push(fn);
        this.emit(event, ...args);
      });
    }

    // With `retries`, packets go one at a time and are resent until acknowledged.
    addToQueue(args) {
      const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
      const entry = {
        id: this._queueSeq++,
        tryCount: 0,
        pending: false,
        args,
        flags: Object.assign({ fromQueue: true }, this.flags),
      };
      args.push((err, ...response) => {
        if (entry !== this._queue[0]) return;
        if (err !== null) {
          if (entry.tryCount > this._opts.retries) {
            this._queue.shift();
            if (ack) ack(err);
          }
        } else {
          this._queue.shift();
          if (ack) ack(null, ...response);
        }
        entry.pending = false;
        this.drainQueue();
      });
      this._queue.push(entry);
      this.drainQueue();
    }

    drainQueue(force) {
      if (!this.connected || !this._queue.length) return;
      const entry = this._queue[0];
      if (entry.pending && !force) return;
      entry.pending = true;
      entry.tryCount++;
      this.flags = entry.flags;
      this.emit.apply(this, entry.args);
    }

    packet(packet) {
      packet.nsp = this.nsp;
      this.io._packet(packet);
    }

    onopen() {
      if (typeof this.auth === "function") this.auth((data) => this.sendConnect(data));
      else this.sendConnect(this.auth);
    }

    sendConnect(data) {
      this.packet({
        type: CONNECT,
        data: this._pid ? Object.assign({ pid: this._pid, offset: this._lastOffset }, data) : data,
      });
    }

    onerror(err) {
      if (!this.connected) this.emitReserved("connect_error", err);
    }

    onclose(reason, description) {
      this.connected = false;
      this.id = undefined;
      // Events held for a CONNECT answer that never came: their offsets were not noted, so a
      // recovery replays them.
      this.receiveBuffer = [];
      this.emitReserved("disconnect", reason, description);
      this.clearAcks();
    }

    // Acks of packets already sent can no longer arrive; those still buffered may.
    clearAcks() {
      for (const id of Object.keys(this.acks)) {
        if (this.sendBuffer.some((p) => String(p.id) === id)) continue;
        const ack = this.acks[id];
        delete this.acks[id];
        if (ack.withError) ack.call(this, new Error("socket has been disconnected"));
      }
    }

    onpacket(packet) {
      if (packet.nsp !== this.nsp) return;
      switch (packet.type) {
        case CONNECT:
          if (packet.data && packet.data.sid) this.onconnect(packet.data.sid, packet.data.pid);
          else this.emitReserved("connect_error", new Error("invalid CONNECT packet"));
          break;
        case EVENT:
          this.onevent(packet);
          break;
        case ACK:
          this.onack(packet);
          break;
        case DISCONNECT:
          this.destroy();
          this.onclose("io server disconnect");
          break;
        case CONNECT_ERROR: {
          this.destroy();
          this.receiveBuffer = [];
          const data = packet.data || {};
          const err = new Error(typeof data === "string" ? data : data.message);
          err.data = data.data;
          this.emitReserved("connect_error", err);
          break;
        }
      }
    }

    onevent(packet) {
      const args = packet.data || [];
      if (packet.id != null) args.push(this.ack(packet.id));
      if (this.connected) this.emitEvent(args);
      else this.receiveBuffer.push(args);
    }

    emitEvent(args) {
      if (this._anyListeners) for (const fn of this._anyListeners.slice()) fn.apply(this, args);
      this.emitReserved.apply(this, args);
      // With recovery on, the server appends the offset (a string) to each stored event; the
      // listeners see it too, as with the official client. An event name alone is no offset.
      if (this._pid && args.length > 1 && typeof args[args.length - 1] === "string") {
        this._lastOffset = args[args.length - 1];
      }
    }

    ack(id) {
      let sent = false;
      return (...args) => {
        if (sent) return;
        sent = true;
        this.packet({ type: ACK, id, data: args });
      };
    }

    onack(packet) {
      const ack = this.acks[packet.id];
      if (typeof ack !== "function") return;
      delete this.acks[packet.id];
      const data = packet.data || [];
      if (ack.withError) data.unshift(null);
      ack.apply(this, data);
    }

    onconnect(id, pid) {
      this.id = id;
      this.recovered = !!pid && this._pid === pid;
      this._pid = pid;
      this.connected = true;
      this.receiveBuffer.forEach((args) => this.emitEvent(args));
      this.receiveBuffer = [];
      this.sendBuffer.forEach((packet) => {
        this.notifyOutgoing(packet);
        this.packet(packet);
      });
      this.sendBuffer = [];
      this.drainQueue(true);
      this.emitReserved("connect");
    }

    destroy() {
      if (this.subs) {
        this.subs.forEach((off) => off());
        this.subs = undefined;
      }
      this.io._destroy(this);
    }

    disconnect() {
      if (this.connected) this.packet({ type: DISCONNECT });
      this.destroy();
      if (this.connected) this.onclose("io client disconnect");
      return this;
    }

    close() {
      return this.disconnect();
    }

    compress(compress) {
      this.flags.compress = compress;
      return this;
    }

    get volatile() {
      this.flags.volatile = true;
      return this;
    }

    timeout(ms) {
      this.flags.timeout = ms;
      return this;
    }

    onAny(fn) {
      (this._anyListeners = this._anyListeners || []).push(fn);
      return this;
    }

    prependAny(fn) {
      (this._anyListeners = this._anyListeners || []).unshift(fn);
      return this;
    }

    offAny(fn) {
      this._anyListeners = removeListener(this._anyListeners, fn);
      return this;
    }

    listenersAny() {
      return this._anyListeners || [];
    }

    onAnyOutgoing(fn) {
      (this._anyOutgoing = this._anyOutgoing || []).push(fn);
      return this;
    }

    prependAnyOutgoing(fn) {
      (this._anyOutgoing = this._anyOutgoing || []).unshift(fn);
      return this;
    }

    offAnyOutgoing(fn) {
      this._anyOutgoing = removeListener(this._anyOutgoing, fn);
      return this;
    }

    listenersAnyOutgoing() {
      return this._anyOutgoing || [];
    }

    notifyOutgoing(packet) {
      if (this._anyOutgoing) for (const fn of this._anyOutgoing.slice()) fn.apply(this, packet.data);
    }
  }

  // Without `fn`, removes every listener.
  function removeListener(list, fn) {
    if (!list || !fn) return [];
    const i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
    return list;
  }

  // ---- manager.js
  // One Engine.IO connection shared by the sockets of several namespaces; owns reconnection.
  // Emits "open", "close" (reason), "error", "ping", "packet", and the "reconnect*" events.
  class Manager extends Emitter {
    constructor(uri, opts) {
      super();
      if (uri && typeof uri === "object") {
        opts = uri;
        uri = undefined;
      }
      opts = opts || {};
      opts.path = opts.path || "/socket.io";
      this.opts = opts;
      this.uri = uri;
      this.nsps = {};
      this.subs = [];
      this.backoff = new Backoff(
        opts.reconnectionDelay || 1000,
        opts.reconnectionDelayMax || 5000,
        opts.randomizationFactor == null ? 0.5 : opts.randomizationFactor
      );
      this.reconnection(opts.reconnection !== false);
      this.reconnectionAttempts(opts.reconnectionAttempts || Infinity);
      this.timeout(opts.timeout == null ? 20000 : opts.timeout);
      this._readyState = "closed";
      this._reconnecting = false;
      // The packet format is the bundle's: JSON, or msgpack in socket.io.msgpack.min.js.
      this.parser = defaultParser;
      this.decoder = new this.parser.Decoder();
      this._autoConnect = opts.autoConnect !== false;
      if (this._autoConnect) this.open();
    }

    reconnection(v) {
      if (!arguments.length) return this._reconnection;
      this._reconnection = !!v;
      if (!v) this.skipReconnect = true;
      return this;
    }

    reconnectionAttempts(v) {
      if (v === undefined) return this._reconnectionAttempts;
      this._reconnectionAttempts = v;
      return this;
    }

    reconnectionDelay(v) {
      if (v === undefined) return this.backoff.min;
      this.backoff.min = v;
      return this;
    }

    reconnectionDelayMax(v) {
      if (v === undefined) return this.backoff.max;
      this.backoff.max = v;
      return this;
    }

    randomizationFactor(v) {
      if (v === undefined) return this.backoff.jitter;
      this.backoff.jitter = v;
      return this;
    }

    timeout(v) {
      if (!arguments.length) return this._timeout;
      this._timeout = v;
      return this;
    }

    // `fn(err?)` is told how this attempt ended; without it a failed first attempt starts the
    // reconnection loop.
    open(fn) {
      if (this._readyState.indexOf("open") >= 0) return this;
      const engine = (this.engine = new Engine(this.uri, this.opts));
      this._readyState = "opening";
      this.skipReconnect = false;
      const offOpen = subscribe(engine, "open", () => {
        this.onopen();
        if (fn) fn();
      });
      const onError = (err) => {
        this.cleanup();
        this._readyState = "closed";
        this.emitReserved("error", err);
        if (fn) fn(err);
        else this.maybeReconnectOnOpen();
      };
      this.subs.push(offOpen, subscribe(engine, "error", onError));
      if (this._timeout !== false) {
        const timer = setTimeout(() => {
          offOpen();
          onError(new Error("timeout"));
          engine.close();
        }, this._timeout);
        this.subs.push(() => clearTimeout(timer));
      }
      return this;
    }

    connect(fn) {
      return this.open(fn);
    }

    maybeReconnectOnOpen() {
      if (!this._reconnecting && this._reconnection && this.backoff.attempts === 0) {
        this.reconnect();
      }
    }

    onopen() {
      this.cleanup();
      this._readyState = "open";
      this.emitReserved("open");
      const engine = this.engine;
      this.subs.push(
        subscribe(engine, "ping", () => this.emitReserved("ping")),
        subscribe(engine, "data", (data) => this.ondata(data)),
        subscribe(engine, "error", (err) => this.emitReserved("error", err)),
        subscribe(engine, "close", (reason, description) => this.onclose(reason, description))
      );
    }

    ondata(data) {
      let packet;
      try {
        packet = this.decoder.add(data);
      } catch (e) {
        return this.onclose("parse error", e);
      }
      // Delivered after the current task, as the reference does, so that a listener's own emits
      // never interleave with the decoding of a payload.
      if (packet) nextTick(() => this.emitReserved("packet", packet));
    }

    socket(nsp, opts) {
      let socket = this.nsps[nsp];
      if (!socket) {
        socket = this.nsps[nsp] = new Socket(this, nsp, opts);
      } else if (this._autoConnect && !socket.active) {
        socket.connect();
      }
      return socket;
    }

    // Called by a socket that stopped; the connection closes when no socket is left active.
    _destroy() {
      for (const nsp in this.nsps) if (this.nsps[nsp].active) return;
      this._close();
    }

    _packet(packet) {
      for (const chunk of this.parser.encode(packet)) this.engine.write(chunk, packet.options);
    }

    cleanup() {
      this.subs.forEach((off) => off());
      this.subs.length = 0;
      this.decoder = new this.parser.Decoder();
    }

    _close() {
      this.skipReconnect = true;
      this._reconnecting = false;
      this.onclose("forced close");
    }

    disconnect() {
      return this._close();
    }

    onclose(reason, description) {
      this.cleanup();
      if (this.engine) this.engine.close();
      this.backoff.reset();
      this._readyState = "closed";
      this.emitReserved("close", reason, description);
      if (this._reconnection && !this.skipReconnect) this.reconnect();
    }

    reconnect() {
      if (this._reconnecting || this.skipReconnect) return this;
      if (this.backoff.attempts >= this._reconnectionAttempts) {
        this.backoff.reset();
        this.emitReserved("reconnect_failed");
        this._reconnecting = false;
        return this;
      }
      const delay = this.backoff.duration();
      this._reconnecting = true;
      const timer = setTimeout(() => {
        if (this.skipReconnect) return;
        this.emitReserved("reconnect_attempt", this.backoff.attempts);
        if (this.skipReconnect) return;
        this.open((err) => {
          if (err) {
            this._reconnecting = false;
            this.reconnect();
            this.emitReserved("reconnect_error", err);
          } else {
            const attempts = this.backoff.attempts;
            this._reconnecting = false;
            this.backoff.reset();
            this.emitReserved("reconnect", attempts);
          }
        });
      }, delay);
      this.subs.push(() => clearTimeout(timer));
      return this;
    }
  }

  // ---- index.js
  // `io(uri, opts)`: a socket for the namespace in `uri`, on a Manager shared with the other
  // namespaces of the same endpoint unless `forceNew` or `multiplex: false` say otherwise.
  const managers = {};

  function io(uri, opts) {
    if (typeof uri === "object") {
      opts = uri;
      uri = undefined;
    }
    opts = opts || {};
    const parsed = parseUrl(uri, opts.path || "/socket.io");
    const cached = managers[parsed.id];
    const fresh =
      opts.forceNew ||
      opts["force new connection"] ||
      opts.multiplex === false ||
      (cached && parsed.nsp in cached.nsps);
    let manager;
    if (fresh) {
      manager = new Manager(parsed.source, opts);
    } else {
      manager = cached || (managers[parsed.id] = new Manager(parsed.source, opts));
    }
    if (parsed.query && !opts.query) opts.query = parsed.query;
    return manager.socket(parsed.nsp, opts);
  }

  io.Manager = Manager;
  io.Socket = Socket;
  io.io = io.connect = io;
  io.protocol = 5;

  return io;
})();
//# sourceMappingURL=socket.io.js.map
