//! `certhub`: the server and its command line.

mod ca;
mod cli;
mod config;
mod edge;
mod keys;
mod requests;
mod serve;
mod wiring;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("certhub: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        match cli.command {
            cli::Command::Serve(args) => serve::run(args).await,
            cli::Command::Key(cmd) => keys::run(cmd).await,
            cli::Command::Ca(cmd) => ca::run(cmd).await,
            cli::Command::Request(cmd) => requests::run(cmd).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("certhub: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
