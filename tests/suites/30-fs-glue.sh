#!/usr/bin/env bash
# fs-glue beyond `cargo test --workspace`:
#
#  1. installs what it needs (idempotent): mingw-w64, wine64, e2fsprogs;
#  2. proves every structure layout, NT constant and NTSTATUS fs-glue writes
#     against mingw-w64's DDK headers (the C probe), and that a wrong layout
#     fails the probe;
#  3. runs the Wine NT oracle: the same kind of operation sequences through
#     ntdll under wine64 on a drive backed by a host directory, compared step
#     by step with the glue (Wine's deviations: tests/fs-glue-testbed/wine/DEVIATIONS.md);
#  4. as root: makes an ext4 image, loop-mounts it on the host kernel and runs
#     the semantic suite and the randomized model test (more seeds than the
#     default run) with HostVfs on it, so both sides of the comparison are
#     ext4; then the embedded-kernel half (tests/fs-glue-testbed/tests/embedded.rs)
#     with more seeds than `cargo test`: the semantic suite on an ext4 image
#     mounted in the library, and the model sequences through the glue over
#     the host kernel (on the loop mount) and over the library at once, each
#     image checked with e2fsck -fn after the library unmounted it; then
#     unmounts and checks the loop image with e2fsck -fn.
set -euo pipefail

SUITE=30-fs-glue
# shellcheck source=../wine/suite-common.sh
source "$(dirname "$0")/../wine/suite-common.sh"
CARGO=(nice -n 10 cargo)
LOG="$ROOT/target/fs-glue-suite"
mkdir -p "$LOG"

# --- 1. tools ---------------------------------------------------------------
install_windows_tools
export PATH="$PATH:/usr/sbin:/sbin"

# --- 2. C probe -------------------------------------------------------------
if "${CARGO[@]}" test -q -p fs-glue-testbed --test c_probe -- --include-ignored --nocapture >"$LOG/probe.log" 2>&1; then
    grep -o "[0-9]* facts checked.*" "$LOG/probe.log" | sed "s/^/# /" || true
    ok "fs-glue layouts, constants and statuses match mingw-w64's headers; a wrong layout fails the probe"
else
    cat "$LOG/probe.log"
    not_ok "fs-glue C probe"
fi

# --- 3. Wine NT oracle ------------------------------------------------------
if "${CARGO[@]}" test -q -p fs-glue-testbed --test wine_oracle -- --include-ignored --nocapture >"$LOG/wine.log" 2>&1; then
    grep -o "wine oracle: .*" "$LOG/wine.log" | sed "s/^/# /" || true
    ok "fs-glue agrees with Wine's ntdll on seeded operation sequences"
else
    grep -E '^seed|wine:|glue:|panicked' -A12 "$LOG/wine.log" | head -60
    not_ok "fs-glue against Wine's ntdll"
fi

# --- 4. HostVfs on a loop-mounted ext4 image --------------------------------
if [ "$(id -u)" -ne 0 ]; then
    not_ok "ext4 runs need root for the loop mount"
    finish
    exit
fi
IMG="$LOG/ext4.img"
MNT="$LOG/mnt"
cleanup() {
    mountpoint -q "$MNT" && umount "$MNT" || true
    rm -f "$IMG"
}
trap cleanup EXIT
rm -f "$IMG"
mkdir -p "$MNT"
truncate -s 256M "$IMG"
"$MKFS_FIXED" mkfs.ext4 -q -F "$IMG"
mount -o loop "$IMG" "$MNT"
export FS_GLUE_SCRATCH="$MNT"
if "${CARGO[@]}" test -q -p fs-glue-testbed --test semantics -- --nocapture >"$LOG/semantics.log" 2>&1; then
    ok "semantic suite on ext4 ($(grep -c '^case .* ok$' "$LOG/semantics.log") cases)"
else
    grep -E 'FAILED|panicked' -A4 "$LOG/semantics.log" | head -60
    not_ok "semantic suite on ext4"
fi
if FS_GLUE_SEEDS=1..25 "${CARGO[@]}" test -q -p fs-glue-testbed --test model >"$LOG/model.log" 2>&1; then
    ok "model test on ext4: 24 seeds x 10,000 operations agree with the NT model"
else
    grep -E 'seed|panicked' -A16 "$LOG/model.log" | head -60
    not_ok "model test on ext4"
fi
if FS_GLUE_SEEDS=1..41 "${CARGO[@]}" test -q -p fs-glue-testbed --test embedded -- --nocapture >"$LOG/embedded.log" 2>&1; then
    grep -E "^(semantic suite|model test|e2fsck|debugfs)" "$LOG/embedded.log" | sed "s/^/# /" || true
    ok "embedded kernel: semantic suite and 40 seeds x 10,000 operations agree with the host kernel and the model; e2fsck -fn clean"
else
    grep -E 'FAILED|seed|panicked|e2fsck|kernel' -A16 "$LOG/embedded.log" | head -80
    not_ok "embedded kernel: semantic suite and model test on ext4"
fi
umount "$MNT"
if e2fsck -fn "$IMG" >"$LOG/e2fsck.log" 2>&1; then
    ok "e2fsck -fn is clean after the ext4 runs"
else
    cat "$LOG/e2fsck.log"
    not_ok "e2fsck -fn after the ext4 runs"
fi
finish
