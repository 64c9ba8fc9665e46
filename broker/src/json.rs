//! JSON as Java's fastjson writes it, read leniently and written in standard form.
//!
//! fastjson writes map keys that are not strings without quotes (`{"brokerAddrs":{0:"ip:port"}}`,
//! `consumerOffset.json`'s `{0:12}`), which standard JSON parsers reject. Every JSON body and config
//! file we read goes through [`from_slice`], which quotes such bare keys before handing the text to
//! serde_json. We always write standard JSON: Java clients accept quoted numeric keys.

use std::borrow::Cow;

use serde::{de::DeserializeOwned, Serialize};

/// Why a JSON body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// The bytes are not UTF-8.
    #[error("JSON body is not valid UTF-8: {0}")]
    Utf8(#[from] std::str::Utf8Error),
    /// The text is not JSON of the expected shape.
    #[error("invalid JSON: {0}")]
    Syntax(#[from] serde_json::Error),
}

/// Quotes bare numeric object keys (`{0:"a",-1:"b"}` -> `{"0":"a","-1":"b"}`), leaving everything
/// else untouched. Borrowed when nothing needed quoting.
pub fn normalize(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `text` already copied into `out`
    let mut i = 0;
    let mut in_string = false;
    let mut expect_key = false; // after `{` or `,` (a `,` in an array is checked by the colon test)
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => {
                in_string = true;
                expect_key = false;
            }
            b'{' | b',' => expect_key = true,
            b' ' | b'\t' | b'\r' | b'\n' => {}
            b'-' | b'0'..=b'9' if expect_key => {
                let start = i;
                let mut j = i + 1;
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                let mut k = j;
                while k < bytes.len() && bytes[k].is_ascii_whitespace() {
                    k += 1;
                }
                if k < bytes.len() && bytes[k] == b':' {
                    let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 16));
                    o.push_str(&text[copied..start]);
                    o.push('"');
                    o.push_str(&text[start..j]);
                    o.push('"');
                    copied = j;
                }
                expect_key = false;
                i = j;
                continue;
            }
            _ => expect_key = false,
        }
        i += 1;
    }
    match out {
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(text),
    }
}

/// Parses fastjson or standard JSON bytes into `T`.
///
/// # Errors
/// [`JsonError::Utf8`] for non-UTF-8 input, [`JsonError::Syntax`] for anything serde rejects.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    let text = std::str::from_utf8(bytes)?;
    Ok(serde_json::from_str(&normalize(text))?)
}

/// Serialises to compact standard JSON bytes.
pub fn to_vec<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising our own types to a Vec cannot fail (no non-string map keys, no I/O).
    serde_json::to_vec(value).unwrap_or_default()
}

/// Serialises with tab indentation, the way fastjson pretty-prints the broker's config files.
pub fn to_pretty_tabs<T: Serialize>(value: &T) -> Vec<u8> {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"\t");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    if value.serialize(&mut ser).is_err() {
        return to_vec(value);
    }
    buf
}

/// Serde helpers for fields whose spelling or type varies between RocketMQ versions.
pub mod lenient {
    use serde::{Deserialize, Deserializer};

    /// Accepts a JSON number, a numeric string, or a boolean-free value, for `i64` fields that some
    /// writers quote.
    pub fn i64_from_any<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Any {
            N(i64),
            F(f64),
            S(String),
        }
        match Any::deserialize(d)? {
            Any::N(n) => Ok(n),
            Any::F(f) => Ok(f as i64),
            Any::S(s) => s.trim().parse().map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn quotes_bare_integer_keys() {
        assert_eq!(normalize(r#"{0:"a",1:"b"}"#), r#"{"0":"a","1":"b"}"#);
        assert_eq!(normalize(r#"{ -1 : "a" }"#), r#"{ "-1" : "a" }"#);
    }

    #[test]
    fn leaves_arrays_strings_and_values_alone() {
        let s = r#"{"a":[1,2,3],"b":"{0:1}","c":{"d":5},"e":-3}"#;
        assert!(matches!(normalize(s), Cow::Borrowed(_)));
    }

    #[test]
    fn parses_nested_fastjson_maps() {
        let v: BTreeMap<String, BTreeMap<i32, i64>> =
            from_slice(br#"{"t@g":{0:12,1:7},"u@g":{"3":9}}"#).unwrap();
        assert_eq!(v["t@g"][&1], 7);
        assert_eq!(v["u@g"][&3], 9);
    }

    #[test]
    fn rejects_non_utf8() {
        assert!(matches!(
            from_slice::<serde_json::Value>(&[0x7b, 0xff, 0x7d]),
            Err(JsonError::Utf8(_))
        ));
    }
}
