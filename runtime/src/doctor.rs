//! Why didn't my notification arrive? (feature `client`): [`run`] walks the chain
//! an event goes through, from the body to the user's device, and reports one
//! [`Finding`] per [`Check`], in chain order.
//!
//! The checks, their ids and what each one looks at are the variants of [`Check`]
//! ([`Check::ALL`] lists them in order); an id never changes meaning.
//!
//! Each finding has a [`Status`]: `pass`, `fail`, `warn`, `skip` (an input it
//! needs was not given: its `fix` says what to pass) or `info` (`DEVICE`, always).
//! A [`Report`] serializes (serde) to the stable JSON shape that
//! `proactive-events doctor --format json` prints:
//!
//! ```json
//! {"checks": [{"id": "BODY-VALID", "status": "pass", "message": "…", "fix": "…"}, …]}
//! ```
//!
//! one object per check of [`Check::ALL`], in that order; `fix` is empty when there
//! is nothing to do. New checks may be added (new ids); a consumer should ignore
//! ids it does not know.
//!
//! A fix that asks for a missing input names the option of `proactive-events
//! doctor` (`--db`, `--skill-json`, …); in [`Inputs`] it is the field of the same
//! name.
//!
//! Without [`Inputs::send`], `run` never posts an event: the only request it makes
//! is for an access token (`CREDENTIALS`). With it, the body is sent once through
//! [`Inputs::client`] (its retry policy applies) and `DELIVERY` explains Amazon's
//! answer. It is safe to call from any async context: the ledger, which may block,
//! is read on tokio's blocking pool.
//!
//! ```no_run
//! use alexa_proactive_events_runtime::EventSet;
//! use alexa_proactive_events_runtime::client::Client;
//! use alexa_proactive_events_runtime::doctor::{self, Inputs};
//!
//! // `E` is the generated crate's `events::Event`; its facade fixes it.
//! async fn explain<E: EventSet>(body: Vec<u8>, client: Client) -> bool {
//!     let mut inputs = Inputs::new(body);
//!     inputs.client = Some(client);
//!     let report = doctor::run::<E>(inputs).await;
//!     for finding in report.problems() {
//!         println!("{} {}: {}", finding.status, finding.check, finding.message);
//!     }
//!     report.passed()
//! }
//! ```

use crate::client::{
    Client, Journal, Outcome, Rejection, SCOPE, SendError, Stage, TokenError, TokenErrorKind,
};
use crate::manifest::{PERMISSION, SUBSCRIPTION};
use crate::subscriptions::{Cursor, Ledger, StoreError, Subscriber, UserRecord};
use crate::validate::{self, Options};
use crate::{Audience, DateTime, EventSet, ProactiveEventRequest, Region};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// How far in the future a body's `timestamp` may be (clock skew between the
/// sender and Amazon) before `BODY-FRESH` fails.
pub const TIMESTAMP_SKEW: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

/// The least time left before `expiryTime` that Amazon accepts (5 minutes).
pub const MIN_EXPIRY: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);

