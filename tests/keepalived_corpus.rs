//! Real users' keepalived.conf files (tests/keepalived-corpus/, see its README): `tinyvrrpd
//! -t` on each must print exactly its `.expect` (exit code, then stderr, then stdout).
//! No root needed: without root (or without /bin/busybox for the OpenWrt files) the
//! program checks differ, so only the configuration's own diagnostics are compared.
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_tinyvrrpd");

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keepalived-corpus")
}

/// The corpus files, sorted; the included ones (include.d/) are not run on their own.
fn files(ext: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(corpus())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(ext).map(str::to_string))
        .collect();
    v.sort();
    v
}

/// Diagnostics of the configuration itself: `NAME.conf:LINE: …`.
fn config_lines<'a>(name: &str, lines: &[&'a str]) -> Vec<&'a str> {
    let prefix = format!("{name}.conf:");
    lines
        .iter()
        .filter(|l| {
            l.strip_prefix(&prefix)
                .and_then(|r| r.split_once(':'))
                .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
        })
        .copied()
        .collect()
}

#[test]
fn every_corpus_file_gives_its_expected_config_test_output() {
    let root = unsafe { libc::geteuid() } == 0;
    let busybox = Path::new("/bin/busybox").exists();
    let names = files(".conf");
    assert!(names.len() >= 60, "{} files", names.len());
    let mut failures = Vec::new();
    let (mut accepted, mut partial) = (0, 0);
    for name in &names {
        let text = std::fs::read_to_string(corpus().join(format!("{name}.conf"))).unwrap();
        let expect = std::fs::read_to_string(corpus().join(format!("{name}.expect")))
            .unwrap_or_else(|e| panic!("{name}.expect: {e}"));
        let (first, rest) = expect.split_once('\n').unwrap();
        let code: i32 = first.strip_prefix("exit ").unwrap().parse().unwrap();
        let out = Command::new(BIN)
            .args(["-t", "-f", &format!("{name}.conf")])
            .current_dir(corpus())
            .output()
            .unwrap();
        let got_code = out.status.code().unwrap_or(-1);
        let got = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        if code == 0 {
            accepted += 1;
        }
        let full = root && (busybox || !text.contains("/bin/busybox"));
        let same = if full {
            got_code == code && got == rest
        } else {
            // Configuration errors end the test before any program is checked.
            partial += 1;
            let want: Vec<&str> = rest.lines().collect();
            let have: Vec<&str> = got.lines().collect();
            config_lines(name, &want) == config_lines(name, &have)
                && (code != 4
                    || !rest.contains("error(s), configuration not valid")
                    || got_code == 4)
        };
        if !same {
            failures.push(format!(
                "{name}: expected\nexit {code}\n{rest}got\nexit {got_code}\n{got}"
            ));
        }
    }
    eprintln!(
        "{} corpus files, {accepted} expected to be accepted; {partial} compared on the configuration's diagnostics only (not root, or no /bin/busybox)",
        names.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_corpus_file_names_its_model_and_keepalived_verdict_and_has_an_expect() {
    assert_eq!(files(".conf"), files(".expect"));
    for name in files(".conf") {
        let text = std::fs::read_to_string(corpus().join(format!("{name}.conf"))).unwrap();
        assert!(text.starts_with("# Models: github.com/"), "{name}");
        assert!(text.contains("\n# keepalived 2.2.7 -t: "), "{name}");
    }
}

/// Documentation addresses only (RFC 5737, RFC 3849), plus multicast, link-local and the
/// unspecified and loopback addresses.
#[test]
fn corpus_files_use_documentation_addresses_only() {
    let mut dirs = vec![corpus(), corpus().join("include.d")];
    let mut bad = Vec::new();
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_none_or(|x| x != "conf") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let words = text.split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':'));
            for w in words {
                let Ok(a) = w.parse::<IpAddr>() else { continue };
                let fine = match a {
                    IpAddr::V4(a) => {
                        let o = a.octets();
                        matches!(o[..3], [192, 0, 2] | [198, 51, 100])
                            || a.is_multicast()
                            || a.is_unspecified()
                            || a.is_loopback()
                    }
                    IpAddr::V6(a) => {
                        let s = a.segments();
                        s[0] == 0x2001 && s[1] == 0xdb8
                            || a.is_multicast()
                            || s[0] & 0xffc0 == 0xfe80
                    }
                };
                if !fine {
                    bad.push(format!("{}: {a}", p.display()));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}
