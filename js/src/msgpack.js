// MessagePack in notepack.io's dialect (what socket.io-msgpack-parser speaks): integers in their
// smallest form, other numbers as float64, ArrayBuffer and typed arrays as bin, Date as
// notepack's extension 0, objects as maps of their own enumerable keys (undefined and function
// values left out, toJSON honoured). Decoding gives bin as ArrayBuffer and accepts float32,
// the timestamp extension and notepack's own extensions.
const MP_MAX_DEPTH = 128;
// Made on first use, so that loading the bundle needs no TextEncoder.
let mpUtf8 = null;
let mpUtf8Strict = null;

class MsgpackWriter {
  constructor() {
    this.buf = new Uint8Array(256);
    this.view = new DataView(this.buf.buffer);
    this.len = 0;
  }

  reserve(n) {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b) {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  // A marker then a big-endian length of 1, 2 or 4 bytes, whichever is the smallest that fits.
  head(m8, m16, m32, n) {
    this.reserve(5);
    if (n < 0x100 && m8 !== 0) {
      this.buf[this.len++] = m8;
      this.buf[this.len++] = n;
    } else if (n < 0x10000) {
      this.buf[this.len++] = m16;
      this.view.setUint16(this.len, n);
      this.len += 2;
    } else {
      this.buf[this.len++] = m32;
      this.view.setUint32(this.len, n);
      this.len += 4;
    }
  }

  bytes(u8) {
    this.reserve(u8.length);
    this.buf.set(u8, this.len);
    this.len += u8.length;
  }

  number(n) {
    if (Math.floor(n) !== n || !isFinite(n) || n >= 2 ** 64 || n < -(2 ** 63)) {
      this.reserve(9);
      this.buf[this.len++] = 0xcb;
      this.view.setFloat64(this.len, n);
      this.len += 8;
    } else if (n >= 0) {
      if (n < 0x80) return this.byte(n);
      if (n < 0x100) return this.head(0xcc, 0, 0, n);
      if (n < 0x10000) return this.head(0, 0xcd, 0, n);
      if (n < 0x100000000) return this.head(0, 0, 0xce, n);
      this.reserve(9);
      this.buf[this.len++] = 0xcf;
      this.view.setBigUint64(this.len, BigInt(n));
      this.len += 8;
    } else {
      this.reserve(9);
      if (n >= -0x20) {
        this.buf[this.len++] = n & 0xff;
      } else if (n >= -0x80) {
        this.buf[this.len++] = 0xd0;
        this.view.setInt8(this.len++, n);
      } else if (n >= -0x8000) {
        this.buf[this.len++] = 0xd1;
        this.view.setInt16(this.len, n);
        this.len += 2;
      } else if (n >= -0x80000000) {
        this.buf[this.len++] = 0xd2;
        this.view.setInt32(this.len, n);
        this.len += 4;
      } else {
        this.buf[this.len++] = 0xd3;
        this.view.setBigInt64(this.len, BigInt(n));
        this.len += 8;
      }
    }
  }

  string(s) {
    const u8 = (mpUtf8 = mpUtf8 || new TextEncoder()).encode(s);
    if (u8.length < 0x20) this.byte(0xa0 | u8.length);
    else this.head(0xd9, 0xda, 0xdb, u8.length);
    this.bytes(u8);
  }

  value(v, depth = 0) {
    if (depth > MP_MAX_DEPTH) throw new Error("msgpack: value nests too deep");
    switch (typeof v) {
      case "string":
        return this.string(v);
      case "number":
        return this.number(v);
      case "boolean":
        return this.byte(v ? 0xc3 : 0xc2);
      case "undefined":
        return this.byte(0xc0);
      case "object":
        break;
      default:
        if (v != null && typeof v.toJSON === "function") return this.value(v.toJSON(), depth);
        throw new Error("msgpack: cannot encode a " + typeof v);
    }
    if (v === null) return this.byte(0xc0);
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
      const u8 = toBytes(v);
      this.head(0xc4, 0xc5, 0xc6, u8.length);
      return this.bytes(u8);
    }
    // A Blob can only be read asynchronously; notepack.io would send it as an empty map.
    if (isBlob(v)) throw new Error("msgpack: send an ArrayBuffer or a typed array, not a Blob");
    if (v instanceof Date) {
      const ms = v.getTime();
      this.reserve(10);
      this.buf[this.len++] = 0xd7;
      this.buf[this.len++] = 0;
      this.view.setBigInt64(this.len, BigInt(ms));
      this.len += 8;
      return;
    }
    if (Array.isArray(v)) {
      if (v.length < 0x10) this.byte(0x90 | v.length);
      else this.head(0, 0xdc, 0xdd, v.length);
      for (const item of v) this.value(item, depth + 1);
      return;
    }
    if (typeof v.toJSON === "function") return this.value(v.toJSON(), depth);
    const keys = Object.keys(v).filter((k) => v[k] !== undefined && typeof v[k] !== "function");
    if (keys.length < 0x10) this.byte(0x80 | keys.length);
    else this.head(0, 0xde, 0xdf, keys.length);
    for (const k of keys) {
      this.string(k);
      this.value(v[k], depth + 1);
    }
  }

  result() {
    return this.buf.slice(0, this.len);
  }
}

