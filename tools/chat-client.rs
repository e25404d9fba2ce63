//! Command-line client of the sockeye chat: joins with a name, sends each line of standard
//! input as a message and waits for its acknowledgement, prints what others say.
//!
//! `chat-client --url http://localhost:3000 --name alice [--transport websocket|polling]
//! [--wait SECONDS]`. Exits 0 once standard input is done and every message was
//! acknowledged (after `--wait` more seconds of listening), non-zero when an
//! acknowledgement does not come within 5 s.

#[path = "cli.rs"]
mod cli;

use std::time::Duration;

use clap::{Parser, ValueEnum};
use serde::Deserialize;
use serde_json::{Value, json};
use sockeye_client::{Manager, Options, Socket, Transport};
use tokio::io::{AsyncBufReadExt, BufReader};

const ACK_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// A terminal client of the sockeye chat: joins with a name, sends each line of standard input
/// as a message and waits for its acknowledgement, prints what others say. Exits once standard
/// input is done (non-zero when an acknowledgement does not come within 5 s).
#[derive(Parser)]
#[command(name = "chat-client", version)]
struct Args {
    /// The chat server
    #[arg(long, default_value = "http://localhost:3000", value_parser = cli::http_url)]
    url: String,
    /// The name to join the chat with
    #[arg(long, value_parser = name)]
    name: String,
    /// Use only this transport [default: polling, then upgrade to websocket]
    #[arg(long, value_enum)]
    transport: Option<TransportArg>,
    /// Seconds to keep listening after standard input is done
    #[arg(long, value_name = "SECONDS", default_value = "0", value_parser = seconds)]
    wait: Duration,
}

#[derive(Clone, Copy, ValueEnum)]
enum TransportArg {
    Websocket,
    Polling,
}

fn name(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err("the name must not be empty".to_owned());
    }
    Ok(value.to_owned())
}

fn seconds(value: &str) -> Result<Duration, String> {
    value
        .parse::<f64>()
        .ok()
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .ok_or_else(|| "expected a number of seconds, 0 or more".to_owned())
}

#[derive(Deserialize)]
struct ChatMessage {
    #[serde(default)]
    user: String,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct SystemMessage {
    #[serde(default)]
    text: String,
}

#[tokio::main]
async fn main() {
    let args = cli::parse::<Args>();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    std::process::exit(run(args).await);
}

async fn run(args: Args) -> i32 {
    let mut options = Options::default();
    match args.transport {
        Some(TransportArg::Websocket) => options = options.transports([Transport::WebSocket]),
        Some(TransportArg::Polling) => options = options.transports([Transport::Polling]),
        None => {}
    }
    let manager = match Manager::new(&args.url, options) {
        Ok(m) => m,
        Err(err) => {
            eprintln!("{err}");
            return 2;
        }
    };
    let socket = manager.socket("/");
    socket.on("chat-message", |_s: Socket, m: ChatMessage| async move {
        println!("{}: {}", m.user, m.text);
    });
    socket.on(
        "system-message",
        |_s: Socket, m: SystemMessage| async move {
            println!("* {}", m.text);
        },
    );
    socket.on_connect_error(|_s: Socket, err| async move {
        eprintln!("connect error: {err}");
    });
    let name = args.name.clone();
    let (joined_tx, mut joined) = tokio::sync::mpsc::unbounded_channel();
    // Joining again after each reconnection keeps the name on the new socket.
    socket.on_connect(move |s: Socket| {
        let (name, joined_tx) = (name.clone(), joined_tx.clone());
        async move {
            let answer: Result<Value, _> = s
                .timeout(ACK_TIMEOUT)
                .emit_with_ack("user-join", &name)
                .await;
            let result = match answer {
                Ok(answer) => match answer.get("error") {
                    Some(error) => Err(error
                        .as_str()
                        .map_or_else(|| error.to_string(), str::to_owned)),
                    None => Ok(()),
                },
                Err(err) => Err(format!("no answer to user-join: {err}")),
            };
            if let Err(error) = &result {
                eprintln!("cannot join as {name:?}: {error}");
            }
            let _ = joined_tx.send(result);
        }
    });
    socket.connect();
    // Messages wait for the join, which the server needs before it accepts them.
    match tokio::time::timeout(CONNECT_TIMEOUT, joined.recv()).await {
        Ok(Some(Ok(()))) => {}
        Ok(_) => return 1,
        Err(_) => {
            eprintln!(
                "could not connect to {} within {CONNECT_TIMEOUT:?}",
                args.url
            );
            return 1;
        }
    }

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim().is_empty() {
            continue;
        }
        let ack: Result<Value, _> = socket
            .timeout(ACK_TIMEOUT)
            .emit_with_ack("chat-message", &json!({ "text": line }))
            .await;
        match ack {
            Ok(ack) => {
                if let Some(error) = ack.get("error") {
                    let message = error
                        .as_str()
                        .map_or_else(|| error.to_string(), str::to_owned);
                    println!("error: {message}");
                }
            }
            Err(err) => {
                eprintln!("no acknowledgement: {err}");
                return 1;
            }
        }
    }
    if !args.wait.is_zero() {
        tokio::time::sleep(args.wait).await;
    }
    socket.disconnect();
    // Let the disconnect packet go out before the runtime stops.
    tokio::time::sleep(Duration::from_millis(50)).await;
    0
}