/// The most time before `expiryTime` that Amazon accepts (24 hours).
pub const MAX_EXPIRY: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// Defines [`Check`] and [`Check::ALL`] from one list, so no check can be left
/// out of `ALL` and no id can drift from its variant.
macro_rules! checks {
    ($($(#[$doc:meta])* $variant:ident = $id:literal,)*) => {
        /// A stable check id, in chain order. [`Check::as_str`] (and `Display`,
        /// and the JSON `id`) give the id string, e.g. `BODY-VALID`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Check {
            $($(#[$doc])* $variant,)*
        }

        impl Check {
            /// Every check, in chain order (the order of a [`Report`]).
            pub const ALL: &'static [Check] = &[$(Check::$variant,)*];

            /// The stable id string, e.g. `"BODY-VALID"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Check::$variant => $id,)*
                }
            }
        }
    };
}

checks! {
    /// `BODY-VALID`: the body passes every validation rule (the errors are
    /// listed with their rule ids).
    BodyValid = "BODY-VALID",
    /// `BODY-FRESH`: `expiryTime` is 5 min to 24 h from now, and `timestamp` is
    /// not in the future by more than [`TIMESTAMP_SKEW`].
    BodyFresh = "BODY-FRESH",
    /// `REFERENCE-UNUSED`: the journal ([`Inputs::journal`]) has no delivery of
    /// this `referenceId` (and user, at this timestamp or later) to this
    /// destination: Amazon would answer 409 and notify nobody.
    ReferenceUnused = "REFERENCE-UNUSED",
    /// `CREDENTIALS`: the token endpoint issues a token. `invalid_client` (the
    /// skill's Alexa Skill Messaging client id and secret, not a security
    /// profile's) is told apart from network and TLS errors.
    Credentials = "CREDENTIALS",
    /// `TOKEN-SCOPE`: the token was issued for `alexa::proactive_events`.
    TokenScope = "TOKEN-SCOPE",
    /// `MANIFEST-PERMISSION`: skill.json requests `alexa::devices:all:notifications:write`.
    ManifestPermission = "MANIFEST-PERMISSION",
    /// `MANIFEST-PUBLICATION`: skill.json publishes the body's event name.
    ManifestPublication = "MANIFEST-PUBLICATION",
    /// `MANIFEST-SUBSCRIPTION`: skill.json subscribes to
    /// `SKILL_PROACTIVE_SUBSCRIPTION_CHANGED` and has an endpoint for it
    /// (`events.endpoint`, else the custom skill's endpoint).
    ManifestSubscription = "MANIFEST-SUBSCRIPTION",
    /// `SUBSCRIBED`: Unicast: the ledger's newest notice for the user (of
    /// [`Inputs::skill_id`] when given) includes the event; an empty one means the
    /// user unsubscribed from everything or disabled the skill (`SkillDisabled`).
    /// Multicast: how many users are subscribed, a warning when none (Amazon
    /// answers 202 to an audience of nobody).
    Subscribed = "SUBSCRIBED",
    /// `REGION`: Unicast: the user's `apiEndpoint` in the ledger is the host of
    /// [`Inputs::region`]. Multicast: the regions that hold subscribers.
    Region = "REGION",
    /// `STAGE`: `development` reaches only the developer's own account (a
    /// warning, by design); `live` needs a certified, published skill.
    Stage = "STAGE",
    /// `DELIVERY`: with [`Inputs::send`], Amazon's answer to the body, explained
    /// (202; 403; 409; 429 and 432; 400 with the rule). Skipped otherwise.
    Delivery = "DELIVERY",
    /// `DEVICE`: always `info`: what the device side can hide (Do Not Disturb,
    /// the skill's notification toggle, per-device settings, the light ring),
    /// each with where to look in the Alexa app.
    Device = "DEVICE",
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Checked, fine.
    Pass,
    /// Checked: this stops the notification.
    Fail,
    /// Checked: this may stop it, or means something to know.
    Warn,
    /// Not checked: an input it needs is missing (the fix says which).
    Skip,
    /// Not checkable from here (`DEVICE`): a checklist for a person.
    Info,
}

impl Status {
    /// `pass`, `fail`, `warn`, `skip` or `info`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Warn => "warn",
            Self::Skip => "skip",
            Self::Info => "info",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One check's verdict: a one-line message and what to do (empty when nothing).
/// Text in it may quote the inputs (user ids, event names): escape it before
/// printing it to a terminal ([`crate::terminal::escape`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Which check.
    #[serde(rename = "id")]
    pub check: Check,
    /// Its verdict.
    pub status: Status,
    /// What was found, on one line.
    pub message: String,
    /// What to do about it; empty when nothing.
    pub fix: String,
}

impl Finding {
    fn new(
        check: Check,
        status: Status,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            check,
            status,
            message: one_line(&message.into()),
            fix: one_line(&fix.into()),
        }
    }
}

/// Every check's finding, in [`Check::ALL`] order. Serializes to
/// `{"checks": [{"id", "status", "message", "fix"}, …]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// One per check, in chain order.
    pub checks: Vec<Finding>,
}

impl Report {
    /// No check failed (warnings, skips and infos allowed).
    pub fn passed(&self) -> bool {
        !self.checks.iter().any(|f| f.status == Status::Fail)
    }

    /// The finding of `check`.
    pub fn get(&self, check: Check) -> Option<&Finding> {
        self.checks.iter().find(|f| f.check == check)
    }

    /// The findings that failed or warned.
    pub fn problems(&self) -> impl Iterator<Item = &Finding> {
        self.checks
            .iter()
            .filter(|f| matches!(f.status, Status::Fail | Status::Warn))
    }
}

