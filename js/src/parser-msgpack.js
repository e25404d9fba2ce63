// The bundle's packet format: msgpack (socket.io.msgpack.min.js).
const defaultParser = msgpackParser;
