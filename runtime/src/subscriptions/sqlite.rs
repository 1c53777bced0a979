//! The SQLite ledger (feature `sqlite`): durable, and safe with several writers.
//!
//! Every apply runs in one `BEGIN IMMEDIATE` transaction: the write lock is taken
//! before the stored version is read, so two writers (threads or processes) cannot both
//! read the old state and both write; the later one waits (busy timeout) and then
//! compares against what the first committed. WAL mode lets readers run beside them.

use super::ledger::{
    ApplyOutcome, Change, Cursor, Ledger, Page, StoreError, Subscriber, UserRecord, check_storable,
    decide,
};
use super::parse::{Region, SubscriptionChanged, Version};
use crate::DateTime;
use rusqlite::{
    Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Migrations in order; `schema_version.version` counts how many were applied.
/// Append only: never edit one that has shipped.
const MIGRATIONS: &[&str] = &[
    // 1: skills and event names are numbered once, so that the large tables hold
    // small keys; a user's events are also kept on their row, so that an apply
    // reads one row and the audience table needs no second index.
    "CREATE TABLE skills (
        id       INTEGER PRIMARY KEY,
        skill_id TEXT    NOT NULL UNIQUE
    );
    CREATE TABLE event_names (
        id   INTEGER PRIMARY KEY,
        name TEXT    NOT NULL UNIQUE
    );
    CREATE TABLE users (
        skill        INTEGER NOT NULL REFERENCES skills (id),
        user_id      TEXT    NOT NULL,
        events       TEXT    NOT NULL, -- JSON array of event names, sorted
        api_endpoint TEXT    NOT NULL,
        region       TEXT,             -- 'NA' | 'EU' | 'FE', NULL for an unknown endpoint
        ts_seconds   INTEGER NOT NULL, -- request.timestamp: seconds since the epoch
        ts_nanos     INTEGER NOT NULL, -- and the fraction, same sign
        request_id   TEXT    NOT NULL,
        PRIMARY KEY (skill, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE subscriptions (
        skill   INTEGER NOT NULL,
        event   INTEGER NOT NULL REFERENCES event_names (id),
        user_id TEXT    NOT NULL,
        PRIMARY KEY (skill, event, user_id)
    ) WITHOUT ROWID;",
];

/// The schema version this library writes.
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How to open a [`SqliteLedger`].
#[derive(Debug, Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub struct SqliteOptions {
    /// How long a writer waits for another writer's transaction before failing; also
    /// how long opening keeps retrying while other openers set up a new file.
    pub busy_timeout: Duration,
    /// When a commit reaches the disk.
    pub synchronous: Synchronous,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(30),
            synchronous: Synchronous::Full,
        }
    }
}

/// SQLite's `synchronous` setting, in WAL mode. Either way a crash of the process
/// loses nothing committed and never corrupts the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub enum Synchronous {
    /// Every commit is flushed to disk before it returns: it survives a power loss.
    Full,
    /// The log is flushed at checkpoints only: a power loss (not a process crash) may
    /// lose the last commits. Faster when every notice is its own transaction.
    Normal,
}

/// A [`Ledger`] in a SQLite file. One value holds one connection; open one per thread
/// or process for parallel writers, or share one (it is `Sync`) to serialize them.
#[derive(Debug)]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub struct SqliteLedger {
    conn: Mutex<Connection>,
}

