//! One redactor for every string that leaves the process: error messages, logs,
//! journals and what a command prints. Servers echo what they were sent, so a
//! body quoting the bearer token or the form-encoded client secret must not
//! reach a terminal or a file as it came.
//!
//! Two layers, both applied by [`Redactor::redact`]:
//!
//! - **known secrets** (the client secret, the access tokens in use), found in
//!   any encoding a server may echo them in: raw, percent-encoded (upper or
//!   lower hex, all or some bytes), form-encoded (`+` for a space) and
//!   JSON-escaped (`\"`, `\u00e9`), also mixed;
//! - **credential shapes**, whatever their value: `Bearer <token>`, the values
//!   of `access_token`, `refresh_token`, `id_token`, `client_secret`,
//!   `x-amz-access-token` (JSON members, form fields, query parameters,
//!   `key: value` lines) and of `Authorization` headers. [`redact`] applies
//!   this layer alone, for text from anywhere.
//!
//! Redaction may hide a little too much (an `authorization: failed` line loses
//! `failed`); it never leaves a credential of these shapes. It needs no cargo
//! feature, so the client, the emulator and the command line share it.
//!
//! ```
//! use alexa_proactive_events_runtime::redact::Redactor;
//!
//! let redactor = Redactor::new().secret("S3cr3t+with space");
//! let echoed = r#"bad client_id; got client_secret=S3cr3t%2Bwith+space, Authorization: Bearer Atza|xyz"#;
//! assert_eq!(
//!     redactor.redact(echoed),
//!     "bad client_id; got client_secret=[redacted], Authorization: [redacted]"
//! );
//! assert_eq!(redactor.redact("echo: S3cr3t%2bwith%20space"), "echo: [redacted]");
//! ```

use std::borrow::Cow;

/// What replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// Keys whose value is a credential wherever they appear (compared ignoring
/// ASCII case). `authorization` values run to the end of the line (`Basic …`,
/// `Bearer …`); the others end at a delimiter.
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "x-amz-access-token",
    "proxy-authorization",
    "authorization",
];

/// Known secrets and the credential shapes; see the module documentation.
/// Cheap to clone.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Non-empty, longest first (so a secret containing another is hidden whole).
    secrets: Vec<Box<[u8]>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Redactor {
    /// A redactor for the credential shapes only; add secrets with [`Redactor::secret`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Also hides `secret` in every encoding. An empty secret is ignored.
    #[must_use]
    pub fn secret(mut self, secret: &str) -> Self {
        self.add_secret(secret);
        self
    }

    /// Also hides `secret` in every encoding. An empty secret is ignored.
    pub fn add_secret(&mut self, secret: &str) {
        if secret.is_empty() || self.secrets.iter().any(|s| &s[..] == secret.as_bytes()) {
            return;
        }
        self.secrets.push(secret.as_bytes().into());
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// `text` with every known secret (in any encoding) and every credential
    /// shape replaced by `[redacted]`. Borrowed when nothing was found.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for secret in &self.secrets {
            if let Cow::Owned(hidden) = hide_secret(&text, secret) {
                text = Cow::Owned(hidden);
            }
        }
        match text {
            Cow::Borrowed(t) => redact(t),
            Cow::Owned(t) => Cow::Owned(redact(&t).into_owned()),
        }
    }
}

