//! Output formats shared by the read commands: `--output table|json`, a borderless table helper
//! with uppercase headers, and JSON serialisation.

use comfy_table::{presets, ContentArrangement, Table};
use serde::Serialize;

/// How a command prints its report on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Human-readable text (for Java-parity commands: exactly what the Java tool prints)
    #[default]
    Table,
    /// Pretty-printed JSON with stable field names
    Json,
}

/// A borderless table with the given headers upper-cased (rpk style), rendered as text ending in
/// a newline.
pub fn table<R, C>(headers: &[&str], rows: R) -> String
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers.iter().map(|h| h.to_uppercase()));
    for row in rows {
        table.add_row(row.into_iter().collect::<Vec<_>>());
    }
    let mut text: String = table
        .lines()
        .map(|line| line.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    text
}

/// Pretty JSON followed by a newline.
///
/// # Errors
/// Serialisation errors (not expected for plain data reports).
pub fn json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_borderless_with_uppercase_headers() {
        let text = table(
            &["name", "addr"],
            [vec!["a".to_string(), "127.0.0.1:1".to_string()]],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text:?}");
        assert!(lines[0].contains("NAME") && lines[0].contains("ADDR"), "{text:?}");
        assert!(
            !text.contains('|') && !text.contains('+') && !text.contains('-'),
            "{text:?}"
        );
    }

    #[test]
    fn json_ends_with_newline() {
        assert_eq!(json(&[1, 2]).unwrap(), "[\n  1,\n  2\n]\n");
    }
}