/// What [`run`] checks. Every input but the body is optional: a check that
/// needs a missing one is skipped, and its fix says what to give.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct Inputs {
    /// The request body, as it would be sent.
    pub body: Vec<u8>,
    /// The skill's `skill.json` (`{"manifest": …}`).
    pub skill_json: Option<serde_json::Value>,
    /// The subscriptions ledger that the skill's events endpoint feeds.
    pub ledger: Option<Arc<dyn Ledger + Send + Sync>>,
    /// The skill (`amzn1.ask.skill.…`): the ledger's records of other skills are
    /// then ignored.
    pub skill_id: Option<String>,
    /// The stage the body goes to.
    pub stage: Option<Stage>,
    /// The region the body goes to (its API host).
    pub region: Option<Region>,
    /// The journal of earlier sends.
    pub journal: Option<Journal>,
    /// A client with the credentials (and URLs) to check; built for
    /// [`Inputs::stage`] and [`Inputs::region`].
    pub client: Option<Client>,
    /// Send the body once and explain the answer (`DELIVERY`).
    pub send: bool,
    /// The clock for `BODY-FRESH`; now when `None`.
    pub now: Option<DateTime>,
}

impl Inputs {
    /// Inputs with this body and nothing else.
    pub fn new(body: impl Into<Vec<u8>>) -> Self {
        Self {
            body: body.into(),
            ..Self::default()
        }
    }
}

impl fmt::Debug for Inputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inputs")
            .field("body_bytes", &self.body.len())
            .field("skill_json", &self.skill_json.is_some())
            .field("ledger", &self.ledger.is_some())
            .field("skill_id", &self.skill_id)
            .field("stage", &self.stage)
            .field("region", &self.region)
            .field("journal", &self.journal)
            .field("client", &self.client)
            .field("send", &self.send)
            .field("now", &self.now)
            .finish()
    }
}

/// The fix of a check whose input is missing.
const PASS_DB: &str = "pass --db PATH|URL: the subscriptions ledger that `proactive-events serve` \
     (or `subscriptions apply`) feeds";
const PASS_SKILL_JSON: &str = "pass --skill-json skill-package/skill.json (the skill's manifest)";
const PASS_CREDENTIALS: &str = "set ALEXA_CLIENT_ID and ALEXA_CLIENT_SECRET: the skill's Alexa \
     Client Id and Secret (developer console > Build > Permissions > Alexa Skill Messaging)";

/// Runs every check of [`Check::ALL`] and reports each, in order. Asks for a
/// token when [`Inputs::client`] is set, and sends the body once only with
/// [`Inputs::send`]. Never panics on any input; a tokio runtime must be running
/// (the client and the ledger need one).
pub async fn run<E: EventSet>(inputs: Inputs) -> Report {
    let now = inputs.now.unwrap_or_else(DateTime::now);
    let (request, report) = validate::parse::<E>(&inputs.body, &Options::default());
    let valid = request.as_ref().filter(|_| report.is_valid());
    let mut checks = vec![body_valid(&report), body_fresh(valid, now)];
    checks.push(reference_unused(valid, &inputs));
    let token = credentials(inputs.client.as_ref()).await;
    checks.extend(token);
    let event_name = match &request {
        Some(r) => Some(r.event.name().to_owned()),
        None => raw_event_name(&inputs.body),
    };
    checks.extend(manifest_checks(
        inputs.skill_json.as_ref(),
        event_name.as_deref(),
    ));
    let audience = match (&inputs.ledger, valid) {
        (None, _) => [
            Finding::new(Check::Subscribed, Status::Skip, "no ledger given", PASS_DB),
            Finding::new(Check::Region, Status::Skip, "no ledger given", PASS_DB),
        ],
        (Some(_), None) => needs_valid_body([Check::Subscribed, Check::Region]),
        (Some(ledger), Some(request)) => {
            let ledger = ledger.clone();
            let skill_id = inputs.skill_id.clone();
            let event = request.event.name();
            let user = match &request.relevant_audience {
                Audience::Unicast(u) => Some(u.user.clone()),
                Audience::Multicast(_) => None,
            };
            let region = inputs.region;
            let read = tokio::task::spawn_blocking(move || {
                audience_checks(
                    &*ledger,
                    skill_id.as_deref(),
                    event,
                    user.as_deref(),
                    region,
                )
            });
            match read.await {
                Ok(findings) => findings,
                Err(e) => {
                    let message = format!("the ledger read stopped: {e}");
                    [
                        Finding::new(Check::Subscribed, Status::Fail, &message, ""),
                        Finding::new(Check::Region, Status::Fail, &message, ""),
                    ]
                }
            }
        }
    };
    checks.extend(audience);
    checks.push(stage(inputs.stage));
    let ready = |check: Check| {
        checks
            .iter()
            .find(|f| f.check == check)
            .filter(|f| f.status == Status::Fail)
            .map(|_| check)
    };
    let blocker = ready(Check::BodyValid)
        .or_else(|| ready(Check::BodyFresh))
        .or_else(|| ready(Check::Credentials));
    checks.push(delivery::<E>(&inputs, blocker).await);
    checks.push(device());
    Report { checks }
}

