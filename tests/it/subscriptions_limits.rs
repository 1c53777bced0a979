//! Text no store can keep (issue 21, item 7): a NUL (U+0000) in a text field, or
//! an id, event name or locale over `MAX_ID_BYTES` (an `apiEndpoint` over
//! `MAX_API_ENDPOINT_BYTES`). PostgreSQL used to refuse these with errors that name
//! no field ("invalid byte sequence", "index row requires …") while SQLite stored
//! them. Now the parser refuses them naming the field, and every store refuses a
//! hand-built notice with the same error before writing anything; lookups by such
//! a key find nobody, in every store.
//!
//! Each test runs on memory, SQLite and PostgreSQL (`subscriptions_limits::<store>::<test>`).

use crate::subscriptions_support as support;

use alexa_proactive_events::subscriptions::{
    Ledger, MAX_API_ENDPOINT_BYTES, MAX_ID_BYTES, MemoryLedger, ParseError, PostgresLedger,
    SqliteLedger, StoreError, SubscriptionChanged,
};
use serde_json::{Value, json};
use support::pg::TestDatabase;
use support::*;

const W: &str = "AMAZON.WeatherAlert.Activated";

#[derive(Debug, Clone, Copy)]
enum Kind {
    Memory,
    Sqlite,
    Postgres,
}

/// A fresh store of one kind; its directory or database goes when dropped.
struct Store {
    ledger: Box<dyn Ledger + Send + Sync>,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<TestDatabase>,
}

impl Store {
    fn new(kind: Kind) -> Self {
        match kind {
            Kind::Memory => Self {
                ledger: Box::new(MemoryLedger::new()),
                _dir: None,
                _pg: None,
            },
            Kind::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let ledger = SqliteLedger::open(dir.path().join("subs.db")).expect("opens");
                Self {
                    ledger: Box::new(ledger),
                    _dir: Some(dir),
                    _pg: None,
                }
            }
            Kind::Postgres => {
                let pg = TestDatabase::create();
                let ledger = PostgresLedger::connect(pg.url()).expect("connects");
                Self {
                    ledger: Box::new(ledger),
                    _dir: None,
                    _pg: Some(pg),
                }
            }
        }
    }
}

