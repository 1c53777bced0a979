//! The README's Rust snippets, as a user would paste them against the facade
//! crate (only the lines that need a file, a body or an event are filled in).
//! They run, except the fan-out to Amazon, which is compiled only (its
//! behaviour against emulators is `subscriptions_fanout`).

use alexa_proactive_events::events::weather_alert_activated::{
    AlertType, WeatherAlert, WeatherAlertActivated,
};
use alexa_proactive_events::{Audience, ProactiveEventRequest, Text};
use std::time::Duration;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// "Rust: build, validate and preview an event".
#[test]
fn build_validate_and_preview() -> Result<()> {
    let payload = WeatherAlertActivated {
        weather_alert: WeatherAlert {
            source: Text::per_locale([("en-US", "Weather Channel"), ("fr-FR", "Canal météo")]),
            alert_type: AlertType::Tornado,
        },
    };
    let request = ProactiveEventRequest::builder(payload)
        .reference_id("storm2026~0042") // default: a new unique id (32 hex digits)
        .expires_in(Duration::from_secs(3 * 3600)) // or .expires_at(instant); default 12 h
        .audience(Audience::multicast()) // or Audience::unicast(user_id)
        .build()?; // full validation
    assert_eq!(
        request.preview("fr-FR")?,
        "There is a tornado alert for your area. Provided by Canal météo."
    );
    let body = serde_json::to_string(&request)?; // exactly Amazon's JSON
    let new_payload = WeatherAlertActivated {
        weather_alert: WeatherAlert {
            source: Text::per_locale([("en-US", "Weather Channel"), ("fr-FR", "Canal météo")]),
            alert_type: AlertType::SnowStorm,
        },
    };
    let update = request.update(new_payload).build()?; // same referenceId, later timestamp (D14)
    assert_eq!(update.reference_id, request.reference_id);
    assert!(update.timestamp > request.timestamp);

    // Validate any body, typed or raw bytes.
    use alexa_proactive_events::jiff;
    use alexa_proactive_events::validate::{Options, parse, validate_json};
    let bytes = body.into_bytes();
    let report = validate_json(&bytes);
    assert!(report.is_valid(), "{report}");
    for v in report.errors() {
        eprintln!("{v}");
    }
    let (request, report) = parse(
        &bytes,
        &Options {
            now: Some(jiff::Timestamp::now()),
        },
    );
    assert!(report.is_valid(), "{report}");
    let request: ProactiveEventRequest = request.expect("parsed");
    // Deserializing works too.
    let again = serde_json::from_slice::<ProactiveEventRequest>(&bytes)?;
    assert_eq!(again, request);
    Ok(())
}

/// "Subscriptions: who gets which event".
#[test]
fn subscriptions_ledger() -> Result<()> {
    use alexa_proactive_events::subscriptions::{Ledger, SqliteLedger, SubscriptionChanged};

    let dir = tempfile::tempdir()?;
    // Once at start-up: safe to share between request handlers and processes.
    let ledger = SqliteLedger::open(dir.path().join("subscriptions.db"))?;

    // In the skill's endpoint (after verifying Alexa's signature), when
    // request.type == "AlexaSkillEvent.ProactiveSubscriptionChanged":
    fn on_subscription_changed(
        ledger: &SqliteLedger,
        body: &[u8],
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let notice = SubscriptionChanged::from_json(body)?; // tolerant; errors name the field
        let change = ledger.apply(&notice)?; // one transaction
        if !change.is_stale() {
            println!(
                "{} subscribed {:?}, unsubscribed {:?}",
                change.user_id, change.subscribed, change.unsubscribed
            );
        }
        Ok(()) // answer Alexa with an empty 200 response
    }

    let body = br#"{"version": "1.0",
      "context": {"System": {"application": {"applicationId": "amzn1.ask.skill.1"},
        "user": {"userId": "amzn1.ask.account.A"}, "apiEndpoint": "https://api.eu.amazonalexa.com"}},
      "request": {"type": "AlexaSkillEvent.ProactiveSubscriptionChanged", "requestId": "r1",
        "timestamp": "2026-11-21T10:00:00Z",
        "body": {"subscriptions": [{"eventName": "AMAZON.WeatherAlert.Activated"}]}}}"#;
    on_subscription_changed(&ledger, body)?;
    let user = ledger
        .user("amzn1.ask.skill.1", "amzn1.ask.account.A")?
        .expect("recorded");
    assert!(user.events.contains("AMAZON.WeatherAlert.Activated"));
    Ok(())
}

/// "Fan-out": compiled, not run (it sends to Amazon's live hosts).
#[allow(dead_code)]
async fn fan_out(
    ledger: &alexa_proactive_events::subscriptions::SqliteLedger,
    request: &ProactiveEventRequest,
) -> Result<()> {
    use alexa_proactive_events::client::{BulkOptions, Client, Credentials, Journal, Stage};
    use alexa_proactive_events::subscriptions::FanOut;

    let credentials = Credentials::from_env()?; // ALEXA_CLIENT_ID / ALEXA_CLIENT_SECRET
    let plan = FanOut::plan(ledger, "amzn1.ask.skill.1234", request)?;
    let summary = plan
        .send(
            |region| Client::new(credentials.clone(), region, Stage::Live),
            BulkOptions::new().journal(Journal::open("weather-0042.journal")?),
            |p| eprintln!("{}", p.item),
        )
        .await?;
    println!("{summary}"); // NA: 120 accepted, 0 already accepted, 0 rejected, 0 failed; EU: ...
    Ok(())
}
