//! A reader and writer for the `java.util.Properties` text format.
//!
//! RocketMQ's `broker.conf`, `namesrv.conf` and the DLedger `broker-n*.conf` files are read by
//! Java with `Properties.load`, so operators write them with every quirk that format allows:
//! `key = value`, `key:value`, `key value`, `#`/`!` comments, `\` line continuations and escapes.
//! To accept the same files we parse exactly that grammar (following the rules of
//! `Properties.load(Reader)`), and keep the 1-based line number of each entry so that a config
//! error can name the file, line and key.
//!
//! The writer produces text that Java (and this parser) reads back to the same entries; it is
//! used to generate config files.
//!
//! Differences from Java, all deliberate:
//! - Java's `load(InputStream)` decodes ISO-8859-1. [`parse_bytes`] decodes UTF-8 when the bytes
//!   are valid UTF-8 (what a modern editor writes) and ISO-8859-1 otherwise.
//! - A `\uXXXX` escape that leaves an unpaired UTF-16 surrogate becomes U+FFFD, because a Rust
//!   `String` cannot hold one.
//! - A malformed `\uXXXX` escape is an error with a line number, where Java throws
//!   `IllegalArgumentException`.

use std::fmt;

/// One `key=value` entry of a properties file, after unescaping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// The key, unescaped. Keys are case-sensitive, as in Java.
    pub key: String,
    /// The value, unescaped. Leading whitespace is dropped and trailing whitespace is kept, as Java
    /// does.
    pub value: String,
    /// The 1-based line on which the entry starts (a continued entry spans several lines).
    pub line: usize,
}

/// Why a properties text could not be parsed. Only a malformed `\uXXXX` escape can cause this;
/// every other input parses (possibly to odd keys), as in Java.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertiesError {
    /// The 1-based line on which the offending entry starts.
    pub line: usize,
    /// What is wrong, without the line number.
    pub message: String,
}

impl fmt::Display for PropertiesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for PropertiesError {}

/// Java's whitespace for properties files: space, tab and form feed (not newlines).
fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

/// Parses raw file bytes: UTF-8 if they are valid UTF-8, otherwise ISO-8859-1 (Java's encoding
/// for `Properties.load(InputStream)`).
///
/// # Errors
/// A malformed `\uXXXX` escape; see [`parse`].
pub fn parse_bytes(bytes: &[u8]) -> Result<Vec<Property>, PropertiesError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(_) => parse(&bytes.iter().map(|&b| char::from(b)).collect::<String>()),
    }
}

/// Parses properties text into its entries, in file order. Duplicate keys are all returned; Java
/// keeps the last one.
///
/// # Errors
/// A malformed `\uXXXX` escape (fewer than four hex digits), reported with its line number.
pub fn parse(text: &str) -> Result<Vec<Property>, PropertiesError> {
    let mut lines = natural_lines(text);
    let mut out = Vec::new();
    while let Some((line_no, line)) = lines.next() {
        let first = line.trim_start_matches(is_ws);
        if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
            continue;
        }
        // Join continuation lines. Java counts the backslashes of each natural line separately,
        // so only the segment just appended decides whether the entry continues.
        let mut logical = String::from(first);
        let mut segment_start = 0;
        while ends_with_odd_backslashes(&logical[segment_start..]) {
            logical.pop();
            match lines.next() {
                Some((_, next)) => {
                    segment_start = logical.len();
                    logical.push_str(next.trim_start_matches(is_ws));
                }
                None => break,
            }
        }
        // Java never returns an empty logical line (e.g. a lone `\` followed by a blank line).
        if logical.is_empty() {
            continue;
        }
        let (raw_key, raw_value) = split_key_value(&logical);
        let key = unescape(raw_key).map_err(|message| PropertiesError {
            line: line_no,
            message,
        })?;
        let value = unescape(raw_value).map_err(|message| PropertiesError {
            line: line_no,
            message,
        })?;
        out.push(Property {
            key,
            value,
            line: line_no,
        });
    }
    Ok(out)
}

