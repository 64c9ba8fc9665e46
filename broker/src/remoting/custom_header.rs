//! Typed custom headers: the `extFields` of each request and response code as Rust structs.
//!
//! Java decodes `extFields` by reflection: a missing `@CFNotNull` field is an error, other missing
//! fields keep their default. Here a field of type `T` is required and a field of type `Option<T>`
//! is optional, and a decode error names the missing or unparsable field.

use std::collections::HashMap;

/// A command's `extFields`: the custom header as strings, before typed decoding.
pub type ExtFields = HashMap<String, String>;

/// Why a custom header could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HeaderError {
    /// A required field is absent.
    #[error("the custom field <{0}> is null")]
    Missing(&'static str),
    /// A field's value does not parse as its type.
    #[error("the custom field <{field}> has an invalid value {value:?}")]
    Invalid {
        /// Field name.
        field: &'static str,
        /// The value received.
        value: String,
    },
}

/// A value that can travel as an `extFields` string.
pub trait HeaderValue: Sized {
    /// Decodes from the raw field (`None` when absent).
    ///
    /// # Errors
    /// When required and absent, or unparsable.
    fn decode(raw: Option<&str>, field: &'static str) -> Result<Self, HeaderError>;
    /// Encodes; `None` leaves the field out.
    fn encode(&self) -> Option<String>;
}

macro_rules! numeric_header_value {
    ($($t:ty),*) => {$(
        impl HeaderValue for $t {
            fn decode(raw: Option<&str>, field: &'static str) -> Result<Self, HeaderError> {
                let raw = raw.ok_or(HeaderError::Missing(field))?;
                raw.trim().parse::<$t>().or_else(|_| {
                    // Java clients sometimes send `1.0`-style numbers; accept integral floats.
                    raw.trim().parse::<f64>().ok().filter(|f| f.fract() == 0.0).map(|f| f as $t).ok_or(())
                }).map_err(|_| HeaderError::Invalid { field, value: raw.to_string() })
            }
            fn encode(&self) -> Option<String> {
                Some(self.to_string())
            }
        }
    )*};
}
numeric_header_value!(i32, i64);

impl HeaderValue for bool {
    fn decode(raw: Option<&str>, field: &'static str) -> Result<Self, HeaderError> {
        // Boolean.parseBoolean: "true" (any case) is true, anything else false.
        Ok(raw
            .ok_or(HeaderError::Missing(field))?
            .trim()
            .eq_ignore_ascii_case("true"))
    }
    fn encode(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl HeaderValue for String {
    fn decode(raw: Option<&str>, field: &'static str) -> Result<Self, HeaderError> {
        raw.map(str::to_string).ok_or(HeaderError::Missing(field))
    }
    fn encode(&self) -> Option<String> {
        Some(self.clone())
    }
}

impl<T: HeaderValue> HeaderValue for Option<T> {
    fn decode(raw: Option<&str>, field: &'static str) -> Result<Self, HeaderError> {
        raw.map(|r| T::decode(Some(r), field)).transpose()
    }
    fn encode(&self) -> Option<String> {
        self.as_ref().and_then(T::encode)
    }
}

/// A typed custom header.
pub trait CommandHeader: Sized {
    /// Decodes from `extFields`.
    ///
    /// # Errors
    /// Names the first missing or invalid field.
    fn decode(ext: &ExtFields) -> Result<Self, HeaderError>;
    /// Encodes to `extFields`.
    fn encode(&self) -> ExtFields;
}

/// The empty header, for codes without custom fields.
#[derive(Debug, Clone, Default)]
pub struct EmptyHeader;

impl CommandHeader for EmptyHeader {
    fn decode(_: &ExtFields) -> Result<Self, HeaderError> {
        Ok(EmptyHeader)
    }
    fn encode(&self) -> ExtFields {
        ExtFields::new()
    }
}

/// Declares a header struct with its wire names; `T` fields are required, `Option<T>` optional.
macro_rules! command_header {
    ($(#[$m:meta])* pub struct $name:ident { $( $(#[$fm:meta])* $field:ident : $ty:ty = $key:literal ),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name { $( $(#[$fm])* pub $field: $ty ),* }

        impl $crate::remoting::custom_header::CommandHeader for $name {
            fn decode(ext: &$crate::remoting::custom_header::ExtFields)
                -> Result<Self, $crate::remoting::custom_header::HeaderError> {
                Ok(Self { $( $field: <$ty as $crate::remoting::custom_header::HeaderValue>::decode(
                    ext.get($key).map(|s| s.as_str()), $key)? ),* })
            }
            fn encode(&self) -> $crate::remoting::custom_header::ExtFields {
                #[allow(unused_mut)]
                let mut m = $crate::remoting::custom_header::ExtFields::new();
                $( if let Some(v) = $crate::remoting::custom_header::HeaderValue::encode(&self.$field) {
                    m.insert($key.to_string(), v);
                } )*
                m
            }
        }
    };
}
pub(crate) use command_header;

#[cfg(test)]
mod tests {
    use super::*;

    command_header! {
        /// Test header.
        pub struct TestHeader {
            topic: String = "topic",
            queue_id: i32 = "queueId",
            batch: Option<bool> = "batch",
        }
    }

    #[test]
    fn decodes_and_names_missing_fields() {
        let mut ext = ExtFields::new();
        ext.insert("topic".into(), "t".into());
        assert_eq!(TestHeader::decode(&ext), Err(HeaderError::Missing("queueId")));
        ext.insert("queueId".into(), "x".into());
        assert!(matches!(
            TestHeader::decode(&ext),
            Err(HeaderError::Invalid { field: "queueId", .. })
        ));
        ext.insert("queueId".into(), "3".into());
        let h = TestHeader::decode(&ext).unwrap();
        assert_eq!(
            h,
            TestHeader {
                topic: "t".into(),
                queue_id: 3,
                batch: None
            }
        );
        assert_eq!(TestHeader::decode(&h.encode()).unwrap(), h);
    }
}
