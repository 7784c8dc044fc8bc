//! The native key=value front-end on arbitrary text: never panics, errors name a line of
//! the text, and what it accepts keeps every promise of the validated model.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tinyvrrpd::config;
use tinyvrrpd_fuzz::{check_config, check_errors};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = config::detect(&text);
    match config::kv::parse("fuzz.conf", &text) {
        Ok(c) => check_config(&c),
        Err(errors) => check_errors(&text, &errors),
    }
});