/// Splits text into natural lines (terminated by `\n`, `\r\n` or `\r`) with 1-based numbers.
fn natural_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text;
    let mut line_no = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        line_no += 1;
        let (line, next) = match rest.find(['\r', '\n']) {
            Some(i) => {
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                (&rest[..i], &rest[i + skip..])
            }
            None => (rest, ""),
        };
        rest = next;
        Some((line_no, line))
    })
}

fn ends_with_odd_backslashes(s: &str) -> bool {
    s.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// Splits a logical line into raw (still escaped) key and value, following `Properties.load0`:
/// the key ends at the first unescaped `=`, `:` or whitespace; then whitespace, at most one `=` or
/// `:`, and more whitespace are skipped.
fn split_key_value(line: &str) -> (&str, &str) {
    let mut escaped = false;
    let mut key_end = line.len();
    let mut value_start = line.len();
    let mut has_separator = false;
    for (i, c) in line.char_indices() {
        if !escaped && (c == '=' || c == ':') {
            key_end = i;
            value_start = i + 1;
            has_separator = true;
            break;
        }
        if !escaped && is_ws(c) {
            key_end = i;
            value_start = i + c.len_utf8();
            break;
        }
        escaped = c == '\\' && !escaped;
    }
    let rest = &line[value_start..];
    let mut skip = rest.len();
    for (i, c) in rest.char_indices() {
        if is_ws(c) {
            continue;
        }
        if !has_separator && (c == '=' || c == ':') {
            has_separator = true;
            continue;
        }
        skip = i;
        break;
    }
    (&line[..key_end], &rest[skip..])
}

/// Resolves escapes like Java's `loadConvert`: `\t \n \r \f`, `\uXXXX`, and `\x` -> `x` for any
/// other `x`. Works in UTF-16 so that surrogate pairs written as two `\u` escapes combine.
fn unescape(raw: &str) -> Result<String, String> {
    if !raw.contains('\\') {
        return Ok(raw.to_owned());
    }
    let mut units: Vec<u16> = Vec::with_capacity(raw.len());
    let mut chars = raw.chars();
    let mut buf = [0u16; 2];
    while let Some(c) = chars.next() {
        let c = if c == '\\' {
            match chars.next() {
                // A lone trailing backslash only happens at end of input; Java drops it.
                None => break,
                Some('u') => {
                    let mut code: u16 = 0;
                    for _ in 0..4 {
                        let digit = chars.next().and_then(|d| d.to_digit(16));
                        match digit {
                            // to_digit(16) is < 16, so the cast cannot truncate.
                            Some(d) => code = (code << 4) | d as u16,
                            None => return Err("malformed \\uxxxx encoding".to_owned()),
                        }
                    }
                    units.push(code);
                    continue;
                }
                Some('t') => '\t',
                Some('n') => '\n',
                Some('r') => '\r',
                Some('f') => '\u{c}',
                Some(other) => other,
            }
        } else {
            c
        };
        units.extend_from_slice(c.encode_utf16(&mut buf));
    }
    Ok(String::from_utf16_lossy(&units))
}

/// Escapes a key like Java's `Properties.store`: every space, plus `\`, `=`, `:`, `#`, `!`, control
/// characters and all non-ASCII (as `\uXXXX`, so the output is pure ASCII).
pub fn escape_key(key: &str) -> String {
    escape(key, true)
}

/// Escapes a value like Java's `Properties.store`: as [`escape_key`], except that only a leading
/// space is escaped (later spaces, including trailing ones, survive a round trip unescaped).
pub fn escape_value(value: &str) -> String {
    escape(value, false)
}

fn escape(s: &str, escape_all_spaces: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            ' ' if i == 0 || escape_all_spaces => out.push_str("\\ "),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '=' | ':' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
        }
    }
    out
}

/// Builds properties text: comments, blank lines and escaped entries, one per line.
///
/// RocketMQ's shipped DLedger files use ` = ` between key and value, the others `=`; the
/// separator is configurable so that generated files can match either.
#[derive(Debug, Clone)]
pub struct PropertiesWriter {
    out: String,
    separator: &'static str,
}

impl Default for PropertiesWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl PropertiesWriter {
    /// A writer that emits `key=value`.
    pub fn new() -> Self {
        Self::with_separator("=")
    }