/// `text` on one line: line breaks (with the blanks around them) become a space.
fn one_line(text: &str) -> String {
    crate::client::one_line(text).into_owned()
}

fn needs_valid_body<const N: usize>(checks: [Check; N]) -> [Finding; N] {
    checks.map(|c| {
        Finding::new(
            c,
            Status::Skip,
            "needs a valid body",
            "fix BODY-VALID first",
        )
    })
}

fn body_valid(report: &validate::Report) -> Finding {
    let errors: Vec<_> = report.errors().collect();
    if errors.is_empty() {
        let warnings = report.warnings().count();
        let message = if warnings == 0 {
            "the body passes every rule".to_owned()
        } else {
            format!("the body is valid ({warnings} warning(s))")
        };
        return Finding::new(Check::BodyValid, Status::Pass, message, "");
    }
    let mut listed: Vec<String> = errors
        .iter()
        .take(3)
        .map(|v| {
            if v.pointer.is_empty() {
                v.rule.to_string()
            } else {
                format!("{} at {}", v.rule, v.pointer)
            }
        })
        .collect();
    if errors.len() > 3 {
        listed.push(format!("{} more", errors.len() - 3));
    }
    Finding::new(
        Check::BodyValid,
        Status::Fail,
        format!("{} error(s): {}", errors.len(), listed.join(", ")),
        "run `proactive-events validate BODY.json` for each rule's message and fix the body",
    )
}

fn body_fresh<E>(request: Option<&ProactiveEventRequest<E>>, now: DateTime) -> Finding {
    let Some(r) = request else {
        let [skip] = needs_valid_body([Check::BodyFresh]);
        return skip;
    };
    let fresh_fix = "give the body a new timestamp (now) and an expiryTime 5 min to 24 h later: \
                     `proactive-events new EVENT` prints a fresh one";
    let ahead = r.timestamp.duration_since(now);
    if ahead > TIMESTAMP_SKEW {
        return Finding::new(
            Check::BodyFresh,
            Status::Fail,
            format!(
                "timestamp {} is {} s in the future (more than {} s of clock skew)",
                r.timestamp,
                ahead.as_secs(),
                TIMESTAMP_SKEW.as_secs()
            ),
            "check this machine's clock, and give the body the time the event happened",
        );
    }
    let left = r.expiry_time.duration_since(now);
    if left < MIN_EXPIRY {
        let message = if left.is_negative() {
            format!("expired: expiryTime {} has passed", r.expiry_time)
        } else {
            format!(
                "expiryTime {} is {} s from now: less than 5 min (Amazon answers 400)",
                r.expiry_time,
                left.as_secs()
            )
        };
        return Finding::new(Check::BodyFresh, Status::Fail, message, fresh_fix);
    }
    if left > MAX_EXPIRY {
        return Finding::new(
            Check::BodyFresh,
            Status::Fail,
            format!(
                "expiryTime {} is more than 24 h from now (Amazon answers 400)",
                r.expiry_time
            ),
            fresh_fix,
        );
    }
    Finding::new(
        Check::BodyFresh,
        Status::Pass,
        format!("expires in {} min", left.as_secs() / 60),
        "",
    )
}

fn reference_unused<E>(request: Option<&ProactiveEventRequest<E>>, inputs: &Inputs) -> Finding {
    let check = Check::ReferenceUnused;
    let Some(journal) = &inputs.journal else {
        return Finding::new(
            check,
            Status::Skip,
            "no journal given",
            "pass --journal FILE: the journal of `proactive-events send --journal`",
        );
    };
    let Some(r) = request else {
        return Finding::new(
            check,
            Status::Skip,
            "needs a valid body",
            "fix BODY-VALID first",
        );
    };
    let Some(client) = &inputs.client else {
        return Finding::new(
            check,
            Status::Skip,
            "the destination is unknown without credentials (the journal keys deliveries by it)",
            PASS_CREDENTIALS,
        );
    };
    let user = match &r.relevant_audience {
        Audience::Unicast(u) => Some(u.user.as_str()),
        Audience::Multicast(_) => None,
    };
    let reference = r.reference_id.as_str();
    if journal.is_delivered(client.destination(), reference, user, r.timestamp) {
        Finding::new(
            check,
            Status::Fail,
            format!(
                "referenceId {reference} was already delivered to {} (Amazon answers 409 and \
                 notifies nobody)",
                client.destination()
            ),
            "give the body a new referenceId (an update of the same event needs a later timestamp)",
        )
    } else {
        Finding::new(
            check,
            Status::Pass,
            "no delivery of this referenceId to this destination",
            "",
        )
    }
}

