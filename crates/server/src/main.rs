//! `inkmesh`: run the server. `inkmesh --help` lists every flag. The URL to
//! open goes to stdout; logs go to stderr.

use std::process::ExitCode;

use clap::Parser;
use inkmesh_server::{logging, Cli, Server, ServerConfig};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.log_format);
    let config = match ServerConfig::try_from(cli) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("inkmesh: {e}");
            return ExitCode::from(2);
        }
    };
    let on_network = config.allow_open_mode_on_network;
    let server = match Server::start(config).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("inkmesh: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("Inkmesh is running at {}", server.url());
    println!("Open it to start a new board, then share the board's link.");
    if server.insecure_for_other_machines() {
        println!(
            "Plain HTTP on a network address: browsers on other machines will not treat \
             the page as a secure context, so they get no offline reload (service worker) \
             and no microphone. Serve HTTPS with --tls-cert and --tls-key, or put a \
             TLS-terminating proxy in front."
        );
    }
    if server.open_mode() && on_network {
        println!("Open mode on the network: anyone who can reach this address can draw.");
    } else if server.open_mode() {
        println!(
            "Open mode (no auth secret): pages on this machine can draw. To draw with others, \
             see --allow-open-mode-on-network or --auth-secret-file in --help."
        );
    }
    wait_for_signal().await;
    server.shutdown().await;
    ExitCode::SUCCESS
}

/// SIGINT (Ctrl-C) or, on Unix, SIGTERM (what service managers send).
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
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
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
