//! The Java-properties parser and the typed broker/name-server config built from it, on arbitrary
//! bytes (a config file an operator or an editor mangled).
//!
//! Checks: no panic in `parse_bytes`, `from_properties` or `validate`; the parsed entries, written
//! back with `PropertiesWriter`, parse to the same keys and values; every error and warning
//! names a line inside the file.
#![no_main]

use std::path::Path;

use broker::config::{BrokerConfig, ConfigError, NamesrvConfig};
use broker::properties::{self, PropertiesWriter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n' || b == b'\r').count().max(1);
    let props = match properties::parse_bytes(data) {
        Ok(p) => p,
        Err(e) => {
            assert!((1..=lines).contains(&e.line), "error line {} of {lines}", e.line);
            return;
        }
    };
    for p in &props {
        assert!((1..=lines).contains(&p.line), "entry line {} of {lines}", p.line);
    }

    let mut w = PropertiesWriter::new();
    for p in &props {
        w.entry(&p.key, &p.value);
    }
    let again = properties::parse(&w.finish()).expect("our own properties text parses");
    let pairs = |ps: &[properties::Property]| {
        ps.iter()
            .map(|p| (p.key.clone(), p.value.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(pairs(&again), pairs(&props), "writer round trip");

    let file = Path::new("fuzz.conf");
    match BrokerConfig::from_properties(&props, Some(file)) {
        Ok((mut cfg, _warnings)) => {
            let _ = cfg.validate();
        }
        Err(ConfigError::InvalidValue { location, .. }) => {
            let line = location.expect("a file entry has a location").line;
            assert!((1..=lines).contains(&line));
        }
        Err(e) => panic!("unexpected error kind from from_properties: {e}"),
    }
    if let Ok((mut cfg, _)) = NamesrvConfig::from_properties(&props, Some(file)) {
        let _ = cfg.validate();
    }
});
