//! Amazon's wire names, owned here once: the client calls them and the emulator
//! answers them (docs/decisions.md §4.1, §5).

/// The literals, as macros so that the URLs below are built from the same text.
macro_rules! token_path {
    () => {
        "/auth/o2/token"
    };
}
macro_rules! live_path {
    () => {
        "/v1/proactiveEvents"
    };
}

/// The scope a Proactive Events token needs (the only one the emulator grants).
pub const SCOPE: &str = "alexa::proactive_events";

/// The LWA token endpoint's path.
#[cfg(feature = "emulator")]
pub(crate) const TOKEN_PATH: &str = token_path!();
/// The LWA token endpoint (all regions).
#[cfg(feature = "client")]
pub(crate) const TOKEN_URL: &str = concat!("https://api.amazon.com", token_path!());
/// The live stage's path: customers of a certified skill.
pub(crate) const LIVE_PATH: &str = live_path!();
/// The development stage's path: the skill's testers.
pub(crate) const DEVELOPMENT_PATH: &str = concat!(live_path!(), "/stages/development");
