//! `include PATTERN`: other files, read through a [`Loader`] the caller supplies (the
//! daemon the file system, tests an in-memory set), so the configuration stays pure.
//!
//! Paths resolve as keepalived resolves them: keepalived changes into the directory of
//! each file it opens, so a relative pattern is relative to the directory of the file
//! that includes it. Patterns are glob(3) patterns with `{a,b}` braces (keepalived uses
//! GLOB_BRACE); matches are read in sorted order.

/// Where included files come from.
pub trait Loader {
    /// The text of the file at `path`, or why it cannot be read.
    fn read(&self, path: &str) -> Result<String, String>;
    /// The names in directory `dir` (for wildcards), or why it cannot be listed.
    fn list(&self, dir: &str) -> Result<Vec<String>, String>;
    /// keepalived's config id for `@ID` lines: the host name up to its first dot.
    fn config_id(&self) -> Option<String> {
        None
    }
    /// False for text parsed without its files: an include is then an error, never a
    /// silently smaller configuration.
    fn has_files(&self) -> bool {
        true
    }
}

/// For text that came without its files (a reload check of one file, fuzzing): every
/// include fails with the reason.
pub struct NoFiles;

impl Loader for NoFiles {
    fn read(&self, _: &str) -> Result<String, String> {
        Err("no files can be read here".into())
    }
    fn list(&self, _: &str) -> Result<Vec<String>, String> {
        Err("no files can be read here".into())
    }
    fn has_files(&self) -> bool {
        false
    }
}

/// Deeper nesting than this is an error: real configurations include one level, maybe two.
pub(crate) const MAX_DEPTH: usize = 8;

/// The path of `pattern` as the file `including` sees it.
pub(crate) fn resolve(including: &str, pattern: &str) -> String {
    if pattern.starts_with('/') {
        return pattern.to_string();
    }
    match including.rfind('/') {
        Some(i) => format!("{}/{pattern}", &including[..i]),
        None => pattern.to_string(),
    }
}

/// What an include pattern found.
pub(crate) enum Found {
    /// Files to read, in order.
    Files(Vec<String>),
    /// keepalived's message when a named file or directory is missing.
    Missing,
    /// Wildcards that matched nothing in directories that exist.
    NoMatch,
}

/// The files a (resolved) pattern names. A pattern without wildcards names its file
/// whether it exists or not: reading it tells.
pub(crate) fn expand(loader: &dyn Loader, pattern: &str) -> Found {
    let mut files = Vec::new();
    let mut missing = false;
    for p in braces(pattern) {
        if !has_wildcard(&p) {
            files.push(unescape(&p));
            continue;
        }
        files.extend(walk(loader, &p, &mut missing));
    }
    match (files.is_empty(), missing) {
        (false, _) => Found::Files(files),
        (true, true) => Found::Missing,
        (true, false) => Found::NoMatch,
    }
}

fn has_wildcard(p: &str) -> bool {
    let mut escaped = false;
    for c in p.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

fn unescape(p: &str) -> String {
    let mut out = String::new();
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' {
            chars.next().unwrap_or(c)
        } else {
            c
        });
    }
    out
}

/// Every path matching `pattern` component by component.
fn walk(loader: &dyn Loader, pattern: &str, missing: &mut bool) -> Vec<String> {
    let (mut paths, rest) = match pattern.strip_prefix('/') {
        Some(rest) => (vec![String::from("/")], rest),
        None => (vec![String::new()], pattern),
    };
    for comp in rest.split('/').filter(|c| !c.is_empty()) {
        let mut next = Vec::new();
        for base in &paths {
            let join = |name: &str| match base.as_str() {
                "" => name.to_string(),
                "/" => format!("/{name}"),
                b => format!("{b}/{name}"),
            };
            if !has_wildcard(comp) {
                next.push(join(&unescape(comp)));
                continue;
            }
            let dir = if base.is_empty() { "." } else { base.as_str() };
            match loader.list(dir) {
                Ok(names) => {
                    let start = next.len();
                    for n in names {
                        // glob(3): a leading dot is matched only by a leading dot.
                        if (!n.starts_with('.') || comp.starts_with('.'))
                            && fnmatch(comp.as_bytes(), n.as_bytes())
                        {
                            // In sorted order, as glob(3) returns them.
                            let path = join(&n);
                            let at = start + next[start..].partition_point(|p| *p <= path);
                            next.insert(at, path);
                        }
                    }
                }
                Err(_) => *missing = true,
            }
        }
        paths = next;
    }
    paths
}

