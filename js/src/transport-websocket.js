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
