//! Which programs a command line run as `/bin/sh -c TEXT` starts, for
//! `enable_script_security`: a command with shell syntax (`"/home/op/check.sh > /dev/null"`)
//! runs through the shell, and checking only /bin/sh would let the program it starts
//! escape the check. Pure text: the programs are resolved and checked by
//! `os::process::prepare`.
//!
//! Only what can be known from the text alone is accepted: simple commands joined by
//! `|`, `||`, `&&`, `;`, `&` or newlines, with words, quotes, redirections and
//! expansions in their arguments (a command substitution's own programs count too).
//! Whatever would choose the program at run time — an expansion, a glob or `~` in a
//! command name, variable assignments, subshells and compound commands, `eval`, `.`,
//! `trap` — is refused as "cannot be checked".

/// Builtins that run nothing else: no program to check.
const BUILTINS: [&str; 17] = [
    ":", "true", "false", "exit", "return", "test", "[", "echo", "printf", "cd", "read", "shift",
    "wait", "kill", "umask", "ulimit", "times",
];

/// Words that make the shell run code the text does not show: refused.
const OPAQUE: [&str; 29] = [
    "eval", ".", "source", "trap", "alias", "builtin", "set", "export", "readonly", "unset",
    "local", "typeset", "declare", "fc", "hash", "if", "then", "else", "elif", "fi", "while",
    "until", "for", "case", "function", "select", "{", "[[", "coproc",
];

/// Why a text cannot be checked (it ends "… but {why} cannot be checked").
pub type Unchecked = &'static str;

#[derive(Debug, PartialEq, Eq)]
enum Token {
    /// A word, and whether an expansion ($…, `…`) is part of it.
    Word(String, bool),
    /// `|`, `||`, `&`, `&&`, `;` or a newline: the next word starts a command.
    Separator,
    /// `<`, `>`, `>>`, `<>`, `>|`: the next word is a file; with `&` a descriptor.
    Redirect,
}

/// The program word of every simple command in `text` and in its command
/// substitutions, in order (builtins that run nothing else left out), or why the text
/// cannot be checked.
pub fn programs(text: &str) -> Result<Vec<String>, Unchecked> {
    if text.trim().is_empty() {
        return Err("an empty command");
    }
    let mut lex = Lexer {
        s: text.as_bytes(),
        i: 0,
        nested: Vec::new(),
    };
    let mut out = Vec::new();
    let mut command_next = true;
    let mut target_next = false;
    for t in lex.tokens()? {
        let (word, dynamic) = match t {
            Token::Separator => {
                command_next = true;
                continue;
            }
            Token::Redirect => {
                target_next = true;
                continue;
            }
            Token::Word(w, d) => (w, d),
        };
        if core::mem::take(&mut target_next) || !command_next {
            continue;
        }
        let w = word.as_str();
        if dynamic {
            return Err("a command name from an expansion");
        }
        // `! cmd`, `exec cmd`, `command cmd`: the next word is the command.
        if matches!(w, "!" | "exec" | "command") {
            continue;
        }
        if w.starts_with('-') || OPAQUE.contains(&w) {
            return Err("a shell keyword or builtin that runs other code");
        }
        if w.contains('=') {
            return Err("a variable assignment");
        }
        if w.contains(['*', '?', '[', '~']) {
            return Err("a pattern as a command name");
        }
        if !BUILTINS.contains(&w) {
            out.push(word);
        }
        command_next = false;
    }
    out.extend(lex.nested);
    Ok(out)
}

/// Splits as the shell does for what `programs` needs: quotes and backslashes make
/// characters literal; the programs of command substitutions go to `nested`.
struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
    nested: Vec<String>,
}

