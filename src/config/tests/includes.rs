//! `include` as keepalived reads it, through an in-memory file set; keepalived's `@ID`
//! lines.
use super::super::include::tests::Files;
use super::super::{Config, ConfigError, NoFiles, parse_with};

const INSTANCE: &str = "vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 2\n virtual_ipaddress {\n  192.0.2.20\n }\n}\n";

fn load(files: &Files, main: &str) -> Result<Config, Vec<ConfigError>> {
    let text = files.0[main].clone();
    parse_with(main, &text, files)
}

fn lines(r: &Result<Config, Vec<ConfigError>>) -> Vec<String> {
    match r {
        Ok(c) => &c.warnings,
        Err(e) => e,
    }
    .iter()
    .map(ToString::to_string)
    .collect()
}

#[test]
fn relative_globs_resolve_in_the_including_files_directory_in_sorted_order() {
    let files = Files::new(&[
        (
            "/etc/keepalived/keepalived.conf",
            "global_defs {\n router_id lb1\n}\ninclude conf.d/*.conf\n",
        ),
        ("/etc/keepalived/conf.d/20-vi2.conf", INSTANCE),
        (
            "/etc/keepalived/conf.d/10-vi1.conf",
            &INSTANCE
                .replace("VI_2", "VI_1")
                .replace(" 2\n", " 1\n")
                .replace(".20", ".10"),
        ),
        ("/etc/keepalived/conf.d/README", "not a config"),
    ]);
    let c = load(&files, "/etc/keepalived/keepalived.conf").unwrap();
    let names: Vec<&str> = c.instances.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["VI_1", "VI_2"]);
    assert_eq!(c.router_id.as_deref(), Some("lb1"));
}

#[test]
fn errors_in_an_included_file_name_that_file_and_its_line() {
    let files = Files::new(&[
        ("k/main.conf", "include vi.conf\n"),
        (
            "k/vi.conf",
            &INSTANCE.replace(
                " virtual_router_id 2\n",
                " virtual_router_id 2\n prioirty 9\n",
            ),
        ),
    ]);
    assert_eq!(
        lines(&load(&files, "k/main.conf")),
        ["k/vi.conf:4: unknown keyword 'prioirty' (did you mean 'priority'?)"]
    );
}

#[test]
fn include_works_inside_blocks_as_in_keepalived() {
    let files = Files::new(&[
        (
            "main.conf",
            "vrrp_instance V {\n interface eth0\n virtual_router_id 3\n include vips.inc\n}\n",
        ),
        ("vips.inc", "virtual_ipaddress {\n 192.0.2.30\n}\n"),
    ]);
    let c = load(&files, "main.conf").unwrap();
    assert_eq!(c.instances[0].vips[0].addr.to_string(), "192.0.2.30");
}

#[test]
fn include_loops_are_errors_and_missing_files_keepalived_warnings() {
    let files = Files::new(&[
        (
            "a.conf",
            &format!("{INSTANCE}include b.conf\ninclude none.conf\ninclude d/*.conf\n"),
        ),
        ("b.conf", "include a.conf\n"),
    ]);
    assert_eq!(
        lines(&load(&files, "a.conf")),
        [
            "a.conf:9: warning: Config files missing 'none.conf'.",
            "a.conf:10: warning: Config files missing 'd/*.conf'.",
            "b.conf:1: include loop: a.conf is already being read",
        ]
    );
    let files = Files::new(&[
        ("a.conf", &format!("{INSTANCE}include d/*.conf\n")),
        ("d/x.txt", ""),
    ]);
    assert_eq!(
        lines(&load(&files, "a.conf")),
        ["a.conf:8: warning: No config files matched 'd/*.conf'."]
    );
}

#[test]
fn text_read_without_its_files_refuses_an_include() {
    let r = parse_with(
        "k.conf",
        &format!("{INSTANCE}include more.conf\n"),
        &NoFiles,
    );
    assert_eq!(
        lines(&r),
        ["k.conf:8: include more.conf: this text was read without its files"]
    );
}

#[test]
fn key_value_files_have_no_include() {
    let files = Files::new(&[("t/main.kv", "router_id = r1\ninclude = vi.kv\n")]);
    assert_eq!(
        lines(&load(&files, "t/main.kv")),
        ["t/main.kv:2: include is keepalived.conf syntax"]
    );
}

#[test]
fn conditional_lines_apply_on_the_host_whose_config_id_they_name() {
    let text = "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n @lb1 priority 150\n @^lb1 priority 100\n \
                virtual_ipaddress {\n  192.0.2.10\n }\n}\n";
    let mut files = Files::new(&[("k.conf", text)]);
    files.1 = Some("lb1".into());
    assert_eq!(load(&files, "k.conf").unwrap().instances[0].priority, 150);
    files.1 = Some("lb2".into());
    assert_eq!(load(&files, "k.conf").unwrap().instances[0].priority, 100);
    files.1 = None;
    assert_eq!(load(&files, "k.conf").unwrap().instances[0].priority, 100);
}
