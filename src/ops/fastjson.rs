//! A small, tolerant reader for fastjson output that standard JSON parsers reject: object keys
//! that are themselves objects or bare numbers, as Java's broker writes
//! `TopicStatsTable.offsetTable` (`{{"brokerName":"b","queueId":0,"topic":"t"}:{...}}`).
//!
//! It reads one value into [`Value`], whose objects keep their keys as values, in order.

/// A JSON value whose object keys may be any value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, kept as its text so integers stay exact.
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, in document order.
    Object(Vec<(Value, Value)>),
}

impl Value {
    /// The member whose key is the string `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members
                .iter()
                .find(|(k, _)| matches!(k, Value::String(s) if s == name))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value as an integer (numbers and numeric strings).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) | Value::String(n) => n
                .parse::<i64>()
                .ok()
                .or_else(|| n.parse::<f64>().ok().map(|f| f as i64)),
            _ => None,
        }
    }

    /// The value as a string (strings only).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

/// Why the text could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid JSON at byte {pos}: {what}")]
pub struct ParseError {
    /// Byte offset.
    pub pos: usize,
    /// What was expected.
    pub what: &'static str,
}

/// Parses one value (surrounding whitespace allowed).
///
/// # Errors
/// [`ParseError`] at the first unexpected byte.
pub fn parse(text: &str) -> Result<Value, ParseError> {
    let mut p = Parser {
        s: text.as_bytes(),
        pos: 0,
    };
    let v = p.value(0)?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(p.err("end of input"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

/// Deeper nesting is rejected instead of overflowing the stack.
const MAX_DEPTH: usize = 128;

impl Parser<'_> {
    fn err(&self, what: &'static str) -> ParseError {
        ParseError { pos: self.pos, what }
    }

    fn ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.err("less nesting"));
        }
        self.ws();
        match self.s.get(self.pos) {
            Some(b'{') => {
                self.pos += 1;
                let mut members = Vec::new();
                if self.eat(b'}') {
                    return Ok(Value::Object(members));
                }
                loop {
                    let key = self.value(depth + 1)?;
                    if !self.eat(b':') {
                        return Err(self.err("':'"));
                    }
                    let value = self.value(depth + 1)?;
                    members.push((key, value));
                    if self.eat(b',') {
                        continue;
                    }
                    if self.eat(b'}') {
                        return Ok(Value::Object(members));
                    }
                    return Err(self.err("',' or '}'"));
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Ok(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.eat(b',') {
                        continue;
                    }
                    if self.eat(b']') {
                        return Ok(Value::Array(items));
                    }
                    return Err(self.err("',' or ']'"));
                }
            }
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.pos;
                while self.pos < self.s.len()
                    && matches!(self.s[self.pos], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    self.pos += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.pos]).map_err(|_| self.err("a number"))?;
                Ok(Value::Number(text.to_string()))
            }
            _ => Err(self.err("a value")),
        }
    }

    fn word(&mut self, word: &'static str, v: Value) -> Result<Value, ParseError> {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err(word))
        }
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.pos += 1; // opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return Err(self.err("closing '\"'"));
            };
            self.pos += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.s.get(self.pos) else {
                        return Err(self.err("an escape"));
                    };
                    self.pos += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = self
                                .s
                                .get(self.pos..self.pos + 4)
                                .and_then(|h| std::str::from_utf8(h).ok())
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                                .ok_or_else(|| self.err("4 hex digits"))?;
                            self.pos += 4;
                            char::from_u32(hex).unwrap_or('\u{fffd}')
                        }
                        _ => return Err(self.err("a valid escape")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|_| self.err("UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_object_keys() {
        let v =
            parse(r#"{"offsetTable":{{"brokerName":"b","queueId":1,"topic":"t"}:{"maxOffset":5}}}"#).unwrap();
        let Value::Object(table) = v.get("offsetTable").unwrap() else {
            panic!("not an object")
        };
        assert_eq!(table.len(), 1);
        assert_eq!(table[0].0.get("queueId").unwrap().as_i64(), Some(1));
        assert_eq!(table[0].1.get("maxOffset").unwrap().as_i64(), Some(5));
    }

    #[test]
    fn reads_bare_number_keys_and_escapes() {
        let v = parse(r#" {0:"a\u0041\n", -1:[true,false,null,1.5e3]} "#).unwrap();
        let Value::Object(m) = &v else { panic!() };
        assert_eq!(m[0].0, Value::Number("0".into()));
        assert_eq!(m[0].1.as_str(), Some("aA\n"));
        assert_eq!(
            m[1].1,
            Value::Array(vec![
                Value::Bool(true),
                Value::Bool(false),
                Value::Null,
                Value::Number("1.5e3".into())
            ])
        );
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse("{").is_err());
        assert!(parse(r#"{"a" 1}"#).is_err());
        assert!(parse("[1,]").is_err());
        assert!(parse("1 2").is_err());
        assert!(parse(&"[".repeat(1000)).is_err());
    }
}
