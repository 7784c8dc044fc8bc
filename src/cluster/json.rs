//! A small JSON writer for `--json` (no serde, by the design card): values go in
//! order, commas and escaping are its business.

use core::fmt::Write;

#[derive(Default)]
pub struct Json {
    out: String,
    /// Per open object or array: whether it has a member yet.
    open: Vec<bool>,
    /// A key was written: its value follows without a comma.
    keyed: bool,
}

impl Json {
    pub fn finish(self) -> String {
        self.out
    }

    fn sep(&mut self) {
        if self.keyed {
            self.keyed = false;
        } else if let Some(has) = self.open.last_mut() {
            if *has {
                self.out.push(',');
            }
            *has = true;
        }
    }

    pub fn obj(&mut self) -> &mut Self {
        self.sep();
        self.out.push('{');
        self.open.push(false);
        self
    }

    pub fn arr(&mut self) -> &mut Self {
        self.sep();
        self.out.push('[');
        self.open.push(false);
        self
    }

    pub fn end_obj(&mut self) -> &mut Self {
        self.open.pop();
        self.out.push('}');
        self
    }

    pub fn end_arr(&mut self) -> &mut Self {
        self.open.pop();
        self.out.push(']');
        self
    }

    pub fn key(&mut self, k: &str) -> &mut Self {
        self.sep();
        self.quoted(k);
        self.out.push(':');
        self.keyed = true;
        self
    }

    pub fn str(&mut self, v: &str) -> &mut Self {
        self.sep();
        self.quoted(v);
        self
    }

    /// A number, or anything whose Display is a JSON literal (`true`, `null`).
    pub fn raw(&mut self, v: impl core::fmt::Display) -> &mut Self {
        self.sep();
        let _ = write!(self.out, "{v}");
        self
    }

    pub fn opt_str(&mut self, v: Option<&str>) -> &mut Self {
        match v {
            Some(v) => self.str(v),
            None => self.raw("null"),
        }
    }

    /// RFC 8259: quote, backslash and control characters escaped.
    fn quoted(&mut self, v: &str) {
        self.out.push('"');
        for c in v.chars() {
            let escape = match c {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                c if u32::from(c) < 0x20 => {
                    let _ = write!(self.out, "\\u{:04x}", u32::from(c));
                    continue;
                }
                c => {
                    self.out.push(c);
                    continue;
                }
            };
            self.out.push_str(escape);
        }
        self.out.push('"');
    }
}

/// Microseconds as milliseconds with their fraction (609375 → 609.375).
pub fn ms(us: u64) -> String {
    match us % 1000 {
        0 => (us / 1000).to_string(),
        f => format!("{}.{}", us / 1000, format!("{f:03}").trim_end_matches('0')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_nesting_and_escapes() {
        let mut j = Json::default();
        j.obj()
            .key("a")
            .raw(1)
            .key("b")
            .arr()
            .str("x\"y\n\u{1}")
            .raw("null");
        j.obj().end_obj().end_arr().key("c").opt_str(None).end_obj();
        assert_eq!(
            j.finish(),
            r#"{"a":1,"b":["x\"y\n\u0001",null,{}],"c":null}"#
        );
    }

    #[test]
    fn milliseconds_keep_microseconds() {
        assert_eq!(ms(609_375), "609.375");
        assert_eq!(ms(1_000), "1");
        assert_eq!(ms(3_609_370), "3609.37");
    }
}
