//! Amazon's hosts per region and the path per stage (docs/decisions.md §4.1, §5).

use std::fmt;
use std::str::FromStr;

/// The LWA token endpoint (all regions).
pub const TOKEN_URL: &str = crate::wire::TOKEN_URL;

pub use crate::region::{Region, UnknownRegion};

/// Development reaches the skill's testers only; live reaches customers of a
/// certified skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// The skill's development stage: its testers only.
    Development,
    /// The certified skill's live stage: its customers.
    Live,
}

impl Stage {
    /// The path under the API base.
    pub fn path(self) -> &'static str {
        match self {
            Self::Development => crate::wire::DEVELOPMENT_PATH,
            Self::Live => crate::wire::LIVE_PATH,
        }
    }

    /// `development` or `live`, as the CLI and the journal write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Live => "live",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Stage {
    type Err = UnknownStage;
    fn from_str(s: &str) -> Result<Self, UnknownStage> {
        match s.to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(Self::Development),
            "live" => Ok(Self::Live),
            _ => Err(UnknownStage(s.to_owned())),
        }
    }
}

/// A string that is not a stage (from [`Stage`]'s `FromStr`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStage(String);

impl UnknownStage {
    /// The rejected string.
    pub fn input(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnknownStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown stage `{}`; expected development or live",
            self.0
        )
    }
}

impl std::error::Error for UnknownStage {}

/// The full URL events are posted to: `base` (no trailing slash needed) + the stage's path.
pub fn events_url(base: &str, stage: Stage) -> String {
    format!("{}{}", base.trim_end_matches('/'), stage.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_urls() {
        let cases = [
            (
                Region::NorthAmerica,
                Stage::Development,
                "https://api.amazonalexa.com/v1/proactiveEvents/stages/development",
            ),
            (
                Region::NorthAmerica,
                Stage::Live,
                "https://api.amazonalexa.com/v1/proactiveEvents",
            ),
            (
                Region::Europe,
                Stage::Development,
                "https://api.eu.amazonalexa.com/v1/proactiveEvents/stages/development",
            ),
            (
                Region::Europe,
                Stage::Live,
                "https://api.eu.amazonalexa.com/v1/proactiveEvents",
            ),
            (
                Region::FarEast,
                Stage::Development,
                "https://api.fe.amazonalexa.com/v1/proactiveEvents/stages/development",
            ),
            (
                Region::FarEast,
                Stage::Live,
                "https://api.fe.amazonalexa.com/v1/proactiveEvents",
            ),
        ];
        for (region, stage, url) in cases {
            assert_eq!(events_url(region.api_base(), stage), url);
        }
    }

    #[test]
    fn parses_codes() {
        assert_eq!("eu".parse::<Region>(), Ok(Region::Europe));
        assert_eq!("Live".parse::<Stage>(), Ok(Stage::Live));
        assert!("US".parse::<Region>().is_err());
    }
}