macro_rules! each_store {
    ($($test:ident),* $(,)?) => {
        mod memory {
            $( #[test] fn $test() { super::$test(super::Kind::Memory) } )*
        }
        mod sqlite {
            $( #[test] fn $test() { super::$test(super::Kind::Sqlite) } )*
        }
        mod postgres {
            $(
                #[test]
                #[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
                fn $test() { super::$test(super::Kind::Postgres) }
            )*
        }
    };
}

each_store!(
    unstorable_text_is_refused_naming_its_field_and_nothing_is_written,
    text_at_the_limits_is_kept_whole,
    lookups_by_unstorable_keys_find_nobody,
);

/// A valid notice, as JSON, for the parser's tests.
fn valid_body() -> Value {
    let ts = alexa_proactive_events::jiff::Timestamp::from_second(1_790_000_000).expect("ts");
    let mut body = body(SKILL, "amzn1.ask.account.A", NA, "req-1", ts, Some(&[W]));
    body["request"]["locale"] = json!("en-US");
    body["context"]["System"]["person"] = json!({"personId": "amzn1.ask.person.P"});
    body
}

/// Each text field: its JSON pointer in a notice, the name errors give it, and
/// its length limit.
const FIELDS: [(&str, &str, usize); 7] = [
    (
        "/context/System/application/applicationId",
        "context.System.application.applicationId",
        MAX_ID_BYTES,
    ),
    (
        "/context/System/user/userId",
        "context.System.user.userId",
        MAX_ID_BYTES,
    ),
    (
        "/context/System/person/personId",
        "context.System.person.personId",
        MAX_ID_BYTES,
    ),
    (
        "/context/System/apiEndpoint",
        "context.System.apiEndpoint",
        MAX_API_ENDPOINT_BYTES,
    ),
    ("/request/requestId", "request.requestId", MAX_ID_BYTES),
    ("/request/locale", "request.locale", MAX_ID_BYTES),
    (
        "/request/body/subscriptions/0/eventName",
        "request.body.subscriptions[0].eventName",
        MAX_ID_BYTES,
    ),
];

fn with(pointer: &str, text: &str) -> Value {
    let mut body = valid_body();
    *body.pointer_mut(pointer).expect("the field exists") = json!(text);
    body
}

fn parse(body: &Value) -> Result<SubscriptionChanged, ParseError> {
    SubscriptionChanged::from_json(serde_json::to_vec(body).expect("JSON"))
}

/// The parser: every text field with a NUL or one byte too many is refused,
/// naming the field; at the limit it is accepted. No message quotes the value.
#[test]
fn the_parser_refuses_unstorable_text_naming_the_field() {
    assert!(parse(&valid_body()).is_ok());
    for (pointer, field, max) in FIELDS {
        let nul = parse(&with(pointer, "amzn1.ask\u{0}.x")).expect_err(field);
        assert_eq!(nul.field, field);
        assert!(nul.message.contains("U+0000"), "{nul}");
        // 'é' is two bytes: the limit counts bytes, not characters.
        let long = "é".repeat(max / 2) + "x";
        let err = parse(&with(pointer, &long)).expect_err(field);
        assert_eq!(err.field, field);
        assert_eq!(
            err.message,
            format!("is {} bytes long; at most {max} are accepted", max + 1)
        );
        let huge = "u".repeat(10 << 20);
        let err = parse(&with(pointer, &huge)).expect_err(field);
        assert_eq!(err.field, field);
        assert!(err.to_string().len() < 200, "the value is not quoted");
        let at_limit = "é".repeat(max / 2);
        assert!(parse(&with(pointer, &at_limit)).is_ok(), "{field} at {max}");
    }
    // The second event of a list is named by its index.
    let mut body = valid_body();
    body["request"]["body"]["subscriptions"] =
        json!([{"eventName": W}, {"eventName": "AMAZON.X\u{0}"}]);
    assert_eq!(
        parse(&body).expect_err("NUL").field,
        "request.body.subscriptions[1].eventName"
    );
}

/// A notice built by hand (the fields are public), so that the store, not the
/// parser, must refuse it.
fn by_hand(edit: impl FnOnce(&mut SubscriptionChanged)) -> SubscriptionChanged {
    let mut n = notice(SKILL, "amzn1.ask.account.A", NA, "req-1", 0, &[W]);
    edit(&mut n);
    n
}

/// Hand-built notices no store can keep, each with the field errors name.
fn unstorable() -> Vec<(SubscriptionChanged, &'static str)> {
    let nul = "amzn1.ask.account.\u{0}A".to_owned();
    let long = "a".repeat(MAX_ID_BYTES + 1);
    let huge = "u".repeat(10 << 20);
    vec![
        (
            by_hand(|n| n.user_id = nul.clone()),
            "context.System.user.userId",
        ),
        (
            by_hand(|n| n.user_id = huge.clone()),
            "context.System.user.userId",
        ),
        (
            by_hand(|n| n.skill_id = long.clone()),
            "context.System.application.applicationId",
        ),
        (by_hand(|n| n.request_id = nul.clone()), "request.requestId"),
        (
            by_hand(|n| n.api_endpoint = format!("https://x/{nul}")),
            "context.System.apiEndpoint",
        ),
        (
            by_hand(|n| n.api_endpoint = "h".repeat(MAX_API_ENDPOINT_BYTES + 1)),
            "context.System.apiEndpoint",
        ),
        (
            by_hand(|n| {
                n.events.insert(nul.clone());
            }),
            "request.body.subscriptions[].eventName",
        ),
        (
            by_hand(|n| {
                n.events.insert(long.clone());
            }),
            "request.body.subscriptions[].eventName",
        ),
        (
            by_hand(|n| n.person_id = Some(nul.clone())),
            "context.System.person.personId",
        ),
        (by_hand(|n| n.locale = Some(long.clone())), "request.locale"),
    ]
}

/// The field a store's refusal names: its source is the parser's error.
fn refused_field(e: &StoreError) -> String {
    let source = std::error::Error::source(e).expect("a source");
    let parse = source
        .downcast_ref::<ParseError>()
        .unwrap_or_else(|| panic!("not a ParseError: {e}"));
    assert!(e.to_string().len() < 300, "the value is not quoted: {e}");
    parse.field.clone()
}

/// Every store gives the same verdict, naming the field, and writes nothing:
/// alone, or in a batch with good notices (which are not written either).
fn unstorable_text_is_refused_naming_its_field_and_nothing_is_written(kind: Kind) {
    let store = Store::new(kind);
    let l = store.ledger.as_ref();
    for (n, field) in unstorable() {
        let e = l.apply(&n).expect_err(field);
        assert_eq!(refused_field(&e), field, "{e}");
        let good = notice(SKILL, "amzn1.ask.account.GOOD", NA, "req-1", 0, &[W]);
        let e = l.apply_all(&[good, n]).expect_err(field);
        assert_eq!(refused_field(&e), field, "{e}");
    }
    assert!(all_users(l, 10).is_empty(), "nothing was written");
    // The store works on.
    let good = notice(SKILL, "amzn1.ask.account.GOOD", NA, "req-1", 0, &[W]);
    assert!(!l.apply(&good).expect("applies").is_stale());
    assert_eq!(all_users(l, 10).len(), 1);
}

/// Every field at its limit is stored and read back whole (PostgreSQL indexes
/// skill ids, user ids and event names: 1,024 bytes fit in an index row).
fn text_at_the_limits_is_kept_whole(kind: Kind) {
    let store = Store::new(kind);
    let l = store.ledger.as_ref();
    let skill = "s".repeat(MAX_ID_BYTES);
    let user = "é".repeat(MAX_ID_BYTES / 2);
    let event = "E".repeat(MAX_ID_BYTES);
    let n = by_hand(|n| {
        n.skill_id = skill.clone();
        n.user_id = user.clone();
        n.request_id = "r".repeat(MAX_ID_BYTES);
        n.api_endpoint = "h".repeat(MAX_API_ENDPOINT_BYTES);
        n.events.insert(event.clone());
    });
    n.check().expect("at the limits");
    l.apply(&n).expect("applies");
    let record = l.user(&skill, &user).expect("reads").expect("stored");
    assert_eq!(record.user_id, user);
    assert_eq!(record.version.request_id, n.request_id);
    assert_eq!(record.api_endpoint, n.api_endpoint);
    assert!(record.events.contains(&event));
    assert_eq!(
        l.count_subscribers(Some(&skill), &event, Some(&user))
            .expect("counts"),
        1
    );
}

/// A key no store could hold matches nobody, in every store (PostgreSQL used
/// to fail on a NUL: "invalid byte sequence for encoding UTF8: 0x00").
fn lookups_by_unstorable_keys_find_nobody(kind: Kind) {
    let store = Store::new(kind);
    let l = store.ledger.as_ref();
    l.apply(&notice(SKILL, "amzn1.ask.account.A", NA, "req-1", 0, &[W]))
        .expect("applies");
    let nul = "amzn1.ask.account.A\u{0}";
    let long = "a".repeat(MAX_ID_BYTES + 1);
    for key in [nul, long.as_str()] {
        assert_eq!(l.user(SKILL, key).expect("reads"), None);
        assert_eq!(l.user(key, "amzn1.ask.account.A").expect("reads"), None);
        assert_eq!(
            l.count_subscribers(Some(SKILL), W, Some(key))
                .expect("counts"),
            0
        );
        assert_eq!(l.count_subscribers(None, W, Some(key)).expect("counts"), 0);
        assert_eq!(
            l.count_subscribers(Some(SKILL), key, None).expect("counts"),
            0
        );
        assert!(l.audience(SKILL, key).expect("reads").is_empty());
        assert!(l.audience(key, W).expect("reads").is_empty());
        assert!(
            l.subscribers(SKILL, key, None, 10)
                .expect("reads")
                .items
                .is_empty()
        );
    }
    assert_eq!(
        l.count_subscribers(Some(SKILL), W, Some("amzn1.ask.account.A"))
            .expect("counts"),
        1
    );
}
