//! The machinery that turns parsed properties into a typed config struct: how each field type is
//! read and printed ([`ConfigValue`]), the `config_struct!` macro that declares a config once
//! (fields, keys, defaults, print order), and the loader that applies a file's entries with their
//! warnings. The broker and name-server configs are both declared with it, so they load, print and
//! report errors the same way.

use std::path::Path;

use super::error::{ConfigError, ConfigWarning, Location};
use super::security::Security;
use crate::properties::Property;

/// How a field type is read from and printed to a properties value.
pub(super) trait ConfigValue: Sized {
    /// What the value must look like, for error messages.
    const EXPECTED: &'static str;
    /// Free text, kept verbatim (so trailing whitespace is worth a warning).
    const IS_TEXT: bool = false;
    fn parse_value(raw: &str) -> Option<Self>;
    fn render(&self) -> String;
}

impl ConfigValue for String {
    const EXPECTED: &'static str = "text";
    const IS_TEXT: bool = true;
    fn parse_value(raw: &str) -> Option<Self> {
        Some(raw.to_owned())
    }
    fn render(&self) -> String {
        self.clone()
    }
}

/// Empty means unset (Java's null); printed as an empty value.
impl ConfigValue for Option<String> {
    const EXPECTED: &'static str = "text";
    const IS_TEXT: bool = true;
    fn parse_value(raw: &str) -> Option<Self> {
        Some(if raw.trim().is_empty() {
            None
        } else {
            Some(raw.to_owned())
        })
    }
    fn render(&self) -> String {
        self.clone().unwrap_or_default()
    }
}

/// Stricter than Java's `Boolean.parseBoolean`, which reads any typo as false.
impl ConfigValue for bool {
    const EXPECTED: &'static str = "true or false";
    fn parse_value(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case("true") {
            Some(true)
        } else if raw.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            None
        }
    }
    fn render(&self) -> String {
        self.to_string()
    }
}

