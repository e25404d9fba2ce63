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
