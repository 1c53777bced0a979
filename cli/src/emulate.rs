//! `proactive-events emulate`: Amazon's token and Proactive Events endpoints on
//! loopback, until interrupted.

use super::input::read_capped;
use super::output::escape_control;
use super::store::StoreLocation;
use super::subscriptions::{Access, open_ledger};
use super::{exit, fail, print};
use alexa_proactive_events::emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig, Faults, MAX_TOKEN_TTL,
};
use alexa_proactive_events::subscriptions::{AsyncLedger, DEFAULT_STORE_TIMEOUT};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The environment variable holding the secret to accept with `--client-id`
/// (the one `proactive-events send` reads too).
const SECRET_VAR: &str = "ALEXA_CLIENT_SECRET";

/// The largest `--client-secret-file` read (Amazon's secrets are 64 characters).
const MAX_SECRET_FILE_BYTES: u64 = 4096;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
The first line of output is `listening on http://127.0.0.1:PORT` (https with
--tls): use that URL as --api-base and URL/auth/o2/token as --token-url of
`proactive-events send`. Open URL in a browser to see the accepted events, with the
sentence Alexa would say in each locale, and the refused ones with their rule ids.
GET URL/emulator/events and URL/emulator/refused list them as JSON, oldest first
(?after=ID&limit=N: those after the one with that id).

What the emulator keeps is bounded: the newest 10,000 accepted events (at most 16 MiB of
them) and the newest 1,000 refusals (at most 8 MiB); older ones are forgotten first. A
body over 16 KiB is kept as its size and SHA-256 only (bodyBytes, bodySha256); other
texts (sentences, user ids, rule messages) are cut at 1 KiB, a refusal's message at 4
KiB, and marked as cut. The page polls GET URL/emulator/feed?after=ID, which carries
only what is new, at most 200 of each kind, without bodies.

With --tls the emulator serves HTTPS with a certificate for 127.0.0.1, ::1 and
localhost, signed by a certificate authority generated at start. --tls-cert PATH
writes that authority's certificate (PEM) for clients to trust: REQUESTS_CA_BUNDLE
(Python), NODE_EXTRA_CA_CERTS (Node), curl --cacert, `send --ca-cert`.

With --subscriptions-db the emulator reads who is subscribed to which event from a
subscriptions ledger (what `proactive-events subscriptions apply` and `serve` write: a
SQLite file, or a PostgreSQL database as a postgres:// URL or libpq key=value pairs,
as --db takes it), for every event: a Unicast to a user who is not subscribed gets
403, and a Multicast reaches the subscribers only. Without it every Unicast user
counts as subscribed.

Only requests addressed to the emulator are answered: Host 127.0.0.1:PORT, [::1]:PORT
or localhost:PORT (its own port); another Host gets 421, so a web page cannot reach it
by DNS rebinding, and an Origin other than http(s):// and one of those gets 403.

Ctrl-C (SIGINT) or SIGTERM stops the emulator cleanly (exit 0).

Without --client-id the emulator accepts its own default credentials and prints
them. With --client-id it accepts that id with a secret taken from
--client-secret-file, else from --client-secret, else from the ALEXA_CLIENT_SECRET
environment variable (the one `send` reads), and never prints the secret.
--client-secret on the command line is visible to every user of the machine in
`ps` and stays in shell history: prefer ALEXA_CLIENT_SECRET or --client-secret-file.

Access tokens are random (from the operating system) whatever --seed says;
--seed only makes the injected faults repeatable.

Examples:
  proactive-events emulate
  proactive-events emulate --listen 127.0.0.1:40123 --rate 50 --fail-rate 0.1 --seed 7
  proactive-events emulate --tls --tls-cert emulator.pem --subscriptions-db subs.db
  ALEXA_CLIENT_SECRET=... proactive-events emulate --client-id amzn1.application-oa2-client.test
  proactive-events emulate --client-id amzn1.application-oa2-client.test --client-secret-file secret.txt")]
