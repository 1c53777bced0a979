//! `proactive-events send`: validate and deliver request bodies, with retries,
//! the rate limit and an optional journal to resume from.

use super::output::escape_control;
use super::store::StoreLocation;
use super::subscriptions::{AnyLedger, open_existing};
use super::{display_name, exit, fail, print, read_input};
use alexa_proactive_events::Audience;
use alexa_proactive_events::client::{
    BulkItem, BulkOptions, Client, ClientBuilder, Credentials, DEFAULT_MAX_JOURNAL_BYTES,
    Interrupted, ItemStatus, Journal, Region, Stage, Summary,
};
use alexa_proactive_events::doctor::{self, Status};
use alexa_proactive_events::redact::Redactor;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Credentials come from ALEXA_CLIENT_ID and ALEXA_CLIENT_SECRET (the skill's Alexa
Client Id and Secret: developer console > Build > Permissions).

Examples:
  proactive-events send event.json --region NA --stage development
  proactive-events send --jsonl tonight.jsonl --region EU --stage live --journal tonight.journal
  proactive-events send --jsonl tonight.jsonl --region NA --stage development \\
      --api-base http://127.0.0.1:40123 --token-url http://127.0.0.1:40123/auth/o2/token
  proactive-events send event.json --region NA --stage development --ca-cert emulator.pem \
      --api-base https://127.0.0.1:40123 --token-url https://127.0.0.1:40123/auth/o2/token

With --db (the subscriptions ledger), each event accepted with 202 is checked
against it afterwards, as `proactive-events doctor` does: a warning names a Unicast
user who is not subscribed, a user whose region is not --region, and a Multicast
that no user is subscribed to (Amazon accepts those too, and nobody hears them).

The summary line is printed on every exit; `; N not sent` counts the events a
failure (an unwritable journal) kept from being sent.

Exit codes: 0 every event accepted (or already accepted), 1 some event rejected or
failed, 2 usage error, unreadable file or journal error.")]
pub struct SendArgs {
    /// Request bodies, one JSON object per file (`-` reads standard input).
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// A file of request bodies, one JSON object per line (repeatable).
    #[arg(long, value_name = "FILE")]
    jsonl: Vec<PathBuf>,
    /// Where the users are: NA, EU or FE.
    #[arg(long)]
    region: Region,
    /// development (the skill's testers) or live (certified skills).
    #[arg(long)]
    stage: Stage,
    #[command(flatten)]
    endpoints: Endpoints,
    /// Record outcomes here; a rerun with the same journal skips the events it
    /// delivered to the same destination (stage, region and API base).
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    /// The most bytes the journal may hold: a larger journal is refused, and
    /// the run stops (with its summary) before the journal would pass it.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_JOURNAL_BYTES)]
    max_journal_bytes: u64,
    /// Events in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    concurrency: usize,
    /// Requests per second (Amazon allows 25 per skill); 0 turns the limit off.
    #[arg(long, value_name = "N", default_value_t = 25)]
    rate: u32,
    /// The subscriptions ledger (SQLite file or PostgreSQL database, read only):
    /// after a 202, warn about what `doctor` would catch.
    #[arg(long, value_name = "PATH|URL")]
    db: Option<StoreLocation>,
    /// With --db: only this skill's records in the ledger count.
    #[arg(long, value_name = "ID", requires = "db")]
    skill_id: Option<String>,
}

pub fn run(args: SendArgs) -> ExitCode {
    let mut run = Run::default();
    let code = send(&args, &mut run);
    // On every path, the counts: what was delivered before a failure matters
    // most when the run stopped early.
    print(&run.line());
    code
}

/// Where events and token requests go, and which certificates to trust besides
/// the system's: Amazon's unless given. `send` and `doctor` take the same options.
#[derive(Debug, clap::Args)]
pub(crate) struct Endpoints {
    /// Another API base, e.g. an emulator: http://127.0.0.1:PORT.
    #[arg(long, value_name = "URL")]
    api_base: Option<String>,
    /// Another token endpoint (full URL).
    #[arg(long, value_name = "URL")]
    token_url: Option<String>,
    /// Also trust the certificate(s) in this PEM file, e.g. the one
    /// `proactive-events emulate --tls --tls-cert PATH` wrote (repeatable).
    #[arg(long, value_name = "PATH")]
    ca_cert: Vec<PathBuf>,
}

impl Endpoints {
    /// `builder` with these URLs and certificates; an unreadable `--ca-cert` is
    /// an error naming it.
    pub(crate) fn apply(&self, mut builder: ClientBuilder) -> Result<ClientBuilder, String> {
        if let Some(url) = &self.api_base {
            builder = builder.api_base(url);
        }
        if let Some(url) = &self.token_url {
            builder = builder.token_url(url);
        }
        for path in &self.ca_cert {
            let pem = read_input(path)
                .map_err(|e| format!("--ca-cert {}: cannot read it: {e}", display_name(path)))?;
            builder = builder.add_root_certificate(pem);
        }
        Ok(builder)
    }
}

/// What a run did, for the summary line.
#[derive(Default)]
struct Run {
    summary: Summary,
    /// Events read from the inputs.
    total: u64,
}

impl Run {
    /// `N accepted, … N failed`, and `; N not sent` when the run stopped early.
    fn line(&self) -> String {
        let not_sent = self.total.saturating_sub(self.summary.done());
        if not_sent == 0 {
            self.summary.to_string()
        } else {
            format!("{}; {not_sent} not sent", self.summary)
        }
    }
}

