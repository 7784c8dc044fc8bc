//! Configuration diagnostics: where (file and line), how bad, and what was expected.
//! `Display` gives the `FILE:LINE: message` form that editors and `tinyvrrpd -t` users can
//! jump to; warnings read `FILE:LINE: warning: message`.

use core::fmt;

/// An error refuses the configuration; a warning names something accepted but ignored
/// or adjusted (as keepalived warns and adjusts), and never stops a start or a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    /// 1-based line of the offending keyword, or of the instance when no keyword is to blame.
    pub line: u32,
    pub severity: Severity,
    pub message: String,
}

impl ConfigError {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.severity {
            Severity::Error => "",
            Severity::Warning => "warning: ",
        };
        write!(f, "{}:{}: {tag}{}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_reads_file_colon_line_colon_message() {
        let mut e = ConfigError {
            file: "keepalived.conf".into(),
            line: 12,
            severity: Severity::Error,
            message: "expected 1-8 characters for auth_pass".into(),
        };
        assert_eq!(
            e.to_string(),
            "keepalived.conf:12: expected 1-8 characters for auth_pass"
        );
        e.severity = Severity::Warning;
        assert_eq!(
            e.to_string(),
            "keepalived.conf:12: warning: expected 1-8 characters for auth_pass"
        );
    }
}