pub struct EmulateArgs {
    /// Loopback address and port (port 0: any free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// The client id to accept (default: the emulator's own, printed at start).
    /// Its secret comes from --client-secret-file, --client-secret or the
    /// ALEXA_CLIENT_SECRET environment variable.
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// The client secret to accept with --client-id. Visible to other users in
    /// `ps`: prefer ALEXA_CLIENT_SECRET or --client-secret-file.
    #[arg(
        long,
        value_name = "SECRET",
        requires = "client_id",
        conflicts_with = "client_secret_file"
    )]
    client_secret: Option<String>,
    /// Read the client secret to accept with --client-id from this file (one
    /// line, a trailing newline dropped, at most 4096 bytes).
    #[arg(long, value_name = "PATH", requires = "client_id")]
    client_secret_file: Option<PathBuf>,
    /// Event requests per second before 429 (Amazon: 25); 0 turns the limit off.
    #[arg(long, value_name = "N", default_value_t = 25)]
    rate: u32,
    /// Fraction (0 to 1) of event requests answered 500 or 503.
    #[arg(long, value_name = "F", default_value_t = 0.0)]
    fail_rate: f64,
    /// Seed of the fault generator (faults only: tokens are always random).
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// Lifetime of issued tokens in seconds, at most 31536000 (365 days).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 3600,
        value_parser = clap::value_parser!(u64).range(..=MAX_TOKEN_TTL.as_secs())
    )]
    token_ttl: u64,
    /// Serve HTTPS with a certificate generated at start.
    #[arg(long)]
    tls: bool,
    /// Write the certificate to trust (PEM) to this file (with --tls).
    #[arg(long, value_name = "PATH", requires = "tls")]
    tls_cert: Option<PathBuf>,
    /// Who is subscribed: a subscriptions ledger, read only and never created: a
    /// SQLite file, or a postgres:// URL or libpq key=value pairs.
    #[arg(long, value_name = "PATH|URL")]
    subscriptions_db: Option<StoreLocation>,
    /// Seconds an event waits for --subscriptions-db; then it gets 503.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = DEFAULT_STORE_TIMEOUT.as_secs_f64(),
        value_parser = super::serve::parse_store_timeout
    )]
    store_timeout: f64,
    /// Only this skill's subscriptions count (applicationId; with --subscriptions-db).
    #[arg(long, value_name = "ID", requires = "subscriptions_db")]
    skill_id: Option<String>,
}