/// `CREDENTIALS` and `TOKEN-SCOPE`.
async fn credentials(client: Option<&Client>) -> [Finding; 2] {
    let Some(client) = client else {
        return [
            Finding::new(
                Check::Credentials,
                Status::Skip,
                "no credentials given",
                PASS_CREDENTIALS,
            ),
            Finding::new(
                Check::TokenScope,
                Status::Skip,
                "needs a token",
                PASS_CREDENTIALS,
            ),
        ];
    };
    let scope_skip = || {
        Finding::new(
            Check::TokenScope,
            Status::Skip,
            "needs a token",
            "fix CREDENTIALS first",
        )
    };
    match client.token_response().await {
        Ok(token) => {
            let credentials = Finding::new(
                Check::Credentials,
                Status::Pass,
                "the token endpoint issued a token",
                "",
            );
            let scope = if token.scope == SCOPE {
                Finding::new(
                    Check::TokenScope,
                    Status::Pass,
                    format!("the token is for {SCOPE}"),
                    "",
                )
            } else if token.scope.is_empty() {
                Finding::new(
                    Check::TokenScope,
                    Status::Pass,
                    format!("the token was requested for {SCOPE} (the answer names no scope)"),
                    "",
                )
            } else {
                Finding::new(
                    Check::TokenScope,
                    Status::Fail,
                    format!("the token is for `{}`, not {SCOPE}", token.scope),
                    "use the skill's Alexa Skill Messaging credentials, which grant \
                     alexa::proactive_events",
                )
            };
            [credentials, scope]
        }
        Err(TokenError::Refused {
            kind: TokenErrorKind::InvalidScope,
            ..
        }) => [
            Finding::new(
                Check::Credentials,
                Status::Pass,
                "the credentials are known to the token endpoint",
                "",
            ),
            Finding::new(
                Check::TokenScope,
                Status::Fail,
                format!("the token endpoint refused the scope {SCOPE} (invalid_scope)"),
                TokenErrorKind::InvalidScope.hint(),
            ),
        ],
        Err(e) => {
            let fix = match &e {
                TokenError::Refused {
                    kind: TokenErrorKind::InvalidClient,
                    ..
                } => {
                    "use the skill's Alexa Skill Messaging Client Id and Secret (developer \
                      console > Build > Permissions), not an LWA security profile's"
                }
                TokenError::Refused { kind, .. } => kind.hint(),
                TokenError::Transport { .. } => {
                    "the token endpoint is unreachable (network, proxy, DNS or firewall): check \
                     --token-url and this machine's connection"
                }
                TokenError::Certificate { .. } => {
                    "the token endpoint's TLS certificate was refused: trust its authority with \
                     --ca-cert PEM (the emulator's: `emulate --tls --tls-cert PEM`)"
                }
                TokenError::Http { .. } | TokenError::InvalidResponse(_) => {
                    "the token endpoint answered unexpectedly: check --token-url"
                }
            };
            let message = match &e {
                TokenError::Refused { kind, status, .. } => {
                    format!("token refused: {} (HTTP {status})", kind.code())
                }
                other => other.to_string(),
            };
            [
                Finding::new(Check::Credentials, Status::Fail, message, fix),
                scope_skip(),
            ]
        }
    }
}

/// `/event/name` of a body that did not parse, when it is a string.
fn raw_event_name(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.pointer("/event/name")?.as_str().map(str::to_owned)
}

/// The `name`/`eventName` values of the objects of the array at `pointer`.
fn names<'a>(manifest: &'a serde_json::Value, pointer: &str, field: &str) -> Vec<&'a str> {
    manifest
        .pointer(pointer)
        .and_then(serde_json::Value::as_array)
        .map(|list| list.iter().filter_map(|e| e.get(field)?.as_str()).collect())
        .unwrap_or_default()
}

