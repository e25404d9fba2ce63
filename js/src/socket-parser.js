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