impl SqliteLedger {
    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// Safe to call from many threads or processes at once, even while the file does
    /// not exist yet: setting up a new file (WAL mode, migrations) is retried while
    /// another opener holds the lock, within [`SqliteOptions::busy_timeout`]. Opening
    /// a database that is already at [`SCHEMA_VERSION`] takes no write lock, so it
    /// does not wait for writers.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, &SqliteOptions::default())
    }

    /// [`SqliteLedger::open`] with other options.
    pub fn open_with(path: impl AsRef<Path>, options: &SqliteOptions) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let conn = Connection::open(path).map_err(|e| open_error(path, e))?;
        Self::setup(conn, options)
    }

    /// Opens an existing database for reading only: it is never created, changed or
    /// migrated, and no lock is taken that a writer would wait for (readers run beside
    /// writers in WAL mode). Reads see committed data only. A missing file, a file
    /// that is not a ledger, or one at another schema version than [`SCHEMA_VERSION`]
    /// is an error. The write methods of the [`Ledger`] trait fail on it.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let what = || format!("open {}", path.display());
        // SQLite's own message for a missing file is "unable to open database file".
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::new(
                    what(),
                    "no such database (a read-only open does not create one)",
                ));
            }
            _ => {}
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| open_error(path, e))?;
        let options = SqliteOptions::default();
        conn.busy_timeout(options.busy_timeout)
            .map_err(|e| StoreError::new("set busy timeout", e))?;
        let deadline = Instant::now() + options.busy_timeout;
        let version = retry_busy(deadline, || stored_version(&conn))
            .map_err(|e| StoreError::new("read schema version", e))?;
        if version.is_none() {
            let tables =
                ledger_tables(&conn).map_err(|e| StoreError::new("read schema version", e))?;
            if !tables.is_empty() {
                return Err(version_table_missing(&tables));
            }
        }
        match version {
            Some(SCHEMA_VERSION) => {}
            Some(v) if !(0..SCHEMA_VERSION).contains(&v) => return Err(unknown_version(v)),
            v => {
                return Err(StoreError::new(
                    "read schema version",
                    format!(
                        "the database has schema version {} and this library reads version \
                         {SCHEMA_VERSION}: open it for writing once to migrate it",
                        v.unwrap_or(0)
                    ),
                ));
            }
        }
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// A private database that lives as long as this value (tests, benchmarks).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(|e| StoreError::new("open :memory:", e))?;
        Self::setup(conn, &SqliteOptions::default())
    }

    fn setup(mut conn: Connection, options: &SqliteOptions) -> Result<Self, StoreError> {
        let err = |what: &'static str| move |e| StoreError::new(what, e);
        conn.busy_timeout(options.busy_timeout)
            .map_err(err("set busy timeout"))?;
        // SQLite does not always wait for the busy timeout: a connection that holds a
        // read lock and needs the write lock fails at once rather than risk a
        // deadlock. Switching a new file to WAL mode does just that, so several
        // processes creating the same file fail now and then. The steps that lock are
        // therefore retried until the busy timeout has passed.
        let deadline = Instant::now() + options.busy_timeout;
        let mode = retry_busy(deadline, || {
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
        })
        .map_err(err("set WAL mode"))?;
        if !(mode.eq_ignore_ascii_case("wal") || mode.eq_ignore_ascii_case("memory")) {
            return Err(StoreError::new(
                "set WAL mode",
                format!("journal mode is {mode}, not wal"),
            ));
        }
        // SQLite's default page cache is 2 MiB: a large ledger's random-order updates
        // then spill and re-read pages all the time.
        conn.pragma_update(None, "cache_size", -64 * 1024)
            .map_err(err("set cache size"))?;
        let synchronous = match options.synchronous {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", synchronous)
            .map_err(err("set synchronous"))?;
        // A database at the current version is only read: no write lock, so opening
        // does not wait for (or fail behind) a writer.
        let version =
            retry_busy(deadline, || stored_version(&conn)).map_err(err("read schema version"))?;
        match version {
            Some(SCHEMA_VERSION) => {}
            Some(v) if !(0..SCHEMA_VERSION).contains(&v) => return Err(unknown_version(v)),
            _ => retry_busy(deadline, || migrate(&mut conn)).map_err(|e| match e {
                Migration::Sqlite(e) => StoreError::new("migrate", e),
                Migration::Unknown(v) => unknown_version(v),
                Migration::VersionTableMissing(tables) => version_table_missing(&tables),
            })?,
        }
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// The schema version stored in the database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.lock()
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            .map_err(|e| StoreError::new("read schema version", e))
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock left no open transaction behind: rusqlite's
        // `Transaction` rolls back on drop.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn write<T>(
        &self,
        what: &'static str,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, rusqlite::Error>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| StoreError::new(what, e))?;
        let out = f(&tx).map_err(|e| StoreError::new(what, e))?;
        tx.commit().map_err(|e| StoreError::new(what, e))?;
        Ok(out)
    }
}

/// The error of opening `path`, with the reason SQLite leaves out when it can be
/// seen from the file system ("unable to open database file" says nothing of why).
fn open_error(path: &Path, e: rusqlite::Error) -> StoreError {
    let what = format!("open {}", path.display());
    if path.is_dir() {
        return StoreError::new(what, "it is a directory, not a database file");
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return StoreError::new(
            what,
            format!("the directory {} does not exist", parent.display()),
        );
    }
    StoreError::new(what, e)
}