/// `MANIFEST-PERMISSION`, `MANIFEST-PUBLICATION` and `MANIFEST-SUBSCRIPTION`.
fn manifest_checks(skill: Option<&serde_json::Value>, event: Option<&str>) -> [Finding; 3] {
    let Some(skill) = skill else {
        return [
            Check::ManifestPermission,
            Check::ManifestPublication,
            Check::ManifestSubscription,
        ]
        .map(|c| Finding::new(c, Status::Skip, "no skill.json given", PASS_SKILL_JSON));
    };
    let manifest = skill.get("manifest").unwrap_or(skill);
    let merge = "`proactive-events manifest --event EVENT --endpoint URI --merge skill.json \
                 --in-place` adds it; then deploy the skill (`ask deploy`)";
    let permission = if names(manifest, "/permissions", "name").contains(&PERMISSION) {
        Finding::new(
            Check::ManifestPermission,
            Status::Pass,
            format!("requests {PERMISSION}"),
            "",
        )
    } else {
        Finding::new(
            Check::ManifestPermission,
            Status::Fail,
            format!("does not request {PERMISSION}"),
            merge,
        )
    };
    let publications = names(manifest, "/events/publications", "eventName");
    let publication = match event {
        None => Finding::new(
            Check::ManifestPublication,
            Status::Skip,
            "the body names no event",
            "fix BODY-VALID first",
        ),
        Some(e) if publications.contains(&e) => Finding::new(
            Check::ManifestPublication,
            Status::Pass,
            format!("publishes {e}"),
            "",
        ),
        Some(e) => Finding::new(
            Check::ManifestPublication,
            Status::Fail,
            format!(
                "does not publish {e} (it publishes {})",
                if publications.is_empty() {
                    "nothing".to_owned()
                } else {
                    publications.join(", ")
                }
            ),
            merge,
        ),
    };
    let subscribed = names(manifest, "/events/subscriptions", "eventName").contains(&SUBSCRIPTION);
    let uri = |pointer: &str| {
        manifest
            .pointer(pointer)
            .and_then(serde_json::Value::as_str)
            .filter(|u| !u.trim().is_empty())
    };
    // Without `events.endpoint`, Alexa sends skill events to the skill's endpoint.
    let endpoint = uri("/events/endpoint/uri").or_else(|| uri("/apis/custom/endpoint/uri"));
    let subscription = match (subscribed, endpoint) {
        (true, Some(_)) => Finding::new(
            Check::ManifestSubscription,
            Status::Pass,
            format!("subscribes to {SUBSCRIPTION}"),
            "",
        ),
        (false, _) => Finding::new(
            Check::ManifestSubscription,
            Status::Fail,
            format!("does not subscribe to {SUBSCRIPTION}: the ledger never hears of users"),
            merge,
        ),
        (true, None) => Finding::new(
            Check::ManifestSubscription,
            Status::Fail,
            format!("subscribes to {SUBSCRIPTION} but names no endpoint to send it to"),
            "add events.endpoint.uri (`proactive-events manifest --endpoint URI --merge \
             skill.json --in-place`): the URL where `proactive-events serve` listens, or a \
             Lambda ARN",
        ),
    };
    [permission, publication, subscription]
}

/// `SUBSCRIBED` and `REGION` from a ledger: for the Unicast `user`, or for every
/// subscriber of `event` when `user` is `None` (Multicast); of `skill_id` when
/// given, else of any skill in the ledger. `region` is where the event is sent
/// (`REGION` is skipped without it). Blocking (the ledger's calls are): call it
/// from a thread that may block, as [`run`] does on tokio's blocking pool.
/// `proactive-events send --db` uses it to warn after a 202.
pub fn audience_checks<L: Ledger + ?Sized>(
    ledger: &L,
    skill_id: Option<&str>,
    event: &str,
    user: Option<&str>,
    region: Option<Region>,
) -> [Finding; 2] {
    let read = match user {
        Some(user) => {
            newest_record(ledger, skill_id, user).map(|r| unicast(r, event, user, region))
        }
        None => subscribers(ledger, skill_id, event).map(|s| multicast(&s, event, region)),
    };
    read.unwrap_or_else(|e| {
        let message = format!("cannot read the ledger: {e}");
        let fix = "check --db: the database must exist and be readable";
        [
            Finding::new(Check::Subscribed, Status::Fail, &message, fix),
            Finding::new(Check::Region, Status::Fail, &message, fix),
        ]
    })
}

/// Every stored user record, page by page, kept when `keep` says so.
fn scan<L: Ledger + ?Sized>(
    ledger: &L,
    mut keep: impl FnMut(UserRecord),
) -> Result<(), StoreError> {
    let mut after: Option<Cursor> = None;
    loop {
        let page = ledger.users(after.as_ref(), 1000)?;
        page.items.into_iter().for_each(&mut keep);
        match page.next {
            Some(c) => after = Some(c),
            None => return Ok(()),
        }
    }
}

/// The user's record: of the skill, or the newest of any skill.
fn newest_record<L: Ledger + ?Sized>(
    ledger: &L,
    skill_id: Option<&str>,
    user: &str,
) -> Result<Option<UserRecord>, StoreError> {
    if let Some(skill) = skill_id {
        return ledger.user(skill, user);
    }
    let mut newest: Option<UserRecord> = None;
    scan(ledger, |r| {
        let newer = newest.as_ref().is_none_or(|n| {
            (&r.version.timestamp, &r.version.request_id)
                > (&n.version.timestamp, &n.version.request_id)
        });
        if r.user_id == user && newer {
            newest = Some(r);
        }
    })?;
    Ok(newest)
}

