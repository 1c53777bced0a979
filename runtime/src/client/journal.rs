//! An append-only journal of outcomes, one JSON line per event, fsync'd before the
//! event counts as done: a bulk send killed halfway resumes from it without
//! re-sending what was accepted. A torn last line (a crash mid-write) is dropped.

use crate::DateTime;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalRecord {
    pub reference_id: String,
    /// The Unicast user; `None` for Multicast.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The event's `timestamp`: a later one is an update (D14) and is sent again.
    pub timestamp: DateTime,
    /// `accepted`, `already_accepted`, `rejected` or `failed`.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the outcome was recorded.
    pub at: DateTime,
}

impl JournalRecord {
    /// Accepted or already accepted: delivered, not to be sent again.
    pub fn is_delivered(&self) -> bool {
        matches!(self.outcome.as_str(), "accepted" | "already_accepted")
    }
}

/// The journal could not be read or written.
#[derive(Debug)]
pub enum JournalError {
    Io {
        path: PathBuf,
        error: io::Error,
    },
    /// A line other than the last is not a record: not a journal, or damaged.
    Corrupt {
        path: PathBuf,
        line: usize,
        error: String,
    },
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, error } => write!(f, "journal {}: {error}", path.display()),
            Self::Corrupt { path, line, error } => write!(
                f,
                "journal {}:{line}: not a journal record ({error}); only a torn last line is repaired",
                path.display()
            ),
        }
    }
}

impl std::error::Error for JournalError {}

type Key = (String, Option<String>);

/// An open journal. Clones share the file.
#[derive(Debug, Clone)]
pub struct Journal {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    file: Mutex<File>,
    /// The latest delivered timestamp per (referenceId, user).
    delivered: HashMap<Key, DateTime>,
    records: usize,
    repaired: bool,
}

impl Journal {
    /// Opens (or creates) a journal and reads what it holds.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        let io_err = |error| JournalError::Io {
            path: path.clone(),
            error,
        };
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io_err)?;
        if !existed {
            sync_parent(&path);
        }
        let mut text = Vec::new();
        file.read_to_end(&mut text).map_err(io_err)?;

        let mut delivered: HashMap<Key, DateTime> = HashMap::new();
        let mut records = 0;
        let mut repaired = false;
        let mut offset = 0usize;
        let lines: Vec<&[u8]> = text.split_inclusive(|b| *b == b'\n').collect();
        for (i, line) in lines.iter().enumerate() {
            let complete = line.ends_with(b"\n");
            let content = line.strip_suffix(b"\n").unwrap_or(line);
            if content.iter().all(u8::is_ascii_whitespace) {
                offset += line.len();
                continue;
            }
            match serde_json::from_slice::<JournalRecord>(content) {
                Ok(record) => {
                    records += 1;
                    if record.is_delivered() {
                        let key = (record.reference_id.clone(), record.user.clone());
                        let entry = delivered.entry(key).or_insert(record.timestamp);
                        if record.timestamp > *entry {
                            *entry = record.timestamp;
                        }
                    }
                    if !complete {
                        // Whole record, missing newline: finish the line.
                        file.write_all(b"\n").map_err(io_err)?;
                        file.sync_data().map_err(io_err)?;
                        repaired = true;
                    }
                }
                Err(e) if i + 1 == lines.len() && !complete => {
                    // The crash cut this write: drop it. Its event was not
                    // counted as done, so it is sent again (409 at worst).
                    file.set_len(offset as u64).map_err(io_err)?;
                    file.seek(SeekFrom::End(0)).map_err(io_err)?;
                    file.sync_data().map_err(io_err)?;
                    tracing::warn!(path = %path.display(), error = %e, "dropped a torn last journal line");
                    repaired = true;
                }
                Err(e) => {
                    return Err(JournalError::Corrupt {
                        path,
                        line: i + 1,
                        error: e.to_string(),
                    });
                }
            }
            offset += line.len();
        }
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                file: Mutex::new(file),
                delivered,
                records,
                repaired,
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Records read when the journal was opened.
    pub fn records_at_open(&self) -> usize {
        self.inner.records
    }

    /// Whether a torn or unterminated last line was repaired on open.
    pub fn repaired(&self) -> bool {
        self.inner.repaired
    }

    /// Delivered (when opened) at this timestamp or a later one.
    pub fn is_delivered(
        &self,
        reference_id: &str,
        user: Option<&str>,
        timestamp: DateTime,
    ) -> bool {
        self.inner
            .delivered
            .get(&(reference_id.to_owned(), user.map(str::to_owned)))
            .is_some_and(|t| *t >= timestamp)
    }

    /// Appends a record and waits until it is on disk.
    pub fn append(&self, record: &JournalRecord) -> Result<(), JournalError> {
        let io_err = |error| JournalError::Io {
            path: self.inner.path.clone(),
            error,
        };
        let mut line = serde_json::to_vec(record).map_err(|e| io_err(io::Error::other(e)))?;
        line.push(b'\n');
        // A poisoned lock only means another writer panicked; the file is fine.
        let mut file = self
            .inner
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        file.write_all(&line).map_err(io_err)?;
        file.sync_data().map_err(io_err)
    }

    /// Every record in the file now (for inspection and tests).
    pub fn read_records(path: impl AsRef<Path>) -> Result<Vec<JournalRecord>, JournalError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|error| JournalError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| JournalError::Corrupt {
                    path: path.to_path_buf(),
                    line: i + 1,
                    error: e.to_string(),
                })
            })
            .collect()
    }
}

/// Makes a new file's directory entry durable (best effort: not every platform
/// can open a directory).
fn sync_parent(path: &Path) {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(dir) = File::open(parent) {
        let _ = dir.sync_all();
    }
}
