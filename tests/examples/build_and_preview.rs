//! Build an event, validate it, preview it and print Amazon's JSON.
//! Run: `cargo run -p alexa-proactive-events --example build_and_preview`

use alexa_proactive_events::events::order_status_updated::{
    DeliveryDetails, Order, OrderStatusUpdated, Seller, State, Status,
};
use alexa_proactive_events::{Audience, ProactiveEventRequest, Text, validate_json};
use std::time::Duration;

fn shipped() -> Result<OrderStatusUpdated, Box<dyn std::error::Error>> {
    Ok(OrderStatusUpdated {
        state: State {
            status: Status::OrderShipped,
            enter_timestamp: None,
            delivery_details: Some(DeliveryDetails {
                expected_arrival: "2026-05-03T17:00:00Z".parse()?,
            }),
        },
        order: Order {
            seller: Seller {
                name: Text::per_locale([("en-US", "Example Books"), ("en-GB", "Example Books UK")]),
            },
        },
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let request = ProactiveEventRequest::builder(shipped()?)
        .reference_id("order0042")
        .expires_in(Duration::from_secs(6 * 3600))
        .audience(Audience::unicast("amzn1.ask.account.AEXAMPLE"))
        .build()?;

    println!("{}", request.preview("en-GB")?);
    let body = serde_json::to_vec_pretty(&request)?;
    let report = validate_json(&body);
    assert!(report.is_valid(), "{report}");
    println!("{}", String::from_utf8(body)?);

    // A mistake is reported with its rule id and JSON pointer.
    let late = ProactiveEventRequest::builder(shipped()?)
        .expires_in(Duration::from_secs(25 * 3600))
        .audience(Audience::multicast())
        .build();
    if let Err(e) = late {
        eprintln!("{e}");
    }
    Ok(())
}