fn subscribers<L: Ledger + ?Sized>(
    ledger: &L,
    skill_id: Option<&str>,
    event: &str,
) -> Result<Vec<Subscriber>, StoreError> {
    if let Some(skill) = skill_id {
        return ledger.audience(skill, event);
    }
    let mut all = Vec::new();
    scan(ledger, |r| {
        if r.events.contains(event) {
            all.push(Subscriber {
                user_id: r.user_id,
                api_endpoint: r.api_endpoint,
                region: r.region,
            });
        }
    })?;
    Ok(all)
}

const SUBSCRIBE_FIX: &str = "the user allows the skill's notifications in the Alexa app (More > \
     Skills & Games > Your Skills > the skill > Settings > Manage permissions), which makes \
     Alexa send SKILL_PROACTIVE_SUBSCRIPTION_CHANGED to the events endpoint that feeds this \
     ledger";

fn unicast(
    record: Option<UserRecord>,
    event: &str,
    user: &str,
    region: Option<Region>,
) -> [Finding; 2] {
    let Some(r) = record else {
        return [
            Finding::new(
                Check::Subscribed,
                Status::Fail,
                format!("the ledger has no subscription notice for user {user}"),
                SUBSCRIBE_FIX,
            ),
            Finding::new(
                Check::Region,
                Status::Skip,
                "the ledger has no apiEndpoint for this user",
                "fix SUBSCRIBED first",
            ),
        ];
    };
    let when = r.version.timestamp;
    let subscribed = if r.events.contains(event) {
        Finding::new(
            Check::Subscribed,
            Status::Pass,
            format!("subscribed to {event}"),
            "",
        )
    } else if r.events.is_empty() {
        Finding::new(
            Check::Subscribed,
            Status::Fail,
            format!(
                "the user unsubscribed from every event or disabled the skill (notice of {when})"
            ),
            format!(
                "the user enables the skill again (SkillDisabled), then {}",
                SUBSCRIBE_FIX.trim_start_matches("the user ")
            ),
        )
    } else {
        let events: Vec<&str> = r.events.iter().map(String::as_str).take(3).collect();
        Finding::new(
            Check::Subscribed,
            Status::Fail,
            format!(
                "the user's newest notice ({when}) has {}, not {event}",
                events.join(", ")
            ),
            SUBSCRIBE_FIX,
        )
    };
    let region_finding = match (region, r.region) {
        (None, _) => Finding::new(
            Check::Region,
            Status::Skip,
            format!(
                "no --region given; the user's apiEndpoint is {}",
                r.api_endpoint
            ),
            "pass --region NA|EU|FE: the region the event is sent to",
        ),
        (Some(_), None) => Finding::new(
            Check::Region,
            Status::Warn,
            format!(
                "the user's apiEndpoint `{}` is no known region's host",
                r.api_endpoint
            ),
            "a newer notice for the user brings their apiEndpoint",
        ),
        (Some(to), Some(theirs)) if to == theirs => Finding::new(
            Check::Region,
            Status::Pass,
            format!("the user's apiEndpoint is {theirs}'s host"),
            "",
        ),
        (Some(to), Some(theirs)) => Finding::new(
            Check::Region,
            Status::Fail,
            format!("apiEndpoint is {theirs}'s host; the event goes to {to}"),
            format!(
                "send with --region {theirs} (the user's apiEndpoint is {}): another region's \
                 host never reaches the user",
                r.api_endpoint
            ),
        ),
    };
    [subscribed, region_finding]
}

