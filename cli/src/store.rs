//! What `--db` and `--subscriptions-db` name: a SQLite file or a PostgreSQL
//! database. Decided here, once, as the value is parsed: every command accepts
//! the same forms, a connection string is never taken for a file name, and no
//! message (clap's included) repeats the value of a connection string, which may
//! hold a password.

use alexa_proactive_events::subscriptions::PostgresLedger;
use clap::builder::{TypedValueParser, ValueParserFactory};
use clap::error::ErrorKind;
use std::ffi::OsStr;
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// The forms accepted, after the error refusing a value.
const FORMS: &str = "\
It takes a SQLite file path, a postgres:// or postgresql:// URL, or libpq key=value
pairs (host=HOST port=PORT user=USER dbname=DATABASE ...). Write a SQLite path that
holds `=`, or starts with NAME:, as ./PATH.";

/// Where a subscription ledger lives.
#[derive(Clone)]
pub(crate) enum StoreLocation {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(ConnectionString),
}

/// A PostgreSQL connection string (URL or `key=value`), checked by the
/// library's own parser. Shown only as its target, without the password.
#[derive(Clone)]
pub(crate) struct ConnectionString {
    /// As given: may hold a password, so never printed.
    text: String,
    /// `postgres://user@host:port/db`: what messages show.
    target: String,
}

impl ConnectionString {
    /// The string to connect with (secret: do not print it).
    pub(crate) fn connect_str(&self) -> &str {
        &self.text
    }
}

impl StoreLocation {
    /// Classifies `value`. Anything that looks like a connection string but is
    /// not one that PostgreSQL's client reads is refused rather than taken for
    /// a file name. Errors never quote a connection string.
    pub(crate) fn parse(value: &OsStr) -> Result<Self, String> {
        let lossy = value.to_string_lossy();
        let text = lossy.as_ref();
        if text.trim().is_empty() {
            return Err("the value is empty".to_owned());
        }
        if let Some(scheme) = url_scheme(text) {
            if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
                let hint = if scheme.eq_ignore_ascii_case("sqlite") || scheme == "file" {
                    ": give the SQLite file's path itself"
                } else {
                    ""
                };
                return Err(format!(
                    "`{scheme}:...` is not a database this command opens{hint}"
                ));
            }
        } else if !text.contains('=') || is_plain_path(text) {
            return Ok(Self::Sqlite(PathBuf::from(value)));
        }
        // A URL of PostgreSQL, or libpq's key=value pairs (the `=` says so).
        let Some(text) = value.to_str() else {
            return Err("a connection string must be UTF-8".to_owned());
        };
        // The library redacts the password from its errors.
        let target = PostgresLedger::target_of(text).map_err(|e| e.to_string())?;
        Ok(Self::Postgres(ConnectionString {
            text: text.to_owned(),
            target,
        }))
    }
}

/// The scheme of `text` when it starts like a URL (`name:`), as RFC 3986 spells a
/// scheme. One letter is a Windows drive (`C:\`), not a scheme. `user:password@host`
/// starts like one too, and is refused with the URLs.
fn url_scheme(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let starts = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (starts && rest && scheme.len() > 1).then_some(scheme)
}

/// A path written as one (`/…`, `./…`, `../…`) without whitespace: libpq would
/// refuse it as `key=value` pairs (a key is a word), so an `=` in it is part of a
/// file name. The way to name a SQLite file whose name holds `=` or a colon.
fn is_plain_path(text: &str) -> bool {
    let anchored = matches!(
        Path::new(text).components().next(),
        Some(Component::RootDir | Component::CurDir | Component::ParentDir | Component::Prefix(_))
    );
    anchored && !text.chars().any(char::is_whitespace)
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(c) => f.write_str(&c.target),
        }
    }
}

// By hand: the derived one would print the connection string.
impl fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Self::Postgres(c) => f.debug_tuple("Postgres").field(c).finish(),
        }
    }
}

impl fmt::Debug for ConnectionString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.target)
    }
}

/// Parses `--db` values for clap. Its errors are written here, not by clap,
/// whose `invalid value '<VALUE>'` would repeat the password.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StoreLocationParser;

impl TypedValueParser for StoreLocationParser {
    type Value = StoreLocation;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<StoreLocation, clap::Error> {
        StoreLocation::parse(value).map_err(|reason| {
            let arg = arg.map_or_else(|| "the database".to_owned(), |a| format!("'{a}'"));
            cmd.clone().error(
                ErrorKind::ValueValidation,
                format!("invalid value for {arg}: {reason}\n\n{FORMS}"),
            )
        })
    }
}

impl ValueParserFactory for StoreLocation {
    type Parser = StoreLocationParser;

    fn value_parser() -> Self::Parser {
        StoreLocationParser
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<StoreLocation, String> {
        StoreLocation::parse(OsStr::new(text))
    }

    #[test]
    fn paths_urls_and_key_value_pairs_are_told_apart() {
        for path in [
            "subs.db",
            "data/subs.db",
            "/var/lib/subs.db",
            "./a=b.db",
            "../x:y.db",
        ] {
            assert!(
                matches!(parse(path), Ok(StoreLocation::Sqlite(p)) if p == Path::new(path)),
                "{path}"
            );
        }
        for (text, target) in [
            ("postgres://me:pw@h:1/db", "postgres://me@h:1/db"),
            ("postgresql://me@h:1/db", "postgres://me@h:1/db"),
            (
                "host=h port=1 user=me password='a b' dbname=db",
                "postgres://me@h:1/db",
            ),
        ] {
            let parsed = parse(text).expect(text);
            assert!(matches!(parsed, StoreLocation::Postgres(_)), "{text}");
            assert_eq!(parsed.to_string(), target);
            assert_eq!(format!("{parsed:?}"), format!("Postgres({target})"));
        }
    }

    #[test]
    fn other_connection_strings_are_refused_without_the_password() {
        for text in [
            "",
            "  ",
            "mysql://me:hunter2@h/db",
            "sqlite://subs.db",
            "sqlite:subs.db",
            "POSTGRES://me:hunter2@h/db",
            "me:hunter2@h",
            "a=b.db",
            "host=h passwrd=hunter2",
            "dbname skill password=hunter2",
            "host=h password='hunter2",
            "/run/x password=hunter2",
            "postgres://me:hunter2@h:port/db",
        ] {
            let err = parse(text).expect_err(text);
            assert!(!err.contains("hunter2"), "{text}: {err}");
        }
    }
}
