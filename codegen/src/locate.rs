//! Finds the line and column of a YAML path, so that errors found after parsing
//! (semantic checks) point at the source like parse errors do.
//!
//! [`scan`] reads the document's events once and records where every node and
//! every mapping key starts; a diagnostic then finds its position with a few
//! hash lookups, however many there are. The same pass refuses what the schema
//! language has no use for and what would make later stages expensive: aliases
//! (`*name`, which expand and would give one node two places) and nesting deeper
//! than [`MAX_DEPTH`].

use crate::diag::Location;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle};
use std::collections::HashMap;
use std::fmt;

/// Deepest nesting of mappings and sequences a schema file may have (the YAML
/// deserializer's own recursion limit is the same).
pub const MAX_DEPTH: usize = 128;

/// One step of a YAML path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path into a YAML document, printed as `payload.alert.values[2].value`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YamlPath(pub Vec<Seg>);

impl YamlPath {
    pub fn key(&self, key: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(key.to_owned()));
        p
    }
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
}

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Where one node starts, and where its key starts when it is a mapping value.
#[derive(Debug, Clone, Copy)]
struct Spot {
    value: Location,
    key: Option<Location>,
}

/// The positions of every node of a document's first YAML document, by path.
#[derive(Debug, Clone, Default)]
pub struct Spans {
    /// `nodes[0]` is the document's root node (when there is one).
    nodes: Vec<Spot>,
    /// (parent node, step) -> child node. A repeated key is a [`ScanProblem`].
    children: HashMap<(usize, Seg), usize>,
    /// Byte offset of the start of each line (breaks as YAML counts them: `\r\n`, `\r`, `\n`).
    line_starts: Vec<usize>,
}

/// Why [`scan`] refused a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanProblem {
    /// The text is not YAML (the parser's message).
    Syntax(Location, String),
    /// An alias (`*name`).
    Alias(Location),
    /// A mapping or sequence nested deeper than [`MAX_DEPTH`].
    TooDeep(Location),
    /// A key repeated in one mapping: where the repeat is, where the first one
    /// is, the key, and the mapping's path. YAML wants keys unique, and the
    /// deserializer would name the mapping's start (or keep the last value).
    DuplicateKey {
        at: Location,
        first: Location,
        key: String,
        mapping: YamlPath,
    },
}

fn location(m: &Marker) -> Location {
    Location {
        line: m.line(),
        column: m.col() + 1,
    }
}

/// What the walk is inside of.
struct Frame {
    /// The collection's node, or `None` for one that is not indexed (a mapping
    /// used as a key, or anything after the first document).
    node: Option<usize>,
    kind: FrameKind,
}

enum FrameKind {
    Seq {
        next: usize,
    },
    /// `key`: the key read and waiting for its value (`None` while expecting a key,
    /// `Some(None)` for a key that cannot be a path step).
    Map {
        key: Option<Option<(String, Location)>>,
    },
}