/// Sends, recording the outcome in `run`; the exit code. Problems go to
/// stderr through the client's redactor and with control characters escaped.
fn send(args: &SendArgs, run: &mut Run) -> ExitCode {
    if args.files.is_empty() && args.jsonl.is_empty() {
        return fail("nothing to send: give FILE arguments or --jsonl FILE");
    }
    let credentials = match Credentials::from_env() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let redactor = Redactor::new().secret(credentials.client_secret.expose());
    let fail = |message: &dyn std::fmt::Display| fail(redactor.redact(&message.to_string()));
    let items = match read_items(args) {
        Ok(items) => items,
        Err(message) => return fail(&message),
    };
    run.total = items.len() as u64;
    let ledger = match &args.db {
        Some(db) => match open_existing(db) {
            Ok(l) => Some(l),
            Err(message) => return fail(&message),
        },
        None => None,
    };
    // Whom each event is for, by source: read before the items are sent.
    let targets: HashMap<String, Target> = if ledger.is_some() {
        items.iter().filter_map(target).collect()
    } else {
        HashMap::new()
    };
    let journal = match &args.journal {
        Some(path) => match Journal::open_with_limit(path, args.max_journal_bytes) {
            Ok(j) => Some(j),
            Err(e) => return fail(&e),
        },
        None => None,
    };
    if let Some(j) = &journal {
        let old = j.records_without_destination();
        if old > 0 {
            to_stderr(&format!(
                "note: {}: {old} record(s) of an earlier format name no destination; \
                 their events are sent again (Amazon answers 409, already accepted, \
                 where they were delivered)",
                display_name(j.path())
            ));
        }
    }
    let builder = Client::builder(credentials, args.region, args.stage).rate_limit(args.rate);
    let builder = match args.endpoints.apply(builder) {
        Ok(b) => b,
        Err(message) => return fail(&message),
    };
    let client = match builder.build() {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };

    let bar = progress_bar(run.total);
    let mut options = BulkOptions::new().concurrency(args.concurrency);
    if let Some(j) = journal {
        options = options.journal(j);
    }
    let mut accepted = Vec::new();
    let result = runtime.block_on(client.send_all_with_summary(items, options, |p| {
        bar.set_position(p.summary.done());
        if p.item.status == ItemStatus::Accepted
            && let Some(source) = &p.item.source
        {
            accepted.push(source.clone());
        }
    }));
    bar.finish_and_clear();
    let (summary, stopped) = match result {
        Ok(summary) => (summary, None),
        Err(Interrupted { summary, error }) => (summary, Some(error)),
    };
    let redactor = client.redactor();
    for problem in &summary.problems {
        // An invalid event's violations are lines of their own (the only line
        // breaks a problem holds): each line is escaped, not the breaks.
        for line in redactor.redact(&problem.to_string()).split('\n') {
            to_stderr(&escape_control(line));
        }
    }
    if let Some(ledger) = &ledger {
        warn_unheard(args, ledger.as_ref(), &targets, &accepted);
    }
    let delivered = summary.all_delivered();
    run.summary = summary;
    if let Some(error) = stopped {
        return fail(&error);
    }
    if delivered {
        ExitCode::from(exit::OK)
    } else {
        ExitCode::from(exit::INVALID)
    }
}

/// An event's name and its Unicast user (`None`: Multicast).
type Target = (&'static str, Option<String>);

fn target(item: &BulkItem) -> Option<(String, Target)> {
    let request = item.request.as_ref().ok()?;
    let user = match &request.relevant_audience {
        Audience::Unicast(u) => Some(u.user.clone()),
        Audience::Multicast(_) => None,
    };
    Some((item.source.clone()?, (request.event.name(), user)))
}

/// After the sends: for each audience accepted with 202 (once per event and
/// user), the ledger's `SUBSCRIBED` and `REGION` findings that fail or warn, as
/// warnings naming `doctor`.
fn warn_unheard(
    args: &SendArgs,
    ledger: &dyn AnyLedger,
    targets: &HashMap<String, Target>,
    accepted: &[String],
) {
    let mut first_source: BTreeMap<&Target, &str> = BTreeMap::new();
    for source in accepted {
        if let Some(t) = targets.get(source) {
            first_source.entry(t).or_insert(source);
        }
    }
    for ((event, user), source) in first_source {
        let findings = doctor::audience_checks(
            ledger,
            args.skill_id.as_deref(),
            event,
            user.as_deref(),
            Some(args.region),
        );
        for f in findings
            .iter()
            .filter(|f| matches!(f.status, Status::Fail | Status::Warn))
        {
            to_stderr(&format!(
                "warning: {source}: accepted, but {} {}: {} (`proactive-events doctor --event \
                 {source}` checks the whole chain)",
                f.check,
                f.status,
                escape_control(&f.message)
            ));
        }
    }
}

/// A line on stderr; a failed write (`2>/dev/full`) is ignored, not a panic
/// as with `eprintln!`: the summary and the exit code still follow.
fn to_stderr(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err
        .write_all(line.as_bytes())
        .and_then(|()| err.write_all(b"\n"));
}

/// Every body of every input, in order; an unreadable file is a usage error.
fn read_items(args: &SendArgs) -> Result<Vec<BulkItem>, String> {
    let mut items = Vec::new();
    for path in &args.files {
        let name = display_name(path);
        let bytes = read_input(path).map_err(|e| format!("cannot read {name}: {e}"))?;
        items.push(BulkItem::from_json(name, &bytes));
    }
    for path in &args.jsonl {
        let name = display_name(path);
        let bytes = read_input(path).map_err(|e| format!("cannot read {name}: {e}"))?;
        for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            items.push(BulkItem::from_json(format!("{name}:{}", i + 1), line));
        }
    }
    Ok(items)
}

/// A bar on a terminal (stderr); nothing at all otherwise.
fn progress_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("[{elapsed_precise}] {bar:20} {pos}/{len}  {per_sec}")
    {
        bar.set_style(style);
    }
    bar
}