impl Lexer<'_> {
    fn next(&mut self) -> Option<u8> {
        let b = *self.s.get(self.i)?;
        self.i += 1;
        Some(b)
    }

    fn eat(&mut self, want: impl Fn(u8) -> bool) -> bool {
        let hit = self.s.get(self.i).is_some_and(|&b| want(b));
        self.i += usize::from(hit);
        hit
    }

    fn tokens(&mut self) -> Result<Vec<Token>, Unchecked> {
        let mut out = Vec::new();
        // The word being read: its bytes, and whether an expansion is part of it.
        let mut word: Option<(Vec<u8>, bool)> = None;
        let end = |w: &mut Option<(Vec<u8>, bool)>, out: &mut Vec<Token>| {
            if let Some((b, d)) = w.take() {
                out.push(Token::Word(String::from_utf8_lossy(&b).into_owned(), d));
            }
        };
        while let Some(c) = self.next() {
            match c {
                b'\'' => {
                    let q = self.until(b'\'')?;
                    word.get_or_insert_default().0.extend_from_slice(q);
                }
                b'"' => loop {
                    let w = word.get_or_insert_default();
                    match self.next().ok_or(UNBALANCED)? {
                        b'"' => break,
                        c @ (b'$' | b'`') => {
                            self.expansion(c)?;
                            w.1 = true;
                        }
                        b'\\' => match self.next().ok_or(UNBALANCED)? {
                            b'\n' => {}
                            c @ (b'$' | b'`' | b'"' | b'\\') => w.0.push(c),
                            c => w.0.extend_from_slice(&[b'\\', c]),
                        },
                        c => w.0.push(c),
                    }
                },
                b'\\' => match self.next() {
                    Some(b'\n') | None => {}
                    Some(c) => word.get_or_insert_default().0.push(c),
                },
                b'$' | b'`' => {
                    self.expansion(c)?;
                    word.get_or_insert_default().1 = true;
                }
                b'(' | b')' => return Err("a subshell"),
                // A comment, to the end of the line.
                b'#' if word.is_none() => while self.eat(|b| b != b'\n') {},
                b' ' | b'\t' => end(&mut word, &mut out),
                b'\n' | b';' | b'|' | b'&' => {
                    end(&mut word, &mut out);
                    if c == b';' && self.eat(|b| b == b';') {
                        return Err("a case statement");
                    }
                    self.eat(|b| b == c && c != b'\n');
                    out.push(Token::Separator);
                }
                b'<' | b'>' => {
                    // Digits right before it name a descriptor: `2>/dev/null`.
                    if word
                        .as_ref()
                        .is_some_and(|w| !w.1 && w.0.iter().all(u8::is_ascii_digit))
                    {
                        word = None;
                    }
                    end(&mut word, &mut out);
                    if c == b'<' && self.eat(|b| b == b'<') {
                        return Err("a here-document");
                    }
                    self.eat(|b| b == b'>' || b == b'|');
                    // `>&2`, `<&-`: a descriptor instead of a file, still one word to skip.
                    self.eat(|b| b == b'&');
                    out.push(Token::Redirect);
                }
                c => word.get_or_insert_default().0.push(c),
            }
        }
        end(&mut word, &mut out);
        Ok(out)
    }

    /// The bytes up to `end` (consumed), as in single quotes.
    fn until(&mut self, end: u8) -> Result<&[u8], Unchecked> {
        let start = self.i;
        let len = self.s[start..]
            .iter()
            .position(|&b| b == end)
            .ok_or(UNBALANCED)?;
        self.i += len + 1;
        Ok(&self.s[start..start + len])
    }

    /// An expansion after `$` or a backquote: parameters and arithmetic run nothing; the
    /// programs of a command substitution are collected.
    fn expansion(&mut self, c: u8) -> Result<(), Unchecked> {
        let inner = match (c, self.s.get(self.i)) {
            (b'`', _) => {
                let mut s = Vec::new();
                loop {
                    match self.next().ok_or(UNBALANCED)? {
                        b'`' => break s,
                        b'\\' => s.push(self.next().ok_or(UNBALANCED)?),
                        c => s.push(c),
                    }
                }
            }
            (_, Some(b'(')) => {
                self.i += 1;
                let inner = self.balanced()?;
                match inner.strip_prefix(b"(") {
                    // $(( arithmetic )): nothing runs, unless it substitutes in turn.
                    Some(a) if a.contains(&b'$') || a.contains(&b'`') => {
                        return Err("a substitution inside arithmetic");
                    }
                    Some(_) => return Ok(()),
                    None => inner.to_vec(),
                }
            }
            (_, Some(b'{')) => {
                let p = self.until(b'}')?;
                if p.contains(&b'$') || p.contains(&b'`') {
                    return Err("an expansion inside ${…}");
                }
                return Ok(());
            }
            (_, Some(b)) if b.is_ascii_alphanumeric() || *b == b'_' => {
                while self.eat(|b| b.is_ascii_alphanumeric() || b == b'_') {}
                return Ok(());
            }
            (_, Some(b'@' | b'*' | b'#' | b'?' | b'-' | b'$' | b'!')) => {
                self.i += 1;
                return Ok(());
            }
            _ => return Ok(()),
        };
        let inner = String::from_utf8_lossy(&inner).into_owned();
        self.nested.extend(programs(&inner)?);
        Ok(())
    }

    /// After `$(`: the text up to the matching `)` (consumed), quotes respected.
    fn balanced(&mut self) -> Result<&[u8], Unchecked> {
        let start = self.i;
        let mut depth = 1;
        while let Some(c) = self.next() {
            match c {
                b'(' => depth += 1,
                b')' if depth == 1 => return Ok(&self.s[start..self.i - 1]),
                b')' => depth -= 1,
                b'\'' | b'"' => {
                    self.until(c)?;
                }
                b'\\' => {
                    self.next();
                }
                _ => {}
            }
        }
        Err("an unbalanced '$('")
    }
}