/// Reads `text` once and records the position of every node.
///
/// Positions are the YAML deserializer's (libyaml's), which reports diagnostics
/// found while deserializing, so that every diagnostic points the same way; this
/// parser agrees except for a few node kinds, moved here (see `Cursor`).
pub fn scan(text: &str) -> Result<Spans, ScanProblem> {
    let mut spans = Spans {
        line_starts: line_starts(text),
        ..Spans::default()
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut documents = 0usize;
    let mut cursor = Cursor::new(text);
    let mut previous_end = Marker::new(0, 1, 0);
    for event in Parser::new_from_str(text) {
        let (event, span) =
            event.map_err(|e| ScanProblem::Syntax(location(e.marker()), e.info().to_owned()))?;
        let end = std::mem::replace(&mut previous_end, span.end);
        let at = location(&span.start);
        let (scalar, opens, at) = match &event {
            Event::DocumentStart(explicit) => {
                // Its span may run on to the content: the next node follows `---`,
                // or whatever came before an implicit start.
                previous_end = if *explicit {
                    let m = span.start;
                    Marker::new(m.index() + 3, m.line(), m.col() + 3)
                } else {
                    end
                };
                documents += 1;
                continue;
            }
            Event::Alias(_) => return Err(ScanProblem::Alias(at)),
            Event::Scalar(value, style, anchor, tag) => {
                let bare = *anchor == 0 && tag.is_none();
                let at = match style {
                    ScalarStyle::Literal | ScalarStyle::Folded if bare => {
                        cursor.block_indicator(end, span.start)
                    }
                    ScalarStyle::Plain if bare && value.is_empty() => {
                        cursor.empty_scalar(end, span.start)
                    }
                    _ => at,
                };
                (Some(value.as_ref()), None, at)
            }
            Event::SequenceStart(anchor, tag) => {
                let at = if *anchor == 0 && tag.is_none() {
                    cursor.sequence_start(span.start)
                } else {
                    at
                };
                (None, Some(FrameKind::Seq { next: 0 }), at)
            }
            Event::MappingStart(..) => (None, Some(FrameKind::Map { key: None }), at),
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                continue;
            }
            _ => continue,
        };
        let node = spans.place(&mut stack, documents == 1, scalar, at)?;
        if let Some(kind) = opens {
            if stack.len() >= MAX_DEPTH {
                return Err(ScanProblem::TooDeep(at));
            }
            stack.push(Frame { node, kind });
        }
    }
    Ok(spans)
}

/// A forward walk over characters that keeps the line and column.
struct Walk<'t> {
    chars: std::iter::Peekable<std::str::Chars<'t>>,
    index: usize,
    line: usize,
    col: usize,
}

impl<'t> Walk<'t> {
    /// Walks `rest`, which starts at `from`.
    fn new(rest: &'t str, from: Marker) -> Self {
        Self {
            chars: rest.chars().peekable(),
            index: from.index(),
            line: from.line(),
            col: from.col(),
        }
    }

    fn location(&self) -> Location {
        Location {
            line: self.line,
            column: self.col + 1,
        }
    }

    /// Steps over one character (a `\r\n` pair counts as one line break).
    fn next(&mut self) {
        let Some(c) = self.chars.next() else { return };
        self.index += 1;
        match c {
            '\r' if self.chars.peek() == Some(&'\n') => {
                self.chars.next();
                self.index += 1;
                (self.line, self.col) = (self.line + 1, 0);
            }
            '\r' | '\n' => (self.line, self.col) = (self.line + 1, 0),
            _ => self.col += 1,
        }
    }

    /// Steps over blanks, line breaks and comments, up to character index `last`;
    /// returns the character it stopped at, if any.
    fn skip_blank_lines(&mut self, last: usize) -> Option<char> {
        let mut comment = false;
        while self.index <= last {
            let c = *self.chars.peek()?;
            match c {
                '\r' | '\n' => comment = false,
                '#' => comment = true,
                ' ' | '\t' => {}
                _ if comment => {}
                _ => return Some(c),
            }
            self.next();
        }
        None
    }
}

/// A position in the text that moves by characters (events arrive in text order,
/// so its moves add up to about one pass), to put the few nodes this parser places
/// differently where libyaml places them.
struct Cursor<'t> {
    text: &'t str,
    /// Byte offset of character `index`.
    byte: usize,
    index: usize,
}

