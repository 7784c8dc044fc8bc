#!/usr/bin/env bash
# Static, stripped tinyvrrpd binaries for routers: cross/build.sh TARGET...
#   TARGET: armv7 aarch64 mipsel mips x86_64, or `all`
#   output: cross/out/TARGET/tinyvrrpd, then one "TARGET BYTES" line per binary
# The router targets (armv7, mipsel, mips) are built without the `cluster` feature (the
# cluster check of several nodes' files, 62 KB on armv7): it runs on a PC (x86_64, aarch64).
# Installs what it needs on a fresh machine, from the package registries only: rust-src for the
# stable toolchain (rustup) and the PyPI package `ziglang` (into cross/.venv) as the C linker
# with musl. Nothing else is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

usage() { echo "usage: $0 all | TARGET... (armv7 aarch64 mipsel mips x86_64)" >&2; exit 2; }
[[ $# -gt 0 ]] || usage
if [[ $* == all ]]; then
  set -- armv7 aarch64 mipsel mips x86_64
fi

# TARGET -> rust triple | zig triple | extra zig flags | extra rustflags | cargo feature flags
spec() {
  case $1 in
    # ARMv7-A hard float with NEON: what OpenWrt's armv7 (ipq40xx, mvebu, bcm27xx...) runs.
    # zig's default arm CPU is older; without the -mcpu its crt objects and rust's disagree.
    # +thumb-mode: Rust code (ours and std) as Thumb-2, which every ARMv7-A core runs and
    #   which Debian's armhf compilers emit by default; a quarter smaller than ARM mode
    #   (314 948 -> 236 140 bytes, measured). The feature is marked unstable in rustc (the
    #   thumbv7neon target is the stable spelling, but it also enables NEON in Rust code,
    #   which some ARMv7 routers lack), hence its one warning in the build output.
    # -enable-machine-outliner: LLVM's machine outliner folds repeated instruction sequences
    #   into shared functions (on by default for AArch64 at -Oz, opt-in for ARM): -3.5 KB.
    armv7)   echo "armv7-unknown-linux-musleabihf|arm-linux-musleabihf|-mcpu=generic+v7a+vfp3-d32+thumb2-neon|-Ctarget-feature=+thumb-mode -Cllvm-args=-enable-machine-outliner=always|--no-default-features" ;;
    aarch64) echo "aarch64-unknown-linux-musl|aarch64-linux-musl|||" ;;
    # Rust's mips/mipsel musl targets are MIPS32r2 soft float, zig's `musleabi` is the same ABI.
    mipsel)  echo "mipsel-unknown-linux-musl|mipsel-linux-musleabi|||--no-default-features" ;;
    mips)    echo "mips-unknown-linux-musl|mips-linux-musleabi|||--no-default-features" ;;
    x86_64)  echo "x86_64-unknown-linux-musl|x86_64-linux-musl|||" ;;
    *) return 1 ;;
  esac
}
for t in "$@"; do spec "$t" >/dev/null || usage; done

# std is rebuilt from source for every target (-Zbuild-std): armv7/mips have no prebuilt musl
# std for this toolchain, and rebuilding lets std abort on panic without its unwinding and
# backtrace symbolizer, which is more than half of a static binary (see README, "Binary size").
# The stable toolchain with RUSTC_BOOTSTRAP=1 keeps the compiler the one CI tests with; a
# nightly cannot be fetched on a fresh machine here.
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
  echo "== rustup component add rust-src"
  rustup component add rust-src
fi

venv=$root/cross/.venv
if ! "$venv/bin/python" -m ziglang version >/dev/null 2>&1; then
  echo "== pip install ziglang (the C linker with musl) into cross/.venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check ziglang
fi
export ZIGCC_PYTHON=$venv/bin/python
# zig caches compiled crt/libc objects; keep them with the venv so rebuilds are fast.
export ZIG_GLOBAL_CACHE_DIR=$root/cross/.venv/zig-cache ZIG_LOCAL_CACHE_DIR=$root/cross/.venv/zig-cache

export RUSTC_BOOTSTRAP=1
for t in "$@"; do
  IFS='|' read -r triple zig_triple zig_flags rust_flags features <<<"$(spec "$t")"
  export ZIGCC_TARGET=$zig_triple ZIGCC_FLAGS=$zig_flags
  upper=$(tr 'a-z-' 'A-Z_' <<<"$triple")
  export "CARGO_TARGET_${upper}_LINKER=$root/cross/zigcc"
  # -Cpanic=immediate-abort: a panic is an abort with no message (the daemon does not panic on
  #   outside input; its errors are values), which drops std's formatting/unwinding paths.
  # +crt-static: fully static (the mips targets default to dynamic).
  # -Clink-self-contained=no: zig, not rustc, supplies crt1.o and libc.a.
  # -Alinker_messages: zig's harmless warnings about flags it ignores.
  # -Cforce-unwind-tables=no, -Zlocation-detail=none: nothing ever unwinds or prints a panic
  #   location (see above); armv7's .ARM.exidx/extab tables and the file:line strings were
  #   ~7 KB of the binary (measured).
  export "CARGO_TARGET_${upper}_RUSTFLAGS=-Zunstable-options -Cpanic=immediate-abort -Ctarget-feature=+crt-static -Clink-self-contained=no -Alinker_messages -Cforce-unwind-tables=no -Zlocation-detail=none${rust_flags:+ $rust_flags}"
  echo "== building $t ($triple)"
  # optimize_for_size: std's smaller variants of its algorithms (sorting, formatting
  #   integers…) — nothing here is hot enough to notice; 1.5 KB on armv7 (measured).
  # shellcheck disable=SC2086 # $features is empty or one flag
  cargo build --release --locked --quiet --target "$triple" -Zbuild-std=std,panic_abort \
    -Zbuild-std-features=optimize_for_size $features
  mkdir -p "cross/out/$t"
  cp "target/$triple/release/tinyvrrpd" "cross/out/$t/tinyvrrpd"
done

echo "== static stripped binaries (bytes)"
for t in "$@"; do
  printf '%-8s %8d  cross/out/%s/tinyvrrpd\n' "$t" "$(stat -c %s "cross/out/$t/tinyvrrpd")" "$t"
done