/// A version this library did not write: newer (or negative, never written by anyone).
fn unknown_version(version: i64) -> StoreError {
    StoreError::new(
        "read schema version",
        format!(
            "the database has schema version {version}; this library knows versions up to {SCHEMA_VERSION}"
        ),
    )
}

/// Runs `f` again while it fails because another connection holds a lock, until
/// `deadline`, sleeping a little longer (with jitter, so that competing openers do not
/// retry in step) each time. `f` must be safe to repeat: a failed transaction has been
/// rolled back.
fn retry_busy<T, E: IsBusy>(
    deadline: Instant,
    mut f: impl FnMut() -> Result<T, E>,
) -> Result<T, E> {
    let mut pause = Duration::from_millis(1);
    loop {
        match f() {
            Err(e) if e.is_busy() => {
                let now = Instant::now();
                if now >= deadline {
                    return Err(e);
                }
                let jitter = Duration::from_micros(random() % 1000);
                std::thread::sleep((pause + jitter).min(deadline - now));
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// A random number: the standard library's hashing keys are random per process and
/// differ for each `RandomState`.
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}

trait IsBusy {
    fn is_busy(&self) -> bool;
}

impl IsBusy for rusqlite::Error {
    fn is_busy(&self) -> bool {
        matches!(
            self.sqlite_error_code(),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        )
    }
}

/// Why [`migrate`] failed.
enum Migration {
    Sqlite(rusqlite::Error),
    /// A version this library did not write.
    Unknown(i64),
    /// The ledger's tables are there but `schema_version` is not (these ones).
    VersionTableMissing(Vec<String>),
}

impl From<rusqlite::Error> for Migration {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e)
    }
}

impl IsBusy for Migration {
    fn is_busy(&self) -> bool {
        matches!(self, Self::Sqlite(e) if e.is_busy())
    }
}

/// The version in `schema_version`, read without a write lock; `None` when the table
/// or its row is missing (a new file, or a first start that was interrupted).
fn stored_version(conn: &Connection) -> Result<Option<i64>, rusqlite::Error> {
    // One read transaction (rolled back when dropped: it writes nothing), so that
    // the table seen and its row agree.
    let tx = conn.unchecked_transaction()?;
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master
                        WHERE type = 'table' AND name = 'schema_version')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(None);
    }
    tx.query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .optional()
}

/// The ledger's own tables (those of the first migration), for telling a new
/// file from one whose `schema_version` table was dropped.
const LEDGER_TABLES: [&str; 4] = ["skills", "event_names", "users", "subscriptions"];

/// Which of [`LEDGER_TABLES`] exist.
fn ledger_tables(conn: &Connection) -> Result<Vec<String>, rusqlite::Error> {
    let mut found = Vec::new();
    for table in LEDGER_TABLES {
        let exists: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            params![table],
            |r| r.get(0),
        )?;
        if exists {
            found.push(table.to_owned());
        }
    }
    Ok(found)
}

/// The ledger's tables without their version table: migrating would run the
/// first migration again ("table skills already exists", with all its SQL).
/// Nothing is changed; the message says how to recreate the table.
fn version_table_missing(tables: &[String]) -> StoreError {
    StoreError::new(
        "read schema version",
        format!(
            "the database holds the ledger's tables ({}) but not their version table \
             `schema_version` (was it dropped?); nothing was changed. If the tables are this \
             library's, at schema version {SCHEMA_VERSION}, recreate it: `CREATE TABLE \
             schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT \
             NULL); INSERT INTO schema_version VALUES (1, {SCHEMA_VERSION});`, else restore \
             the database from a backup",
            tables.join(", ")
        ),
    )
}

