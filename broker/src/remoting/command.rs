//! `RemotingCommand`: the request/response unit of the RocketMQ protocol, and its two header
//! encodings (JSON and the ROCKETMQ binary form, spec §1.2 and §1.4).
//!
//! Decoding is as lenient as Java's servers, because real clients rely on it: missing
//! `serializeTypeCurrentRPC` or `language`, `extFields` values sent as numbers or booleans, unknown
//! keys. Only bytes that cannot be read as a header at all are an error.

use bytes::{BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::codes::{self, FLAG_ONEWAY, FLAG_RESPONSE};
use super::custom_header::{CommandHeader, ExtFields, HeaderError};

/// How the header of a frame is encoded (high byte of the header-length word).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SerializeType {
    /// UTF-8 JSON (0), the default.
    #[default]
    Json,
    /// The compact binary form (1).
    RocketMq,
}

impl SerializeType {
    /// Wire value.
    pub fn code(self) -> u8 {
        match self {
            SerializeType::Json => 0,
            SerializeType::RocketMq => 1,
        }
    }
}

/// Why a header could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    /// Serialize type byte other than 0 or 1.
    #[error("unknown serialize type {0}")]
    UnknownSerializeType(u8),
    /// JSON header bytes are not UTF-8.
    #[error("header is not valid UTF-8")]
    NotUtf8,
    /// JSON header is not a JSON object of the expected shape.
    #[error("invalid JSON header: {0}")]
    Json(String),
    /// Binary header shorter than its fields say.
    #[error("binary header truncated at {0}")]
    Truncated(&'static str),
}

/// One request or response.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RemotingCommand {
    /// Request code, or response code in a response.
    pub code: i32,
    /// Sender language code (index into [`codes::LANGUAGES`]).
    pub language: u8,
    /// Sender version ordinal (spec §1.5).
    pub version: i32,
    /// Request id; a response carries the request's.
    pub opaque: i32,
    /// Bit 0: response; bit 1: oneway.
    pub flag: i32,
    /// Error text in responses.
    pub remark: Option<String>,
    /// Custom header fields.
    pub ext_fields: ExtFields,
    /// Encoding of the header; a response uses its request's.
    pub serialize_type: SerializeType,
    /// Opaque body.
    pub body: Bytes,
}

impl RemotingCommand {
    /// A request with the given code and custom header.
    pub fn request(code: i32, header: &impl CommandHeader) -> Self {
        Self {
            code,
            language: codes::LANGUAGE_JAVA,
            version: codes::VERSION_V4_9_7,
            ext_fields: header.encode(),
            ..Default::default()
        }
    }

    /// A request with no custom header.
    pub fn request_empty(code: i32) -> Self {
        Self {
            code,
            language: codes::LANGUAGE_JAVA,
            version: codes::VERSION_V4_9_7,
            ..Default::default()
        }
    }

    /// A response with a code and optional remark; opaque and serialize type are filled in by the
    /// server from the request.
    pub fn response(code: i32, remark: impl Into<Option<String>>) -> Self {
        Self {
            code,
            language: codes::LANGUAGE_JAVA,
            version: codes::VERSION_V4_9_7,
            flag: FLAG_RESPONSE,
            remark: remark.into(),
            ..Default::default()
        }
    }

    /// A SUCCESS response.
    pub fn success() -> Self {
        Self::response(codes::response::SUCCESS, None)
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets the custom header fields from a typed header.
    pub fn with_header(mut self, header: &impl CommandHeader) -> Self {
        self.ext_fields = header.encode();
        self
    }

    /// Decodes the typed custom header.
    ///
    /// # Errors
    /// Names the missing or unparsable field.
    pub fn decode_header<H: CommandHeader>(&self) -> Result<H, HeaderError> {
        H::decode(&self.ext_fields)
    }

    /// Whether this is a response.
    pub fn is_response(&self) -> bool {
        self.flag & FLAG_RESPONSE != 0
    }

    /// Whether this is a oneway request.
    pub fn is_oneway(&self) -> bool {
        self.flag & FLAG_ONEWAY != 0
    }

    /// Marks this request as oneway.
    pub fn mark_oneway(&mut self) {
        self.flag |= FLAG_ONEWAY;
    }

    /// Language name for JSON headers.
    pub fn language_name(&self) -> &'static str {
        codes::LANGUAGES
            .get(self.language as usize)
            .copied()
            .unwrap_or("OTHER")
    }

    /// Encodes the header in this command's serialize type.
    pub fn encode_header(&self) -> Vec<u8> {
        match self.serialize_type {
            SerializeType::Json => self.encode_json_header(),
            SerializeType::RocketMq => self.encode_binary_header(),
        }
    }

