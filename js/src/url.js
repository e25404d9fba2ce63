// Resolves what `io(uri)` was given against the page's location: the engine's endpoint, the
// namespace, and the key under which connections to the same endpoint are shared.
function parseUrl(uri, path) {
  const loc = typeof location !== "undefined" ? location : null;
  if (uri == null) uri = loc.protocol + "//" + loc.host;
  if (uri.charAt(0) === "/") {
    uri = uri.charAt(1) === "/" ? loc.protocol + uri : loc.host + uri;
  }
  if (!/^(https?|wss?):\/\//.test(uri)) {
    uri = (loc ? loc.protocol + "//" : "https://") + uri;
  }
  const u = new URL(uri);
  const protocol = u.protocol.slice(0, -1);
  const secure = protocol === "https" || protocol === "wss";
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const port = u.port || (secure ? "443" : "80");
  const bracketed = host.indexOf(":") >= 0 ? "[" + host + "]" : host;
  const query = {};
  u.searchParams.forEach((v, k) => (query[k] = v));
  return {
    source: uri,
    protocol,
    secure,
    host,
    port,
    nsp: u.pathname || "/",
    query: u.search.length > 1 ? query : null,
    id: protocol + "://" + bracketed + ":" + port + (path || ""),
  };
}

function encodeQuery(obj) {
  const parts = [];
  for (const k in obj) {
    if (Object.prototype.hasOwnProperty.call(obj, k)) {
      parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(obj[k]));
    }
  }
  return parts.join("&");
}

function decodeQuery(str) {
  const obj = {};
  new URLSearchParams(str).forEach((v, k) => (obj[k] = v));
  return obj;
}
