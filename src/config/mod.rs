//! Configuration: two front-ends, one keyword table, one model. Pure: text in, a
//! validated [`Config`] (with its warnings) or every diagnostic found; files are read
//! by the caller's [`Loader`] (the daemon's is `os::conffiles`).
//!
//! Import order, no cycles: `lex` (value lexers) ← `track` (script drafts) ← `build`
//! (the applier) ← `validate` (cross-keyword rules), `keywords` (the table) ← the
//! front-ends `kv` and `keepalived`, which also use `include`.
mod build;
pub mod error;
mod include;
pub mod keepalived;
mod keywords;
pub mod kv;
mod lex;
pub mod model;
pub mod params;
pub mod route;
pub mod shell;
mod track;
mod validate;

pub use error::{ConfigError, Severity};
pub use include::{Loader, NoFiles};
pub use model::Config;

#[cfg(test)]
mod proptests;

/// The two accepted syntaxes, told apart by [`detect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// tinyvrrpd's native `key = value` lines.
    KeyValue,
    /// The keepalived.conf subset.
    Keepalived,
}

impl core::fmt::Display for Format {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Format::KeyValue => "key=value",
            Format::Keepalived => "keepalived.conf",
        })
    }
}

/// key=value if the first line that is neither blank nor a comment reads
/// `identifier = ...`; keepalived.conf otherwise (it never has `=` in that place).
pub fn detect(text: &str) -> Format {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !(l.is_empty() || l.starts_with(['#', '!'])));
    let Some(l) = first else {
        return Format::Keepalived;
    };
    let ident = l
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(l.len());
    if ident > 0 && l[ident..].trim_start().starts_with('=') {
        Format::KeyValue
    } else {
        Format::Keepalived
    }
}

/// Parses either format (see [`detect`]) of one file's text, without its includes.
/// `file` only names the source in diagnostics.
pub fn parse(file: &str, text: &str) -> Result<Config, Vec<ConfigError>> {
    parse_with(file, text, &NoFiles)
}

/// Parses `text`, the contents of `file`, in either format; included files are read
/// through `loader` relative to `file`'s directory. Err holds every diagnostic, errors
/// and warnings; Ok's warnings are in [`Config::warnings`].
pub fn parse_with(file: &str, text: &str, loader: &dyn Loader) -> Result<Config, Vec<ConfigError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match detect(text) {
        Format::KeyValue => kv::parse(file, text),
        Format::Keepalived => keepalived::parse_with(file, text, loader),
    }
}

#[cfg(test)]
mod tests;