/// `{a,b}c` → `ac`, `bc` (nested braces too), left to right as glob(3) returns them.
fn braces(p: &str) -> Vec<String> {
    let b = p.as_bytes();
    let mut depth = 0;
    let mut open = None;
    let mut commas = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'{' => {
                if depth == 0 {
                    open = Some(i);
                    commas.clear();
                }
                depth += 1;
            }
            b',' if depth == 1 => commas.push(i),
            b'}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let o = open.unwrap_or(0);
                    let mut cuts = vec![o];
                    cuts.extend(&commas);
                    cuts.push(i);
                    let (head, tail) = (&p[..o], &p[i + 1..]);
                    return cuts
                        .windows(2)
                        .flat_map(|w| braces(&format!("{head}{}{tail}", &p[w[0] + 1..w[1]])))
                        .collect();
                }
            }
            _ => {}
        }
        i += 1;
    }
    vec![p.to_string()]
}

/// fnmatch(3) without flags: `*`, `?`, `[set]` (`!` or `^` negates, ranges), `\` escapes.
fn fnmatch(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| fnmatch(rest, &s[i..])),
        Some((b'?', rest)) => !s.is_empty() && fnmatch(rest, &s[1..]),
        Some((b'[', rest)) => match (s.first(), set(rest)) {
            (Some(&c), Some((members, negate, after))) => {
                members.iter().any(|&(lo, hi)| (lo..=hi).contains(&c)) != negate
                    && fnmatch(after, &s[1..])
            }
            // An unclosed '[' is an ordinary character.
            (Some(b'['), None) => fnmatch(rest, &s[1..]),
            _ => false,
        },
        Some((b'\\', [c, rest @ ..])) => s.first() == Some(c) && fnmatch(rest, &s[1..]),
        Some((c, rest)) => s.first() == Some(c) && fnmatch(rest, &s[1..]),
    }
}

type Ranges = Vec<(u8, u8)>;

