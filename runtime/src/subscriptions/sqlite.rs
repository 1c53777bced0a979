//! The SQLite ledger (feature `sqlite`): durable, and safe with several writers.
//!
//! Every apply runs in one `BEGIN IMMEDIATE` transaction: the write lock is taken
//! before the stored version is read, so two writers (threads or processes) cannot both
//! read the old state and both write; the later one waits (busy timeout) and then
//! compares against what the first committed. WAL mode lets readers run beside them.

use super::ledger::{
    Change, Cursor, Ledger, Outcome, Page, StoreError, Subscriber, UserRecord, decide,
};
use super::parse::{Region, SubscriptionChanged, Version};
use crate::DateTime;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

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
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How to open a [`SqliteLedger`].
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// How long a writer waits for another writer's transaction before failing.
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
pub struct SqliteLedger {
    conn: Mutex<Connection>,
}

impl SqliteLedger {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, &SqliteOptions::default())
    }

    pub fn open_with(path: impl AsRef<Path>, options: &SqliteOptions) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let conn = Connection::open(path)
            .map_err(|e| StoreError::new(format!("open {}", path.display()), e))?;
        Self::setup(conn, options)
    }

    /// A private database that lives as long as this value (tests, benchmarks).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(|e| StoreError::new("open :memory:", e))?;
        Self::setup(conn, &SqliteOptions::default())
    }

    fn setup(mut conn: Connection, options: &SqliteOptions) -> Result<Self, StoreError> {
        let err = |what: &'static str| move |e| StoreError::new(what, e);
        // Before anything that locks, so that even setting WAL waits for other openers.
        conn.busy_timeout(options.busy_timeout)
            .map_err(err("set busy timeout"))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
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
        migrate(&mut conn)?;
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

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let err = |e| StoreError::new("migrate", e);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(err)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
            id      INTEGER PRIMARY KEY CHECK (id = 1),
            version INTEGER NOT NULL
        );
        INSERT OR IGNORE INTO schema_version (id, version) VALUES (1, 0);",
    )
    .map_err(err)?;
    let version: i64 = tx
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .map_err(err)?;
    if !(0..=SCHEMA_VERSION).contains(&version) {
        return Err(StoreError::new(
            "migrate",
            format!(
                "the database has schema version {version}; this library knows versions up to {SCHEMA_VERSION}"
            ),
        ));
    }
    // `version` is within 0..=len, checked above.
    for sql in MIGRATIONS.iter().skip(version as usize) {
        tx.execute_batch(sql).map_err(err)?;
    }
    tx.execute(
        "UPDATE schema_version SET version = ?1",
        params![SCHEMA_VERSION],
    )
    .map_err(err)?;
    tx.commit().map_err(err)
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
    if change.outcome != Outcome::Applied {
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
    let mut items: Vec<Subscriber> = stmt
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
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|last| Cursor {
            skill_id: skill_id.to_owned(),
            user_id: last.user_id.clone(),
        })
    } else {
        None
    };
    Ok(Page { items, next })
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
        self.write("apply", |tx| apply_in(tx, &mut Ids::default(), notice))
    }

    fn apply_all(&self, notices: &[SubscriptionChanged]) -> Result<Vec<Change>, StoreError> {
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
        let mut items = read(&self.lock()).map_err(|e| StoreError::new("read users", e))?;
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|last| Cursor {
                skill_id: last.skill_id.clone(),
                user_id: last.user_id.clone(),
            })
        } else {
            None
        };
        Ok(Page { items, next })
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
