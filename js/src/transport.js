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
