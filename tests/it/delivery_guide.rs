//! The sending chapter's "From Rust" example (docs/guide/src/sending.md), run against the
//! emulator with files of its own.

use alexa_proactive_events::client::{
    BulkItem, BulkOptions, Client, Credentials, Journal, Outcome, Region, Stage,
};
use alexa_proactive_events::emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig,
};
use alexa_proactive_events::events::message_alert_activated::*;
use alexa_proactive_events::{Audience, PlainText, ProactiveEventRequest};

#[tokio::test]
async fn readme_example() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let jsonl = dir.path().join("tonight.jsonl");
    let journal = dir.path().join("tonight.journal");

    let emulator = Emulator::start(EmulatorConfig::default()).await?; // 127.0.0.1, a free port
    let client = Client::builder(
        Credentials::new(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), // Credentials::from_env()? for Amazon
        Region::NorthAmerica,
        Stage::Development,
    )
    .api_base(emulator.base_url()) // omit both for Amazon
    .token_url(emulator.token_url())
    .build()?;

    let message = |n: u64| MessageAlertActivated {
        state: State {
            status: Status::Unread,
            freshness: Some(Freshness::New),
        },
        message_group: MessageGroup {
            creator: Creator {
                name: PlainText::new("Jane Doe").expect("plain text"),
            },
            count: n,
            urgency: Some(Urgency::Urgent),
        },
    };
    let request = ProactiveEventRequest::builder(message(3))
        .audience(Audience::unicast("amzn1.ask.account.AEXAMPLEUSERID0001"))
        .build()?;
    match client.send(&request).await? {
        Outcome::Accepted | Outcome::AlreadyAccepted => {}
        _ => {} // Outcome is #[non_exhaustive]
    }

    let lines: Vec<String> = (1..=30)
        .map(|n| {
            let r = ProactiveEventRequest::builder(message(n))
                .audience(Audience::multicast())
                .build()
                .expect("valid");
            serde_json::to_string(&r).expect("json")
        })
        .collect();
    std::fs::write(&jsonl, lines.join("\n"))?;

    let text = std::fs::read_to_string(&jsonl)?;
    let items = text
        .lines()
        .enumerate()
        .map(|(i, line)| BulkItem::from_json(format!("tonight.jsonl:{}", i + 1), line.as_bytes()));
    let mut seen = 0;
    let summary = client
        .send_all(
            items,
            BulkOptions::new().journal(Journal::open(&journal)?),
            |p| {
                seen += 1;
                eprintln!("{}", p.item);
            },
        )
        .await?;
    println!("{summary}");
    assert_eq!(
        summary.to_string(),
        "30 accepted, 0 already accepted, 0 rejected, 0 failed"
    );
    assert_eq!(seen, 30);
    assert_eq!(emulator.events().len(), 31);
    emulator.shutdown().await;
    Ok(())
}
