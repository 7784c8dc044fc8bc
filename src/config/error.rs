//! Configuration errors: where (file and line) and what was expected. `Display` gives the
//! `FILE:LINE: message` form that editors and `tinyvrrpd -t` users can jump to.

use core::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    /// 1-based line of the offending keyword, or of the instance when no keyword is to blame.
    pub line: u32,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_reads_file_colon_line_colon_message() {
        let e = ConfigError {
            file: "keepalived.conf".into(),
            line: 12,
            message: "auth_pass is longer than 8 characters".into(),
        };
        assert_eq!(
            e.to_string(),
            "keepalived.conf:12: auth_pass is longer than 8 characters"
        );
    }
}
