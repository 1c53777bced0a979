//! Who an accepted event reaches, read from a subscriptions ledger
//! ([`EmulatorConfig::subscriptions`](super::EmulatorConfig::subscriptions)), the
//! same ledger a skill fills from `AlexaSkillEvent.ProactiveSubscriptionChanged`
//! requests (decision D24). The ledger is read for every event, so changes made
//! while the emulator runs (another process writing the SQLite file) count at once.

use super::routes::Reach;
use crate::subscriptions::{Cursor, Ledger};
use std::collections::BTreeSet;

/// Users read per page when the whole ledger is scanned.
const PAGE: usize = 1000;

/// Whom an event named `event` reaches: for a Unicast to `user`, whether they
/// are subscribed to it; for a Multicast (`user` is `None`), how many users
/// are. With `skill_id`, only that skill's subscriptions count; without it, a
/// subscription of any skill in the ledger counts (a ledger usually holds one
/// skill). `Err` is the 500 message: the store's error names the operation,
/// never a credential.
pub(crate) fn reach(
    ledger: &(dyn Ledger + Send + Sync),
    skill_id: Option<&str>,
    event: &str,
    user: Option<&str>,
) -> Result<Reach, String> {
    let failed = |e: crate::subscriptions::StoreError| {
        format!("The emulator cannot read its subscriptions ledger: {e}")
    };
    match (skill_id, user) {
        (Some(skill), Some(user)) => {
            let subscribed = ledger
                .user(skill, user)
                .map_err(failed)?
                .is_some_and(|record| record.events.contains(event));
            Ok(unicast(subscribed))
        }
        (Some(skill), None) => {
            let audience = ledger.audience(skill, event).map_err(failed)?;
            Ok(Reach::Users(audience.len() as u64))
        }
        (None, user) => {
            // Every skill's records: the users subscribed to `event`.
            let mut subscribed = BTreeSet::new();
            let mut after: Option<Cursor> = None;
            loop {
                let page = ledger.users(after.as_ref(), PAGE).map_err(failed)?;
                for record in page.items {
                    if record.events.contains(event) {
                        subscribed.insert(record.user_id);
                    }
                }
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            Ok(match user {
                Some(user) => unicast(subscribed.contains(user)),
                None => Reach::Users(subscribed.len() as u64),
            })
        }
    }
}

fn unicast(subscribed: bool) -> Reach {
    if subscribed {
        Reach::Users(1)
    } else {
        Reach::Unsubscribed
    }
}