impl<'t> Cursor<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text,
            byte: 0,
            index: 0,
        }
    }

    fn seek(&mut self, index: usize) {
        while self.index < index {
            let Some(c) = self.text[self.byte..].chars().next() else {
                return;
            };
            self.byte += c.len_utf8();
            self.index += 1;
        }
        while self.index > index {
            let Some(c) = self.text[..self.byte].chars().next_back() else {
                return;
            };
            self.byte -= c.len_utf8();
            self.index -= 1;
        }
    }

    /// The characters before `m`, nearest first.
    fn before(&mut self, m: Marker) -> std::iter::Rev<std::str::Chars<'t>> {
        self.seek(m.index());
        self.text[..self.byte].chars().rev()
    }

    /// How many spaces and tabs precede `m` on its line, and the character before them.
    fn blanks_before(&mut self, m: Marker) -> (usize, Option<char>) {
        let mut blanks = 0;
        for c in self.before(m) {
            if c == ' ' || c == '\t' {
                blanks += 1;
            } else {
                return (blanks, Some(c));
            }
        }
        (blanks, None)
    }

    /// A block scalar (`|`, `>`) starts at its indicator; this parser gives its
    /// content. The indicator is the first character after the previous event that
    /// is not a blank, a line break, a comment or an indicator (`:`, `-`, `?`).
    fn block_indicator(&mut self, previous_end: Marker, content: Marker) -> Location {
        if previous_end.index() > content.index() {
            return location(&content);
        }
        self.seek(previous_end.index());
        let mut walk = Walk::new(&self.text[self.byte..], previous_end);
        loop {
            match walk.skip_blank_lines(content.index().saturating_sub(1)) {
                Some(':' | '-' | '?') => walk.next(),
                Some(_) => return walk.location(),
                None => return location(&content),
            }
        }
    }

    /// An empty value in a block mapping starts right after its `:`, one in a flow
    /// collection at the `,`, `}` or `]` that ends it, an empty sequence entry right
    /// after its `-`; this parser gives the `:`, or the end of the line. The
    /// indicator is the first character after the previous event that is not a
    /// blank, a line break or a comment.
    fn empty_scalar(&mut self, previous_end: Marker, m: Marker) -> Location {
        let at = location(&m);
        if previous_end.index() > m.index() {
            return at;
        }
        self.seek(previous_end.index());
        let mut walk = Walk::new(&self.text[self.byte..], previous_end);
        let Some(indicator) = walk.skip_blank_lines(m.index()) else {
            return at;
        };
        if !matches!(indicator, ':' | '-' | '?') {
            return at;
        }
        walk.next();
        let after = walk.location();
        if indicator == ':'
            && let Some(',' | '}' | ']') = walk.skip_blank_lines(usize::MAX)
        {
            return walk.location();
        }
        after
    }

    /// A block sequence starts at its first `-`; for one not indented under its
    /// key this parser gives the first entry.
    fn sequence_start(&mut self, m: Marker) -> Location {
        let at = location(&m);
        self.seek(m.index());
        if self.text[self.byte..].starts_with(['-', '[']) {
            return at;
        }
        match self.blanks_before(m) {
            (blanks, Some('-')) if blanks > 0 => Location {
                column: at.column - blanks - 1,
                ..at
            },
            _ => at,
        }
    }
}

impl Spans {
    /// Records a node starting at `at` under the innermost open collection; returns
    /// its id, or `None` when it is not indexed (or is a mapping key).
    /// A key repeated in its mapping is a [`ScanProblem::DuplicateKey`].
    fn place(
        &mut self,
        stack: &mut [Frame],
        indexed: bool,
        scalar: Option<&str>,
        at: Location,
    ) -> Result<Option<usize>, ScanProblem> {
        let Some(frame) = stack.last_mut() else {
            if !indexed || !self.nodes.is_empty() {
                return Ok(None);
            }
            self.nodes.push(Spot {
                value: at,
                key: None,
            });
            return Ok(Some(0));
        };
        let (step, key_at) = match &mut frame.kind {
            FrameKind::Map { key } => match key.take() {
                None => {
                    // This node is a key: remember it until its value comes.
                    *key = Some(scalar.map(|s| (s.to_owned(), at)));
                    return Ok(None);
                }
                Some(None) => return Ok(None),
                Some(Some((name, key_at))) => (Seg::Key(name), Some(key_at)),
            },
            FrameKind::Seq { next } => {
                *next += 1;
                (Seg::Index(*next - 1), None)
            }
        };
        let Some(parent) = frame.node else {
            return Ok(None);
        };
        let id = self.nodes.len();
        match self.children.entry((parent, step)) {
            std::collections::hash_map::Entry::Occupied(first) => {
                let (Seg::Key(key), Some(repeat)) = (first.key().1.clone(), key_at) else {
                    return Ok(None);
                };
                let first = self.nodes[*first.get()];
                return Err(ScanProblem::DuplicateKey {
                    at: repeat,
                    first: first.key.unwrap_or(first.value),
                    key,
                    mapping: self.path_of(parent),
                });
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(id);
            }
        }
        self.nodes.push(Spot {
            value: at,
            key: key_at,
        });
        Ok(Some(id))
    }

