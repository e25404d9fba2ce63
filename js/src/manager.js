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
