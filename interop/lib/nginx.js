// Starts Debian's nginx as a load balancer in front of some upstream servers, with a config
// of the test's own in a temporary folder, on a free port of 127.0.0.1 and [::1].
//   balance: "ip_hash" (sticky by client address, as docs/deployment.md sets it up) or
//            "round-robin" (nginx's default: every request to the next upstream)
// Every answer carries `X-Upstream` (the upstream that served it), so a test can see where a
// client landed. With ip_hash, 127.0.0.1 and ::1 hash to different upstreams of two.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawn } = require("node:child_process");
const { freePort } = require("./redis");

function config({ prefix, port, upstreams, balance }) {
  const servers = upstreams.map((u) => `    server ${u};`).join("\n");
  return `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
${process.getuid && process.getuid() === 0 ? "user root;" : ""}
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' close;
  }
  upstream app {
${balance === "ip_hash" ? "    ip_hash;\n" : ""}${servers}
  }
  server {
    listen 127.0.0.1:${port};
    listen [::1]:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 3600s;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`;
}

/** Starts nginx; resolves with { port, url, url6, stop() } once it accepts connections. */
async function startNginx({ upstreams, balance = "ip_hash" }) {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "sockeye-nginx-"));
  const port = await freePort();
  const conf = path.join(prefix, "nginx.conf");
  fs.writeFileSync(conf, config({ prefix, port, upstreams, balance }));
  const child = spawn("nginx", ["-p", prefix, "-c", conf, "-g", "daemon off;"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (out += c));
  const deadline = Date.now() + 10000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
      await res.arrayBuffer();
      break;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`nginx did not answer on ${port}: ${e}\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    url6: `http://[::1]:${port}`,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => {
          fs.rmSync(prefix, { recursive: true, force: true });
          resolve();
        });
        child.kill("SIGQUIT");
      }),
  };
}

module.exports = { startNginx };