fn multicast(all: &[Subscriber], event: &str, region: Option<Region>) -> [Finding; 2] {
    if all.is_empty() {
        return [
            Finding::new(
                Check::Subscribed,
                Status::Warn,
                format!("no user is subscribed to {event}: Amazon answers 202 and nobody hears it"),
                SUBSCRIBE_FIX,
            ),
            Finding::new(
                Check::Region,
                Status::Skip,
                "no subscribers, so no region to compare",
                "",
            ),
        ];
    }
    let mut by_region: BTreeMap<Option<Region>, usize> = BTreeMap::new();
    for s in all {
        *by_region.entry(s.region).or_default() += 1;
    }
    let spread = by_region
        .iter()
        .map(|(r, n)| format!("{} {n}", r.map_or("unknown", Region::code)))
        .collect::<Vec<_>>()
        .join(", ");
    let subscribed = Finding::new(
        Check::Subscribed,
        Status::Pass,
        format!("{} user(s) subscribed to {event}", all.len()),
        "",
    );
    let region_finding = match region {
        None => Finding::new(
            Check::Region,
            Status::Skip,
            format!("subscribers by region: {spread}"),
            "pass --region NA|EU|FE: the region the event is sent to",
        ),
        Some(to) => match by_region.get(&Some(to)) {
            None => Finding::new(
                Check::Region,
                Status::Fail,
                format!("no subscriber in {to}; subscribers by region: {spread}"),
                "send to the regions that hold subscribers (--region)",
            ),
            Some(&n) if n == all.len() => Finding::new(
                Check::Region,
                Status::Pass,
                format!("every subscriber is in {to}"),
                "",
            ),
            Some(_) => Finding::new(
                Check::Region,
                Status::Warn,
                format!("a Multicast to {to} misses the others; subscribers by region: {spread}"),
                "send the event once per region that holds subscribers (--region)",
            ),
        },
    };
    [subscribed, region_finding]
}

fn stage(stage: Option<Stage>) -> Finding {
    match stage {
        None => Finding::new(
            Check::Stage,
            Status::Skip,
            "no --stage given",
            "pass --stage development|live",
        ),
        Some(Stage::Development) => Finding::new(
            Check::Stage,
            Status::Warn,
            "development: reaches only the developer's account",
            "test with the Alexa account that owns the developer console; other users need \
             the live stage of a certified skill",
        ),
        Some(Stage::Live) => Finding::new(
            Check::Stage,
            Status::Pass,
            "live reaches the customers of the certified, published skill",
            "",
        ),
    }
}

async fn delivery<E: EventSet>(inputs: &Inputs, blocker: Option<Check>) -> Finding {
    let check = Check::Delivery;
    if !inputs.send {
        return Finding::new(
            check,
            Status::Skip,
            "not sent",
            "pass --send to send the body once and explain Amazon's answer",
        );
    }
    if let Some(blocker) = blocker {
        return Finding::new(
            check,
            Status::Skip,
            format!("not sent: {blocker} fails"),
            format!("fix {blocker} first"),
        );
    }
    let Some(client) = &inputs.client else {
        return Finding::new(
            check,
            Status::Skip,
            "not sent: no credentials",
            PASS_CREDENTIALS,
        );
    };
    match client.send_json::<E>(&inputs.body).await {
        Ok(d) => {
            let id = d
                .request_id
                .map(|id| format!(", request id {id}"))
                .unwrap_or_default();
            match d.outcome {
                Outcome::AlreadyAccepted => Finding::new(
                    check,
                    Status::Fail,
                    format!("409: this referenceId was already accepted for this audience{id}"),
                    "Alexa notifies once per referenceId: give the body a new referenceId",
                ),
                _ => Finding::new(check, Status::Pass, format!("202: accepted{id}"), ""),
            }
        }
        Err(SendError::Rejected(r)) => rejected(&r),
        Err(e) => Finding::new(
            check,
            Status::Fail,
            e.to_string(),
            "see the checks above (CREDENTIALS, BODY-*)",
        ),
    }
}

fn rejected(r: &Rejection) -> Finding {
    let api = r.error();
    let said = api
        .as_ref()
        .and_then(|e| e.message.clone())
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    let fix = match r.status {
        400 => "Amazon names the rule it found broken; run `proactive-events validate` and check \
                the expiry window against this machine's clock"
            .to_owned(),
        403 => "see SUBSCRIBED (the user must be subscribed to this event), TOKEN-SCOPE and \
                STAGE (development reaches only the developer's account)"
            .to_owned(),
        429 => "send fewer requests per second (Amazon allows about 25 per skill); \
                `send --rate` sets it"
            .to_owned(),
        432 => "the skill passed Alexa's notification limits for these users: send fewer \
                notifications"
            .to_owned(),
        _ => "try again later; if it persists, quote the request id to Amazon".to_owned(),
    };
    Finding::new(
        Check::Delivery,
        Status::Fail,
        format!("{}: {}{said}", r.status, r.hint()),
        fix,
    )
}

fn device() -> Finding {
    Finding::new(
        Check::Device,
        Status::Info,
        "on the device: Do Not Disturb, toggles, light ring",
        "in the Alexa app: Do Not Disturb hides the indicator but keeps the notification \
         (Devices > the device > Do Not Disturb); the skill's notification toggle can reset \
         (More > Settings > Notifications > Skill notifications > the skill); per-device \
         notification settings (Devices > the device > Notifications); only Echo devices \
         with a light ring pulse yellow (on a screen, swipe down for notifications)",
    )
}
