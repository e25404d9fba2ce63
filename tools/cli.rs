//! What every command line of the root package shares: the value parsers whose errors the
//! user reads, so that `--port`, `PORT` and URLs are refused in the same plain words by the
//! chat, the chat client and the tool servers.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser};

/// Parses the command line, or prints the error and exits with status 2 (`--help` and
/// `--version`: the text on stdout, status 0). A bad value that came from an environment
/// variable is named as such: the user never typed `--port` when `PORT=abc` is refused.
pub(crate) fn parse<T: Parser>() -> T {
    match T::try_parse() {
        Ok(options) => options,
        Err(err) => from_env::<T>(err).exit(),
    }
}

/// `err` reworded when its value is an environment variable's, not the command line's.
fn from_env<T: CommandFactory>(err: clap::Error) -> clap::Error {
    if err.kind() != ErrorKind::ValueValidation {
        return err;
    }
    let (Some(ContextValue::String(arg)), Some(ContextValue::String(value))) = (
        err.get(ContextKind::InvalidArg),
        err.get(ContextKind::InvalidValue),
    ) else {
        return err;
    };
    let mut command = T::command();
    let found = command.get_arguments().find_map(|a| {
        let long = a.get_long()?;
        let var = a.get_env()?;
        let named = arg == &format!("--{long}") || arg.starts_with(&format!("--{long} "));
        named.then(|| (long.to_owned(), var.to_string_lossy().into_owned()))
    });
    let Some((long, var)) = found else {
        return err;
    };
    let typed = std::env::args_os().skip(1).any(|a| {
        a.to_str()
            .is_some_and(|a| a == format!("--{long}") || a.starts_with(&format!("--{long}=")))
    });
    if typed || std::env::var(&var).ok().as_deref() != Some(value.as_str()) {
        return err;
    }
    let reason = std::error::Error::source(&err)
        .map(|source| format!(": {source}"))
        .unwrap_or_default();
    command.error(
        ErrorKind::ValueValidation,
        format!(
            "invalid value '{value}' in the environment variable {var} (read for --{long}){reason}"
        ),
    )
}

/// `--port` / `PORT`: 0-65535, where 0 asks the system for a free port (the tests use it).
#[allow(dead_code)] // the chat client listens on no port
pub(crate) fn port(value: &str) -> Result<u16, String> {
    value
        .trim()
        .parse()
        .map_err(|_| "port must be 0-65535 (0 picks a free port)".to_owned())
}

/// An `http://` or `https://` URL with a host, such as `http://localhost:3000`.
#[allow(dead_code)] // not every program that includes this module takes a URL
pub(crate) fn http_url(value: &str) -> Result<String, String> {
    let rest = value
        .strip_prefix("http://")
        .or_else(|| value.strip_prefix("https://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with(['/', ':', '?', '#']) => {
            Ok(value.to_owned())
        }
        Some(_) => Err(format!("invalid URL {value:?}: no host")),
        None => Err(format!(
            "invalid URL {value:?}: expected http:// or https://"
        )),
    }
}

/// A Redis URL: `redis://host[:port][/db]` (optionally with a password), as `--redis` takes.
#[allow(dead_code)] // not every program of the root package joins a cluster
pub(crate) fn redis_url(value: &str) -> Result<String, String> {
    match value.strip_prefix("redis://") {
        Some(rest) if !rest.is_empty() && !rest.starts_with(['/', ':', '?', '#']) => {
            Ok(value.to_owned())
        }
        Some(_) => Err(format!("invalid Redis URL {value:?}: no host")),
        None => Err(format!(
            "invalid Redis URL {value:?}: expected redis://host:port"
        )),
    }
}
