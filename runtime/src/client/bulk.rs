//! Sending many events: bounded concurrency under the client's rate limiter, a
//! journal to resume from, and progress through a callback.

use super::{
    Client, Journal, JournalError, JournalRecord, MAX_BODY_CHARS, Outcome, SendError, TokenError,
    truncate,
};
use crate::validate::Report;
use crate::{Audience, EventSet, ProactiveEventRequest};
use futures_util::stream::{self, Stream, StreamExt};
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Reasons longer than this (a body breaking many rules, a long server
/// answer) are cut in reports and journal records.
const MAX_REASON_CHARS: usize = 2 * MAX_BODY_CHARS;

/// One event of a bulk send: a request, or the report of an input that is not one
/// (counted as rejected, never sent).
#[derive(Debug, Clone)]
pub struct BulkItem<E> {
    /// Where it came from, for messages: `tonight.jsonl:12`.
    pub source: Option<String>,
    /// The request to send, or the report of why it could not be read (counted as rejected, not sent).
    pub request: Result<ProactiveEventRequest<E>, Report>,
}

impl<E: EventSet> BulkItem<E> {
    /// Parses a JSON body (structure only: the client validates before sending).
    pub fn from_json(source: impl Into<String>, body: &[u8]) -> Self {
        let (request, report) = crate::validate::parse::<E>(body, &Default::default());
        Self {
            source: Some(source.into()),
            request: request.ok_or(report),
        }
    }
}

impl<E> From<ProactiveEventRequest<E>> for BulkItem<E> {
    fn from(request: ProactiveEventRequest<E>) -> Self {
        Self {
            source: None,
            request: Ok(request),
        }
    }
}

/// How to run a bulk send.
#[derive(Debug, Clone)]
#[must_use]
pub struct BulkOptions {
    /// Events in flight at once (default 8). The rate limiter still applies.
    pub concurrency: usize,
    /// Where outcomes are recorded and read back on resume.
    pub journal: Option<Journal>,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            concurrency: 8,
            journal: None,
        }
    }
}

impl BulkOptions {
    /// The defaults: 8 events in flight, no journal.
    pub fn new() -> Self {
        Self::default()
    }
    /// Events in flight at once; at least 1.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }
    /// Records outcomes in `journal` and skips the events it shows delivered.
    pub fn journal(mut self, journal: Journal) -> Self {
        self.journal = Some(journal);
        self
    }
}

/// What became of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ItemStatus {
    /// Amazon accepted it (202).
    Accepted,
    /// Amazon had already accepted it (409): delivered.
    AlreadyAccepted,
    /// Delivered in an earlier run (found in the journal); not sent.
    Skipped,
    /// Invalid, or refused by Amazon (400, 403, 432): sending again will not help.
    Rejected(String),
    /// Not delivered for now (token, transport, 429, 5xx after the retries).
    Failed(String),
}

/// One event's outcome, as passed to the progress callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemReport {
    /// Where it came from, for messages: `tonight.jsonl:12`.
    pub source: Option<String>,
    /// The request's `referenceId`, when it was read.
    pub reference_id: Option<String>,
    /// The unicast user, when there is one.
    pub user: Option<String>,
    /// What became of it.
    pub status: ItemStatus,
}

/// `source, referenceId R, user U: rejected: reason` on one line, but for an
/// invalid event, whose violations follow on lines of their own (indented):
/// those are the only line breaks, text from outside is escaped.
impl fmt::Display for ItemReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The source and the user come from outside (a file name, a body):
        // escaped, so that the only line breaks are those of the reason.
        let mut name = Vec::new();
        if let Some(s) = &self.source {
            name.push(crate::terminal::escape(s).into_owned());
        }
        if let Some(r) = &self.reference_id {
            name.push(format!("referenceId {r}"));
        }
        if let Some(u) = &self.user {
            name.push(format!("user {}", crate::terminal::escape(u)));
        }
        let name = if name.is_empty() {
            "event".to_owned()
        } else {
            name.join(", ")
        };
        match &self.status {
            ItemStatus::Accepted => write!(f, "{name}: accepted"),
            ItemStatus::AlreadyAccepted => write!(f, "{name}: already accepted"),
            ItemStatus::Skipped => write!(f, "{name}: delivered earlier (journal)"),
            ItemStatus::Rejected(why) => write!(f, "{name}: rejected: {why}"),
            ItemStatus::Failed(why) => write!(f, "{name}: failed: {why}"),
        }
    }
}

