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

use core::iter::Peekable;
use core::str::Chars;

/// Builtins that run nothing else: no program to check.
const BUILTINS: [&str; 17] = [
    ":", "true", "false", "exit", "return", "test", "[", "echo", "printf", "cd", "read", "shift",
    "wait", "kill", "umask", "ulimit", "times",
];

/// Words that make the shell run code the text does not show: refused.
const OPAQUE: [&str; 26] = [
    "eval", ".", "source", "trap", "alias", "builtin", "set", "export", "readonly", "unset",
    "local", "typeset", "declare", "fc", "hash", "if", "then", "else", "elif", "fi", "while",
    "until", "for", "case", "function", "select",
];

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
pub fn programs(text: &str) -> Result<Vec<String>, String> {
    if text.trim().is_empty() {
        return Err("an empty command".into());
    }
    let mut nested = Vec::new();
    let mut out = Vec::new();
    let mut command_next = true;
    let mut target_next = false;
    for t in tokens(text, &mut nested)? {
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
        match word.as_str() {
            _ if dynamic => return Err(format!("the expansion in the command {word}")),
            // `! cmd`, `exec cmd`, `command cmd`: the next word is the command.
            "!" | "exec" | "command" => continue,
            w if w.starts_with('-') => return Err(format!("the option {w}")),
            w if OPAQUE.contains(&w) || w == "{" || w == "[[" => {
                return Err(format!("'{w}'"));
            }
            w if w.contains('=') && !w.starts_with('=') => {
                return Err(format!("the assignment {w}"));
            }
            w if w.contains(['*', '?', '[', '~']) => {
                return Err(format!("the pattern {w} as a command"));
            }
            w if BUILTINS.contains(&w) => {}
            _ => out.push(word),
        }
        command_next = false;
    }
    out.extend(nested);
    Ok(out)
}

/// Split as the shell does for what `programs` needs: quotes and backslashes make
/// characters literal; the programs of command substitutions go to `nested`.
fn tokens(text: &str, nested: &mut Vec<String>) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut word: Option<(String, bool)> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let w = &mut word.get_or_insert_default().0;
                w.push_str(&until(&mut chars, '\'')?);
            }
            '"' => {
                let w = word.get_or_insert_default();
                loop {
                    match chars.next().ok_or("an unbalanced quote")? {
                        '"' => break,
                        c @ ('$' | '`') => {
                            expansion(c, &mut chars, nested)?;
                            w.1 = true;
                        }
                        '\\' => match chars.next().ok_or("an unbalanced quote")? {
                            c @ ('$' | '`' | '"' | '\\') => w.0.push(c),
                            '\n' => {}
                            c => {
                                w.0.push('\\');
                                w.0.push(c);
                            }
                        },
                        c => w.0.push(c),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some(c) => word.get_or_insert_default().0.push(c),
            },
            '$' | '`' => {
                expansion(c, &mut chars, nested)?;
                word.get_or_insert_default().1 = true;
            }
            '(' | ')' => return Err(format!("the subshell '{c}'")),
            '#' if word.is_none() => {
                // A comment, to the end of the line.
                while chars.next_if(|&c| c != '\n').is_some() {}
            }
            ' ' | '\t' => out.extend(word.take().map(|(w, d)| Token::Word(w, d))),
            '\n' | ';' | '|' | '&' => {
                out.extend(word.take().map(|(w, d)| Token::Word(w, d)));
                if c == ';' && chars.peek() == Some(&';') {
                    return Err("';;'".into());
                }
                chars.next_if(|&n| n == c && c != '\n');
                out.push(Token::Separator);
            }
            '<' | '>' => {
                // Digits right before it name a descriptor: `2>/dev/null`.
                if word
                    .as_ref()
                    .is_some_and(|w| !w.1 && w.0.bytes().all(|b| b.is_ascii_digit()))
                {
                    word = None;
                }
                out.extend(word.take().map(|(w, d)| Token::Word(w, d)));
                if c == '<' && chars.peek() == Some(&'<') {
                    return Err("the here-document '<<'".into());
                }
                chars.next_if(|&n| n == '>' || n == '|');
                // `>&2`, `<&-`: a descriptor instead of a file, still one word to skip.
                chars.next_if(|&n| n == '&');
                out.push(Token::Redirect);
            }
            c => word.get_or_insert_default().0.push(c),
        }
    }
    out.extend(word.take().map(|(w, d)| Token::Word(w, d)));
    Ok(out)
}

/// The text up to `end` (consumed), as in single quotes.
fn until(chars: &mut Peekable<Chars<'_>>, end: char) -> Result<String, String> {
    let mut s = String::new();
    loop {
        match chars.next().ok_or("an unbalanced quote")? {
            c if c == end => return Ok(s),
            c => s.push(c),
        }
    }
}

/// An expansion after `$` or a backquote: parameters and arithmetic run nothing; the
/// programs of a command substitution are collected.
fn expansion(
    c: char,
    chars: &mut Peekable<Chars<'_>>,
    nested: &mut Vec<String>,
) -> Result<(), String> {
    let inner = match (c, chars.peek()) {
        ('`', _) => {
            let mut s = String::new();
            loop {
                match chars.next().ok_or("an unbalanced '`'")? {
                    '`' => break s,
                    '\\' => s.push(chars.next().ok_or("an unbalanced '`'")?),
                    c => s.push(c),
                }
            }
        }
        (_, Some('(')) => {
            chars.next();
            let inner = balanced(chars)?;
            match inner.strip_prefix('(') {
                // $(( arithmetic )): nothing runs, unless it substitutes in turn.
                Some(arith) if !arith.contains(['$', '`']) => return Ok(()),
                Some(_) => return Err("a substitution inside arithmetic".into()),
                None => inner,
            }
        }
        (_, Some('{')) => {
            let p = until(chars, '}')?;
            if p.contains(['$', '`']) {
                return Err(format!("the expansion ${p}}}"));
            }
            return Ok(());
        }
        (_, Some(c)) if c.is_ascii_alphanumeric() || *c == '_' => {
            while chars
                .next_if(|c| c.is_ascii_alphanumeric() || *c == '_')
                .is_some()
            {}
            return Ok(());
        }
        (_, Some('@' | '*' | '#' | '?' | '-' | '$' | '!')) => {
            chars.next();
            return Ok(());
        }
        _ => return Ok(()),
    };
    nested.extend(programs(&inner)?);
    Ok(())
}

/// After `$(`: the text up to the matching `)` (consumed), quotes respected.
fn balanced(chars: &mut Peekable<Chars<'_>>) -> Result<String, String> {
    let mut s = String::new();
    let mut depth = 1;
    while let Some(c) = chars.next() {
        match c {
            ')' if depth == 1 => return Ok(s),
            '(' => depth += 1,
            ')' => depth -= 1,
            '\'' | '"' => {
                s.push(c);
                s.push_str(&until(chars, c)?);
            }
            '\\' => {
                s.push(c);
                if let Some(n) = chars.next() {
                    s.push(n);
                }
                continue;
            }
            _ => {}
        }
        s.push(c);
    }
    Err("an unbalanced '$('".into())
}

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
