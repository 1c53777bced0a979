//! An append-only journal of outcomes, one JSON line per event, fsync'd before the
//! event counts as done: a bulk send killed halfway resumes from it without
//! re-sending what was accepted. A torn last line (a crash mid-write) is dropped.
//!
//! Each record names its destination (stage, region and events URL, see
//! [`super::Client::destination`]), and an event counts as delivered only to the
//! destination a record names: one journal can serve several destinations (a
//! fan-out over regions), and a journal of a development run never skips an
//! event of a live run. Records of the earlier format, without a destination,
//! match no destination: their events are sent again (a 409, "already
//! accepted", where they had been delivered), never skipped on a guess.
//!
//! A journal is a regular file of at most a set size ([`DEFAULT_MAX_JOURNAL_BYTES`]):
//! a device (`/dev/full`, `/dev/zero`), a pipe or a larger file is refused on
//! open, and an append that would pass the size is an error.

use crate::DateTime;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The default size limit of a journal: about a million records.
pub const DEFAULT_MAX_JOURNAL_BYTES: u64 = 256 * 1024 * 1024;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalRecord {
    /// Where the event was sent ([`super::Client::destination`]); `None` in
    /// journals of the earlier format, whose records match no destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// The request's `referenceId`.
    pub reference_id: String,
    /// The Unicast user; `None` for Multicast.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The event's `timestamp`: a later one is an update (D14) and is sent again.
    pub timestamp: DateTime,
    /// `accepted`, `already_accepted`, `rejected` or `failed`.
    pub outcome: String,
    /// The HTTP status of Amazon's answer, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Amazon's `x-amzn-RequestId`, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Why the event was not delivered (redacted), for `rejected` and `failed`.
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
#[non_exhaustive]
pub enum JournalError {
    /// Reading, writing or syncing the file failed.
    Io {
        /// The journal's path.
        path: PathBuf,
        /// The I/O error.
        error: io::Error,
    },
    /// A line other than the last is not a record: not a journal, or damaged.
    Corrupt {
        /// The journal's path.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// Why the line is not a record.
        error: String,
    },
    /// The path is a device, a pipe or a directory: reading `/dev/zero` would
    /// never end, and writing `/dev/full` never succeed.
    NotAFile {
        /// The path given.
        path: PathBuf,
    },
    /// The file is larger than the journal's size limit (on open).
    TooLarge {
        /// The journal's path.
        path: PathBuf,
        /// The size limit in bytes.
        limit: u64,
    },
    /// Appending this record would make the file larger than the limit; it was
    /// not written.
    Full {
        /// The journal's path.
        path: PathBuf,
        /// The size limit in bytes.
        limit: u64,
    },
    /// An earlier write failed (and was rolled back where possible): the file's
    /// end is uncertain, so nothing more is appended.
    Failed {
        /// The journal's path.
        path: PathBuf,
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
            Self::NotAFile { path } => write!(
                f,
                "journal {}: not a regular file (a device, a pipe or a directory); give the path of a file",
                path.display()
            ),
            Self::TooLarge { path, limit } => write!(
                f,
                "journal {}: larger than the journal size limit of {limit} bytes; start a new journal or raise the limit",
                path.display()
            ),
            Self::Full { path, limit } => write!(
                f,
                "journal {}: this record would pass the journal size limit of {limit} bytes; it was not written",
                path.display()
            ),
            Self::Failed { path } => write!(
                f,
                "journal {}: an earlier write failed; nothing more is appended",
                path.display()
            ),
        }
    }
}

impl std::error::Error for JournalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// (destination, referenceId, user)
type Key = (Option<String>, String, Option<String>);

/// An open journal. Clones share the file.
#[derive(Debug, Clone)]
pub struct Journal {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    limit: u64,
    writer: Mutex<Writer>,
    /// The latest delivered timestamp per (destination, referenceId, user).
    delivered: HashMap<Key, DateTime>,
    records: usize,
    without_destination: usize,
    repaired: bool,
}

#[derive(Debug)]
struct Writer {
    file: File,
    /// The file's length: what is known to be whole records.
    len: u64,
    /// A write failed: the end of the file is uncertain.
    failed: bool,
}