/// Counts of a bulk send, and the events that were not delivered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Events Amazon accepted (202).
    pub accepted: u64,
    /// Events Amazon had already accepted (409).
    pub already_accepted: u64,
    /// Delivered in an earlier run, per the journal.
    pub skipped: u64,
    /// Events that sending again will not help: invalid, or 400, 403, 432.
    pub rejected: u64,
    /// Events not delivered for now: token, transport, 429, 5xx after the retries.
    pub failed: u64,
    /// Every rejected or failed event with its reason, in completion order.
    pub problems: Vec<ItemReport>,
}

impl Summary {
    /// Events handled so far.
    pub fn done(&self) -> u64 {
        self.accepted + self.already_accepted + self.skipped + self.rejected + self.failed
    }

    /// Every event delivered (now or earlier).
    pub fn all_delivered(&self) -> bool {
        self.rejected == 0 && self.failed == 0
    }

    fn add(&mut self, item: &ItemReport) {
        match item.status {
            ItemStatus::Accepted => self.accepted += 1,
            ItemStatus::AlreadyAccepted => self.already_accepted += 1,
            ItemStatus::Skipped => self.skipped += 1,
            ItemStatus::Rejected(_) => self.rejected += 1,
            ItemStatus::Failed(_) => self.failed += 1,
        }
        if matches!(item.status, ItemStatus::Rejected(_) | ItemStatus::Failed(_)) {
            self.problems.push(item.clone());
        }
    }
}

/// `N accepted, N already accepted, N rejected, N failed` (and the skipped ones, if any).
impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} accepted, {} already accepted, {} rejected, {} failed",
            self.accepted, self.already_accepted, self.rejected, self.failed
        )?;
        if self.skipped > 0 {
            write!(f, " ({} delivered earlier, skipped)", self.skipped)?;
        }
        Ok(())
    }
}

/// A bulk send that a journal error stopped: what was done until then. The
/// events still in flight when it stopped were finished and are counted; the
/// ones not yet started were not sent.
#[derive(Debug)]
pub struct Interrupted {
    /// Every event handled, the one whose record failed included (its delivery
    /// happened; only the record is missing).
    pub summary: Summary,
    /// The journal error that stopped the run.
    pub error: JournalError,
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; stopped after {} event(s): {}",
            self.error,
            self.summary.done(),
            self.summary
        )
    }
}

impl std::error::Error for Interrupted {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<Interrupted> for JournalError {
    fn from(i: Interrupted) -> Self {
        i.error
    }
}

/// Passed to the progress callback after each event.
#[derive(Debug)]
pub struct Progress<'a> {
    /// The counts so far.
    pub summary: &'a Summary,
    /// The event just handled.
    pub item: &'a ItemReport,
}

