//! The guestlink relay: `guestlink-relay [--listen ADDR] [--db FILE] [--pkg-dir DIR] ...`
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use guestlink_relay::server::{Config, Relay, serve};
use guestlink_relay::store::SqliteStore;

const USAGE: &str = "usage: guestlink-relay [options]
  --listen ADDR         address to bind (default 127.0.0.1:8787; port 0 picks a free one)
  --db FILE             SQLite database file (default guestlink-relay.sqlite)
  --wasm-dir DIR        the WASM package served at /wasm/ (default bindings/wasm)
  --rate-burst N        posts a mailbox may make in a burst (default 60)
  --rate-per-sec N      posts per second a mailbox regains (default 5)
  --max-pending N       unacknowledged envelopes per mailbox and direction (default 1000)
  --allow-public        allow binding to a non-loopback address";

struct Args {
    listen: SocketAddr,
    db: PathBuf,
    config: Config,
    allow_public: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
        db: PathBuf::from("guestlink-relay.sqlite"),
        config: Config::default(),
        allow_public: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => args.listen = value()?.parse().map_err(|_| "bad --listen address".to_owned())?,
            "--db" => args.db = PathBuf::from(value()?),
            "--wasm-dir" => args.config.wasm_dir = PathBuf::from(value()?),
            "--rate-burst" => args.config.rate_burst = value()?.parse().map_err(|_| "bad --rate-burst")?,
            "--rate-per-sec" => {
                args.config.rate_per_sec = value()?.parse().map_err(|_| "bad --rate-per-sec")?
            }
            "--max-pending" => args.config.max_pending = value()?.parse().map_err(|_| "bad --max-pending")?,
            "--allow-public" => args.allow_public = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    if !args.listen.ip().is_loopback() && !args.allow_public {
        return Err(
            "refusing to bind a non-loopback address without --allow-public (and TLS in front)".into()
        );
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let store = match SqliteStore::open(&args.db) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("guestlink-relay: cannot open {}: {e}", args.db.display());
            return std::process::ExitCode::FAILURE;
        }
    };
    let relay = Relay::new(store, args.config);
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("guestlink-relay: cannot bind {}: {e}", args.listen);
            return std::process::ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("guestlink-relay listening on http://{addr}"),
        Err(e) => eprintln!("guestlink-relay: {e}"),
    }
    let shutdown = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    let result = serve(listener, relay, shutdown).await;
    // Give open WebSocket tasks a moment; SQLite commits each write, so nothing is lost anyway.
    tokio::time::sleep(Duration::from_millis(50)).await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("guestlink-relay: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