/// `text` with every credential shape (`Bearer` tokens, `access_token` and the
/// other secret keys' values, `Authorization` header values) replaced by
/// `[redacted]`. Borrowed when nothing was found.
pub fn redact(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    // `copied`: the end of the text already copied into `out`.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let found = bearer_at(bytes, i).or_else(|| key_value_at(bytes, i));
        match found {
            Some((start, end))
                if start < end
                    && text.is_char_boundary(start)
                    && text.is_char_boundary(end)
                    && !bytes[start..].starts_with(REDACTED.as_bytes()) =>
            {
                let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
                out.push_str(&text[copied..start]);
                out.push_str(REDACTED);
                copied = end;
                i = end;
            }
            // A shape whose value is empty or already hidden: skip past the key.
            Some((start, _)) => i = start.max(i + 1),
            None => i += 1,
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Ends an unquoted value (a token, a form field, a JSON scalar).
fn ends_value(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b'"' | b'\''
                | b'\\'
                | b','
                | b';'
                | b'&'
                | b'<'
                | b'>'
                | b'('
                | b')'
                | b'{'
                | b'}'
                | b'['
                | b']'
        )
}

/// `Bearer <token>` at `i` (any case, after a non-word byte): the token's span.
fn bearer_at(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    const WORD: &[u8] = b"bearer";
    let head = bytes.get(i..i + WORD.len())?;
    if !head.eq_ignore_ascii_case(WORD) || (i > 0 && is_word(bytes[i - 1])) {
        return None;
    }
    // One or more separators: a space or tab, `+` (form) or `%20` (URL).
    let mut j = i + WORD.len();
    let start_sep = j;
    loop {
        match bytes.get(j) {
            Some(b' ' | b'\t' | b'+') => j += 1,
            Some(b'%') if bytes.get(j + 1..j + 3) == Some(b"20") => j += 3,
            _ => break,
        }
    }
    if j == start_sep {
        return None;
    }
    let end = j + bytes[j..].iter().take_while(|b| !ends_value(**b)).count();
    Some((j, end))
}

/// A secret key at `i` followed by `:` or `=` and a value: the value's span.
fn key_value_at(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    if i > 0 && is_word(bytes[i - 1]) {
        return None;
    }
    let key = SECRET_KEYS.iter().find(|k| {
        bytes
            .get(i..i + k.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(k.as_bytes()))
    })?;
    let mut j = i + key.len();
    if bytes.get(j).copied().is_some_and(is_word) {
        return None;
    }
    // The key's closing quote: `"`, `'` or `\"` (JSON inside a JSON string).
    j += quote_len(bytes, j);
    j = skip_spaces(bytes, j);
    // The separator, maybe percent-encoded (`%3D`, `%3A`); `=` means a form
    // field or query parameter, which ends at `&`.
    let sep = bytes.get(j..j + 3).unwrap_or(&bytes[j.min(bytes.len())..]);
    let (form, width) = match sep {
        [b'=', ..] => (true, 1),
        [b':', ..] => (false, 1),
        [b'%', b'3', b'D' | b'd'] => (true, 3),
        [b'%', b'3', b'A' | b'a'] => (false, 3),
        _ => return None,
    };
    j += width;
    j = skip_spaces(bytes, j);
    let quote = quote_len(bytes, j);
    if quote > 0 {
        // A quoted value ends at the same quote, unescaped.
        let close = &bytes[j..j + quote];
        let start = j + quote;
        let mut k = start;
        while k < bytes.len() {
            if bytes[k..].starts_with(close) && (quote > 1 || bytes[k - 1] != b'\\') {
                return Some((start, k));
            }
            k += 1;
        }
        return Some((start, bytes.len()));
    }
    let header = key.ends_with("authorization");
    let len = bytes[j..]
        .iter()
        .take_while(|b| {
            if header {
                // `Basic x`, `Bearer y`: a header value runs to the end of its line.
                !(matches!(b, b'\r' | b'\n' | b'"' | b'\'' | b'\\' | b'<') || form && **b == b'&')
            } else {
                !ends_value(**b)
            }
        })
        .count();
    Some((j, j + len))
}

fn quote_len(bytes: &[u8], j: usize) -> usize {
    match bytes.get(j..) {
        Some([b'"' | b'\'', ..]) => 1,
        Some([b'\\', b'"', ..]) => 2,
        _ => 0,
    }
}

fn skip_spaces(bytes: &[u8], mut j: usize) -> usize {
    while bytes.get(j).is_some_and(|b| *b == b' ' || *b == b'\t') {
        j += 1;
    }
    j
}

/// `text` with every encoding of `secret` replaced; borrowed when absent.
fn hide_secret<'a>(text: &'a str, secret: &[u8]) -> Cow<'a, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let end = match_at(bytes, i, secret)
            .filter(|end| text.is_char_boundary(i) && text.is_char_boundary(*end));
        match end {
            Some(end) => {
                let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
                out.push_str(&text[copied..i]);
                out.push_str(REDACTED);
                copied = end;
                i = end;
            }
            None => i += 1,
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }
}