    fn encode_json_header(&self) -> Vec<u8> {
        // Field order is alphabetical, as fastjson writes it.
        #[derive(Serialize)]
        struct Out<'a> {
            code: i32,
            #[serde(rename = "extFields")]
            ext_fields: std::collections::BTreeMap<&'a str, &'a str>,
            flag: i32,
            language: &'a str,
            opaque: i32,
            #[serde(skip_serializing_if = "Option::is_none")]
            remark: Option<&'a str>,
            #[serde(rename = "serializeTypeCurrentRPC")]
            serialize_type: &'a str,
            version: i32,
        }
        let out = Out {
            code: self.code,
            ext_fields: self
                .ext_fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            flag: self.flag,
            language: self.language_name(),
            opaque: self.opaque,
            remark: self.remark.as_deref(),
            serialize_type: "JSON",
            version: self.version,
        };
        crate::json::to_vec(&out)
    }

    fn encode_binary_header(&self) -> Vec<u8> {
        let mut b = BytesMut::with_capacity(64);
        b.put_i16(self.code as i16);
        b.put_u8(self.language);
        b.put_i16(self.version as i16);
        b.put_i32(self.opaque);
        b.put_i32(self.flag);
        match &self.remark {
            Some(r) if !r.is_empty() => {
                b.put_i32(r.len() as i32);
                b.put_slice(r.as_bytes());
            }
            _ => b.put_i32(0),
        }
        let mut ext = BytesMut::new();
        for (k, v) in &self.ext_fields {
            ext.put_i16(k.len() as i16);
            ext.put_slice(k.as_bytes());
            ext.put_i32(v.len() as i32);
            ext.put_slice(v.as_bytes());
        }
        b.put_i32(ext.len() as i32);
        b.put_slice(&ext);
        b.to_vec()
    }

    /// Decodes a header of the given serialize type; the body is left empty.
    ///
    /// # Errors
    /// [`DecodeError`] when the bytes are not a header of that type.
    pub fn decode_header_bytes(ty: SerializeType, bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut cmd = match ty {
            SerializeType::Json => decode_json_header(bytes)?,
            SerializeType::RocketMq => decode_binary_header(bytes)?,
        };
        cmd.serialize_type = ty;
        Ok(cmd)
    }
}

#[derive(Deserialize)]
struct JsonHeader {
    #[serde(default)]
    code: Lenient,
    #[serde(default)]
    language: Lenient,
    #[serde(default)]
    version: Lenient,
    #[serde(default)]
    opaque: Lenient,
    #[serde(default)]
    flag: Lenient,
    #[serde(default)]
    remark: Lenient,
    #[serde(default, rename = "extFields")]
    ext_fields: LenientFields,
}

/// One JSON value of a header, read as the Java servers read it: a number, a string, a boolean
/// or null, straight from the bytes (no intermediate `serde_json::Value` per field: this runs
/// for every request). Anything else is kept as its JSON text.
#[derive(Default)]
enum Lenient {
    #[default]
    Null,
    Int(i64),
    /// Above `i64::MAX`.
    Uint(u64),
    Float(f64),
    Str(String),
    Bool(bool),
    Other(String),
}

impl Lenient {
    fn int(&self) -> i32 {
        match self {
            Lenient::Int(i) => *i as i32,
            Lenient::Uint(u) => *u as f64 as i64 as i32,
            Lenient::Float(f) => *f as i64 as i32,
            Lenient::Str(s) => s.trim().parse().unwrap_or(0),
            Lenient::Bool(b) => i32::from(*b),
            Lenient::Null | Lenient::Other(_) => 0,
        }
    }