macro_rules! int_value {
    ($($ty:ty => $expected:literal),* $(,)?) => {$(
        impl ConfigValue for $ty {
            const EXPECTED: &'static str = $expected;
            fn parse_value(raw: &str) -> Option<Self> {
                raw.trim().parse().ok()
            }
            fn render(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

int_value! {
    i32 => "an integer",
    i64 => "an integer",
    u16 => "an integer from 0 to 65535",
    u32 => "a non-negative integer",
    u64 => "a non-negative integer",
}

/// Result of setting one key: unknown key, or a parse failure with what was expected.
pub(super) enum SetOutcome {
    /// Set; carries the current spelling of the key, so old spellings count as duplicates.
    Set(&'static str),
    Unknown,
    Invalid(&'static str),
}

/// What the generic loader needs from a config struct.
pub(super) trait ConfigFields: Default {
    fn set_raw(&mut self, key: &str, raw: &str) -> SetOutcome;
    /// Whether the key holds free text (for the trailing-whitespace warning).
    fn is_text(key: &str) -> bool;
}

pub(super) fn set_field<T: ConfigValue>(key: &'static str, field: &mut T, raw: &str) -> SetOutcome {
    match T::parse_value(raw) {
        Some(v) => {
            *field = v;
            SetOutcome::Set(key)
        }
        None => SetOutcome::Invalid(T::EXPECTED),
    }
}

/// Declares a config struct once: fields with docs, property key (plus old spellings), default,
/// and whether `-m` prints it. Generates the struct, `Default`, key lookup and the printers, so the
/// declaration order is the print order.
macro_rules! config_struct {
    (
        $(#[$smeta:meta])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                #[key = $key:literal $(, alias = $alias:literal)* $(, important = $imp:literal)?]
                $field:ident : $ty:ty = $default:expr,
            )*
        }
    ) => {
        $(#[$smeta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $(
                $(#[doc = $doc])*
                pub $field: $ty,
            )*
            /// Where each key was read from (not a config key); errors of `validate` use it to
            /// name the file and line. Default: empty.
            pub origin: $crate::config::Origin,
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $($field: $default,)* origin: $crate::config::Origin::default() }
            }
        }

        impl $crate::config::fields::ConfigFields for $name {
            fn set_raw(&mut self, key: &str, raw: &str) -> $crate::config::fields::SetOutcome {
                match key {
                    $($key $(| $alias)* => $crate::config::fields::set_field($key, &mut self.$field, raw),)*
                    _ => $crate::config::fields::SetOutcome::Unknown,
                }
            }
            fn is_text(key: &str) -> bool {
                match key {
                    $($key $(| $alias)* => <$ty as $crate::config::fields::ConfigValue>::IS_TEXT,)*
                    _ => false,
                }
            }
        }

        impl $name {
            /// Every property key this struct accepts (current spellings), in declaration order.
            pub const KEYS: &'static [&'static str] = &[$($key),*];

            /// Every field as `(key, value)` in declaration order, like Java's `-p`; an unset
            /// value is printed empty, as Java prints null.
            pub fn print_all(&self) -> Vec<(String, String)> {
                vec![$(($key.to_owned(), $crate::config::fields::ConfigValue::render(&self.$field)),)*]
            }

            /// The fields Java (4.9) marks `@ImportantField`, plus `listenPort`, as `(key, value)`
            /// in declaration order, like Java's `-m`.
            pub fn print_important(&self) -> Vec<(String, String)> {
                let mut out = Vec::new();
                $(
                    if false $(|| $imp)? {
                        let value = $crate::config::fields::ConfigValue::render(&self.$field);
                        out.push(($key.to_owned(), value));
                    }
                )*
                out
            }

            /// Loads a properties file on top of the defaults. Does not call `validate`, so that
            /// command-line overrides can be applied first.
            ///
            /// # Errors
            /// [`ConfigError::Io`] if the file cannot be read, [`ConfigError::Syntax`] for a
            /// malformed escape, [`ConfigError::InvalidValue`] for a value of the wrong type.
            pub fn from_properties_file(
                path: impl AsRef<::std::path::Path>,
            ) -> Result<(Self, Vec<$crate::config::ConfigWarning>), $crate::config::ConfigError> {
                let path = path.as_ref();
                let bytes = std::fs::read(path)
                    .map_err(|source| $crate::config::ConfigError::Io { path: path.to_owned(), source })?;
                let props = $crate::properties::parse_bytes(&bytes).map_err(|e| {
                    $crate::config::ConfigError::Syntax {
                        location: $crate::config::Location { file: Some(path.to_owned()), line: e.line },
                        message: e.message,
                    }
                })?;
                Self::from_properties(&props, Some(path))
            }

            /// Builds a config from parsed properties on top of the defaults; `file` only names
            /// the source in errors and warnings. Does not call `validate`.
            ///
            /// # Errors
            /// [`ConfigError::InvalidValue`] for a value of the wrong type.
            pub fn from_properties(
                props: &[$crate::properties::Property],
                file: Option<&::std::path::Path>,
            ) -> Result<(Self, Vec<$crate::config::ConfigWarning>), $crate::config::ConfigError> {
                let mut config = Self::default();
                let (warnings, lines) = $crate::config::fields::apply_properties(&mut config, props, file)?;
                config.origin = $crate::config::Origin { file: file.map(::std::path::Path::to_owned), lines };
                Ok((config, warnings))
            }

            /// Sets one key from text, as a command-line override would (e.g. `-n`). Returns
            /// `false` if the key is unknown (nothing changes).
            ///
            /// # Errors
            /// [`ConfigError::InvalidValue`] (without a location) if the value does not parse.
            pub fn set(&mut self, key: &str, value: &str) -> Result<bool, $crate::config::ConfigError> {
                match $crate::config::fields::ConfigFields::set_raw(self, key, value) {
                    $crate::config::fields::SetOutcome::Set(canonical) => {
                        // The value no longer comes from the file.
                        self.origin.lines.remove(canonical);
                        Ok(true)
                    }
                    $crate::config::fields::SetOutcome::Unknown => Ok(false),
                    $crate::config::fields::SetOutcome::Invalid(expected) => {
                        Err($crate::config::ConfigError::InvalidValue {
                            location: None,
                            key: key.to_owned(),
                            value: value.to_owned(),
                            expected,
                        })
                    }
                }
            }
        }
    };
}

/// Lets the config files of this folder invoke the macro by path.
pub(super) use config_struct;

/// The warnings, and the line of the winning entry of each key (by current spelling).
pub(super) type Applied = (Vec<ConfigWarning>, std::collections::HashMap<&'static str, usize>);

pub(super) fn apply_properties<C: ConfigFields>(
    config: &mut C,
    props: &[Property],
    file: Option<&Path>,
) -> Result<Applied, ConfigError> {
    let mut warnings = Vec::new();
    let mut seen: std::collections::HashMap<&'static str, usize> = std::collections::HashMap::new();
    for p in props {
        let location = Location {
            file: file.map(Path::to_owned),
            line: p.line,
        };
        match super::security::check(&p.key, &p.value) {
            Some(Security::Off) => continue,
            Some(Security::On { key, off }) => {
                return Err(ConfigError::UnservedSecurity {
                    location,
                    key,
                    value: p.value.clone(),
                    off,
                })
            }
            None => {}
        }
        let canonical = match config.set_raw(&p.key, &p.value) {
            SetOutcome::Set(canonical) => canonical,
            SetOutcome::Unknown => {
                warnings.push(ConfigWarning::UnknownKey {
                    location,
                    key: p.key.clone(),
                });
                continue;
            }
            SetOutcome::Invalid(expected) => {
                return Err(ConfigError::InvalidValue {
                    location: Some(location),
                    key: p.key.clone(),
                    value: p.value.clone(),
                    expected,
                })
            }
        };
        if let Some(first_line) = seen.insert(canonical, p.line) {
            warnings.push(ConfigWarning::DuplicateKey {
                location: location.clone(),
                key: p.key.clone(),
                first_line,
            });
        }
        if C::is_text(&p.key) && p.value.ends_with(|c: char| c.is_whitespace()) {
            warnings.push(ConfigWarning::TrailingWhitespace {
                location,
                key: p.key.clone(),
            });
        }
    }
    Ok((warnings, seen))
}
