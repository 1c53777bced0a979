//! Stable rule ids. Envelope (`ENV-*`) and localization (`LOC-*`) ids follow the
//! `docs/decisions.md` §9; payload rules are named generically (`PAYLOAD-*`) because the
//! per-event facts (required fields, enums, bounds) come from the generated schema
//! metadata. An id never changes meaning; new rules get new ids.
//!
//! | id | severity | what |
//! |---|---|---|
//! | `JSON-SYNTAX` | error | the body is not JSON (message has line and column) |
//! | `JSON-DUPLICATE-KEY` | error | a key repeated in one object of the envelope or payload |
//! | `STRUCTURE` | error | the typed parse failed and no finer rule says why (a safety net) |
//! | `ENV-TYPE` | error | an envelope value has the wrong JSON type |
//! | `ENV-REQUIRED` | error | an envelope field is missing |
//! | `ENV-NULL` | error | an envelope value is `null` (D12) |
//! | `ENV-UNKNOWN-FIELD` | error | a field the envelope does not define |
//! | `ENV-TIMESTAMP-ISO8601` | error | `timestamp` is not RFC 3339 with a zone |
//! | `ENV-EXPIRY-ISO8601` | error | `expiryTime` is not RFC 3339 with a zone |
//! | `ENV-REFID-CHARSET` | error | `referenceId` has a character outside `A-Za-z0-9~` (D7) |
//! | `ENV-REFID-LENGTH` | error | `referenceId` is empty or longer than 100 |
//! | `ENV-EXPIRY-MIN` | error | `expiryTime` < `timestamp` + 5 min (D8) |
//! | `ENV-EXPIRY-MAX` | error | `expiryTime` > `timestamp` + 24 h (D8) |
//! | `ENV-EXPIRY-CLOCK` | error | with `Options::now`: `expiryTime` not within 5 min..=24 h of now |
//! | `ENV-EVENT-NAME` | error | `event.name` is not one of the 8 schemas |
//! | `ENV-AUDIENCE-TYPE` | error | `relevantAudience.type` is not `Unicast` or `Multicast` |
//! | `ENV-UNICAST-USER` | error | Unicast without a non-empty `payload.user` (D13) |
//! | `ENV-MULTICAST-EMPTY-PAYLOAD` | error | Multicast `payload` is not `{}` (D13) |
//! | `LOC-EMPTY` | error | `localizedAttributes` has no entry (D9) |
//! | `LOC-LOCALE-BCP47` | error | a `locale` is not a BCP 47 tag |
//! | `LOC-LOCALE-DUPLICATE` | error | two entries for one locale (D9) |
//! | `LOC-LOCALE-UNSUPPORTED` | **warning** | the event is documented for other locales only (D11) |
//! | `LOC-VALUE-EMPTY` | error | a localized text is `""` |
//! | `LOC-KEY-DEFINED` | error | a referenced `<key>` is missing from an entry (D9) |
//! | `LOC-NOT-LOCALIZABLE` | error | `localizedattribute:` in a field that is not localizable (D10) |
//! | `LOC-REFERENCE-KEY` | error | `localizedattribute:` with nothing after the colon |
//! | `LOC-UNBUILT` | error | a typed request still holds `Text::PerLocale` |
//! | `PAYLOAD-TYPE` | error | a payload value has the wrong JSON type |
//! | `PAYLOAD-REQUIRED` | error | a required payload field is missing |
//! | `PAYLOAD-NULL` | error | a payload value is `null` (D12) |
//! | `PAYLOAD-UNKNOWN-FIELD` | error | a field the event's schema does not define |
//! | `PAYLOAD-EMPTY-STRING` | error | a payload string is `""` |
//! | `PAYLOAD-ENUM` | error | not one of the field's values (the message lists them) |
//! | `PAYLOAD-MINIMUM` / `PAYLOAD-MAXIMUM` | error | an integer out of bounds |
//! | `PAYLOAD-MIN-ITEMS` / `PAYLOAD-MAX-ITEMS` | error | too few / too many array items |
//! | `PAYLOAD-UNIQUE-ITEMS` | error | an array item repeats an earlier one |
//! | `PAYLOAD-DATETIME` | error | a payload date-time is not RFC 3339 with a zone |
//!
//! Pointers are RFC 6901. A missing field points where the field would be
//! (`/event/payload/order/seller`), so the pointer always names the field at fault.

/// The body is not JSON at all; pointer `""`, the message has line and column.
pub const JSON_SYNTAX: &str = "JSON-SYNTAX";
/// A key appears twice in one object (serde rejects it; a JSON tree would keep one).
pub const JSON_DUPLICATE_KEY: &str = "JSON-DUPLICATE-KEY";
/// The body does not parse into the request type and no finer rule says why
/// (a safety net: the tests check that the walk always finds the reason).
pub const STRUCTURE: &str = "STRUCTURE";

