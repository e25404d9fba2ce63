//! `interop/lib/cut-proxy.js` run as a program: a TCP proxy in front of a server whose
//! connections a test cuts, as a network would, while both ends stay up.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

pub struct CutProxy {
    _child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    port: u16,
}

impl CutProxy {
    /// Starts a proxy on 127.0.0.1 (a free port) forwarding to 127.0.0.1:`target`.
    pub async fn start(target: u16) -> CutProxy {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../interop/lib/cut-proxy.js"
        );
        let mut child = Command::new("node")
            .arg(script)
            .arg(target.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs");
        let stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = next_line(&mut lines).await;
        let port = line.rsplit(':').next().unwrap().trim().parse().unwrap();
        CutProxy {
            _child: child,
            stdin,
            lines,
            port,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Drops every connection through the proxy; returns how many there were.
    pub async fn cut(&mut self) -> u32 {
        self.ask("cut").await
    }

    /// Connections accepted so far.
    pub async fn count(&mut self) -> u32 {
        self.ask("count").await
    }

    async fn ask(&mut self, command: &str) -> u32 {
        self.stdin
            .write_all(format!("{command}\n").as_bytes())
            .await
            .unwrap();
        let line = next_line(&mut self.lines).await;
        let n = line
            .strip_prefix(command)
            .expect("the proxy answers its command");
        n.trim().parse().unwrap()
    }
}

async fn next_line(lines: &mut Lines<BufReader<ChildStdout>>) -> String {
    tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("the proxy answers within 10 s")
        .unwrap()
        .expect("a line")
}