/// The bracket expression after `[`: its ranges, whether negated, and what follows `]`.
fn set(p: &[u8]) -> Option<(Ranges, bool, &[u8])> {
    let (negate, mut p) = match p.first() {
        Some(b'!' | b'^') => (true, &p[1..]),
        _ => (false, p),
    };
    let mut members = Vec::new();
    let mut first = true;
    loop {
        match p {
            [b']', rest @ ..] if !first => return Some((members, negate, rest)),
            [lo, b'-', hi, rest @ ..] if *hi != b']' => {
                members.push((*lo, *hi));
                p = rest;
            }
            [c, rest @ ..] => {
                members.push((*c, *c));
                p = rest;
            }
            [] => return None,
        }
        first = false;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Files in memory: paths to texts; directories are implied by the paths.
    pub(crate) struct Files(
        pub(crate) BTreeMap<String, String>,
        pub(crate) Option<String>,
    );

    impl Files {
        pub(crate) fn new(files: &[(&str, &str)]) -> Files {
            Files(
                files
                    .iter()
                    .map(|(p, t)| (p.to_string(), t.to_string()))
                    .collect(),
                None,
            )
        }
    }

    impl Loader for Files {
        fn read(&self, path: &str) -> Result<String, String> {
            let path = path.strip_prefix("./").unwrap_or(path);
            self.0.get(path).cloned().ok_or_else(|| {
                if self.0.keys().any(|k| k.starts_with(&format!("{path}/"))) {
                    "Is a directory".into()
                } else {
                    "No such file or directory".into()
                }
            })
        }
        fn list(&self, dir: &str) -> Result<Vec<String>, String> {
            let prefix = match dir {
                "." => String::new(),
                d => format!("{}/", d.trim_end_matches('/')),
            };
            let mut names: Vec<String> = self
                .0
                .keys()
                .filter_map(|k| k.strip_prefix(&prefix))
                .map(|rest| rest.split('/').next().unwrap_or(rest).to_string())
                .collect();
            names.dedup();
            if names.is_empty() {
                return Err("No such file or directory".into());
            }
            Ok(names)
        }
        fn config_id(&self) -> Option<String> {
            self.1.clone()
        }
    }

    fn found(f: Found) -> Vec<String> {
        match f {
            Found::Files(v) => v,
            Found::Missing => vec!["<missing>".into()],
            Found::NoMatch => vec!["<no match>".into()],
        }
    }

    #[test]
    fn relative_patterns_resolve_against_the_including_file() {
        assert_eq!(
            resolve("/etc/keepalived/keepalived.conf", "conf.d/*.conf"),
            "/etc/keepalived/conf.d/*.conf"
        );
        assert_eq!(
            resolve("/etc/keepalived/keepalived.conf", "/etc/x.conf"),
            "/etc/x.conf"
        );
        assert_eq!(resolve("keepalived.conf", "vi_1.conf"), "vi_1.conf");
        assert_eq!(resolve("a/b.conf", "c.conf"), "a/c.conf");
    }

    #[test]
    fn globs_match_sorted_with_braces_and_sets() {
        let fs = Files::new(&[
            ("/etc/k/conf.d/20-b.conf", ""),
            ("/etc/k/conf.d/10-a.conf", ""),
            ("/etc/k/conf.d/.hidden.conf", ""),
            ("/etc/k/conf.d/notes.txt", ""),
            ("/etc/k/x.conf", ""),
            ("/etc/k/y.conf", ""),
        ]);
        assert_eq!(
            found(expand(&fs, "/etc/k/conf.d/*.conf")),
            ["/etc/k/conf.d/10-a.conf", "/etc/k/conf.d/20-b.conf"]
        );
        assert_eq!(
            found(expand(&fs, "/etc/k/{y,x}.conf")),
            ["/etc/k/y.conf", "/etc/k/x.conf"]
        );
        assert_eq!(found(expand(&fs, "/etc/k/[xz].conf")), ["/etc/k/x.conf"]);
        assert_eq!(found(expand(&fs, "/etc/k/[!x].conf")), ["/etc/k/y.conf"]);
        assert_eq!(
            found(expand(&fs, "/etc/*/?.conf")),
            ["/etc/k/x.conf", "/etc/k/y.conf"]
        );
        assert_eq!(found(expand(&fs, "/etc/k/conf.d/*.cfg")), ["<no match>"]);
        assert_eq!(found(expand(&fs, "/etc/nope/*.conf")), ["<missing>"]);
        // Without wildcards the file is named whether it exists or not.
        assert_eq!(found(expand(&fs, "/etc/k/none.conf")), ["/etc/k/none.conf"]);
    }

    #[test]
    fn fnmatch_follows_glob_rules() {
        assert!(fnmatch(b"*.conf", b"a.conf"));
        assert!(!fnmatch(b"*.conf", b"a.conf.bak"));
        assert!(fnmatch(b"vi_[0-9].conf", b"vi_7.conf"));
        assert!(fnmatch(b"a\\*", b"a*"));
        assert!(!fnmatch(b"a\\*", b"ab"));
        assert!(fnmatch(b"[]a]", b"]"));
        assert!(fnmatch(b"x[", b"x["));
    }
}
