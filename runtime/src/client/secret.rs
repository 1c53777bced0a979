//! Credentials, and a string that never shows itself in `Debug`, `Display` or errors.

use crate::redact::Redactor;
use std::fmt;

/// A secret (client secret, access token). `Debug` and `Display` print `[redacted]`;
/// read the value with [`Secret::expose`] only where it goes on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`, which from now on prints as `[redacted]`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself: for the HTTP request that needs it, nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with this secret, in any encoding a server may echo it in, and
    /// every credential shape (`Bearer …`, `access_token=…`) replaced by
    /// `[redacted]`: [`crate::redact::Redactor`] with this one secret.
    pub fn scrub(&self, text: &str) -> String {
        Redactor::new().secret(&self.0).redact(text).into_owned()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// The skill's "Alexa Client Id" and "Alexa Client Secret" (developer console,
/// Build > Permissions; or `ask smapi get-skill-credentials`).
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The client id (`amzn1.application-oa2-client.…`).
    pub client_id: String,
    /// The client secret, never printed.
    pub client_secret: Secret,
}

/// Environment variable holding the client id.
pub const CLIENT_ID_VAR: &str = "ALEXA_CLIENT_ID";
/// Environment variable holding the client secret.
pub const CLIENT_SECRET_VAR: &str = "ALEXA_CLIENT_SECRET";

impl Credentials {
    /// Credentials from the two values.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }

    /// From `ALEXA_CLIENT_ID` and `ALEXA_CLIENT_SECRET`.
    pub fn from_env() -> Result<Self, MissingCredentials> {
        let read = |name: &'static str| match std::env::var(name) {
            Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
            _ => Err(name),
        };
        match (read(CLIENT_ID_VAR), read(CLIENT_SECRET_VAR)) {
            (Ok(id), Ok(secret)) => Ok(Self::new(id, secret)),
            (id, secret) => Err(MissingCredentials {
                missing: [id.err(), secret.err()].into_iter().flatten().collect(),
            }),
        }
    }
}

/// Which credential variables are unset or empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingCredentials {
    /// The unset or empty variables' names.
    pub missing: Vec<&'static str>,
}

impl fmt::Display for MissingCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "missing credentials: set {} (the skill's Alexa Client Id and Client Secret, \
             developer console > Build > Permissions)",
            self.missing.join(" and ")
        )
    }
}

impl std::error::Error for MissingCredentials {}
