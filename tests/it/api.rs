//! What the generated API promises its users beyond the wire format.

use alexa_proactive_events::Text;
use alexa_proactive_events::events::Event;
use alexa_proactive_events::events::weather_alert_activated::{
    AlertType, WeatherAlert, WeatherAlertActivated,
};
use std::collections::HashSet;

/// Payloads and the event enum are `Eq + Hash`: usable as map keys, deduplicated in sets.
#[test]
fn generated_payloads_and_events_are_eq_and_hash() {
    let alert = |alert_type| WeatherAlertActivated {
        weather_alert: WeatherAlert {
            source: Text::literal("Example Weather Corp"),
            alert_type,
        },
    };
    let mut events = HashSet::new();
    events.insert(Event::from(alert(AlertType::Tornado)));
    events.insert(Event::from(alert(AlertType::Tornado)));
    events.insert(Event::from(alert(AlertType::Hurricane)));
    assert_eq!(events.len(), 2);
    let payloads: HashSet<WeatherAlertActivated> =
        [alert(AlertType::Tornado), alert(AlertType::Tornado)].into();
    assert_eq!(payloads.len(), 1);
}
