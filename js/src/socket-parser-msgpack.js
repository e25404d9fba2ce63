// The msgpack parser (socket.io-msgpack-parser 3.0's wire format): each packet is one binary
// Engine.IO message, the msgpack map {type, data, nsp, id?}, with binary inline, so there are no
// attachments and no binary packet types. Decoding checks what the reference checks.
const msgpackParser = {
  encode(packet) {
    const out = { type: packet.type };
    if (packet.data !== undefined) out.data = packet.data;
    out.nsp = packet.nsp;
    if (packet.id != null) out.id = packet.id;
    return [msgpackEncode(out)];
  },

  Decoder: class {
    add(data) {
      if (typeof data === "string") throw new Error("msgpack parser: got a text message");
      const p = msgpackDecode(data);
      const isObject = (x) => Object.prototype.toString.call(x) === "[object Object]";
      if (!isObject(p) || !Number.isInteger(p.type) || p.type < CONNECT || p.type > CONNECT_ERROR) {
        throw new Error("invalid packet type");
      }
      if (typeof p.nsp !== "string") throw new Error("invalid namespace");
      const ok =
        p.type === CONNECT
          ? p.data === undefined || isObject(p.data)
          : p.type === DISCONNECT
            ? p.data === undefined
            : p.type === CONNECT_ERROR
              ? typeof p.data === "string" || isObject(p.data)
              : Array.isArray(p.data);
      if (!ok) throw new Error("invalid payload");
      if (p.id !== undefined && !Number.isInteger(p.id)) throw new Error("invalid packet id");
      return { type: p.type, nsp: p.nsp, data: p.data, id: p.id };
    }

    reset() {}
  },
};
