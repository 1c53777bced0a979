//! Who an accepted event reaches, read from a subscriptions ledger
//! ([`EmulatorConfig::subscriptions`](super::EmulatorConfig::subscriptions)), the
//! same ledger a skill fills from `AlexaSkillEvent.ProactiveSubscriptionChanged`
//! requests (decision D24). The ledger is read for every event, so changes made
//! while the emulator runs (another process writing the SQLite file) count at once.

use super::routes::Reach;
use crate::subscriptions::AsyncLedger;
use std::sync::Arc;
use std::time::Duration;

/// Whom an event named `event` reaches: for a Unicast to `user`, whether they
/// are subscribed to it; for a Multicast (`user` is `None`), how many users
/// are, counted by one aggregate query. With `skill_id`, only that skill's
/// subscriptions count; without it, a subscription of any skill in the ledger
/// counts (a ledger usually holds one skill). `Err` is the 503 message: the
/// store failed or did not answer within `timeout`; the store's error names the
/// operation, never a credential.
pub(crate) async fn reach(
    ledger: Arc<dyn AsyncLedger>,
    skill_id: Option<String>,
    event: &str,
    user: Option<String>,
    timeout: Duration,
) -> Result<Reach, String> {
    let unicast = user.is_some();
    let count = ledger.count_subscribers_async(skill_id, event.to_owned(), user);
    match tokio::time::timeout(timeout, count).await {
        Ok(Ok(0)) if unicast => Ok(Reach::Unsubscribed),
        Ok(Ok(n)) => Ok(Reach::Users(n)),
        Ok(Err(e)) => Err(format!(
            "The emulator cannot read its subscriptions ledger: {e}"
        )),
        Err(_) => Err(format!(
            "The emulator's subscriptions ledger did not answer within {} s.",
            timeout.as_secs_f64()
        )),
    }
}
