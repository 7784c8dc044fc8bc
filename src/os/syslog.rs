//! syslog(3) directly: the C library already speaks /dev/log, so this costs no crate.
use std::ffi::CString;

pub fn open() {
    // SAFETY: the ident is a 'static C string, as openlog requires it to outlive all calls.
    unsafe {
        libc::openlog(
            c"tinyvrrpd".as_ptr(),
            libc::LOG_PID | libc::LOG_NDELAY,
            libc::LOG_DAEMON,
        )
    };
}

pub fn send(priority: libc::c_int, msg: &str) {
    let Ok(c) = CString::new(msg.replace('\0', " ")) else {
        return;
    };
    // SAFETY: "%s" with one valid C string argument.
    unsafe { libc::syslog(priority, c"%s".as_ptr(), c.as_ptr()) };
}
