// The bundle's packet format: socket.io-parser's JSON (the default bundles).
const defaultParser = { encode: encodeSocketPacket, Decoder };