pub const ENV_TYPE: &str = "ENV-TYPE";
pub const ENV_REQUIRED: &str = "ENV-REQUIRED";
pub const ENV_NULL: &str = "ENV-NULL";
pub const ENV_UNKNOWN_FIELD: &str = "ENV-UNKNOWN-FIELD";
pub const ENV_TIMESTAMP_ISO8601: &str = "ENV-TIMESTAMP-ISO8601";
pub const ENV_EXPIRY_ISO8601: &str = "ENV-EXPIRY-ISO8601";
pub const ENV_REFID_CHARSET: &str = "ENV-REFID-CHARSET";
pub const ENV_REFID_LENGTH: &str = "ENV-REFID-LENGTH";
pub const ENV_EXPIRY_MIN: &str = "ENV-EXPIRY-MIN";
pub const ENV_EXPIRY_MAX: &str = "ENV-EXPIRY-MAX";
/// Optional: the expiry window measured from the caller's clock.
pub const ENV_EXPIRY_CLOCK: &str = "ENV-EXPIRY-CLOCK";
pub const ENV_EVENT_NAME: &str = "ENV-EVENT-NAME";
pub const ENV_AUDIENCE_TYPE: &str = "ENV-AUDIENCE-TYPE";
pub const ENV_UNICAST_USER: &str = "ENV-UNICAST-USER";
pub const ENV_MULTICAST_EMPTY_PAYLOAD: &str = "ENV-MULTICAST-EMPTY-PAYLOAD";

pub const LOC_EMPTY: &str = "LOC-EMPTY";
pub const LOC_LOCALE_BCP47: &str = "LOC-LOCALE-BCP47";
pub const LOC_LOCALE_DUPLICATE: &str = "LOC-LOCALE-DUPLICATE";
/// A warning (decision D11).
pub const LOC_LOCALE_UNSUPPORTED: &str = "LOC-LOCALE-UNSUPPORTED";
pub const LOC_VALUE_EMPTY: &str = "LOC-VALUE-EMPTY";
pub const LOC_KEY_DEFINED: &str = "LOC-KEY-DEFINED";
pub const LOC_NOT_LOCALIZABLE: &str = "LOC-NOT-LOCALIZABLE";
pub const LOC_REFERENCE_KEY: &str = "LOC-REFERENCE-KEY";
/// `Text::PerLocale` in a request that did not go through the builder.
pub const LOC_UNBUILT: &str = "LOC-UNBUILT";

pub const PAYLOAD_TYPE: &str = "PAYLOAD-TYPE";
pub const PAYLOAD_REQUIRED: &str = "PAYLOAD-REQUIRED";
pub const PAYLOAD_NULL: &str = "PAYLOAD-NULL";
pub const PAYLOAD_UNKNOWN_FIELD: &str = "PAYLOAD-UNKNOWN-FIELD";
pub const PAYLOAD_EMPTY_STRING: &str = "PAYLOAD-EMPTY-STRING";
pub const PAYLOAD_ENUM: &str = "PAYLOAD-ENUM";
pub const PAYLOAD_MINIMUM: &str = "PAYLOAD-MINIMUM";
pub const PAYLOAD_MAXIMUM: &str = "PAYLOAD-MAXIMUM";
pub const PAYLOAD_MIN_ITEMS: &str = "PAYLOAD-MIN-ITEMS";
pub const PAYLOAD_MAX_ITEMS: &str = "PAYLOAD-MAX-ITEMS";
pub const PAYLOAD_UNIQUE_ITEMS: &str = "PAYLOAD-UNIQUE-ITEMS";
pub const PAYLOAD_DATETIME: &str = "PAYLOAD-DATETIME";

/// Every rule id, for documentation and tests.
pub const ALL: &[&str] = &[
    JSON_SYNTAX,
    JSON_DUPLICATE_KEY,
    STRUCTURE,
    ENV_TYPE,
    ENV_REQUIRED,
    ENV_NULL,
    ENV_UNKNOWN_FIELD,
    ENV_TIMESTAMP_ISO8601,
    ENV_EXPIRY_ISO8601,
    ENV_REFID_CHARSET,
    ENV_REFID_LENGTH,
    ENV_EXPIRY_MIN,
    ENV_EXPIRY_MAX,
    ENV_EXPIRY_CLOCK,
    ENV_EVENT_NAME,
    ENV_AUDIENCE_TYPE,
    ENV_UNICAST_USER,
    ENV_MULTICAST_EMPTY_PAYLOAD,
    LOC_EMPTY,
    LOC_LOCALE_BCP47,
    LOC_LOCALE_DUPLICATE,
    LOC_LOCALE_UNSUPPORTED,
    LOC_VALUE_EMPTY,
    LOC_KEY_DEFINED,
    LOC_NOT_LOCALIZABLE,
    LOC_REFERENCE_KEY,
    LOC_UNBUILT,
    PAYLOAD_TYPE,
    PAYLOAD_REQUIRED,
    PAYLOAD_NULL,
    PAYLOAD_UNKNOWN_FIELD,
    PAYLOAD_EMPTY_STRING,
    PAYLOAD_ENUM,
    PAYLOAD_MINIMUM,
    PAYLOAD_MAXIMUM,
    PAYLOAD_MIN_ITEMS,
    PAYLOAD_MAX_ITEMS,
    PAYLOAD_UNIQUE_ITEMS,
    PAYLOAD_DATETIME,
];
