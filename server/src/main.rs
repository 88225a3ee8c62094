//! The `redraft` binary: `redraft [FILE.conf] [--name value ...]`, like redis-server.

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;
use std::sync::Arc;

use redraft_server::config::{args_to_text, Config};
use redraft_server::{listener, replica, state::ServerState};

#[global_allocator]
static GLOBAL: redraft_server::alloc::Counting = redraft_server::alloc::Counting;

/// A Redis-compatible, Raft-replicated, clustered in-memory key-value server.
///
/// Run it like redis-server: `redraft`, `redraft /path/to/redis.conf`, or with overrides such as
/// `redraft --port 7000 --requirepass secret`. Any redis.conf directive redraft supports can be
/// given as `--name value`.
#[derive(Parser, Debug)]
#[command(name = "redraft", version, about, long_about = None)]
struct Cli {
    /// An optional redis.conf-style file, then `--name value` overrides.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "[FILE.conf] [--name value]..."
    )]
    args: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let (file, overrides) = match cli.args.first() {
        Some(first) if !first.starts_with("--") => (Some(PathBuf::from(first)), &cli.args[1..]),
        _ => (None, &cli.args[..]),
    };
    let mut config = Config::default();
    if let Some(path) = &file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("Fatal error, can't open config file '{}'", path.display()))?;
        if let Err(e) = config.apply_text(&text) {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
    if let Err(e) = config.apply_text(&args_to_text(overrides)) {
        eprintln!("{e}");
        std::process::exit(1);
    }
    init_logging(&config);
    let threads = match config.int("threads") {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n as usize,
    };
    let server = ServerState::new(config, file);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()?;
    if let Err(e) = runtime.block_on(run(server)) {
        tracing::error!("{e:#}");
        eprintln!("{e:#}");
        std::process::exit(1);
    }
    Ok(())
}

fn init_logging(config: &Config) {
    let level = match config.get("loglevel") {
        "debug" => "debug",
        "verbose" => "info",
        "warning" => "warn",
        "nothing" => "off",
        _ => "info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let logfile = config.get("logfile");
    if logfile.is_empty() {
        builder.with_writer(std::io::stdout).init();
    } else {
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logfile)
        {
            Ok(f) => builder
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(f))
                .init(),
            Err(e) => {
                eprintln!("Can't open the log file: {e}");
                std::process::exit(1);
            }
        }
    }
}

async fn run(server: Arc<ServerState>) -> anyhow::Result<()> {
    let listeners = listener::bind(&server)?;
    let port = server.port.load(std::sync::atomic::Ordering::Relaxed) as u16;
    let config = server.config.read().clone();
    let replica = replica::start(
        &config,
        port,
        server.shard.clone(),
        server.shutdown.child_token(),
    )
    .await
    .context("cannot start the shard's raft group")?;
    if server.replica.set(replica).is_err() {
        anyhow::bail!("the shard's group was started twice");
    }
    tracing::info!(
        port = server.port.load(std::sync::atomic::Ordering::Relaxed),
        pid = std::process::id(),
        "redraft {} ready to accept connections",
        env!("CARGO_PKG_VERSION")
    );
    for l in listeners {
        tokio::spawn(listener::accept_loop(l, server.clone()));
    }
    tokio::spawn(listener::expiry_loop(server.clone()));
    // Biased: a normal shutdown also ends the group's task; it must not read as a failure.
    tokio::select! {
        biased;
        _ = listener::signals() => {
            replica::hand_over_leadership(server.replica(), std::time::Duration::from_secs(2)).await;
            server.shutdown.cancel();
        }
        _ = server.shutdown.cancelled() => {}
        why = server.replica().stopped() => {
            tracing::error!("{why}; exiting");
            server.shutdown.cancel();
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            anyhow::bail!("{why}");
        }
    }
    tracing::info!("redraft is now ready to exit, bye bye...");
    // Give connections a moment to flush their last replies.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    Ok(())
}
