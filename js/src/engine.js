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