/// The end of the longest span of `text` starting at `start` that decodes to
/// `secret`, each unit being a raw byte, `%XX`, `+` (a space) or a JSON escape.
/// Units can be read in more than one way (`%25` is `%` or three bytes), so
/// every reading is followed at once: `ends` holds the text positions reached
/// after the same number of secret bytes (a set, so the work stays polynomial).
fn match_at(text: &[u8], start: usize, secret: &[u8]) -> Option<usize> {
    // Quick reject: the first unit must be able to start the secret.
    match text.get(start) {
        Some(b) if *b == secret[0] || matches!(b, b'%' | b'+' | b'\\') => {}
        _ => return None,
    }
    // (text position, secret bytes matched): to explore, and every one seen.
    let mut frontier: Vec<(usize, usize)> = vec![(start, 0)];
    let mut seen = frontier.clone();
    let mut best = None;
    while let Some((i, k)) = frontier.pop() {
        if k == secret.len() {
            best = best.max(Some(i));
            continue;
        }
        for (decoded, used) in units(text, i).into_iter().flatten() {
            let Some(d) = decoded.as_slice() else {
                continue;
            };
            if secret[k..].starts_with(d) {
                let next = (i + used, k + d.len());
                if !seen.contains(&next) {
                    seen.push(next);
                    frontier.push(next);
                }
            }
        }
    }
    best
}

/// A decoded unit: up to 4 bytes (one UTF-8 character at most).
#[derive(Clone, Copy)]
struct Unit {
    bytes: [u8; 4],
    len: usize,
}

impl Unit {
    fn byte(b: u8) -> Self {
        Self {
            bytes: [b, 0, 0, 0],
            len: 1,
        }
    }
    fn char(c: char) -> Self {
        let mut bytes = [0; 4];
        let len = c.encode_utf8(&mut bytes).len();
        Self { bytes, len }
    }
    fn as_slice(&self) -> Option<&[u8]> {
        self.bytes.get(..self.len)
    }
}

/// Every way to read one unit at `i` (at most two): (decoded, bytes of text used).
fn units(text: &[u8], i: usize) -> [Option<(Unit, usize)>; 2] {
    let Some(&b) = text.get(i) else {
        return [None, None];
    };
    let other = match b {
        b'%' => text
            .get(i + 1..i + 3)
            .and_then(hex_byte)
            .map(|v| (Unit::byte(v), 3)),
        b'+' => Some((Unit::byte(b' '), 1)),
        b'\\' => json_escape(text, i),
        _ => None,
    };
    [Some((Unit::byte(b), 1)), other]
}

