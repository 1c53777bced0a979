//! `proactive-events subscriptions apply|list`: the subscription ledger in a SQLite file
//! or a PostgreSQL database, as `--db` names it ([`StoreLocation`]), opened by
//! [`open_ledger`].

use super::output::{Format, JsonStyle, escape_control, print_json};
use super::store::StoreLocation;
use super::{display_name, exit, fail, print, read_input};
use alexa_proactive_events::subscriptions::{
    ApplyOutcome, AsyncLedger, Change, Cursor, Ledger, PostgresLedger, PostgresOptions,
    SqliteLedger, SqliteOptions, StoreError, SubscriptionChanged, UserRecord,
};
use clap::{Args, Subcommand};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(after_help = "\
The ledger keeps, per skill and user, the events of the newest
AlexaSkillEvent.ProactiveSubscriptionChanged request (by request.timestamp, then
requestId): older requests arriving late are reported as stale and change nothing.

--db takes a SQLite file, or a PostgreSQL database shared by several hosts, as a
URL, postgres://USER@HOST:PORT/DATABASE (or postgresql://; ?sslrootcert=CA.pem,
?pool_size=N, ?schema=NAME), or as libpq's key=value pairs, \"host=HOST port=PORT
user=USER dbname=DATABASE\". The password comes from PGPASSWORD or the string; the
PG* variables fill in what it leaves out. Any other URL (sqlite://, mysql://, NAME:)
or a value with `=` that is not valid key=value pairs is refused (exit 2): write a
SQLite path holding `=` or starting with NAME: as ./PATH. Messages name a database
as postgres://USER@HOST:PORT/DATABASE, never with its password.

Examples:
  proactive-events subscriptions apply --db subs.db request1.json request2.json
  proactive-events subscriptions list --db subs.db
  proactive-events subscriptions list --db subs.db --event AMAZON.WeatherAlert.Activated --format json
  proactive-events subscriptions apply --db postgres://skill@db.internal/skill request.json
  proactive-events subscriptions list --db \"host=db.internal user=skill dbname=skill\"")]
pub struct SubscriptionsArgs {
    #[command(subcommand)]
    command: SubscriptionsCommand,
}

#[derive(Debug, Subcommand)]
enum SubscriptionsCommand {
    /// Apply skill requests to the ledger, in the order given, and print each change.
    #[command(after_help = "\
All files are read first; if any is unreadable or not a subscription request, nothing
is applied. Then all are applied in one transaction.

Exit codes: 0 applied, 1 a file is not a valid subscription request, 2 usage error,
unreadable file, malformed JSON or a database error.")]
    Apply(ApplyArgs),
    /// Print the stored state: users and their events.
    #[command(after_help = "\
Exit codes: 0 success, 2 usage error, missing database or a database error.")]
    List(ListArgs),
}

#[derive(Debug, Args)]
struct ApplyArgs {
    /// The SQLite database (created if missing), or a PostgreSQL database: a
    /// postgres:// URL or libpq key=value pairs (its tables are created or
    /// migrated if needed).
    #[arg(long, value_name = "PATH|URL")]
    db: StoreLocation,
    /// Skill request bodies (`-` reads standard input).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// `text`: one line per file; `json`: one object per line.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// The SQLite database (must exist; opened read-only), or a PostgreSQL
    /// database: a postgres:// URL or libpq key=value pairs (its tables must exist;
    /// nothing is written).
    #[arg(long, value_name = "PATH|URL")]
    db: StoreLocation,
    /// Only users subscribed to this event.
    #[arg(long, value_name = "NAME")]
    event: Option<String>,
    /// Only this user.
    #[arg(long, value_name = "ID")]
    user: Option<String>,
    /// Only this skill (applicationId).
    #[arg(long, value_name = "ID")]
    skill: Option<String>,
    /// `text`: one line per user; `json`: an array of users.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// What a command does with the ledger it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Apply notices: the store is created or migrated if needed.
    Write,
    /// Read only: nothing is created, migrated or written.
    Read,
}

/// A store the commands use both ways: one-shot commands call it as a [`Ledger`]
/// (blocking), servers as an [`AsyncLedger`] (never holding up a runtime thread).
pub(crate) trait AnyLedger: Ledger + AsyncLedger {}
impl<T: Ledger + AsyncLedger> AnyLedger for T {}

/// The ledger named by `--db` (or `--subscriptions-db`). Every command opens it
/// here, so they all open the same values the same way. Errors name the database
/// without its password. `wait` bounds how long a call waits for a connection
/// (PostgreSQL) or another writer's lock (SQLite); `None` keeps the stores' defaults.
pub(crate) fn open_ledger(
    db: &StoreLocation,
    access: Access,
    wait: Option<Duration>,
) -> Result<Arc<dyn AnyLedger>, StoreError> {
    Ok(match (db, access) {
        (StoreLocation::Postgres(c), _) => {
            let mut options = PostgresOptions::default().migrate(access == Access::Write);
            if let Some(wait) = wait {
                options = options.connect_timeout(wait);
            }
            Arc::new(PostgresLedger::connect_with(c.connect_str(), &options)?)
        }
        (StoreLocation::Sqlite(path), Access::Write) => {
            let mut options = SqliteOptions::default();
            if let Some(wait) = wait {
                options.busy_timeout = wait;
            }
            Arc::new(SqliteLedger::open_with(path, &options)?)
        }
        (StoreLocation::Sqlite(path), Access::Read) => {
            Arc::new(SqliteLedger::open_read_only(path)?)
        }
    })
}

