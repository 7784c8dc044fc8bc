use super::*;
use crate::config::model::{Tracked, Vip};
use crate::vrrp::machine::Reason;
use crate::vrrp::track::{Health, Tracker};

#[test]
fn json_strings_are_escaped() {
    let mut s = String::new();
    json_str(&mut s, "a\"b\\c\nd\u{1}é");
    assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001é\"");
}

#[test]
fn counters_render_every_discard_reason() {
    let mut s = String::new();
    let c = Counters {
        adverts_rx: 3,
        transitions: 2,
        ..Counters::default()
    };
    json_counters(&mut s, &c);
    assert_eq!(
        s,
        "{\"adverts_rx\":3,\"adverts_tx\":0,\"priority0_rx\":0,\"priority0_tx\":0,\"became_master\":0,\"transitions\":2,\"discarded\":{\"vrid\":0,\"version\":0,\"not_peer\":0,\"auth\":0,\"interval\":0,\"own\":0,\"addr_list\":0}}"
    );
}

fn seed_instance() -> Instance {
    let mut i = Instance::with_defaults("VI_1", 1);
    i.interface = "enp0s1".into();
    i.vrid = 1;
    i.priority = 150;
    i.vips = vec![Vip {
        addr: "192.0.2.10".parse().unwrap(),
        prefix_len: 24,
        dev: None,
        label: None,
    }];
    i.track_scripts = vec![Tracked {
        name: "chk_syslog_ng".into(),
        weight: None,
        reverse: false,
        line: 1,
    }];
    i
}

/// The seed's Master whose check failed, as both renderings show it.
fn snapshot(cfg: &Instance) -> Snapshot<'_> {
    let own = Tracker {
        weight: 0,
        reverse: false,
        health: Health::Good,
    };
    let check = Tracker {
        weight: -60,
        reverse: false,
        health: Health::Failed,
    };
    Snapshot {
        router_id: "syslog1",
        now: Instant::from_micros(13_345_678),
        instances: vec![InstanceView {
            cfg,
            state: State::Master,
            priority: 90,
            source: Some("192.0.2.11".parse().unwrap()),
            cannot_run: None,
            master: MasterSeen::Me("192.0.2.11".parse().unwrap(), 90),
            group: None,
            tracking: vec![
                TrackView {
                    kind: "interface",
                    name: "enp0s1",
                    tracker: own,
                    value: None,
                },
                TrackView {
                    kind: "script",
                    name: "chk_syslog_ng",
                    tracker: check,
                    value: None,
                },
            ],
            counters: Counters {
                adverts_tx: 57,
                became_master: 1,
                transitions: 2,
                ..Counters::default()
            },
            last: Some(Transition {
                wall_ms: 1_700_000_000_250,
                at: Instant::from_micros(1_000_000),
                from: State::Backup,
                to: State::Master,
                why: Reason::MasterDown,
            }),
        }],
        groups: vec![],
        dropped: vec![("enp0s1", &[("ttl", 2), ("vrid", 1)])],
    }
}

#[test]
fn the_text_shows_the_snapshot_as_the_readme_documents_it() {
    let cfg = seed_instance();
    assert_eq!(
        snapshot(&cfg).text(),
        "Router ID: syslog1
VRRP Instance: VI_1
  State: MASTER
  Last transition: BACKUP -> MASTER (master_down), 12.3 s ago
  Interface: enp0s1
  Virtual Router ID: 1
  Version: 2
  Priority: 90 (base 150)
  Advert interval: 1.00s
  Source address: 192.0.2.11
  Master seen: self
  Preempt: yes
  VIP: 192.0.2.10/24 dev enp0s1
  Track interface: enp0s1 weight 0: good
  Track script: chk_syslog_ng weight -60: failed
  Counters: adverts_rx=0 adverts_tx=57 priority0_rx=0 priority0_tx=0 became_master=1 transitions=2
  Discarded: vrid=0 version=0 not_peer=0 auth=0 interval=0 own=0 addr_list=0
Dropped on enp0s1: ttl=2
Dropped on enp0s1: vrid=1
"
    );
}

#[test]
fn the_stats_follow_keepalived_s_layout() {
    let cfg = seed_instance();
    let mut snap = snapshot(&cfg);
    snap.instances[0].counters.released_master = 1;
    snap.instances[0].counters.discarded[4] = 3;
    assert_eq!(
        snap.stats(),
        "VRRP Instance: VI_1
  Advertisements:
    Received: 0
    Sent: 57
  Became master: 1
  Released master: 1
  Packet Errors:
    Advertisement Interval: 3
    Address List: 0
    Version: 0
    VRID: 0
    Not a unicast peer: 0
  Authentication Errors:
    Failure: 0
  Priority Zero:
    Received: 0
    Sent: 0
Interface: enp0s1
  Dropped:
    ttl: 2
    vrid: 1
"
    );
}