    /// The path of node `id`, found by searching the index: for a diagnostic
    /// only (a search per step), so that the walk keeps no paths.
    fn path_of(&self, mut id: usize) -> YamlPath {
        let mut steps = Vec::new();
        while id != 0 {
            let Some(((parent, step), _)) = self.children.iter().find(|(_, child)| **child == id)
            else {
                break;
            };
            steps.push(step.clone());
            id = *parent;
        }
        steps.reverse();
        YamlPath(steps)
    }

    /// Where the value at `path` starts; with `at_key`, where its key starts.
    pub fn locate(&self, path: &YamlPath, at_key: bool) -> Option<Location> {
        let mut node = if self.nodes.is_empty() { None } else { Some(0) }?;
        for seg in &path.0 {
            node = *self.children.get(&(node, seg.clone()))?;
        }
        let spot = self.nodes[node];
        Some(if at_key {
            spot.key.unwrap_or(spot.value)
        } else {
            spot.value
        })
    }

    /// The text of 1-based `line` of `text` (the text this index was built from).
    pub fn line<'t>(&self, text: &'t str, line: usize) -> Option<&'t str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let rest = text.get(start..)?;
        let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
        Some(&rest[..end])
    }
}

/// The text of 1-based `line`, lines broken as YAML breaks them (`\r\n`, `\r`, `\n`).
pub fn nth_line(text: &str, line: usize) -> Option<&str> {
    let mut rest = text;
    for _ in 1..line {
        let at = rest.find(['\r', '\n'])?;
        let skip = if rest[at..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[at + skip..];
    }
    (line > 0).then(|| &rest[..rest.find(['\r', '\n']).unwrap_or(rest.len())])
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                i += 2;
                starts.push(i);
            }
            b'\r' | b'\n' => {
                i += 1;
                starts.push(i);
            }
            _ => i += 1,
        }
    }
    starts
}

/// The former locator, kept as the oracle the index is checked against: it re-reads
/// the document with a serde seed that walks to the path and fails there on purpose,
/// so that the YAML deserializer stamps its own position on the error.
#[cfg(test)]
mod seek {
    use super::{Seg, YamlPath};
    use crate::diag::Location;
    use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    const MARKER: &str = "\u{0}located";

    /// Where the value at `path` starts; with `at_key`, where its key starts.
    pub(super) fn locate(source: &str, path: &YamlPath, at_key: bool) -> Option<Location> {
        let de = serde_yaml::Deserializer::from_str(source);
        match (Seek {
            path: &path.0,
            at_key,
        })
        .deserialize(de)
        {
            Err(e) if e.to_string().contains(MARKER) => e.location().map(|l| Location {
                line: l.line(),
                column: l.column(),
            }),
            _ => None,
        }
    }

