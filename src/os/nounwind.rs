//! ARM EHABI personality routines. The C library's objects carry unwind index entries that
//! name `__aeabi_unwind_cpp_pr0`/`pr1`; the linker would take them from libunwind, and with
//! them its frame unwinder and the `fprintf` it logs with (stdio and printf: ~10 KB of the
//! armv7 binary). tinyvrrpd is built with panic=abort and never unwinds, so nothing ever
//! calls them; these stand in and abort if that ever changes.

#[unsafe(no_mangle)]
pub extern "C" fn __aeabi_unwind_cpp_pr0() -> ! {
    std::process::abort()
}

#[unsafe(no_mangle)]
pub extern "C" fn __aeabi_unwind_cpp_pr1() -> ! {
    std::process::abort()
}