impl Journal {
    /// Opens (or creates) a journal and reads what it holds, with the default
    /// size limit ([`DEFAULT_MAX_JOURNAL_BYTES`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        Self::open_with_limit(path, DEFAULT_MAX_JOURNAL_BYTES)
    }

    /// Opens (or creates) a journal of at most `limit` bytes: a larger file is
    /// refused, and an append that would pass the limit is an error.
    pub fn open_with_limit(path: impl AsRef<Path>, limit: u64) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        let io_err = |error| JournalError::Io {
            path: path.clone(),
            error,
        };
        // Checked before opening, so that a pipe is never opened (it could block).
        let existed = match std::fs::metadata(&path) {
            Ok(meta) if !meta.is_file() => return Err(JournalError::NotAFile { path }),
            Ok(_) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(io_err(e)),
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io_err)?;
        // Again on the open file: the path may have been swapped meanwhile.
        let meta = file.metadata().map_err(io_err)?;
        if !meta.is_file() {
            return Err(JournalError::NotAFile { path });
        }
        if meta.len() > limit {
            return Err(JournalError::TooLarge { path, limit });
        }
        if !existed {
            sync_parent(&path);
        }

        let mut delivered: HashMap<Key, DateTime> = HashMap::new();
        let mut records = 0;
        let mut without_destination = 0;
        let mut repaired = false;
        let mut offset = 0u64;
        let mut finish_line = false;
        {
            // Never more than the limit, even if the file grows while it is read.
            let mut reader = BufReader::new((&file).take(limit.saturating_add(1)));
            let mut line = Vec::new();
            let mut number = 0;
            loop {
                line.clear();
                let read = reader.read_until(b'\n', &mut line).map_err(io_err)?;
                if read == 0 {
                    break;
                }
                number += 1;
                if offset.saturating_add(read as u64) > limit {
                    return Err(JournalError::TooLarge { path, limit });
                }
                // Only the last line can lack its newline.
                let complete = line.ends_with(b"\n");
                let content = line.strip_suffix(b"\n").unwrap_or(&line);
                if content.iter().all(u8::is_ascii_whitespace) {
                    offset += read as u64;
                    continue;
                }
                match serde_json::from_slice::<JournalRecord>(content) {
                    Ok(record) => {
                        records += 1;
                        if record.destination.is_none() {
                            without_destination += 1;
                        }
                        if record.is_delivered() {
                            let key = (record.destination, record.reference_id, record.user);
                            let entry = delivered.entry(key).or_insert(record.timestamp);
                            if record.timestamp > *entry {
                                *entry = record.timestamp;
                            }
                        }
                        // A whole record missing its newline: finish the line.
                        finish_line = !complete;
                        offset += read as u64;
                    }
                    Err(e) if !complete => {
                        // The crash cut this write: drop it. Its event was not
                        // counted as done, so it is sent again (409 at worst).
                        tracing::warn!(path = %path.display(), error = %e, "dropped a torn last journal line");
                        repaired = true;
                    }
                    Err(e) => {
                        return Err(JournalError::Corrupt {
                            path,
                            line: number,
                            error: e.to_string(),
                        });
                    }
                }
            }
        }
        if repaired {
            file.set_len(offset).map_err(io_err)?;
            file.seek(SeekFrom::End(0)).map_err(io_err)?;
            file.sync_data().map_err(io_err)?;
        }
        if finish_line {
            file.write_all(b"\n").map_err(io_err)?;
            file.sync_data().map_err(io_err)?;
            offset += 1;
            repaired = true;
        }
        if without_destination > 0 {
            tracing::warn!(
                path = %path.display(),
                records = without_destination,
                "journal records without a destination (an earlier format) match no destination; their events are sent again"
            );
        }
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                limit,
                writer: Mutex::new(Writer {
                    file,
                    len: offset,
                    failed: false,
                }),
                delivered,
                records,
                without_destination,
                repaired,
            }),
        })
    }

    /// The journal's file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The size limit in bytes.
    pub fn limit(&self) -> u64 {
        self.inner.limit
    }

    /// Records read when the journal was opened.
    pub fn records_at_open(&self) -> usize {
        self.inner.records
    }

    /// Records read on open that name no destination (the earlier format):
    /// they match no destination, so their events are sent again.
    pub fn records_without_destination(&self) -> usize {
        self.inner.without_destination
    }

    /// Whether a torn or unterminated last line was repaired on open.
    pub fn repaired(&self) -> bool {
        self.inner.repaired
    }

    /// Delivered to `destination` (when opened) at this timestamp or a later one.
    pub fn is_delivered(
        &self,
        destination: &str,
        reference_id: &str,
        user: Option<&str>,
        timestamp: DateTime,
    ) -> bool {
        let key = (
            Some(destination.to_owned()),
            reference_id.to_owned(),
            user.map(str::to_owned),
        );
        self.inner
            .delivered
            .get(&key)
            .is_some_and(|t| *t >= timestamp)
    }

    /// Appends a record and waits until it is on disk. A record that would pass
    /// the size limit is not written ([`JournalError::Full`]); after a failed
    /// write nothing more is appended ([`JournalError::Failed`]).
    pub fn append(&self, record: &JournalRecord) -> Result<(), JournalError> {
        let path = &self.inner.path;
        let io_err = |error| JournalError::Io {
            path: path.clone(),
            error,
        };
        let mut line = serde_json::to_vec(record).map_err(|e| io_err(io::Error::other(e)))?;
        line.push(b'\n');
        // A poisoned lock only means another writer panicked; the state is kept right below.
        let mut writer = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if writer.failed {
            return Err(JournalError::Failed { path: path.clone() });
        }
        let len = writer.len;
        if len.saturating_add(line.len() as u64) > self.inner.limit {
            return Err(JournalError::Full {
                path: path.clone(),
                limit: self.inner.limit,
            });
        }
        let written = writer
            .file
            .write_all(&line)
            .and_then(|()| writer.file.sync_data());
        match written {
            Ok(()) => {
                writer.len = len + line.len() as u64;
                Ok(())
            }
            Err(e) => {
                // Roll back a partial line, so that the next open does not find
                // a torn line in the middle; stop appending either way.
                writer.failed = true;
                let _ = writer
                    .file
                    .set_len(len)
                    .and_then(|()| writer.file.sync_data());
                Err(io_err(e))
            }
        }
    }

    /// Every record in the file now (for inspection and tests), with the
    /// default size limit.
    pub fn read_records(path: impl AsRef<Path>) -> Result<Vec<JournalRecord>, JournalError> {
        let path = path.as_ref();
        let io_err = |error| JournalError::Io {
            path: path.to_path_buf(),
            error,
        };
        // Checked before opening: opening a pipe to read could block.
        if !std::fs::metadata(path).map_err(io_err)?.is_file() {
            return Err(JournalError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        let file = File::open(path).map_err(io_err)?;
        let limit = DEFAULT_MAX_JOURNAL_BYTES;
        let mut text = String::new();
        file.take(limit.saturating_add(1))
            .read_to_string(&mut text)
            .map_err(io_err)?;
        if text.len() as u64 > limit {
            return Err(JournalError::TooLarge {
                path: path.to_path_buf(),
                limit,
            });
        }
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