    /// A writer that emits `key<separator>value`, e.g. `" = "`.
    ///
    /// # Panics
    /// If `separator` is not made of spaces, tabs and at most one `=` or `:` (anything else
    /// would change the meaning of the file).
    pub fn with_separator(separator: &'static str) -> Self {
        let seps = separator.chars().filter(|&c| c == '=' || c == ':').count();
        assert!(
            seps <= 1
                && separator
                    .chars()
                    .all(|c| c == '=' || c == ':' || c == ' ' || c == '\t'),
            "invalid properties separator {separator:?}"
        );
        assert!(!separator.is_empty(), "empty properties separator");
        Self {
            out: String::new(),
            separator,
        }
    }

    /// Appends a `# ` comment; each line of `text` becomes its own comment line.
    pub fn comment(&mut self, text: &str) -> &mut Self {
        // Split like the parser does, so a lone `\r` cannot start an uncommented line.
        for (_, line) in natural_lines(text) {
            self.out.push('#');
            if !line.is_empty() {
                self.out.push(' ');
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
        self
    }

    /// Appends an empty line.
    pub fn blank_line(&mut self) -> &mut Self {
        self.out.push('\n');
        self
    }

    /// Appends one escaped entry.
    pub fn entry(&mut self, key: &str, value: &str) -> &mut Self {
        self.out.push_str(&escape_key(key));
        self.out.push_str(self.separator);
        self.out.push_str(&escape_value(value));
        self.out.push('\n');
        self
    }

    /// The text written so far.
    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn kv(text: &str) -> Vec<(String, String, usize)> {
        parse(text)
            .unwrap()
            .into_iter()
            .map(|p| (p.key, p.value, p.line))
            .collect()
    }

    fn one(text: &str) -> (String, String) {
        let mut v = kv(text);
        assert_eq!(v.len(), 1, "{text:?} -> {v:?}");
        let (k, val, _) = v.remove(0);
        (k, val)
    }

    fn s(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn separators() {
        assert_eq!(one("a=b"), s("a", "b"));
        assert_eq!(one("a = b"), s("a", "b"));
        assert_eq!(one("a:b"), s("a", "b"));
        assert_eq!(one("a : b"), s("a", "b"));
        assert_eq!(one("a b"), s("a", "b"));
        assert_eq!(one("a\t\tb"), s("a", "b"));
        assert_eq!(one("   a=b"), s("a", "b"));
        assert_eq!(one("a"), s("a", ""));
        assert_eq!(one("a="), s("a", ""));
        assert_eq!(one("a = = b"), s("a", "= b"));
        assert_eq!(one("a b=c"), s("a", "b=c"));
        assert_eq!(one("a=b=c:d"), s("a", "b=c:d"));
        assert_eq!(one("=b"), s("", "b"));
    }

    #[test]
    fn trailing_whitespace_is_kept() {
        assert_eq!(one("a = b  "), s("a", "b  "));
        assert_eq!(one("a = b\t"), s("a", "b\t"));
    }

    #[test]
    fn comments_and_blank_lines() {
        let text = "# c\n! c\n\n   \n  # indented comment\na=1 # not a comment\n";
        assert_eq!(kv(text), vec![("a".into(), "1 # not a comment".into(), 6)]);
    }

    #[test]
    fn line_endings_and_numbers() {
        let text = "a=1\r\nb=2\rc=3\n\nd=4";
        let got: Vec<_> = kv(text).into_iter().map(|(k, _, l)| (k, l)).collect();
        assert_eq!(
            got,
            vec![("a".into(), 1), ("b".into(), 2), ("c".into(), 3), ("d".into(), 5)]
        );
    }

    #[test]
    fn continuation() {
        assert_eq!(one("a = one, \\\n     two"), s("a", "one, two"));
        assert_eq!(one("a = x\\\r\n  y\\\n  z"), s("a", "xyz"));
        // An even number of backslashes is an escaped backslash, not a continuation.
        assert_eq!(kv("a=x\\\\\nb=y").len(), 2);
        // A continued line starting with '#' is not a comment.
        assert_eq!(one("a=x\\\n#y"), s("a", "x#y"));
        // A comment does not continue.
        assert_eq!(kv("#c\\\na=1"), vec![("a".into(), "1".into(), 2)]);
        // Trailing backslash at end of input is dropped.
        assert_eq!(one("a=x\\"), s("a", "x"));
        // A blank continued line ends the entry.
        assert_eq!(kv("a=x\\\n\nb=y").len(), 2);
        // A continuation that joins nothing yields no entry, as in Java.
        assert_eq!(kv("\\\n\nb=y"), vec![("b".into(), "y".into(), 3)]);
        // The backslash parity is counted per natural line, as Java does.
        assert_eq!(kv("a=x\\\n\\\nb=y"), vec![("a".into(), "xb=y".into(), 1)]);
        // The key can be continued too; line number is the first line.
        assert_eq!(kv("\n ke\\\n  y=v"), vec![("key".into(), "v".into(), 2)]);
    }

    #[test]
    fn escapes() {
        assert_eq!(one("a\\=b=c"), s("a=b", "c"));
        assert_eq!(one("a\\:b:c"), s("a:b", "c"));
        assert_eq!(one("a\\ b c"), s("a b", "c"));
        assert_eq!(one("k=\\t\\n\\r\\f\\\\\\q"), s("k", "\t\n\r\u{c}\\q"));
        assert_eq!(one("k=\\u0041\\u00e9"), s("k", "Aé"));
        assert_eq!(one("k=\\uD83D\\uDE00"), s("k", "😀"));
        assert_eq!(one("k=\\uD83D"), s("k", "\u{FFFD}"));
        assert_eq!(one("k=\\ lead"), s("k", " lead"));
        let err = parse("a=1\nk=\\u12G4").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(parse("k=\\u12").is_err());
    }

    #[test]
    fn bytes_fall_back_to_latin1() {
        assert_eq!(parse_bytes(b"k=caf\xe9").unwrap()[0].value, "café");
        assert_eq!(parse_bytes("k=café".as_bytes()).unwrap()[0].value, "café");
    }

    #[test]
    fn writer_escapes_like_java() {
        assert_eq!(escape_key("a b=c:d#e!f\\"), "a\\ b\\=c\\:d\\#e\\!f\\\\");
        assert_eq!(escape_value(" a b "), "\\ a b ");
        assert_eq!(escape_value("é\t😀"), "\\u00E9\\t\\uD83D\\uDE00");
        let mut w = PropertiesWriter::with_separator(" = ");
        w.comment("generated\n\nby test")
            .blank_line()
            .entry("brokerName", "RaftNode00");
        assert_eq!(
            w.finish(),
            "# generated\n#\n# by test\n\nbrokerName = RaftNode00\n"
        );
        let mut w = PropertiesWriter::new();
        w.comment("a\rb=c");
        assert!(parse(&w.finish()).unwrap().is_empty());
    }

    fn random_text(rng: &mut StdRng, alphabet: &[char]) -> String {
        let len = rng.gen_range(0..40);
        (0..len)
            .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
            .collect()
    }

    #[test]
    fn writer_round_trips() {
        let alphabet: Vec<char> = " \t\n\r\u{c}\\=:#!aZ0uéß😀\u{1}\u{7f}".chars().collect();
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..2000 {
            let key = random_text(&mut rng, &alphabet);
            let value = random_text(&mut rng, &alphabet);
            let mut w = PropertiesWriter::new();
            w.comment("x").entry(&key, &value).entry("next", "1");
            let text = w.finish();
            let parsed = parse(&text).unwrap();
            assert_eq!(parsed.len(), 2, "{text:?}");
            assert_eq!((&parsed[0].key, &parsed[0].value), (&key, &value), "{text:?}");
        }
    }

    #[test]
    fn never_panics_on_random_input() {
        let interesting = b"\\u=: \t\r\n\x0c#!0aF";
        let mut rng = StdRng::seed_from_u64(42);
        for _ in 0..5000 {
            let len = rng.gen_range(0..64);
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    if rng.gen_bool(0.7) {
                        interesting[rng.gen_range(0..interesting.len())]
                    } else {
                        rng.gen()
                    }
                })
                .collect();
            if let Ok(props) = parse_bytes(&bytes) {
                for p in props {
                    assert!(p.line >= 1);
                }
            }
        }
    }
}