const UNBALANCED: Unchecked = "an unbalanced quote";

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Vec<String> {
        programs(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn every_simple_command_names_its_program() {
        assert_eq!(ok("/home/op/check.sh > /dev/null"), ["/home/op/check.sh"]);
        assert_eq!(ok("pgrep -x syslog-ng | wc -l"), ["pgrep", "wc"]);
        assert_eq!(ok("a && b || c; d & e\nf"), ["a", "b", "c", "d", "e", "f"]);
        assert_eq!(ok("2>/dev/null /usr/bin/x 1>&2 <in"), ["/usr/bin/x"]);
        assert_eq!(ok("x >>log 2>&1"), ["x"]);
        assert_eq!(ok("'/opt/my dir/x' \"a b\" '$HOME'"), ["/opt/my dir/x"]);
        assert_eq!(ok("exec /usr/bin/x; ! command y"), ["/usr/bin/x", "y"]);
        assert!(ok("test -e /run/x && exit 0 # comment; z").is_empty());
        // Glob characters and expansions in arguments do not change the program.
        assert_eq!(ok("ls /var/run/*.pid \"$HOME\" ${X} $((1+2))"), ["ls"]);
        assert_eq!(ok("/usr/bin/x\\ y"), ["/usr/bin/x y"]);
        assert_eq!(ok("/opt/é/x"), ["/opt/é/x"]);
    }

    #[test]
    fn command_substitutions_count_with_their_programs() {
        // The part-2 check of the seed article's readers.
        assert_eq!(ok("kill -0 $(cat /run/syslog-ng.pid)"), ["cat"]);
        assert_eq!(
            ok("x \"$(/opt/a | b \")\")\" `c -d`"),
            ["x", "/opt/a", "b", "c"]
        );
        assert!(programs("x $(/tmp/*.sh)").is_err());
    }

    #[test]
    fn what_the_shell_decides_at_run_time_cannot_be_checked() {
        for text in [
            "$CHECK",
            "/usr/bin/$X",
            "`which x`",
            "PATH=/tmp x",
            "(x)",
            "{ x; }",
            "eval x",
            ". /etc/x",
            "if x; then y; fi",
            "/tmp/*.sh",
            "~/check.sh",
            "x <<EOF",
            "case x in a) ;; esac",
            "x $((`y`))",
            "x ${y:-$(z)}",
            "'unbalanced",
            "x $(y",
            "",
        ] {
            assert!(programs(text).is_err(), "{text:?} was accepted");
        }
    }
}