fn hex_digit(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

fn hex_byte(two: &[u8]) -> Option<u8> {
    match two {
        [h, l] => Some(hex_digit(*h)? << 4 | hex_digit(*l)?),
        _ => None,
    }
}

fn hex4(text: &[u8], at: usize) -> Option<u32> {
    let digits = text.get(at..at + 4)?;
    digits
        .iter()
        .try_fold(0u32, |acc, d| Some(acc << 4 | u32::from(hex_digit(*d)?)))
}

/// A JSON string escape at `i` (which holds `\`).
fn json_escape(text: &[u8], i: usize) -> Option<(Unit, usize)> {
    let simple = |b| Some((Unit::byte(b), 2));
    match text.get(i + 1)? {
        b'"' => simple(b'"'),
        b'\\' => simple(b'\\'),
        b'/' => simple(b'/'),
        b'b' => simple(0x08),
        b'f' => simple(0x0c),
        b'n' => simple(b'\n'),
        b'r' => simple(b'\r'),
        b't' => simple(b'\t'),
        b'u' => {
            let high = hex4(text, i + 2)?;
            if let Some(c) = char::from_u32(high) {
                return Some((Unit::char(c), 6));
            }
            // A surrogate pair: `\uD83D\uDE00`.
            if text.get(i + 6..i + 8) != Some(b"\\u") {
                return None;
            }
            let low = hex4(text, i + 8)?;
            let c = char::decode_utf16([u16::try_from(high).ok()?, u16::try_from(low).ok()?])
                .next()?
                .ok()?;
            Some((Unit::char(c), 12))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "S3cr3t+with space/é\"";

    fn hidden(text: &str) -> String {
        Redactor::new().secret(SECRET).redact(text).into_owned()
    }

    #[test]
    fn the_secret_is_hidden_in_every_encoding() {
        let forms = [
            SECRET.to_owned(),
            // Form-encoded as reqwest sends it (upper hex, `+` for space).
            "S3cr3t%2Bwith+space%2F%C3%A9%22".to_owned(),
            // Lower hex, `%20` for the space, `/` left alone.
            "S3cr3t%2bwith%20space/%c3%a9%22".to_owned(),
            // Every byte encoded.
            SECRET.bytes().map(|b| format!("%{b:02X}")).collect(),
            // JSON-escaped, and with `\u` escapes.
            r#"S3cr3t+with space\/é\""#.to_owned(),
            r#"S3cr3t+with\u0020space/\u00e9\u0022"#.to_owned(),
        ];
        for form in forms {
            let text = format!("before {form} after");
            assert_eq!(hidden(&text), "before [redacted] after", "{form}");
        }
    }

    #[test]
    fn clean_text_is_borrowed_and_unchanged() {
        let r = Redactor::new().secret(SECRET);
        for text in [
            "",
            "nothing here",
            "S3cr3t+with",
            "%",
            "\\u12",
            "é%C3",
            "bearer",
            "token_type: bearer",
        ] {
            assert!(
                matches!(r.redact(text), Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
    }

    #[test]
    fn credential_shapes_are_hidden_without_knowing_them() {
        let cases = [
            (
                "Authorization: Bearer Atza|IwEB.x-y_z~",
                "Authorization: [redacted]",
            ),
            (
                "header authorization=Basic dXNlcjpwYXNz&x=1",
                "header authorization=[redacted]&x=1",
            ),
            (
                "got bearer Atza|abc, expected",
                "got bearer [redacted], expected",
            ),
            ("Bearer+Atza%7Cabc&x", "Bearer+[redacted]&x"),
            (
                r#"{"access_token":"Atc|a\"b","expires_in":1}"#,
                r#"{"access_token":"[redacted]","expires_in":1}"#,
            ),
            (
                r#"{"ACCESS_TOKEN" : 'Atc|x'}"#,
                r#"{"ACCESS_TOKEN" : '[redacted]'}"#,
            ),
            (
                "grant_type=client_credentials&client_secret=abc%2B1&scope=x",
                "grant_type=client_credentials&client_secret=[redacted]&scope=x",
            ),
            ("refresh_token: abc def", "refresh_token: [redacted] def"),
            (
                r#"{"m":"{\"id_token\":\"xyz\"}"}"#,
                r#"{"m":"{\"id_token\":\"[redacted]\"}"}"#,
            ),
            ("access_token%3Dabc", "access_token%3D[redacted]"),
            (
                "x-amz-access-token: Atza|q",
                "x-amz-access-token: [redacted]",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(redact(text), expected, "{text}");
        }
    }

    #[test]
    fn lookalike_words_are_left_alone() {
        for text in [
            "my_access_token_count=3",
            "bearers are people",
            "the access_token is missing",
            "\"token_type\":\"bearer\"",
        ] {
            assert_eq!(redact(text), text);
        }
    }

    #[test]
    fn redaction_is_idempotent() {
        let r = Redactor::new().secret(SECRET);
        let once = r
            .redact("Bearer abc access_token=S3cr3t%2Bwith+space%2F%C3%A9%22")
            .into_owned();
        assert_eq!(once, "Bearer [redacted] access_token=[redacted]");
        assert_eq!(r.redact(&once), once);
    }

    #[test]
    fn hostile_text_never_panics() {
        let r = Redactor::new().secret("%%+\\é").secret("a");
        let texts = [
            "%",
            "%2",
            "%zz",
            "\\",
            "\\u",
            "\\uD83D",
            "\\uD83D\\u",
            "\\uD83D\\uZZZZ",
            "é%",
            "bearer ",
            "authorization:",
            "access_token=\"",
            "\\\"",
            "%25%25%25+\\\\\\u00e9",
        ];
        for text in texts {
            let _ = r.redact(text);
            let _ = redact(text);
        }
        // A long text without the secret stays fast enough and unchanged.
        let long = "%25".repeat(20_000);
        assert_eq!(Redactor::new().secret("%%%%%%%%x").redact(&long), long);
    }

    #[test]
    fn a_longer_secret_containing_a_shorter_one_is_hidden_whole() {
        let r = Redactor::new().secret("abc").secret("abcdef");
        assert_eq!(r.redact("xabcdefx"), "x[redacted]x");
    }
}
