// `io(uri, opts)`: a socket for the namespace in `uri`, on a Manager shared with the other
// namespaces of the same endpoint unless `forceNew` or `multiplex: false` say otherwise.
const managers = {};

function io(uri, opts) {
  if (typeof uri === "object") {
    opts = uri;
    uri = undefined;
  }
  opts = opts || {};
  const parsed = parseUrl(uri, opts.path || "/socket.io");
  const cached = managers[parsed.id];
  const fresh =
    opts.forceNew ||
    opts["force new connection"] ||
    opts.multiplex === false ||
    (cached && parsed.nsp in cached.nsps);
  let manager;
  if (fresh) {
    manager = new Manager(parsed.source, opts);
  } else {
    manager = cached || (managers[parsed.id] = new Manager(parsed.source, opts));
  }
  if (parsed.query && !opts.query) opts.query = parsed.query;
  return manager.socket(parsed.nsp, opts);
}

io.Manager = Manager;
io.Socket = Socket;
io.io = io.connect = io;
io.protocol = 5;
