//! `proactive-events new EVENT`: a fresh request body that `validate` accepts,
//! built from the example payload of the event's schema (`example:` in
//! `schemas/*.yaml`), so a new schema gets it without code.

use super::{exit, fail, print};
use alexa_proactive_events::builder::DEFAULT_LOCALE;
use alexa_proactive_events::envelope::{EXPIRY_MAX, EXPIRY_MIN, human_bound};
use alexa_proactive_events::schema::EventSchema;
use alexa_proactive_events::{
    ALEXA_LOCALES, Audience, EVENT_NAMES, Event, Localizable, ProactiveEventRequest, Text, events,
};
use clap::{Args, ValueEnum};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(after_help = "\
Prints a request body for EVENT: its schema's example payload, a timestamp of now, an
expiryTime --expires-in later, a fresh referenceId, and one localizedAttributes entry per
--locale. Localizable fields become localizedattribute:<key> references whose value is
the example's text in every locale. Edit the values, then `validate`, `preview` or `send`.

EVENT is matched without regard to case. Locales must be Alexa's (en-US, de-DE, ...), and
among the event's own when its schema restricts them (OrderStatus, SocialGameInvite: en-US).

Exit codes: 0 printed, 2 usage error (an unknown event or locale, --expires-in outside
5 min to 24 h, unicast without --user) or standard output cannot be written.

Examples:
  proactive-events new AMAZON.WeatherAlert.Activated
  proactive-events new amazon.orderstatus.updated --audience unicast --user amzn1.ask.account.AEXAMPLE
  proactive-events new AMAZON.SportsEvent.Updated --locale en-US --locale de-DE --expires-in 90m
  proactive-events new AMAZON.WeatherAlert.Activated --jsonl 100 > bodies.jsonl")]
pub struct NewArgs {
    /// The event, e.g. AMAZON.WeatherAlert.Activated (any case).
    #[arg(value_name = "EVENT")]
    event: String,
    /// How long after the timestamp Alexa keeps the event: seconds (3600), or a
    /// duration such as 90m, 2h or 1h30m; 5 min to 24 h.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_expires_in)]
    expires_in: Duration,
    /// Who receives the event: `multicast` (every subscriber; the default
    /// without --user) or `unicast` (one user, named by --user).
    #[arg(long, value_enum)]
    audience: Option<AudienceKind>,
    /// The userId of a unicast event (`amzn1.ask.account.…`); implies --audience unicast.
    #[arg(long, value_name = "USER_ID")]
    user: Option<String>,
    /// A locale to write a localizedAttributes entry for (repeatable); default en-US.
    #[arg(long = "locale", value_name = "LOCALE")]
    locales: Vec<String>,
    /// Print N bodies, one JSON document per line, each with its own referenceId.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    jsonl: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AudienceKind {
    Unicast,
    Multicast,
}

pub fn run(args: NewArgs) -> ExitCode {
    let Some(name) = EVENT_NAMES
        .iter()
        .copied()
        .find(|n| n.eq_ignore_ascii_case(args.event.trim()))
    else {
        return fail(unknown(
            &format!("unknown event `{}`", args.event),
            &args.event,
            &EVENT_NAMES,
        ));
    };
    let Some(schema) = events::schema(name) else {
        return fail(format_args!("no schema for {name}"));
    };
    let locales = match locales(schema, &args.locales) {
        Ok(locales) => locales,
        Err(message) => return fail(message),
    };
    let audience = match (args.audience, args.user) {
        (Some(AudienceKind::Multicast), Some(_)) => {
            return fail(
                "--user names the one user of a unicast event; drop it, or use --audience unicast",
            );
        }
        (Some(AudienceKind::Unicast), None) => {
            return fail(
                "--audience unicast needs --user USER_ID (the userId from a request or a subscription event)",
            );
        }
        (_, Some(user)) => Audience::unicast(user),
        (_, None) => Audience::multicast(),
    };
    let event = match example_event(schema, &locales) {
        Ok(event) => event,
        // The compiler checked the example against the same types: a bug if reached.
        Err(e) => return fail(format_args!("the example of {name} does not parse: {e}")),
    };
    let build = || {
        ProactiveEventRequest::builder(event.clone())
            .locales(locales.iter().cloned())
            .expires_in(args.expires_in)
            .audience(audience.clone())
            .build()
    };
    let (count, pretty) = match args.jsonl {
        Some(n) => (n, false),
        None => (1, true),
    };
    // `--jsonl 1000000000 | head -1` stops with its reader.
    for _ in 0..count {
        if !super::output::stdout_open() {
            break;
        }
        let request = match build() {
            Ok(request) => request,
            // Only what the arguments put in can break a rule (an empty --user).
            Err(e) => {
                let why: Vec<String> = e.violations.iter().map(ToString::to_string).collect();
                return fail(format_args!("cannot build the body: {}", why.join("; ")));
            }
        };
        let text = if pretty {
            serde_json::to_string_pretty(&request)
        } else {
            serde_json::to_string(&request)
        };
        match text {
            Ok(text) => print(&text),
            Err(e) => return fail(format_args!("cannot write the body: {e}")),
        }
    }
    ExitCode::from(exit::OK)
}

/// The schema's example as an event, each localizable text given for every locale
/// (the builder turns them into references and `localizedAttributes` values).
fn example_event(schema: &EventSchema, locales: &[String]) -> Result<Event, serde_json::Error> {
    let payload: serde_json::Value = serde_json::from_str(schema.example)?;
    let mut event: Event =
        serde_json::from_value(serde_json::json!({"name": schema.name, "payload": payload}))?;
    event.for_each_text_mut("", &mut |_, text| {
        if let Text::Literal(s) = text {
            *text = Text::per_locale(locales.iter().map(|l| (l.clone(), s.clone())));
        }
    });
    Ok(event)
}

/// The `--locale` values in canonical case, each one of Alexa's and allowed by
/// the event, repeats dropped; the default when none is given.
fn locales(schema: &EventSchema, asked: &[String]) -> Result<Vec<String>, String> {
    let allowed: &[&str] = schema.locales.unwrap_or(&ALEXA_LOCALES);
    if asked.is_empty() {
        let default = if allowed.contains(&DEFAULT_LOCALE) {
            DEFAULT_LOCALE
        } else {
            allowed.first().copied().unwrap_or(DEFAULT_LOCALE)
        };
        return Ok(vec![default.to_owned()]);
    }
    let mut out: Vec<String> = Vec::new();
    for tag in asked {
        let Some(alexa) = ALEXA_LOCALES
            .iter()
            .copied()
            .find(|l| l.eq_ignore_ascii_case(tag.trim()))
        else {
            return Err(unknown(
                &format!("`{tag}` is not one of Alexa's locales"),
                tag,
                &ALEXA_LOCALES,
            ));
        };
        if !allowed.contains(&alexa) {
            return Err(format!(
                "{} is documented for {} only, not {alexa}",
                schema.name,
                allowed.join(", ")
            ));
        }
        if !out.iter().any(|l| l == alexa) {
            out.push(alexa.to_owned());
        }
    }
    Ok(out)
}

/// `what`, with the nearest of `known` to `word` as a suggestion and the full list.
fn unknown(what: &str, word: &str, known: &[&str]) -> String {
    let word = word.trim().to_ascii_lowercase();
    let score = |k: &str| {
        let k = k.to_ascii_lowercase();
        // `weatheralert.activated` is close to `amazon.weatheralert.activated`.
        let short = k.strip_prefix("amazon.").unwrap_or(&k).to_owned();
        strsim::jaro_winkler(&word, &k).max(strsim::jaro_winkler(&word, &short))
    };
    let best = known
        .iter()
        .map(|k| (score(k), *k))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let mut message = what.to_owned();
    if let Some((_, k)) = best {
        message.push_str(&format!("; did you mean `{k}`?"));
    }
    message.push_str(&format!(" (expected one of: {})", known.join(", ")));
    message
}

/// `--expires-in`: whole seconds (`3600`, `3600s`) or hours, minutes and
/// seconds (`2h`, `90m`, `1h30m`), within Amazon's window of 5 min to 24 h.
fn parse_expires_in(s: &str) -> Result<Duration, String> {
    let shape = || {
        format!(
            "`{s}` is not a duration: write seconds (3600) or a duration such as 90m, 2h or 1h30m"
        )
    };
    let text = s.trim();
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut units_seen = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(shape()),
        };
        // Each unit once, larger first: `1h30m`, not `30m1h` or `1m1m`.
        if digits.is_empty() || units_seen.contains(c) || !in_order(&units_seen, c) {
            return Err(shape());
        }
        units_seen.push(c);
        let n: u64 = digits.parse().map_err(|_| shape())?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(shape)?;
        digits.clear();
    }
    if !digits.is_empty() {
        if !units_seen.is_empty() {
            return Err(shape());
        }
        total = digits.parse().map_err(|_| shape())?;
    } else if units_seen.is_empty() {
        return Err(shape());
    }
    let (min, max) = (EXPIRY_MIN.as_secs(), EXPIRY_MAX.as_secs());
    let secs = i64::try_from(total).unwrap_or(i64::MAX);
    if secs < min || secs > max {
        return Err(format!(
            "{s} is outside Amazon's window for expiryTime: {} to {} after the timestamp",
            human_bound(EXPIRY_MIN),
            human_bound(EXPIRY_MAX)
        ));
    }
    Ok(Duration::from_secs(total))
}