    struct Seek<'p> {
        path: &'p [Seg],
        at_key: bool,
    }

    impl<'de> DeserializeSeed<'de> for Seek<'_> {
        type Value = ();
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            if self.path.is_empty() {
                // Failing inside a deserialize call makes the parser attach its mark.
                return d.deserialize_any(Fail);
            }
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Seek<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any YAML value")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let Some((Seg::Key(want), rest)) = self.path.split_first() else {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                return Ok(());
            };
            let fail_on_key = rest.is_empty() && self.at_key;
            while let Some(hit) = map.next_key_seed(KeyIs {
                want,
                fail: fail_on_key,
            })? {
                if hit {
                    return map.next_value_seed(Seek {
                        path: rest,
                        at_key: self.at_key,
                    });
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let Some((Seg::Index(want), rest)) = self.path.split_first() else {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                return Ok(());
            };
            let mut i = 0;
            loop {
                if i == *want {
                    return seq
                        .next_element_seed(Seek {
                            path: rest,
                            at_key: self.at_key,
                        })
                        .map(|_| ());
                }
                if seq.next_element::<IgnoredAny>()?.is_none() {
                    return Ok(());
                }
                i += 1;
            }
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            Ok(())
        }
    }

    struct Fail;

    impl<'de> Visitor<'de> for Fail {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("nothing")
        }
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
            Err(de::Error::custom(MARKER))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
            Err(de::Error::custom(MARKER))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
            Err(E::custom(MARKER))
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
            Err(E::custom(MARKER))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            Err(E::custom(MARKER))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            Err(E::custom(MARKER))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            Err(E::custom(MARKER))
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            Err(E::custom(MARKER))
        }
    }

    /// Compares a map key with the wanted one; fails on it when the key is the target.
    struct KeyIs<'a> {
        want: &'a str,
        fail: bool,
    }

    impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
        type Value = bool;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for KeyIs<'_> {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a key")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
            match (v == self.want, self.fail) {
                (true, true) => Err(E::custom(MARKER)),
                (hit, _) => Ok(hit),
            }
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
            self.visit_str(if v { "true" } else { "false" })
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
            self.visit_str(&v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
            self.visit_str(&v.to_string())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
        // A collection used as a key (`? {a: 1}`, `? [x]`, an explicit `? key:` with
        // a block under it) is no path step: skip it, and keep looking at the keys
        // after it, as the index does.
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(false)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const DOC: &str = "event: AMAZON.A.B\npayload:\n  alert:\n    type: strng\n    values:\n      - value: A\n      - {value: B, spoken: b}\n";

    fn path(segs: &[&str]) -> YamlPath {
        YamlPath(
            segs.iter()
                .map(|s| match s.parse::<usize>() {
                    Ok(n) => Seg::Index(n),
                    Err(_) => Seg::Key((*s).to_owned()),
                })
                .collect(),
        )
    }

    fn locate(text: &str, p: &YamlPath, at_key: bool) -> Option<Location> {
        scan(text).ok()?.locate(p, at_key)
    }

    #[test]
    fn finds_scalar_values_and_keys() {
        let loc = locate(DOC, &path(&["payload", "alert", "type"]), false).unwrap();
        assert_eq!((loc.line, loc.column), (4, 11));
        let loc = locate(DOC, &path(&["payload", "alert", "type"]), true).unwrap();
        assert_eq!((loc.line, loc.column), (4, 5));
        let loc = locate(
            DOC,
            &path(&["payload", "alert", "values", "1", "value"]),
            false,
        )
        .unwrap();
        assert_eq!((loc.line, loc.column), (7, 17));
    }

    /// A collection used as a key (the shrunk case of a proptest failure: an explicit
    /// `? fields:` key with a block under it) hides none of the keys after it, and the
    /// index and the deserializer agree on where they are.
    #[test]
    fn keys_after_a_collection_key_are_found() {
        for text in [
            "a:\n  ? fields:\n      name: x\n  after:\n    deep: 1\n",
            "a:\n  ? [1, 2]\n  after: {deep: 1}\n",
            "a: {? {k: v}: 1, after: {deep: 1}}\n",
        ] {
            assert_eq!(compare(text), Some(Vec::new()), "{text}");
            let p = path(&["a", "after", "deep"]);
            assert!(locate(text, &p, false).is_some(), "{text}");
            assert_eq!(
                locate(text, &p, false),
                seek::locate(text, &p, false),
                "{text}"
            );
        }
    }

    #[test]
    fn missing_paths_give_none() {
        assert_eq!(locate(DOC, &path(&["payload", "nope"]), false), None);
        assert_eq!(
            locate(DOC, &path(&["payload", "alert", "values", "9"]), false),
            None
        );
        assert!(matches!(scan("{broken"), Err(ScanProblem::Syntax(..))));
    }

    #[test]
    fn aliases_are_refused_where_they_stand() {
        let doc = "a: &x {type: string}\nb:\n  c: *x\n";
        assert_eq!(
            scan(doc).err(),
            Some(ScanProblem::Alias(Location { line: 3, column: 6 }))
        );
        // An anchor alone expands nothing and is harmless.
        assert!(scan("a: &x {type: string}\n").is_ok());
        // A repeated key: at the repeat, with the first one and the mapping.
        let twice = "event: X\npayload:\n  a: {type: string}\n  b: 1\n  a: 2\nlocales: any\n";
        assert_eq!(
            scan(twice).err(),
            Some(ScanProblem::DuplicateKey {
                at: Location { line: 5, column: 3 },
                first: Location { line: 3, column: 3 },
                key: "a".to_owned(),
                mapping: YamlPath(vec![Seg::Key("payload".to_owned())]),
            })
        );
        let top = "event: X\nlocales: any\nevent: Y\n";
        assert!(matches!(
            scan(top).err(),
            Some(ScanProblem::DuplicateKey {
                at: Location { line: 3, column: 1 },
                ..
            })
        ));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(matches!(scan(&deep), Err(ScanProblem::TooDeep(_))));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(scan(&ok).is_ok());
    }

    #[test]
    fn lines_break_where_yaml_breaks_them() {
        let text = "a: 1\r\nb: 2\rc: 3\nd: 4";
        let spans = scan(text).unwrap();
        let lines: Vec<_> = (1..=5).map(|n| spans.line(text, n)).collect();
        assert_eq!(
            lines,
            [Some("a: 1"), Some("b: 2"), Some("c: 3"), Some("d: 4"), None]
        );
        assert_eq!(
            spans.locate(&path(&["c"]), false),
            Some(Location { line: 3, column: 4 })
        );
    }

    /// Every path of a YAML value (string keys only), with the value.
    fn all_paths(v: &serde_yaml::Value, at: YamlPath, out: &mut Vec<YamlPath>) {
        out.push(at.clone());
        match v {
            serde_yaml::Value::Mapping(m) => {
                for (k, child) in m {
                    if let Some(k) = k.as_str() {
                        all_paths(child, at.key(k), out);
                    }
                }
            }
            serde_yaml::Value::Sequence(s) => {
                for (i, child) in s.iter().enumerate() {
                    all_paths(child, at.index(i), out);
                }
            }
            _ => {}
        }
    }

    fn yaml_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                yaml_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "yaml") {
                out.push(p);
            }
        }
    }

    /// The one-pass index puts every node and key of every real schema and test
    /// fixture exactly where the YAML deserializer itself places them.
    #[test]
    fn the_index_agrees_with_the_deserializer_on_every_node() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        yaml_files(&root.join("schemas"), &mut files);
        yaml_files(&root.join("tests/fixtures"), &mut files);
        let mut texts: Vec<(String, String)> = files
            .iter()
            .map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap()))
            .collect();
        texts.push(("CRLF".into(), DOC.replace('\n', "\r\n")));
        texts.push((
            "properties".into(),
            "a: &x |\n  lit\nb: !!str >-\n  fold\nc: &y !!str\n  text\nd: &z\n  k: v\ne: !!map\n  k: v\nf: &w [1]\ng:\n  - &v |\n    lit\n  - |\n\n    gap\n  - >\n  - x\nh: |  # com|ment >\n  lit\ni: # comment\n  |\n  lit\n".into(),
        ));
        texts.push(("root block".into(), "|\n  text\n".into()));
        for (i, doc) in [
            "e:\nf: x\n",
            "- \n- x\n-\n",
            "{a: , b}\n",
            "? k\n: v\n? j\n",
            "[a, {b: }]\n",
            "h:\n- x\n- y\n",
            "h: &q\n- x\n",
            "k: v\nl:\n",
            "- a: 1\n- |\n  x\n- - >\n    y\n  -\n",
            "a:   \n  # c\n  - x\nb: [ {c: d}, [e, f] ]\n",
            "\"q k\": |\n  x\n'r': >+\n\n  y\n",
            "{a:\n  , b: # c\n  }\n",
            "--- |\n  x\n",
            "- - - x\n  - y\n-   - z\n",
            "a: [b, c]\nd:\n  - e:\n    f: []\n",
            "- {a: b}\n- #c\n- x\n",
            "---\n",
            "--- # c\na:\n",
            "a: # c\n\nb:   # d\n  # e\n",
        ]
        .into_iter()
        .enumerate()
        {
            texts.push((format!("case {i}"), doc.into()));
        }
        texts.push(("root anchored".into(), "--- &r\nk: v\n".into()));
        texts.push((
            "styles".into(),
            "a: 'q'\nb: \"d\"\nc: |\n  lit\nd: >-\n  fold\ne:\nf: []\ng: {}\nh:\n- x\n- - y\n  - {k: v}\ni: !!str 3\nj: &n {k: v}\n? k\n: v\n".into(),
        ));
        assert!(texts.len() > 20, "{} files", texts.len());
        let mut wrong = Vec::new();
        let mut compared = 0;
        for (name, text) in &texts {
            let Some(found) = compare(text) else {
                // Only the fixtures of refused YAML (malformed, aliased) may be refused.
                assert!(name.contains("/invalid/"), "{name} does not parse");
                continue;
            };
            wrong.extend(found.into_iter().map(|(w, _)| format!("{name}: {w}")));
            compared += 1;
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        assert!(compared > 20, "{compared}");
    }

    /// Every path of `text` where the index and the deserializer disagree, and
    /// whether the index knows the path at all; `None` when a parser refuses it.
    fn compare(text: &str) -> Option<Vec<(String, bool)>> {
        let value = serde_yaml::from_str::<serde_yaml::Value>(text).ok()?;
        let spans = scan(text).ok()?;
        let mut paths = Vec::new();
        all_paths(&value, YamlPath::default(), &mut paths);
        let mut wrong = Vec::new();
        for p in &paths {
            for at_key in [false, true] {
                let want = seek::locate(text, p, at_key);
                let got = spans.locate(p, at_key);
                if got != want {
                    wrong.push((
                        format!("{p} (at_key {at_key}): {got:?}, want {want:?}"),
                        got.is_some(),
                    ));
                }
            }
        }
        Some(wrong)
    }

    proptest::proptest! {
        // PROPTEST_CASES=20000 for a long local search (the default keeps CI quick).
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(96),
            ..Default::default()
        })]

        /// Damaged copies of the real schemas (lines moved, characters that matter
        /// to YAML put anywhere): wherever both parsers accept the text, the index
        /// and the deserializer agree on every position.
        #[test]
        fn the_index_agrees_on_damaged_schemas(
            which in 0usize..8,
            edits in proptest::collection::vec((0usize..4, proptest::prelude::any::<usize>(), proptest::prelude::any::<usize>(), proptest::sample::select(vec![':', ' ', '-', '{', '}', '[', ']', ',', '#', '|', '>', '"', '\'', '?', '\n', '\t', 'x'])), 1..4),
        ) {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
            let mut files = Vec::new();
            yaml_files(&root, &mut files);
            files.sort();
            let mut text = std::fs::read_to_string(&files[which % files.len()]).unwrap();
            for (kind, a, b, c) in edits {
                let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
                let n = lines.len();
                match kind {
                    0 => { lines.remove(a % n); }
                    1 => { let l = lines[a % n].clone(); lines.insert(b % n, l); }
                    2 => lines.swap(a % n, b % n),
                    _ => {
                        let mut chars: Vec<char> = text.chars().collect();
                        let len = chars.len();
                        chars[a % len] = c;
                        lines = chars.into_iter().collect::<String>().split('\n').map(str::to_owned).collect();
                    }
                }
                text = lines.join("\n");
            }
            // Where the parsers read damaged text differently (YAML 1.1 and 1.2
            // differ on `,?key`), the index knows no such path: the diagnostic is
            // then shown without a position, never at a wrong one.
            let wrong: Vec<String> = compare(&text)
                .unwrap_or_default()
                .into_iter()
                .filter(|(_, known)| *known)
                .map(|(w, _)| w)
                .collect();
            proptest::prop_assert!(wrong.is_empty(), "{}\n{text}", wrong.join("\n"));
        }
    }
}
