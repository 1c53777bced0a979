//! Stable rule ids. Envelope and localization ids follow the facts file's §9.

/// The body does not parse into the request type (used when no finer rule applies).
pub const STRUCTURE: &str = "STRUCTURE";
pub const ENV_EXPIRY_MIN: &str = "ENV-EXPIRY-MIN";
pub const ENV_EXPIRY_MAX: &str = "ENV-EXPIRY-MAX";
/// Optional: the expiry window measured from the caller's clock.
pub const ENV_EXPIRY_CLOCK: &str = "ENV-EXPIRY-CLOCK";
pub const LOC_KEY_DEFINED: &str = "LOC-KEY-DEFINED";
pub const LOC_LOCALE_DUPLICATE: &str = "LOC-LOCALE-DUPLICATE";
/// A warning (decision D11).
pub const LOC_LOCALE_UNSUPPORTED: &str = "LOC-LOCALE-UNSUPPORTED";
/// `Text::PerLocale` in a request that did not go through the builder.
pub const LOC_UNBUILT: &str = "LOC-UNBUILT";
pub const LOC_LOCALE_BCP47: &str = "LOC-LOCALE-BCP47";
pub const ENV_REFID_CHARSET: &str = "ENV-REFID-CHARSET";
pub const ENV_REFID_LENGTH: &str = "ENV-REFID-LENGTH";
pub const ENV_AUDIENCE_TYPE: &str = "ENV-AUDIENCE-TYPE";
pub const ENV_UNICAST_USER: &str = "ENV-UNICAST-USER";
