//! `--admin`: the official Admin UI on `/admin`, with the user and password of the
//! environment (the password is hashed here, at start, and never kept in plain text).

use sockeye::SocketIo;
use sockeye::admin::{AdminAuth, AdminOptions, instrument};
use sockeye::engine::{CorsConfig, CorsOrigin};

/// Where the hosted Admin UI is served from: it connects from this origin, with credentials.
pub(crate) const HOSTED_UI: &str = "https://admin.socket.io";

/// The user name when `SOCKEYE_ADMIN_USER` is unset.
const DEFAULT_USER: &str = "admin";

/// How the UI logs in, from the environment; `Err` is the one line to print when `--admin`
/// has no password and `--admin-no-auth` was not given.
pub(crate) fn auth_from_env(no_auth: bool) -> Result<Option<(String, String)>, String> {
    if no_auth {
        return Ok(None);
    }
    let user = std::env::var("SOCKEYE_ADMIN_USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_USER.to_owned());
    match std::env::var("SOCKEYE_ADMIN_PASSWORD") {
        Ok(password) if !password.is_empty() => Ok(Some((user, password))),
        _ => Err(
            "--admin needs a password in SOCKEYE_ADMIN_PASSWORD (or --admin-no-auth to \
                  open the Admin UI to anyone who reaches this server)"
                .to_owned(),
        ),
    }
}

/// The chat's CORS: the hosted Admin UI's origin, and the front-end's when one was given.
pub(crate) fn cors(front_end: Option<&str>) -> CorsConfig {
    let origins = match front_end {
        Some(origin) => CorsOrigin::List(vec![HOSTED_UI.to_owned(), origin.to_owned()]),
        None => CorsOrigin::Exact(HOSTED_UI.to_owned()),
    };
    CorsConfig::default().origin(origins).credentials(true)
}

/// Instruments `io`; prints where to point the UI. In a cluster (`redis`), the sessions of
/// logged-in UIs are kept in Redis, as the reference's `RedisStore` keeps them, so that the
/// UI is let in again by whichever node it reaches.
pub(crate) async fn install(
    io: &SocketIo,
    login: Option<(String, String)>,
    port: u16,
    redis: Option<&str>,
) {
    let auth = match &login {
        Some((username, password)) => match bcrypt::hash(password, bcrypt::DEFAULT_COST) {
            Ok(password_hash) => AdminAuth::Basic {
                username: username.clone(),
                password_hash,
            },
            Err(err) => {
                eprintln!("cannot hash the admin password: {err}");
                std::process::exit(1);
            }
        },
        None => AdminAuth::None,
    };
    let mut options = AdminOptions::new(auth);
    if let Some(url) = redis {
        // Nodes of one cluster may share a host: told apart as the reference tells its
        // cluster workers apart.
        options.server_id = Some(format!(
            "{}#{}",
            sockeye::admin::hostname(),
            std::process::id()
        ));
        match sockeye_redis::RedisSessionStore::connect(url).await {
            Ok(store) => options.store = std::sync::Arc::new(store),
            Err(err) => {
                eprintln!("cannot keep the Admin UI's sessions on Redis at {url}: {err}");
                std::process::exit(1);
            }
        }
    }
    if let Err(err) = instrument(io, options) {
        eprintln!("cannot start the Admin UI: {err}");
        std::process::exit(1);
    }
    let who = match &login {
        Some((user, _)) => format!("user {user}, password from SOCKEYE_ADMIN_PASSWORD"),
        None => "no authentication".to_owned(),
    };
    println!("Admin UI: open {HOSTED_UI} and connect to http://localhost:{port}/admin ({who})");
}