/// Brings the schema to [`SCHEMA_VERSION`] in one write transaction, reading the
/// version again under the write lock (another opener may have migrated meanwhile).
fn migrate(conn: &mut Connection) -> Result<(), Migration> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Tables and version are created in one transaction: tables without the
    // version table were not left by an interrupted first start.
    let versioned: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master
                        WHERE type = 'table' AND name = 'schema_version')",
        [],
        |r| r.get(0),
    )?;
    if !versioned {
        let tables = ledger_tables(&tx)?;
        if !tables.is_empty() {
            return Err(Migration::VersionTableMissing(tables));
        }
    }
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
            id      INTEGER PRIMARY KEY CHECK (id = 1),
            version INTEGER NOT NULL
        );
        INSERT OR IGNORE INTO schema_version (id, version) VALUES (1, 0);",
    )?;
    let version: i64 = tx.query_row("SELECT version FROM schema_version", [], |r| r.get(0))?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    if !(0..SCHEMA_VERSION).contains(&version) {
        return Err(Migration::Unknown(version));
    }
    // `version` is within 0..len, checked above.
    for sql in MIGRATIONS.iter().skip(version as usize) {
        tx.execute_batch(sql)?;
    }
    tx.execute(
        "UPDATE schema_version SET version = ?1",
        params![SCHEMA_VERSION],
    )?;
    tx.commit()?;
    Ok(())
}

/// Numbers of skills and event names, looked up or assigned within one transaction
/// (so a rolled-back assignment is never remembered).
#[derive(Default)]
struct Ids {
    skills: HashMap<String, i64>,
    events: HashMap<String, i64>,
}

impl Ids {
    fn skill(&mut self, tx: &Transaction<'_>, skill_id: &str) -> Result<i64, rusqlite::Error> {
        if let Some(id) = self.skills.get(skill_id) {
            return Ok(*id);
        }
        let id = match lookup(tx, "SELECT id FROM skills WHERE skill_id = ?1", skill_id)? {
            Some(id) => id,
            None => {
                tx.prepare_cached("INSERT INTO skills (skill_id) VALUES (?1)")?
                    .execute(params![skill_id])?;
                tx.last_insert_rowid()
            }
        };
        self.skills.insert(skill_id.to_owned(), id);
        Ok(id)
    }

    fn event(&mut self, tx: &Transaction<'_>, name: &str) -> Result<i64, rusqlite::Error> {
        if let Some(id) = self.events.get(name) {
            return Ok(*id);
        }
        let id = match lookup(tx, "SELECT id FROM event_names WHERE name = ?1", name)? {
            Some(id) => id,
            None => {
                tx.prepare_cached("INSERT INTO event_names (name) VALUES (?1)")?
                    .execute(params![name])?;
                tx.last_insert_rowid()
            }
        };
        self.events.insert(name.to_owned(), id);
        Ok(id)
    }
}

/// The number of a skill or event name, if it has one.
fn lookup(conn: &Connection, sql: &str, key: &str) -> Result<Option<i64>, rusqlite::Error> {
    conn.prepare_cached(sql)?
        .query_row(params![key], |r| r.get(0))
        .optional()
}

