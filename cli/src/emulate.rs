//! `proactive-events emulate`: Amazon's token and Proactive Events endpoints on
//! loopback, until interrupted.

use super::{exit, fail, print};
use alexa_proactive_events::emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig, Faults,
};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
The first line of output is `listening on http://127.0.0.1:PORT`: use that URL as
--api-base and URL/auth/o2/token as --token-url of `proactive-events send`.
GET URL/emulator/events lists the accepted events.

Examples:
  proactive-events emulate
  proactive-events emulate --listen 127.0.0.1:40123 --rate 50 --fail-rate 0.1 --seed 7")]
pub struct EmulateArgs {
    /// Loopback address and port (port 0: any free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// The client id to accept (default: the emulator's own, printed at start).
    #[arg(long, value_name = "ID", requires = "client_secret")]
    client_id: Option<String>,
    /// The client secret to accept.
    #[arg(long, value_name = "SECRET", requires = "client_id")]
    client_secret: Option<String>,
    /// Event requests per second before 429 (Amazon: 25); 0 turns the limit off.
    #[arg(long, value_name = "N", default_value_t = 25)]
    rate: u32,
    /// Fraction (0 to 1) of event requests answered 500 or 503.
    #[arg(long, value_name = "F", default_value_t = 0.0)]
    fail_rate: f64,
    /// Seed of the fault generator.
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// Lifetime of issued tokens in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    token_ttl: u64,
}

pub fn run(args: EmulateArgs) -> ExitCode {
    if !args.listen.ip().is_loopback() {
        return fail(format!(
            "--listen {}: the emulator listens on loopback only (127.0.0.1 or ::1)",
            args.listen
        ));
    }
    if !(0.0..=1.0).contains(&args.fail_rate) {
        return fail(format!(
            "--fail-rate {}: give a fraction from 0 to 1",
            args.fail_rate
        ));
    }
    let defaults = args.client_id.is_none();
    let config = EmulatorConfig {
        listen: args.listen,
        client_id: args
            .client_id
            .unwrap_or_else(|| DEFAULT_CLIENT_ID.to_owned()),
        client_secret: args
            .client_secret
            .unwrap_or_else(|| DEFAULT_CLIENT_SECRET.to_owned()),
        token_ttl: Duration::from_secs(args.token_ttl),
        rate_limit: (args.rate > 0).then_some(args.rate),
        faults: Faults {
            server_error_rate: args.fail_rate,
            seed: args.seed,
            ..Faults::default()
        },
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(async {
        let emulator = match Emulator::start(config).await {
            Ok(e) => e,
            Err(e) => return fail(format!("cannot listen on {}: {e}", args.listen)),
        };
        print(&format!("listening on {}", emulator.base_url()));
        if defaults {
            print(&format!(
                "accepting ALEXA_CLIENT_ID={DEFAULT_CLIENT_ID} ALEXA_CLIENT_SECRET={DEFAULT_CLIENT_SECRET} (the emulator's defaults)"
            ));
        }
        print(&format!("token URL {}", emulator.token_url()));
        if let Err(e) = tokio::signal::ctrl_c().await {
            eprintln!("error: cannot wait for Ctrl-C: {e}");
        }
        emulator.shutdown().await;
        ExitCode::from(exit::OK)
    })
}