function msgpackEncode(value) {
  const w = new MsgpackWriter();
  w.value(value);
  return w.result();
}

class MsgpackReader {
  constructor(data) {
    this.u8 = toBytes(data);
    this.view = new DataView(this.u8.buffer, this.u8.byteOffset, this.u8.byteLength);
    this.pos = 0;
  }

  need(n) {
    if (this.pos + n > this.u8.length) throw new Error("msgpack: truncated");
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u(n) {
    const at = this.need(n);
    if (n === 1) return this.view.getUint8(at);
    if (n === 2) return this.view.getUint16(at);
    return this.view.getUint32(at);
  }

  bin(n) {
    const at = this.need(n);
    const start = this.u8.byteOffset + at;
    return this.u8.buffer.slice(start, start + n);
  }

  str(n) {
    const at = this.need(n);
    mpUtf8Strict = mpUtf8Strict || new TextDecoder("utf-8", { fatal: true });
    return mpUtf8Strict.decode(this.u8.subarray(at, at + n));
  }

  // Every item takes at least `min` bytes, so a length can never claim more than what is left.
  count(n, min) {
    if (n * min > this.u8.length - this.pos) throw new Error("msgpack: truncated");
    return n;
  }

  array(n, depth) {
    if (depth >= MP_MAX_DEPTH) throw new Error("msgpack: value nests too deep");
    const out = new Array(this.count(n, 1));
    for (let i = 0; i < n; i++) out[i] = this.value(depth + 1);
    return out;
  }

  map(n, depth) {
    if (depth >= MP_MAX_DEPTH) throw new Error("msgpack: value nests too deep");
    this.count(n, 2);
    const out = {};
    for (let i = 0; i < n; i++) {
      const key = this.value(depth + 1);
      if (typeof key !== "string" && typeof key !== "number") throw new Error("msgpack: bad key");
      // A key such as "__proto__" must be an own property, never the prototype.
      Object.defineProperty(out, key, {
        value: this.value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  ext(n, fixed) {
    const type = this.view.getInt8(this.need(1));
    if (type === 0 && fixed && n === 1) {
      this.need(1);
      return undefined;
    }
    if ((type === 0 && fixed && n === 8) || (type === -1 && (n === 4 || n === 8 || n === 12))) {
      const at = this.need(n);
      let ms;
      if (type === 0) ms = Number(this.view.getBigInt64(at));
      else if (n === 4) ms = this.view.getUint32(at) * 1000;
      else if (n === 8) {
        const hi = this.view.getUint32(at);
        const secs = (hi & 3) * 2 ** 32 + this.view.getUint32(at + 4);
        ms = secs * 1000 + Math.floor(hi / 4) / 1e6;
      } else {
        ms = Number(this.view.getBigInt64(at + 4)) * 1000 + this.view.getUint32(at) / 1e6;
      }
      return new Date(ms);
    }
    if (type === 0 && !fixed) return this.bin(n);
    return [type, this.bin(n)];
  }

  value(depth = 0) {
    const m = this.u(1);
    if (m < 0x80) return m;
    if (m < 0x90) return this.map(m & 0x0f, depth);
    if (m < 0xa0) return this.array(m & 0x0f, depth);
    if (m < 0xc0) return this.str(m & 0x1f);
    if (m >= 0xe0) return m - 0x100;
    let at;
    switch (m) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.bin(this.u(1));
      case 0xc5: return this.bin(this.u(2));
      case 0xc6: return this.bin(this.u(4));
      case 0xc7: return this.ext(this.u(1), false);
      case 0xc8: return this.ext(this.u(2), false);
      case 0xc9: return this.ext(this.u(4), false);
      case 0xca: at = this.need(4); return this.view.getFloat32(at);
      case 0xcb: at = this.need(8); return this.view.getFloat64(at);
      case 0xcc: return this.u(1);
      case 0xcd: return this.u(2);
      case 0xce: return this.u(4);
      case 0xcf: at = this.need(8); return Number(this.view.getBigUint64(at));
      case 0xd0: at = this.need(1); return this.view.getInt8(at);
      case 0xd1: at = this.need(2); return this.view.getInt16(at);
      case 0xd2: at = this.need(4); return this.view.getInt32(at);
      case 0xd3: at = this.need(8); return Number(this.view.getBigInt64(at));
      case 0xd4: return this.ext(1, true);
      case 0xd5: return this.ext(2, true);
      case 0xd6: return this.ext(4, true);
      case 0xd7: return this.ext(8, true);
      case 0xd8: return this.ext(16, true);
      case 0xd9: return this.str(this.u(1));
      case 0xda: return this.str(this.u(2));
      case 0xdb: return this.str(this.count(this.u(4), 1));
      case 0xdc: return this.array(this.u(2), depth);
      case 0xdd: return this.array(this.u(4), depth);
      case 0xde: return this.map(this.u(2), depth);
      case 0xdf: return this.map(this.u(4), depth);
    }
    throw new Error("msgpack: reserved marker");
  }
}

function msgpackDecode(data) {
  const r = new MsgpackReader(data);
  const value = r.value();
  if (r.pos !== r.u8.length) throw new Error("msgpack: " + (r.u8.length - r.pos) + " trailing bytes");
  return value;
}
