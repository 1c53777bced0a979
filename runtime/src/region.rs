//! Alexa's regions: one fact, used by the client (which host to send to) and by
//! the subscriptions ledger (which host a user's `apiEndpoint` names).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The region of the users you notify: it picks the API host. A user in North
/// America is not reached through the European host (docs/decisions.md §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Region {
    /// `NA`: North America, `https://api.amazonalexa.com`.
    #[serde(rename = "NA")]
    NorthAmerica,
    /// `EU`: Europe (and India), `https://api.eu.amazonalexa.com`.
    #[serde(rename = "EU")]
    Europe,
    /// `FE`: Far East (Japan, Australia), `https://api.fe.amazonalexa.com`.
    #[serde(rename = "FE")]
    FarEast,
}

impl Region {
    /// Every region, in declaration order.
    pub const ALL: [Region; 3] = [Region::NorthAmerica, Region::Europe, Region::FarEast];

    /// The region's Proactive Events host, which is also the `apiEndpoint` Alexa
    /// sends in this region's skill requests.
    pub fn api_base(self) -> &'static str {
        match self {
            Self::NorthAmerica => "https://api.amazonalexa.com",
            Self::Europe => "https://api.eu.amazonalexa.com",
            Self::FarEast => "https://api.fe.amazonalexa.com",
        }
    }

    /// The `apiEndpoint` Alexa sends for this region (the same host as [`Region::api_base`]).
    pub fn api_endpoint(self) -> &'static str {
        self.api_base()
    }

    /// The region of an `apiEndpoint`: one of the three documented hosts over https,
    /// compared without case and with or without a trailing `/`. Anything else is
    /// `None`: guessing a region would send a user's events to the wrong host.
    pub fn from_api_endpoint(endpoint: &str) -> Option<Self> {
        let e = endpoint.trim_end_matches('/');
        Self::ALL
            .into_iter()
            .find(|r| e.eq_ignore_ascii_case(r.api_base()))
    }

    /// `NA`, `EU` or `FE`.
    pub fn code(self) -> &'static str {
        match self {
            Self::NorthAmerica => "NA",
            Self::Europe => "EU",
            Self::FarEast => "FE",
        }
    }

    /// The inverse of [`Region::code`] (case-insensitive).
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|r| code.eq_ignore_ascii_case(r.code()))
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Region {
    type Err = UnknownRegion;
    fn from_str(s: &str) -> Result<Self, UnknownRegion> {
        Self::from_code(s).ok_or_else(|| UnknownRegion(s.to_owned()))
    }
}

/// A string that is not a region code (from [`Region`]'s `FromStr`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRegion(String);

impl UnknownRegion {
    /// The rejected string.
    pub fn input(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnknownRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown region `{}`; expected NA, EU or FE", self.0)
    }
}

impl std::error::Error for UnknownRegion {}

#[cfg(test)]
mod tests {
    use super::Region;

    #[test]
    fn codes_and_endpoints_round_trip() {
        for r in Region::ALL {
            assert_eq!(r.code().parse::<Region>(), Ok(r));
            assert_eq!(
                Region::from_api_endpoint(&format!("{}/", r.api_endpoint())),
                Some(r)
            );
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.code())
            );
        }
        assert_eq!("eu".parse::<Region>(), Ok(Region::Europe));
        assert!("US".parse::<Region>().is_err());
        assert_eq!(
            Region::from_api_endpoint("http://api.amazonalexa.com"),
            None
        );
    }
}