    fn string(self) -> Option<String> {
        match self {
            Lenient::Null => None,
            Lenient::Int(i) => Some(i.to_string()),
            Lenient::Uint(u) => Some(u.to_string()),
            Lenient::Float(f) => Some(Value::from(f).to_string()),
            Lenient::Str(s) | Lenient::Other(s) => Some(s),
            Lenient::Bool(b) => Some(b.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Lenient;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_i64<E>(self, v: i64) -> Result<Lenient, E> {
                Ok(Lenient::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Lenient, E> {
                Ok(i64::try_from(v).map_or(Lenient::Uint(v), Lenient::Int))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Lenient, E> {
                Ok(Lenient::Float(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Lenient, E> {
                Ok(Lenient::Bool(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Lenient, E> {
                Ok(Lenient::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Lenient, E> {
                Ok(Lenient::Str(v))
            }
            fn visit_unit<E>(self) -> Result<Lenient, E> {
                Ok(Lenient::Null)
            }
            fn visit_none<E>(self) -> Result<Lenient, E> {
                Ok(Lenient::Null)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Lenient, D::Error> {
                Lenient::deserialize(d)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Lenient, A::Error> {
                let v = Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(Lenient::Other(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Lenient, A::Error> {
                let v = Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
                Ok(Lenient::Other(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `extFields`: an object whose values may be any scalar (kept as strings), or null.
#[derive(Default)]
struct LenientFields(Option<ExtFields>);

impl<'de> Deserialize<'de> for LenientFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = LenientFields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("extFields as an object")
            }
            fn visit_unit<E>(self) -> Result<LenientFields, E> {
                Ok(LenientFields(None))
            }
            fn visit_none<E>(self) -> Result<LenientFields, E> {
                Ok(LenientFields(None))
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<LenientFields, D::Error> {
                LenientFields::deserialize(d)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<LenientFields, A::Error> {
                let mut out = ExtFields::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((k, v)) = map.next_entry::<String, Lenient>()? {
                    if let Some(s) = v.string() {
                        out.insert(k, s);
                    }
                }
                Ok(LenientFields(Some(out)))
            }
        }
        d.deserialize_any(V)
    }
}

fn decode_json_header(bytes: &[u8]) -> Result<RemotingCommand, DecodeError> {
    let text = std::str::from_utf8(bytes).map_err(|_| DecodeError::NotUtf8)?;
    let h: JsonHeader = serde_json::from_str(text).map_err(|e| DecodeError::Json(e.to_string()))?;
    let language = match &h.language {
        Lenient::Str(s) => codes::LANGUAGES
            .iter()
            .position(|l| l.eq_ignore_ascii_case(s))
            .map(|p| p as u8)
            .unwrap_or(codes::LANGUAGE_OTHER),
        // A code outside the table would not survive re-encoding (JSON carries the name).
        Lenient::Int(_) | Lenient::Uint(_) | Lenient::Float(_) => u8::try_from(h.language.int())
            .ok()
            .filter(|&l| (l as usize) < codes::LANGUAGES.len())
            .unwrap_or(codes::LANGUAGE_OTHER),
        _ => codes::LANGUAGE_OTHER,
    };
    Ok(RemotingCommand {
        code: h.code.int(),
        language,
        version: h.version.int(),
        opaque: h.opaque.int(),
        flag: h.flag.int(),
        remark: h.remark.string(),
        ext_fields: h.ext_fields.0.unwrap_or_default(),
        serialize_type: SerializeType::Json,
        body: Bytes::new(),
    })
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.buf.len() < n {
            return Err(DecodeError::Truncated(what));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }
    fn i16(&mut self, what: &'static str) -> Result<i16, DecodeError> {
        Ok(i16::from_be_bytes(
            self.take(2, what)?.try_into().expect("2 bytes"),
        ))
    }
    fn i32(&mut self, what: &'static str) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(
            self.take(4, what)?.try_into().expect("4 bytes"),
        ))
    }
    fn len(&mut self, len: i64, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if len < 0 {
            return Err(DecodeError::Truncated(what));
        }
        self.take(len as usize, what)
    }
}

fn decode_binary_header(bytes: &[u8]) -> Result<RemotingCommand, DecodeError> {
    let mut r = Reader { buf: bytes };
    let code = r.i16("code")? as i32;
    let language = r.take(1, "language")?[0];
    let version = r.i16("version")? as i32;
    let opaque = r.i32("opaque")?;
    let flag = r.i32("flag")?;
    let remark_len = r.i32("remark length")?;
    let remark = if remark_len > 0 {
        Some(String::from_utf8_lossy(r.len(remark_len as i64, "remark")?).into_owned())
    } else {
        None
    };
    let ext_len = r.i32("extFields length")?;
    let mut ext = Reader {
        buf: r.len(ext_len as i64, "extFields")?,
    };
    let mut ext_fields = ExtFields::new();
    while !ext.buf.is_empty() {
        let kl = ext.i16("extFields key length")?;
        let k = ext.len(kl as i64, "extFields key")?;
        let vl = ext.i32("extFields value length")?;
        let v = ext.len(vl as i64, "extFields value")?;
        ext_fields.insert(
            String::from_utf8_lossy(k).into_owned(),
            String::from_utf8_lossy(v).into_owned(),
        );
    }
    Ok(RemotingCommand {
        code,
        language,
        version,
        opaque,
        flag,
        remark,
        ext_fields,
        serialize_type: SerializeType::RocketMq,
        body: Bytes::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_header_matches_java_shape() {
        let mut cmd = RemotingCommand::request_empty(105);
        cmd.opaque = 3;
        cmd.ext_fields.insert("topic".into(), "TopicTest".into());
        let h = String::from_utf8(cmd.encode_header()).unwrap();
        assert_eq!(
            h,
            r#"{"code":105,"extFields":{"topic":"TopicTest"},"flag":0,"language":"JAVA","opaque":3,"serializeTypeCurrentRPC":"JSON","version":407}"#
        );
        let back = RemotingCommand::decode_header_bytes(SerializeType::Json, h.as_bytes()).unwrap();
        assert_eq!(back, cmd);
    }

    #[test]
    fn json_header_is_lenient() {
        let h = br#"{"code":"10","opaque":7,"flag":0,"extFields":{"queueId":3,"batch":false,"x":null,"s":"v"},"unknown":[1]}"#;
        let c = RemotingCommand::decode_header_bytes(SerializeType::Json, h).unwrap();
        assert_eq!(c.code, 10);
        assert_eq!(c.opaque, 7);
        assert_eq!(c.language, codes::LANGUAGE_OTHER);
        assert_eq!(c.ext_fields["queueId"], "3");
        assert_eq!(c.ext_fields["batch"], "false");
        assert!(!c.ext_fields.contains_key("x"));
        assert_eq!(c.ext_fields["s"], "v");
    }

    /// Found by the `frame` fuzz target (issue 7): a numeric language outside the table (24, or
    /// 256 which used to wrap to JAVA) decoded to a code that re-encoded as `OTHER`.
    #[test]
    fn json_header_numeric_language_outside_the_table_is_other() {
        for (raw, want) in [
            ("24", codes::LANGUAGE_OTHER),
            ("256", codes::LANGUAGE_OTHER),
            ("-1", codes::LANGUAGE_OTHER),
            ("9", 9),
        ] {
            let h = format!(r#"{{"code":10,"opaque":3,"language":{raw}}}"#);
            let c = RemotingCommand::decode_header_bytes(SerializeType::Json, h.as_bytes()).unwrap();
            assert_eq!(c.language, want, "language {raw}");
            let back = RemotingCommand::decode_header_bytes(SerializeType::Json, &c.encode_header()).unwrap();
            assert_eq!(back, c);
        }
    }

    #[test]
    fn json_header_odd_values() {
        let h = br#"{"code":1.9,"language":"java","version":18446744073709551615,"remark":5,"extFields":{"f":1.5,"o":{"a":[1]},"big":18446744073709551615}}"#;
        let c = RemotingCommand::decode_header_bytes(SerializeType::Json, h).unwrap();
        assert_eq!(c.code, 1);
        assert_eq!(c.language, 0);
        assert_eq!(c.remark.as_deref(), Some("5"));
        assert_eq!(c.ext_fields["f"], "1.5");
        assert_eq!(c.ext_fields["o"], r#"{"a":[1]}"#);
        assert_eq!(c.ext_fields["big"], "18446744073709551615");
        let none = br#"{"code":2,"extFields":null}"#;
        let c = RemotingCommand::decode_header_bytes(SerializeType::Json, none).unwrap();
        assert!(c.ext_fields.is_empty());
        let bad = br#"{"code":2,"extFields":"x"}"#;
        assert!(RemotingCommand::decode_header_bytes(SerializeType::Json, bad).is_err());
    }

    #[test]
    fn json_header_rejects_garbage() {
        assert_eq!(
            RemotingCommand::decode_header_bytes(SerializeType::Json, &[0xff, 0xfe]),
            Err(DecodeError::NotUtf8)
        );
        assert!(RemotingCommand::decode_header_bytes(SerializeType::Json, b"[1,2").is_err());
    }

    #[test]
    fn binary_header_round_trips() {
        let mut cmd = RemotingCommand::response(17, Some("no topic".to_string()));
        cmd.opaque = 42;
        cmd.serialize_type = SerializeType::RocketMq;
        cmd.ext_fields.insert("a".into(), "1".into());
        cmd.ext_fields.insert("bb".into(), "22".into());
        let h = cmd.encode_header();
        let back = RemotingCommand::decode_header_bytes(SerializeType::RocketMq, &h).unwrap();
        assert_eq!(back, cmd);
        for cut in 0..h.len() {
            // Every truncation is an error, never a panic.
            let _ = RemotingCommand::decode_header_bytes(SerializeType::RocketMq, &h[..cut]);
        }
        assert!(RemotingCommand::decode_header_bytes(SerializeType::RocketMq, &h[..h.len() - 1]).is_err());
    }
}