impl Client {
    /// Sends every event of an iterator; see [`Client::send_stream`].
    pub async fn send_all<E: EventSet, I>(
        &self,
        events: I,
        options: BulkOptions,
        progress: impl FnMut(&Progress<'_>) + Send,
    ) -> Result<Summary, JournalError>
    where
        I: IntoIterator,
        I::Item: Into<BulkItem<E>>,
        I::IntoIter: Send,
    {
        self.send_stream(stream::iter(events), options, progress)
            .await
    }

    /// Sends every event of a stream, `options.concurrency` at a time under the
    /// rate limiter. With a journal, events it records as delivered to this
    /// client's [`destination`](Client::destination) are skipped, and each
    /// outcome is on disk before it is counted. Only a journal error stops the
    /// run; every other problem is counted and reported.
    /// [`Client::send_stream_with_summary`] also returns what was done then.
    pub async fn send_stream<E: EventSet, S>(
        &self,
        events: S,
        options: BulkOptions,
        progress: impl FnMut(&Progress<'_>) + Send,
    ) -> Result<Summary, JournalError>
    where
        S: Stream + Send,
        S::Item: Into<BulkItem<E>>,
    {
        self.send_stream_with_summary(events, options, progress)
            .await
            .map_err(|i| i.error)
    }

    /// [`Client::send_all`], with the summary of what was done when a journal
    /// error stopped the run.
    pub async fn send_all_with_summary<E: EventSet, I>(
        &self,
        events: I,
        options: BulkOptions,
        progress: impl FnMut(&Progress<'_>) + Send,
    ) -> Result<Summary, Interrupted>
    where
        I: IntoIterator,
        I::Item: Into<BulkItem<E>>,
        I::IntoIter: Send,
    {
        self.send_stream_with_summary(stream::iter(events), options, progress)
            .await
    }

    /// [`Client::send_stream`], with the summary of what was done when a
    /// journal error stopped the run: no event is started after the error,
    /// the ones in flight are finished and counted.
    pub async fn send_stream_with_summary<E: EventSet, S>(
        &self,
        events: S,
        options: BulkOptions,
        mut progress: impl FnMut(&Progress<'_>) + Send,
    ) -> Result<Summary, Interrupted>
    where
        S: Stream + Send,
        S::Item: Into<BulkItem<E>>,
    {
        let journal = options.journal;
        // A refused token (wrong credentials) or a refused certificate of the
        // token endpoint fails every later event the same way: remember it for
        // the run (the client's circuit reopens after its cooldown; wrong
        // credentials stay wrong, and so does an untrusted certificate).
        let refused: OnceLock<SendError> = OnceLock::new();
        let stop = AtomicBool::new(false);
        let mut results = std::pin::pin!(
            events
                .take_while(|_| std::future::ready(!stop.load(Ordering::Relaxed)))
                .map(|item| self.send_item(item.into(), journal.as_ref(), &refused))
                .buffer_unordered(options.concurrency.max(1))
        );
        let mut summary = Summary::default();
        let mut error = None;
        while let Some((item, recorded)) = results.next().await {
            summary.add(&item);
            progress(&Progress {
                summary: &summary,
                item: &item,
            });
            if let Err(e) = recorded {
                stop.store(true, Ordering::Relaxed);
                // The first error is the cause; later ones follow from it.
                error.get_or_insert(e);
            }
        }
        match error {
            None => Ok(summary),
            Some(error) => Err(Interrupted { summary, error }),
        }
    }

    /// Sends one item and records it; the report says what happened to the
    /// event even when the record could not be written.
    async fn send_item<E: EventSet>(
        &self,
        item: BulkItem<E>,
        journal: Option<&Journal>,
        refused: &OnceLock<SendError>,
    ) -> (ItemReport, Result<(), JournalError>) {
        let request = match item.request {
            Ok(request) => request,
            Err(report) => {
                let reason = truncate(&SendError::Invalid(report).to_string(), MAX_REASON_CHARS);
                let report = ItemReport {
                    source: item.source,
                    reference_id: None,
                    user: None,
                    status: ItemStatus::Rejected(reason),
                };
                return (report, Ok(()));
            }
        };
        let destination = self.destination();
        let reference_id = request.reference_id.as_str().to_owned();
        let user = match &request.relevant_audience {
            Audience::Unicast(u) => Some(u.user.clone()),
            Audience::Multicast(_) => None,
        };
        let mut report = ItemReport {
            source: item.source,
            reference_id: Some(reference_id.clone()),
            user: user.clone(),
            status: ItemStatus::Skipped,
        };
        if journal.is_some_and(|j| {
            j.is_delivered(
                destination,
                &reference_id,
                user.as_deref(),
                request.timestamp,
            )
        }) {
            return (report, Ok(()));
        }
        let result = match refused.get() {
            Some(e) => Err(e.clone()),
            None => self.send_detailed(&request).await,
        };
        if let Err(
            e @ SendError::Token(TokenError::Refused { .. } | TokenError::Certificate { .. }),
        ) = &result
        {
            let _ = refused.set(e.clone());
        }
        let (outcome, status, request_id, reason) = match &result {
            Ok(d) => match d.outcome {
                Outcome::Accepted => ("accepted", Some(202), d.request_id.clone(), None),
                Outcome::AlreadyAccepted => {
                    ("already_accepted", Some(409), d.request_id.clone(), None)
                }
            },
            Err(e) => {
                let request_id = match e {
                    SendError::Rejected(r) => r.request_id.clone(),
                    _ => None,
                };
                let kind = if e.is_rejection() {
                    "rejected"
                } else {
                    "failed"
                };
                let reason = truncate(&e.to_string(), MAX_REASON_CHARS);
                (kind, e.status(), request_id, Some(reason))
            }
        };
        report.status = match (&result, reason.clone()) {
            (Ok(d), _) if d.outcome == Outcome::Accepted => ItemStatus::Accepted,
            (Ok(_), _) => ItemStatus::AlreadyAccepted,
            (Err(e), why) if e.is_rejection() => ItemStatus::Rejected(why.unwrap_or_default()),
            (Err(_), why) => ItemStatus::Failed(why.unwrap_or_default()),
        };
        let Some(journal) = journal else {
            return (report, Ok(()));
        };
        let record = JournalRecord {
            destination: Some(destination.to_owned()),
            reference_id,
            user,
            timestamp: request.timestamp,
            outcome: outcome.to_owned(),
            status,
            request_id,
            reason,
            at: crate::DateTime::now(),
        };
        let writer = journal.clone();
        // fsync blocks: keep it off the async workers.
        let recorded = tokio::task::spawn_blocking(move || writer.append(&record))
            .await
            .unwrap_or_else(|e| {
                Err(JournalError::Io {
                    path: journal.path().to_path_buf(),
                    error: std::io::Error::other(e),
                })
            });
        (report, recorded)
    }
}
