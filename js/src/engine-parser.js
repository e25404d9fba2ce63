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