fn apply_in(
    tx: &Transaction<'_>,
    ids: &mut Ids,
    n: &SubscriptionChanged,
) -> Result<Change, rusqlite::Error> {
    let skill = ids.skill(tx, &n.skill_id)?;
    let stored: Option<(Version, BTreeSet<String>)> = tx
        .prepare_cached(
            "SELECT ts_seconds, ts_nanos, request_id, events FROM users
             WHERE skill = ?1 AND user_id = ?2",
        )?
        .query_row(params![skill, n.user_id], |r| {
            let version = Version {
                timestamp: timestamp(r.get(0)?, r.get(1)?)?,
                request_id: r.get(2)?,
            };
            Ok((version, events_from(&r.get::<_, String>(3)?)?))
        })
        .optional()?;
    let change = decide(stored.as_ref().map(|(v, e)| (v, e)), n);
    if change.outcome != ApplyOutcome::Applied {
        return Ok(change);
    }
    for e in &change.unsubscribed {
        let event = ids.event(tx, e)?;
        tx.prepare_cached(
            "DELETE FROM subscriptions WHERE skill = ?1 AND event = ?2 AND user_id = ?3",
        )?
        .execute(params![skill, event, n.user_id])?;
    }
    for e in &change.subscribed {
        let event = ids.event(tx, e)?;
        tx.prepare_cached("INSERT INTO subscriptions (skill, event, user_id) VALUES (?1, ?2, ?3)")?
            .execute(params![skill, event, n.user_id])?;
    }
    let events = serde_json::to_string(&n.events).map_err(|e| corrupt(e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO users (skill, user_id, events, api_endpoint, region, ts_seconds, ts_nanos, request_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (skill, user_id) DO UPDATE SET
           events = excluded.events, api_endpoint = excluded.api_endpoint,
           region = excluded.region, ts_seconds = excluded.ts_seconds,
           ts_nanos = excluded.ts_nanos, request_id = excluded.request_id",
    )?
    .execute(params![
        skill,
        n.user_id,
        events,
        n.api_endpoint,
        n.region.map(Region::code),
        n.timestamp.as_second(),
        n.timestamp.subsec_nanosecond(),
        n.request_id,
    ])?;
    Ok(change)
}

/// Rebuilds a timestamp written by [`apply_in`]; a value out of range means the file
/// was edited by something else.
fn timestamp(seconds: i64, nanos: i32) -> Result<DateTime, rusqlite::Error> {
    DateTime::new(seconds, nanos).map_err(|e| corrupt(format!("stored timestamp: {e}")))
}

fn events_from(json: &str) -> Result<BTreeSet<String>, rusqlite::Error> {
    serde_json::from_str(json).map_err(|e| corrupt(format!("stored events: {e}")))
}

fn region(code: Option<String>) -> Result<Option<Region>, rusqlite::Error> {
    match code {
        None => Ok(None),
        Some(c) => Region::from_code(&c)
            .map(Some)
            .ok_or_else(|| corrupt(format!("stored region {c:?} is not NA, EU or FE"))),
    }
}

fn corrupt(message: String) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(message.into())
}

fn subscribers_in(
    conn: &Connection,
    skill_id: &str,
    event: &str,
    after: Option<&Cursor>,
    limit: usize,
) -> Result<Page<Subscriber>, rusqlite::Error> {
    let limit = limit.max(1);
    let empty = Page {
        items: Vec::new(),
        next: None,
    };
    let Some(skill) = lookup(conn, "SELECT id FROM skills WHERE skill_id = ?1", skill_id)? else {
        return Ok(empty);
    };
    let Some(event) = lookup(conn, "SELECT id FROM event_names WHERE name = ?1", event)? else {
        return Ok(empty);
    };
    let after_user = after.map(|c| c.user_id.as_str());
    let mut stmt = conn.prepare_cached(
        "SELECT s.user_id, u.api_endpoint, u.region
         FROM subscriptions s JOIN users u ON u.skill = s.skill AND u.user_id = s.user_id
         WHERE s.skill = ?1 AND s.event = ?2 AND (?3 IS NULL OR s.user_id > ?3)
         ORDER BY s.user_id
         LIMIT ?4",
    )?;
    // One extra row tells whether another page follows.
    let items: Vec<Subscriber> = stmt
        .query_map(
            params![skill, event, after_user, limit.saturating_add(1) as i64],
            |r| {
                Ok(Subscriber {
                    user_id: r.get(0)?,
                    api_endpoint: r.get(1)?,
                    region: region(r.get(2)?)?,
                })
            },
        )?
        .collect::<Result<_, _>>()?;
    Ok(Page::from_overfetch(items, limit, |s| Cursor {
        skill_id: skill_id.to_owned(),
        user_id: s.user_id.clone(),
    }))
}

fn record_row(r: &rusqlite::Row<'_>) -> Result<UserRecord, rusqlite::Error> {
    Ok(UserRecord {
        skill_id: r.get(0)?,
        user_id: r.get(1)?,
        events: events_from(&r.get::<_, String>(2)?)?,
        api_endpoint: r.get(3)?,
        region: region(r.get(4)?)?,
        version: Version {
            timestamp: timestamp(r.get(5)?, r.get(6)?)?,
            request_id: r.get(7)?,
        },
    })
}

const RECORD_COLUMNS: &str = "s.skill_id, u.user_id, u.events, u.api_endpoint, u.region, \
     u.ts_seconds, u.ts_nanos, u.request_id FROM users u JOIN skills s ON s.id = u.skill";

impl Ledger for SqliteLedger {
    fn apply(&self, notice: &SubscriptionChanged) -> Result<Change, StoreError> {
        check_storable(std::slice::from_ref(notice))?;
        self.write("apply", |tx| apply_in(tx, &mut Ids::default(), notice))
    }

    fn apply_all(&self, notices: &[SubscriptionChanged]) -> Result<Vec<Change>, StoreError> {
        check_storable(notices)?;
        self.write("apply_all", |tx| {
            let mut ids = Ids::default();
            notices.iter().map(|n| apply_in(tx, &mut ids, n)).collect()
        })
    }

    fn user(&self, skill_id: &str, user_id: &str) -> Result<Option<UserRecord>, StoreError> {
        self.lock()
            .prepare_cached(&format!(
                "SELECT {RECORD_COLUMNS} WHERE s.skill_id = ?1 AND u.user_id = ?2"
            ))
            .and_then(|mut stmt| {
                stmt.query_row(params![skill_id, user_id], record_row)
                    .optional()
            })
            .map_err(|e| StoreError::new("read user", e))
    }

    fn subscribers(
        &self,
        skill_id: &str,
        event: &str,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Subscriber>, StoreError> {
        let mut conn = self.lock();
        // One read transaction: the numbers looked up and the page agree.
        let mut read = || -> Result<Page<Subscriber>, rusqlite::Error> {
            let tx = conn.transaction()?;
            subscribers_in(&tx, skill_id, event, after, limit)
        };
        read().map_err(|e| StoreError::new("read subscribers", e))
    }

    fn users(&self, after: Option<&Cursor>, limit: usize) -> Result<Page<UserRecord>, StoreError> {
        let limit = limit.max(1);
        let (skill, user) = match after {
            Some(c) => (Some(c.skill_id.as_str()), Some(c.user_id.as_str())),
            None => (None, None),
        };
        let read = |conn: &Connection| -> Result<Vec<UserRecord>, rusqlite::Error> {
            conn.prepare_cached(&format!(
                "SELECT {RECORD_COLUMNS}
                 WHERE ?1 IS NULL OR (s.skill_id, u.user_id) > (?1, ?2)
                 ORDER BY s.skill_id, u.user_id
                 LIMIT ?3"
            ))?
            .query_map(
                params![skill, user, limit.saturating_add(1) as i64],
                record_row,
            )?
            .collect()
        };
        let items = read(&self.lock()).map_err(|e| StoreError::new("read users", e))?;
        Ok(Page::from_overfetch(items, limit, |r| Cursor {
            skill_id: r.skill_id.clone(),
            user_id: r.user_id.clone(),
        }))
    }

    /// One aggregate query over the audience index.
    fn count_subscribers(
        &self,
        skill_id: Option<&str>,
        event: &str,
        user_id: Option<&str>,
    ) -> Result<u64, StoreError> {
        let sql = match skill_id {
            Some(_) => {
                "SELECT count(*) FROM subscriptions
                 WHERE skill = (SELECT id FROM skills WHERE skill_id = ?1)
                   AND event = (SELECT id FROM event_names WHERE name = ?2)
                   AND (?3 IS NULL OR user_id = ?3)"
            }
            // Any skill: a user subscribed through two skills counts once.
            None => {
                "SELECT count(DISTINCT user_id) FROM subscriptions
                 WHERE ?1 IS NULL
                   AND event = (SELECT id FROM event_names WHERE name = ?2)
                   AND (?3 IS NULL OR user_id = ?3)"
            }
        };
        self.lock()
            .prepare_cached(sql)
            .and_then(|mut stmt| {
                stmt.query_row(params![skill_id, event, user_id], |r| r.get::<_, i64>(0))
            })
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(|e| StoreError::new("count subscribers", e))
    }

    /// All pages from one read transaction: one consistent snapshot of the audience.
    fn audience(&self, skill_id: &str, event: &str) -> Result<Vec<Subscriber>, StoreError> {
        let mut conn = self.lock();
        let mut read = || -> Result<Vec<Subscriber>, rusqlite::Error> {
            let tx = conn.transaction()?;
            let mut all = Vec::new();
            let mut after = None;
            loop {
                let page = subscribers_in(&tx, skill_id, event, after.as_ref(), 10_000)?;
                all.extend(page.items);
                match page.next {
                    Some(c) => after = Some(c),
                    None => return Ok(all),
                }
            }
        };
        read().map_err(|e| StoreError::new("read audience", e))
    }
}

/// Each async call runs on tokio's blocking pool (the file is read and written by
/// blocking calls), so it never holds up a runtime's worker thread.
impl super::BlockingLedger for SqliteLedger {}