#[test]
fn the_json_shows_the_same_snapshot() {
    let cfg = seed_instance();
    assert_eq!(
        snapshot(&cfg).json(),
        concat!(
            "{\"router_id\":\"syslog1\",\"instances\":[{\"name\":\"VI_1\",\"state\":\"MASTER\",",
            "\"interface\":\"enp0s1\",\"vrid\":1,\"version\":2,\"priority\":{\"base\":150,\"effective\":90},",
            "\"advert_interval_ms\":1000,\"preempt\":true,\"source\":\"192.0.2.11\",\"cannot_run\":null,",
            "\"master_seen\":{\"address\":\"192.0.2.11\",\"priority\":90},\"sync_group\":null,",
            "\"vips\":[{\"address\":\"192.0.2.10\",\"prefix\":24,\"dev\":\"enp0s1\"}],",
            "\"tracking\":[{\"type\":\"interface\",\"name\":\"enp0s1\",\"weight\":0,\"reverse\":false,\"result\":\"good\"},",
            "{\"type\":\"script\",\"name\":\"chk_syslog_ng\",\"weight\":-60,\"reverse\":false,\"result\":\"failed\"}],",
            "\"counters\":{\"adverts_rx\":0,\"adverts_tx\":57,\"priority0_rx\":0,\"priority0_tx\":0,\"became_master\":1,\"transitions\":2,",
            "\"discarded\":{\"vrid\":0,\"version\":0,\"not_peer\":0,\"auth\":0,\"interval\":0,\"own\":0,\"addr_list\":0}},",
            "\"last_transition\":{\"time\":1700000000.250,\"from\":\"BACKUP\",\"to\":\"MASTER\",\"reason\":\"master_down\"}}],",
            "\"sync_groups\":[],\"dropped\":{\"enp0s1\":{\"ttl\":2,\"vrid\":1}}}\n"
        )
    );
}

/// Boot order and issue 19: an instance that cannot run says why, in both renderings.
#[test]
fn an_instance_that_cannot_run_says_why() {
    let cfg = seed_instance();
    let mut snap = snapshot(&cfg);
    let i = &mut snap.instances[0];
    i.state = State::Fault;
    i.source = None;
    i.cannot_run = Some("interface enp0s1 does not exist");
    let text = snap.text();
    assert!(
        text.contains("  State: FAULT\n  Cannot run: interface enp0s1 does not exist\n"),
        "{text}"
    );
    assert!(text.contains("  Source address: none\n"), "{text}");
    let json = snap.json();
    assert!(
        json.contains("\"source\":null,\"cannot_run\":\"interface enp0s1 does not exist\","),
        "{json}"
    );
}

/// Phase 2 of the OpenWrt interface: a group's state and last transition, an instance
/// before its first transition, every reason's word.
#[test]
fn sync_groups_and_transitions_in_both_renderings() {
    let cfg = seed_instance();
    let mut snap = snapshot(&cfg);
    snap.instances[0].group = Some("G1");
    let members = ["VI_1".to_string(), "VI_2".to_string()];
    snap.groups = vec![
        GroupView {
            name: "G1",
            state: State::Fault,
            members: &members,
            last: Some(Transition {
                wall_ms: 1_700_000_100_007,
                at: Instant::from_micros(13_000_000),
                from: State::Master,
                to: State::Fault,
                why: Reason::Fault,
            }),
        },
        GroupView {
            name: "G2",
            state: State::Initialize,
            members: &[],
            last: None,
        },
    ];
    let text = snap.text();
    assert!(
        text.contains("\nSync group G1: FAULT\nSync group G2: INIT\nDropped on enp0s1"),
        "{text}"
    );
    let json = snap.json();
    assert!(
        json.contains(concat!(
            "\"sync_groups\":[{\"name\":\"G1\",\"state\":\"FAULT\",\"members\":[\"VI_1\",\"VI_2\"],",
            "\"last_transition\":{\"time\":1700000100.007,\"from\":\"MASTER\",\"to\":\"FAULT\",\"reason\":\"fault\"}},",
            "{\"name\":\"G2\",\"state\":\"INIT\",\"members\":[],\"last_transition\":null}],\"dropped\""
        )),
        "{json}"
    );
    // Before its first transition: null, and no line.
    snap.instances[0].last = None;
    assert!(
        snap.json()
            .contains("\"addr_list\":0}},\"last_transition\":null}]")
    );
    assert!(!snap.text().contains("Last transition"));
    let words = [
        Reason::Startup,
        Reason::MasterDown,
        Reason::HigherPriorityMaster,
        Reason::Shutdown,
        Reason::Fault,
        Reason::FaultCleared,
        Reason::SyncGroup,
    ]
    .map(Reason::as_str);
    assert_eq!(
        words,
        [
            "startup",
            "master_down",
            "higher_priority_master",
            "shutdown",
            "fault",
            "fault_cleared",
            "sync_group"
        ]
    );
}