/// Where the accepted secret came from, for the start-up banner.
enum SecretSource {
    Defaults,
    File,
    Argument,
    Environment,
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
    let (client_id, client_secret, source) = match credentials(&args) {
        Ok(c) => c,
        Err(message) => return fail(message),
    };
    let banner_id = escape_control(&client_id).into_owned();
    let store_timeout = Duration::from_secs_f64(args.store_timeout);
    let subscriptions = match &args.subscriptions_db {
        None => None,
        Some(db) => match open_ledger(db, Access::Read, Some(store_timeout)) {
            Ok(ledger) => Some(ledger as Arc<dyn AsyncLedger>),
            // A database shows without its password.
            Err(e) => return fail(format!("--subscriptions-db {db}: {e}")),
        },
    };
    let config = EmulatorConfig {
        listen: args.listen,
        client_id,
        client_secret,
        token_ttl: Duration::from_secs(args.token_ttl),
        rate_limit: (args.rate > 0).then_some(args.rate),
        faults: Faults {
            server_error_rate: args.fail_rate,
            seed: args.seed,
            ..Faults::default()
        },
        tls: args.tls,
        subscriptions,
        skill_id: args.skill_id.clone(),
        store_timeout,
        ..EmulatorConfig::default()
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(async {
        // Before the first line: a signal sent as soon as it is read must stop
        // the emulator cleanly, not kill it.
        let stop = match StopSignals::install() {
            Ok(s) => s,
            Err(e) => return fail(format!("cannot listen for stop signals: {e}")),
        };
        let emulator = match Emulator::start(config).await {
            Ok(e) => e,
            Err(e) => return fail(format!("cannot listen on {}: {e}", args.listen)),
        };
        print(&format!("listening on {}", emulator.base_url()));
        if let (Some(path), Some(pem)) = (&args.tls_cert, emulator.ca_certificate_pem()) {
            let shown = escape_control(&path.display().to_string()).into_owned();
            if let Err(e) = std::fs::write(path, pem) {
                emulator.shutdown().await;
                return fail(format!("--tls-cert {shown}: cannot write it: {e}"));
            }
            print(&format!("certificate to trust written to {shown}"));
        }
        match source {
            SecretSource::Defaults => print(&format!(
                "accepting ALEXA_CLIENT_ID={DEFAULT_CLIENT_ID} ALEXA_CLIENT_SECRET={DEFAULT_CLIENT_SECRET} (the emulator's defaults)"
            )),
            SecretSource::File => print(&format!(
                "accepting ALEXA_CLIENT_ID={banner_id} with the secret from --client-secret-file (not shown)"
            )),
            SecretSource::Argument => print(&format!(
                "accepting ALEXA_CLIENT_ID={banner_id} with the secret from --client-secret (not shown)"
            )),
            SecretSource::Environment => print(&format!(
                "accepting ALEXA_CLIENT_ID={banner_id} with the secret from {SECRET_VAR} (not shown)"
            )),
        }
        print(&format!("token URL {}", emulator.token_url()));
        print(&format!("page {}/", emulator.base_url()));
        let stopped = stop.wait().await;
        emulator.shutdown().await;
        match stopped {
            Ok(name) => {
                print(&format!("stopped by {name}"));
                ExitCode::from(exit::OK)
            }
            Err(e) => fail(format!("cannot wait for a stop signal: {e}")),
        }
    })
}

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM, listened for from the moment of
/// [`StopSignals::install`] (inside the runtime).
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Waits for one of them; returns its name.
    async fn wait(self) -> std::io::Result<&'static str> {
        #[cfg(unix)]
        {
            let Self {
                mut interrupt,
                mut terminate,
            } = self;
            tokio::select! {
                _ = interrupt.recv() => Ok("SIGINT"),
                _ = terminate.recv() => Ok("SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.map(|()| "Ctrl-C")
        }
    }
}

/// The client id and secret to accept, and where the secret came from.
/// Messages never include the secret.
fn credentials(args: &EmulateArgs) -> Result<(String, String, SecretSource), String> {
    let Some(id) = &args.client_id else {
        return Ok((
            DEFAULT_CLIENT_ID.to_owned(),
            DEFAULT_CLIENT_SECRET.to_owned(),
            SecretSource::Defaults,
        ));
    };
    if id.is_empty() {
        return Err("--client-id: give a non-empty client id".to_owned());
    }
    let (secret, source) = if let Some(path) = &args.client_secret_file {
        (read_secret_file(path)?, SecretSource::File)
    } else if let Some(secret) = &args.client_secret {
        (secret.clone(), SecretSource::Argument)
    } else {
        match std::env::var_os(SECRET_VAR) {
            Some(value) => match value.into_string() {
                Ok(secret) => (secret, SecretSource::Environment),
                Err(_) => return Err(format!("{SECRET_VAR} is not valid UTF-8")),
            },
            None => {
                return Err(format!(
                    "--client-id needs its secret: set {SECRET_VAR}, or give \
                     --client-secret-file PATH (or --client-secret, visible in `ps`)"
                ));
            }
        }
    };
    if secret.is_empty() {
        let from = match source {
            SecretSource::File => "--client-secret-file",
            SecretSource::Environment => SECRET_VAR,
            SecretSource::Argument | SecretSource::Defaults => "--client-secret",
        };
        return Err(format!("{from}: the client secret is empty"));
    }
    Ok((id.clone(), secret, source))
}

/// The secret in `path`: one line of at most [`MAX_SECRET_FILE_BYTES`] bytes,
/// without its trailing newline. Errors name the file, never its content.
fn read_secret_file(path: &Path) -> Result<String, String> {
    let shown = escape_control(&path.display().to_string()).into_owned();
    let file = std::fs::File::open(path)
        .map_err(|e| format!("--client-secret-file {shown}: cannot open it: {e}"))?;
    // The CLI's capped reader, with this option's own (smaller) cap.
    let bytes = read_capped(file, MAX_SECRET_FILE_BYTES).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidData {
            format!(
                "--client-secret-file {shown}: larger than {MAX_SECRET_FILE_BYTES} bytes; \
                 it should hold the client secret alone"
            )
        } else {
            format!("--client-secret-file {shown}: cannot read it: {e}")
        }
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("--client-secret-file {shown}: not UTF-8 text"))?;
    let secret = text
        .strip_suffix('\n')
        .map(|s| s.strip_suffix('\r').unwrap_or(s))
        .unwrap_or(&text);
    if secret.contains(['\n', '\r']) {
        return Err(format!(
            "--client-secret-file {shown}: more than one line; it should hold the client secret alone"
        ));
    }
    Ok(secret.to_owned())
}