/// Whether unit `c` may follow the units already written (h, then m, then s).
fn in_order(seen: &str, c: char) -> bool {
    let rank = |u: char| "hms".find(u).unwrap_or(0);
    seen.chars().last().is_none_or(|last| rank(last) < rank(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_reads_seconds_and_units_within_the_window() {
        for (s, secs) in [
            ("3600", 3600),
            ("90m", 5400),
            ("2h", 7200),
            ("1h30m", 5400),
            ("300s", 300),
            ("5m", 300),
            ("24h", 86_400),
            ("23h59m60s", 86_400),
        ] {
            assert_eq!(parse_expires_in(s), Ok(Duration::from_secs(secs)), "{s}");
        }
        for s in ["299", "4m59s", "24h1s", "25h", "99999999999999999999"] {
            let e = parse_expires_in(s).expect_err(s);
            assert!(
                e.contains("5 min to 24 h") || e.contains("not a duration"),
                "{s}: {e}"
            );
        }
        for s in [
            "", "h", "1d", "1.5h", "30m1h", "1m1m", "-1h", "1h 30m", "10x",
        ] {
            assert!(
                parse_expires_in(s).unwrap_err().contains("not a duration"),
                "{s}"
            );
        }
    }

    #[test]
    fn suggestions_ignore_case_and_the_amazon_prefix() {
        let m = unknown("unknown event", "weatheralert.activatd", &EVENT_NAMES);
        assert!(
            m.contains("did you mean `AMAZON.WeatherAlert.Activated`?"),
            "{m}"
        );
        let m = unknown("unknown event", "zzz", &EVENT_NAMES);
        assert!(!m.contains("did you mean"), "{m}");
    }
}