/// The ledger named by `--db`, read only, which must exist: a missing SQLite
/// file is an error, not a new empty database at a mistyped path.
pub(crate) fn open_existing(db: &StoreLocation) -> Result<Arc<dyn AnyLedger>, String> {
    if let StoreLocation::Sqlite(path) = db
        && !path.is_file()
    {
        return Err(format!("no database at {}", path.display()));
    }
    // Read-only: neither waits for a writer's lock nor changes the store.
    open_ledger(db, Access::Read, None).map_err(|e| e.to_string())
}

pub fn run(args: SubscriptionsArgs) -> ExitCode {
    match args.command {
        SubscriptionsCommand::Apply(a) => apply(a),
        SubscriptionsCommand::List(a) => list(a),
    }
}

fn apply(args: ApplyArgs) -> ExitCode {
    let mut notices = Vec::new();
    let mut code = exit::OK;
    for file in &args.files {
        let name = display_name(file);
        match read_input(file) {
            Err(e) => {
                eprintln!(
                    "{name}: error: cannot read: {}",
                    escape_control(&e.to_string())
                );
                code = exit::USAGE;
            }
            Ok(bytes) => match SubscriptionChanged::from_json(&bytes) {
                Ok(n) => notices.push((name, n)),
                Err(e) => {
                    // The message quotes the input (`found `<request.type>``).
                    eprintln!("{name}: error: {}", escape_control(&e.to_string()));
                    if e.is_syntax() {
                        code = exit::USAGE;
                    } else if code == exit::OK {
                        code = exit::INVALID;
                    }
                }
            },
        }
    }
    if code != exit::OK {
        eprintln!("nothing applied");
        return ExitCode::from(code);
    }
    let ledger = match open_ledger(&args.db, Access::Write, None) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let batch: Vec<SubscriptionChanged> = notices.iter().map(|(_, n)| n.clone()).collect();
    let changes = match ledger.apply_all(&batch) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    for ((name, _), change) in notices.iter().zip(&changes) {
        match args.format {
            Format::Text => print(&format!("{name}: {}", describe(change))),
            Format::Json => {
                print_json(&change_json(name, change), JsonStyle::Line);
            }
        }
    }
    ExitCode::from(exit::OK)
}

/// `user U of skill S: subscribed A, B; unsubscribed C` / `stale (...)`. Every
/// name comes from a request body: control characters are escaped.
fn describe(c: &Change) -> String {
    let who = format!(
        "user {} of skill {}",
        escape_control(&c.user_id),
        escape_control(&c.skill_id)
    );
    match &c.outcome {
        ApplyOutcome::Stale { current } => format!(
            "{who}: stale, ignored (the stored request {} at {} is newer)",
            escape_control(&current.request_id),
            current.timestamp
        ),
        ApplyOutcome::Duplicate => format!("{who}: already applied"),
        ApplyOutcome::Applied => {
            let mut parts = Vec::new();
            if !c.subscribed.is_empty() {
                parts.push(format!("subscribed {}", escape_all(&c.subscribed)));
            }
            if !c.unsubscribed.is_empty() {
                parts.push(format!("unsubscribed {}", escape_all(&c.unsubscribed)));
            }
            if parts.is_empty() {
                parts.push("no change".to_owned());
            }
            format!("{who}: {}", parts.join("; "))
        }
        // A later library version may decide in new ways.
        _ => format!("{who}: {:?}", c.outcome),
    }
}

/// `names` joined by `, `, control characters escaped.
fn escape_all<'a>(names: impl IntoIterator<Item = &'a String>) -> String {
    let names: Vec<_> = names.into_iter().map(|n| escape_control(n)).collect();
    names.join(", ")
}

fn change_json(file: &str, c: &Change) -> serde_json::Value {
    let outcome = match &c.outcome {
        ApplyOutcome::Applied => "applied",
        ApplyOutcome::Stale { .. } => "stale",
        ApplyOutcome::Duplicate => "duplicate",
        _ => "other",
    };
    json!({
        "file": file,
        "skillId": c.skill_id,
        "userId": c.user_id,
        "outcome": outcome,
        "subscribed": c.subscribed,
        "unsubscribed": c.unsubscribed,
    })
}

fn list(args: ListArgs) -> ExitCode {
    let ledger = match open_existing(&args.db) {
        Ok(l) => l,
        Err(message) => return fail(message),
    };
    let keep = |r: &UserRecord| {
        args.skill.as_ref().is_none_or(|s| *s == r.skill_id)
            && args.user.as_ref().is_none_or(|u| *u == r.user_id)
            && args.event.as_ref().is_none_or(|e| r.events.contains(e))
    };
    let mut records = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let page = match ledger.users(after.as_ref(), 1000) {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        records.extend(page.items.into_iter().filter(|r| keep(r)));
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    match args.format {
        Format::Json => {
            let list: Vec<_> = records.iter().map(record_json).collect();
            print_json(&list, JsonStyle::Line);
        }
        Format::Text => {
            for r in &records {
                let events = if r.events.is_empty() {
                    "(no events)".to_owned()
                } else {
                    escape_all(&r.events)
                };
                let region = r.region.map_or("??", |r| r.code());
                print(&format!(
                    "{} {} {region} {events}  (as of {})",
                    escape_control(&r.skill_id),
                    escape_control(&r.user_id),
                    r.version.timestamp
                ));
            }
            eprintln!("{} user(s)", records.len());
        }
    }
    ExitCode::from(exit::OK)
}

fn record_json(r: &UserRecord) -> serde_json::Value {
    json!({
        "skillId": r.skill_id,
        "userId": r.user_id,
        "events": r.events,
        "region": r.region.map(|r| r.code()),
        "apiEndpoint": r.api_endpoint,
        "timestamp": r.version.timestamp.to_string(),
        "requestId": r.version.request_id,
    })
}
