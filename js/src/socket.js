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
