//! Bulk sending against the emulator: faults, the journal, kill and resume.

use crate::delivery_support;

use alexa_proactive_events::client::{BulkItem, BulkOptions, ItemStatus, Journal, JournalError};
use alexa_proactive_events::emulator::{EmulatorConfig, Faults};
use delivery_support::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// How many times the emulator accepted each referenceId.
fn accepted_counts(
    events: &[alexa_proactive_events::emulator::AcceptedEvent],
) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for e in events {
        *counts.entry(e.reference_id.clone()).or_insert(0) += 1;
    }
    counts
}

#[tokio::test]
async fn faults_end_with_every_event_accepted_exactly_once() {
    const N: usize = 2000;
    let emu = emulator(EmulatorConfig {
        faults: Faults {
            server_error_rate: 0.10,
            throttle_rate: 0.05,
            drop_rate: 0.05,
            throttle_retry_after: 0,
            seed: 42,
            ..Faults::default()
        },
        ..config()
    })
    .await;
    let client = builder(&emu).retry(fast_retry(30)).build().expect("client");
    let mut calls = 0;
    let summary = client
        .send_all(events(N), BulkOptions::new().concurrency(32), |p| {
            calls += 1;
            assert_eq!(p.summary.done(), calls);
        })
        .await
        .expect("no journal, no journal error");
    assert_eq!(calls, N as u64);
    assert!(summary.all_delivered(), "{summary}: {:?}", summary.problems);
    assert_eq!(summary.accepted + summary.already_accepted, N as u64);

    let stats = emu.stats();
    for status in [500, 503, 429] {
        assert!(
            stats.event_statuses.get(&status).is_some_and(|n| *n > 20),
            "{stats:?}"
        );
    }
    assert!(stats.dropped > 20, "{stats:?}");
    // A drop after acceptance makes the retry meet a 409: already accepted.
    assert!(summary.already_accepted > 0, "{summary}");
    let counts = accepted_counts(&emu.events());
    assert_eq!(counts.len(), N, "none missing");
    assert!(counts.values().all(|n| *n == 1), "no duplicates");
    for i in 0..N {
        assert!(counts.contains_key(&format!("evt{i:06}")));
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn a_killed_bulk_send_resumes_from_its_journal() {
    const N: usize = 400;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("send.journal");
    let emu = emulator(config()).await;
    // 400 events at 200/s: about 2 s, killed after 100.
    let client = builder(&emu).rate_limit(200).build().expect("client");
    let batch = events(N);

    let journal = Journal::open(&path).expect("journal");
    let done = Arc::new(AtomicU64::new(0));
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut tx = Some(tx);
    let counter = done.clone();
    let first = {
        let client = client.clone();
        let batch = batch.clone();
        tokio::spawn(async move {
            client
                .send_all(
                    batch,
                    BulkOptions::new().concurrency(8).journal(journal),
                    move |p| {
                        counter.store(p.summary.done(), Ordering::SeqCst);
                        if p.summary.done() == 100
                            && let Some(tx) = tx.take()
                        {
                            let _ = tx.send(());
                        }
                    },
                )
                .await
        })
    };
    rx.await.expect("100 events done");
    first.abort();
    assert!(first.await.expect_err("aborted").is_cancelled());
    let killed_at = done.load(Ordering::SeqCst);
    assert!(
        (100..N as u64).contains(&killed_at),
        "killed at {killed_at}"
    );
    // A journal write already handed to the blocking pool finishes on its own
    // (a real kill would stop it too); give it a moment before reading.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let sent_before = emu.stats().event_requests;
    let journal = Journal::open(&path).expect("reopen");
    let journaled = journal.records_at_open();
    assert!(journaled as u64 >= killed_at);
    let summary = client
        .send_all(
            batch,
            BulkOptions::new().concurrency(8).journal(journal),
            |_| {},
        )
        .await
        .expect("resumed");
    assert!(summary.all_delivered(), "{summary}");
    assert_eq!(summary.skipped, journaled as u64, "{summary}");
    assert_eq!(summary.done(), N as u64);
    // Only events in flight at the kill can be sent twice, and those meet a 409.
    assert!(summary.already_accepted <= 8, "{summary}");
    assert_eq!(
        emu.stats().event_requests - sent_before,
        N as u64 - summary.skipped
    );
    let counts = accepted_counts(&emu.events());
    assert_eq!(counts.len(), N, "none lost");
    assert!(counts.values().all(|n| *n == 1), "none sent twice");
    assert_eq!(Journal::read_records(&path).expect("records").len(), N);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_torn_last_line_is_dropped_and_its_event_sent_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("torn.journal");
    let emu = emulator(config()).await;
    let client = client(&emu);
    let batch = events(3);
    let journal = Journal::open(&path).expect("journal");
    let summary = client
        .send_all(
            batch[..2].to_vec(),
            BulkOptions::new().journal(journal),
            |_| {},
        )
        .await
        .expect("sent");
    assert_eq!(summary.accepted, 2);
    // A crash in the middle of the third record.
    let mut text = std::fs::read_to_string(&path).expect("journal text");
    text.push_str(r#"{"referenceId":"evt000002","user":"amzn1.ask.acc"#);
    std::fs::write(&path, &text).expect("write");

    let journal = Journal::open(&path).expect("repaired");
    assert!(journal.repaired());
    assert_eq!(journal.records_at_open(), 2);
    let summary = client
        .send_all(batch, BulkOptions::new().journal(journal), |_| {})
        .await
        .expect("sent");
    assert_eq!((summary.skipped, summary.accepted), (2, 1), "{summary}");
    let records = Journal::read_records(&path).expect("every line parses");
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r.is_delivered()));

    // A whole record without its newline is kept, and the line finished.
    let mut text = std::fs::read_to_string(&path).expect("journal text");
    text.pop();
    std::fs::write(&path, &text).expect("write");
    let journal = Journal::open(&path).expect("reopen");
    assert_eq!(journal.records_at_open(), 3);
    assert!(
        std::fs::read_to_string(&path)
            .expect("text")
            .ends_with('\n')
    );

    // Damage before the last line is not guessed at.
    std::fs::write(&path, format!("garbage\n{text}\n")).expect("write");
    let err = Journal::open(&path).expect_err("corrupt");
    assert!(
        matches!(err, JournalError::Corrupt { line: 1, .. }),
        "{err}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn updates_are_sent_again_and_invalid_items_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("updates.journal");
    let emu = emulator(config()).await;
    let client = client(&emu);
    let original = event(1);
    let journal = Journal::open(&path).expect("journal");
    client
        .send_all(
            [original.clone()],
            BulkOptions::new().journal(journal),
            |_| {},
        )
        .await
        .expect("sent");

    // The same referenceId and user, a later timestamp: an update (D14).
    let update: alexa_proactive_events::ProactiveEventRequest =
        serde_json::from_value(body("evt000001", Some("amzn1.ask.account.TESTUSER"), 1000))
            .expect("valid");
    let items = vec![
        BulkItem::from(original),
        BulkItem::from(update),
        BulkItem::from_json("bad.json", br#"{"referenceId": "nope"}"#),
    ];
    let journal = Journal::open(&path).expect("journal");
    let mut reports = Vec::new();
    let summary = client
        .send_all(
            items,
            BulkOptions::new().concurrency(1).journal(journal),
            |p| reports.push(p.item.clone()),
        )
        .await
        .expect("sent");
    assert_eq!(
        (summary.skipped, summary.accepted, summary.rejected),
        (1, 1, 1),
        "{summary}"
    );
    assert!(!summary.all_delivered());
    let bad = &summary.problems[0];
    assert_eq!(bad.source.as_deref(), Some("bad.json"));
    assert!(
        matches!(&bad.status, ItemStatus::Rejected(why) if why.contains("STRUCTURE") || why.contains("missing")),
        "{bad}"
    );
    assert_eq!(
        summary.to_string(),
        "1 accepted, 0 already accepted, 1 rejected, 0 failed (1 delivered earlier, skipped)"
    );
    assert_eq!(reports.len(), 3);
    let accepted = emu.events();
    assert_eq!(accepted.len(), 2);
    assert!(accepted[1].update);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_limiter_is_shared_by_a_bulk_send() {
    // Keeps the bulk path under the same limiter: 60 events at 300/s are sent
    // over (60 - 2) / 300 s = 193 ms; without a limiter they take a few
    // milliseconds. Accept times can bunch a little (a request delayed by its
    // connection's setup), hence 80% of that.
    let emu = emulator(config()).await;
    let client = builder(&emu).rate_limit(300).build().expect("client");
    client.access_token().await.expect("token");
    client
        .send_all(events(60), BulkOptions::new().concurrency(16), |_| {})
        .await
        .expect("sent");
    let events = emu.events();
    let first = events.iter().map(|e| e.accepted_at).min().expect("events");
    let last = events.iter().map(|e| e.accepted_at).max().expect("events");
    let span = last.duration_since(first);
    assert!(
        span >= alexa_proactive_events::jiff::SignedDuration::from_millis(58 * 1000 / 300 * 8 / 10),
        "{span:?}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn wrong_credentials_fail_every_event_without_a_token_request_each() {
    use alexa_proactive_events::client::{Client, Credentials, Region, Stage};
    let emu = emulator(config()).await;
    let client = Client::builder(
        Credentials::new(CLIENT_ID, "wrong"),
        Region::NorthAmerica,
        Stage::Development,
    )
    .api_base(emu.base_url())
    .token_url(emu.token_url())
    .build()
    .expect("client");
    let summary = client
        .send_all(events(100), BulkOptions::new().concurrency(4), |_| {})
        .await
        .expect("no journal error");
    assert_eq!(summary.failed, 100, "{summary}");
    assert!(
        summary.problems.iter().all(
            |p| matches!(&p.status, ItemStatus::Failed(why) if why.contains("invalid_client"))
        )
    );
    let stats = emu.stats();
    assert!(stats.token_requests <= 4, "{stats:?}");
    assert_eq!(stats.event_requests, 0);
    emu.shutdown().await;
}
