//! `proactive-events doctor`: why didn't my notification arrive? Gathers the
//! inputs, runs the library's checks (`alexa_proactive_events::doctor`) and
//! formats the report: a checklist that fits 80 columns, or JSON.

use super::output::{Format, JsonStyle, escape_control, print_json};
use super::send::Endpoints;
use super::store::StoreLocation;
use super::subscriptions::open_existing;
use super::{display_name, exit, fail, print, read_file, read_input};
use alexa_proactive_events::client::{
    Client, Credentials, DEFAULT_MAX_JOURNAL_BYTES, Journal, Region, RetryPolicy, Stage,
};
use alexa_proactive_events::doctor::{self, Check, Finding, Inputs, Report, Status};
use alexa_proactive_events::redact::Redactor;
use alexa_proactive_events::subscriptions::Ledger;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, LazyLock};

/// The width the text report fits in.
const WIDTH: usize = 80;

/// The width of the id column: the longest id.
const ID_WIDTH: usize = 21;

/// The help's tail; the check ids come from the library's one list.
static AFTER_HELP: LazyLock<String> = LazyLock::new(|| {
    let ids: Vec<&str> = Check::ALL.iter().map(|c| c.as_str()).collect();
    format!(
        "\
Walks the chain an event goes through and prints one line per check, in order:
{}.
Each is pass, fail, warn, skip (an input it needs is missing: the fix says what to
pass) or info; what is not a pass is explained below the list, with its fix.

Credentials come from ALEXA_CLIENT_ID and ALEXA_CLIENT_SECRET, as for `send`;
without them CREDENTIALS is skipped. doctor asks for a token but never sends the
event, unless --send: then it sends it once (no retries) and explains the answer.

--format json prints {{\"checks\": [{{\"id\", \"status\", \"message\", \"fix\"}}]}}, one
object per check in the order above (the library's `doctor` module documents it).

Examples:
  proactive-events doctor --event event.json --skill-json skill-package/skill.json \\
      --db subs.db --region NA --stage development
  proactive-events doctor --event event.json --db subs.db --region EU --stage live --send
  proactive-events doctor --event event.json --format json

Exit codes: 0 no check fails, 1 a check fails, 2 usage error or unreadable input.",
        fill(&ids.join(", "))
    )
});

/// `text` broken into lines of at most [`WIDTH`] characters.
fn fill(text: &str) -> String {
    wrap(text, "", "").join("\n")
}

#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP.as_str())]
pub struct DoctorArgs {
    /// The request body to check (`-` reads standard input).
    #[arg(long = "event", value_name = "BODY.json")]
    body: PathBuf,
    /// The skill's manifest (skill-package/skill.json).
    #[arg(long, value_name = "PATH")]
    skill_json: Option<PathBuf>,
    /// The subscriptions ledger (a SQLite file, or a PostgreSQL database as a
    /// postgres:// URL or libpq key=value pairs), read only.
    #[arg(long, value_name = "PATH|URL")]
    db: Option<StoreLocation>,
    /// The skill (amzn1.ask.skill.…): only its records in the ledger count.
    #[arg(long, value_name = "ID")]
    skill_id: Option<String>,
    /// The stage the event goes to: development or live.
    #[arg(long)]
    stage: Option<Stage>,
    /// The region the event goes to: NA, EU or FE.
    #[arg(long)]
    region: Option<Region>,
    /// The journal of `proactive-events send --journal` (must exist).
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    #[command(flatten)]
    endpoints: Endpoints,
    /// Send the event once and explain Amazon's answer.
    #[arg(long, requires_all = ["stage", "region"])]
    send: bool,
    /// `text`: a checklist, one line per check, then the fixes; `json`:
    /// {"checks": [{"id", "status", "message", "fix"}]}.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(args: DoctorArgs) -> ExitCode {
    let mut inputs = match read_inputs(&args) {
        Ok(inputs) => inputs,
        Err(message) => return fail(message),
    };
    // Only the client's redactor knows the secret; without credentials there is none.
    let redactor = inputs
        .client
        .as_ref()
        .map_or_else(Redactor::new, |c| c.redactor().clone());
    inputs.send = args.send;
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    let mut report = runtime.block_on(doctor::run(inputs));
    for finding in &mut report.checks {
        finding.message = redactor.redact(&finding.message).into_owned();
        finding.fix = redactor.redact(&finding.fix).into_owned();
    }
    match args.format {
        Format::Json => {
            print_json(&report, JsonStyle::Pretty);
        }
        Format::Text => print(&text(&report)),
    }
    ExitCode::from(if report.passed() {
        exit::OK
    } else {
        exit::INVALID
    })
}

/// Everything the checks read; an unreadable input is a usage error (exit 2).
fn read_inputs(args: &DoctorArgs) -> Result<Inputs, String> {
    let name = display_name(&args.body);
    let body = read_input(&args.body).map_err(|e| format!("cannot read {name}: {e}"))?;
    let mut inputs = Inputs::new(body);
    if let Some(path) = &args.skill_json {
        let name = display_name(path);
        let bytes = read_file(path).map_err(|e| format!("cannot read {name}: {e}"))?;
        let value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{name}: not JSON: {}", escape_control(&e.to_string())))?;
        inputs.skill_json = Some(value);
    }
    if let Some(db) = &args.db {
        let ledger: Arc<dyn Ledger + Send + Sync> = open_existing(db)?;
        inputs.ledger = Some(ledger);
    }
    if let Some(path) = &args.journal {
        // Opening creates a missing journal: a mistyped path would pass.
        if !path.is_file() {
            return Err(format!("no journal at {}", display_name(path)));
        }
        let journal =
            Journal::open_with_limit(path, DEFAULT_MAX_JOURNAL_BYTES).map_err(|e| e.to_string())?;
        inputs.journal = Some(journal);
    }
    inputs.skill_id.clone_from(&args.skill_id);
    inputs.stage = args.stage;
    inputs.region = args.region;
    inputs.client = client(args)?;
    Ok(inputs)
}

/// A client when the credentials are set (`None` skips CREDENTIALS): for the
/// token, and with `--send` for the one request, which is not retried.
fn client(args: &DoctorArgs) -> Result<Option<Client>, String> {
    let Ok(credentials) = Credentials::from_env() else {
        return Ok(None);
    };
    let redactor = Redactor::new().secret(credentials.client_secret.expose());
    // The token endpoint serves every region and stage: without --region and
    // --stage (only needed with --send), any will do for the token.
    let builder = Client::builder(
        credentials,
        args.region.unwrap_or(Region::NorthAmerica),
        args.stage.unwrap_or(Stage::Development),
    )
    .retry(RetryPolicy::none())
    .rate_limit(0);
    args.endpoints
        .apply(builder)?
        .build()
        .map(Some)
        .map_err(|e| redactor.redact(&e.to_string()).into_owned())
}

/// The checklist (one line per check, cut to fit), then each check that is not a
/// pass with its message and fix, wrapped, then the counts.
fn text(report: &Report) -> String {
    let mut out = Vec::new();
    for f in &report.checks {
        let line = format!(
            "{:<4}  {:<ID_WIDTH$} {}",
            label(f.status),
            f.check.as_str(),
            escape_control(&f.message)
        );
        out.push(cut(&line, WIDTH));
    }
    let notes: Vec<&Finding> = report
        .checks
        .iter()
        .filter(|f| f.status != Status::Pass)
        .collect();
    for f in notes {
        out.push(String::new());
        out.extend(wrap(
            &format!("{}: {}", f.check, escape_control(&f.message)),
            "",
            "  ",
        ));
        if !f.fix.is_empty() {
            out.extend(wrap(&escape_control(&f.fix), "  fix: ", "       "));
        }
    }
    out.push(String::new());
    let count = |s: Status| report.checks.iter().filter(|f| f.status == s).count();
    out.push(format!(
        "{} pass, {} fail, {} warn, {} skip, {} info",
        count(Status::Pass),
        count(Status::Fail),
        count(Status::Warn),
        count(Status::Skip),
        count(Status::Info)
    ));
    out.join("\n")
}

fn label(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Warn => "WARN",
        Status::Skip => "SKIP",
        Status::Info => "INFO",
    }
}

/// `line` cut to `width` characters, an ellipsis marking the cut.
fn cut(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return line.to_owned();
    }
    let mut kept: String = line.chars().take(width - 1).collect();
    kept.push('…');
    kept
}

/// `text` filled into lines of at most [`WIDTH`] characters, the first after
/// `first`, the others after `rest`; a word longer than a line is split.
fn wrap(text: &str, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_owned();
    let mut empty = true;
    let mut indent = first.chars().count();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let len = line.chars().count();
            let room = WIDTH.saturating_sub(len + usize::from(!empty));
            if word.len() <= room {
                if !empty {
                    line.push(' ');
                }
                line.extend(word.iter());
                empty = false;
                break;
            }
            if empty {
                // Longer than a whole line: split it.
                let (head, tail) = word.split_at(WIDTH - indent);
                line.extend(head.iter());
                word = tail.to_vec();
            }
            lines.push(std::mem::replace(&mut line, rest.to_owned()));
            indent = rest.chars().count();
            empty = true;
        }
    }
    if !empty {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        // 78 + 1 + 1: the second word ends the line exactly at the width.
        let text = format!(
            "{} b c {} {}",
            "y".repeat(78),
            "x".repeat(100),
            "word ".repeat(40)
        );
        let lines = wrap(&text, "  fix: ", "       ");
        assert!(
            lines.iter().all(|l| l.chars().count() <= WIDTH),
            "{lines:#?}"
        );
        let joined: String = lines.concat().split_whitespace().collect();
        assert_eq!(
            joined.replace("fix:", ""),
            text.split_whitespace().collect::<String>()
        );
        assert_eq!(cut(&"é".repeat(100), WIDTH).chars().count(), WIDTH);
    }
}
