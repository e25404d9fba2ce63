//! Command-line client of the sockeye chat: joins with a name, sends each line of standard
//! input as a message and waits for its acknowledgement, prints what others say.
//!
//! `chat-client --url http://localhost:3000 --name alice [--transport websocket|polling]
//! [--wait SECONDS]`. Exits 0 once standard input is done and every message was
//! acknowledged (after `--wait` more seconds of listening), non-zero when an
//! acknowledgement does not come within 5 s.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use sockeye_client::{Manager, Options, Socket, Transport};
use tokio::io::{AsyncBufReadExt, BufReader};

const ACK_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

struct Args {
    url: String,
    name: String,
    transport: Option<Transport>,
    wait: Duration,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        url: "http://localhost:3000".to_owned(),
        name: String::new(),
        transport: None,
        wait: Duration::ZERO,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--url" => args.url = value("--url")?,
            "--name" => args.name = value("--name")?,
            "--transport" => {
                args.transport = Some(match value("--transport")?.as_str() {
                    "websocket" => Transport::WebSocket,
                    "polling" => Transport::Polling,
                    other => return Err(format!("unknown transport {other}")),
                })
            }
            "--wait" => {
                let secs: f64 = value("--wait")?
                    .parse()
                    .map_err(|_| "--wait needs a number of seconds".to_owned())?;
                args.wait = Duration::try_from_secs_f64(secs)
                    .map_err(|_| "--wait needs a number of seconds".to_owned())?;
            }
            "-h" | "--help" => {
                return Err("usage: chat-client --url URL --name NAME [--transport websocket|polling] [--wait SECONDS]".to_owned());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.name.trim().is_empty() {
        return Err("--name is required".to_owned());
    }
    Ok(args)
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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    std::process::exit(run(args).await);
}

async fn run(args: Args) -> i32 {
    let mut options = Options::default();
    match args.transport {
        Some(Transport::WebSocket) => options = options.transports([Transport::WebSocket]),
        Some(Transport::Polling) => options = options.transports([Transport::Polling]),
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
