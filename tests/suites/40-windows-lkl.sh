#!/usr/bin/env bash
# The kernel library in Windows user mode, run for real under Wine.
#
#  1. installs what it needs (idempotent): the windows-gnu Rust target,
#     mingw-w64 (linker), wine64, e2fsprogs;
#  2. cross-builds lkl's boot suite and the given-image test for
#     x86_64-pc-windows-gnu: lkl's build script converts the kernel object
#     (built once, on Linux) to COFF with library/lkl-coff/ — any relocation it cannot
#     convert fails this build; prints the conversion report;
#  3. in a private Wine prefix: runs the 16 boot-suite cases (boot, syscalls,
#     threads, panic policy, halt with zero allocations);
#  4. mounts an ext4 image made here by mkfs.ext4 from the Windows program,
#     writes and reads back a tree, then checks it on Linux: e2fsck -fn
#     clean and a file's bytes as written.
set -euo pipefail

SUITE=40-windows-lkl
# shellcheck source=../wine/suite-common.sh
source "$(dirname "$0")/../wine/suite-common.sh"
TDIR="$ROOT/target/win-lkl"

# --- 1. tools ---------------------------------------------------------------
install_windows_tools
mkdir -p "$TDIR"

# --- 2. cross build ---------------------------------------------------------
# The default target directory, so the kernel cache (target/kernel) is the
# one cargo test already built.
if ! nice -n 10 cargo test -p lkl --test kernel --test given_image --target "$TARGET" --no-run \
    >"$TDIR/build.log" 2>&1; then
    cat "$TDIR/build.log"
    not_ok "lkl builds for $TARGET with the kernel object converted to COFF"
    finish
    exit 1
fi
ok "lkl builds for $TARGET with the kernel object converted to COFF"
exe() { grep -o "target/$TARGET/debug/deps/$1-[0-9a-f]*\.exe" "$TDIR/build.log" | tail -1; }
KERNEL_EXE=$(exe kernel)
IMAGE_EXE=$(exe given_image)
report=$(ls -t target/$TARGET/debug/build/lkl-*/out/lkl-coff-report.txt 2>/dev/null | head -1 || true)
if [ -n "$report" ]; then
    grep -E '^(relocation|GOT|exported)' "$report" | sed 's/^/# coff: /'
fi

# --- 3. Wine: the boot suite ------------------------------------------------
wine_prefix "$TDIR/wineprefix" "-all,err+seh" "$TDIR/wineboot.log"
processprng_shim "target/$TARGET/debug/deps"

set +e
timeout 300 "$WINE" "$KERNEL_EXE" >"$TDIR/kernel.out" 2>&1
rc=$?
set -e
while read -r name result; do
    if [ "$result" = ok ]; then ok "under Wine: $name"; else not_ok "under Wine: $name"; fi
done < <(sed -n 's/^test \(kernel::[a-z_]*\) \.\.\. \([A-Za-z]*\).*/\1 \2/p' "$TDIR/kernel.out")
grep -q '^kernel: 16 passed; 0 failed' "$TDIR/kernel.out" || { cat "$TDIR/kernel.out"; not_ok "boot suite under Wine: 16 cases passed (exit $rc)"; }

# --- 4. Wine: an ext4 image made on Linux ----------------------------------
IMG="$TDIR/ext4.img"
rm -f "$IMG"
truncate -s 128M "$IMG"
"$MKFS_FIXED" mkfs.ext4 -q -F "$IMG"
set +e
LKL_TEST_IMAGE="Z:$(echo "$IMG" | tr / '\\')" timeout 300 "$WINE" "$IMAGE_EXE" --nocapture >"$TDIR/image.out" 2>&1
rc=$?
set -e
if [ "$rc" -eq 0 ] && grep -q '7 files, .* written and read back' "$TDIR/image.out"; then
    ok "under Wine: mount ext4 (mkfs.ext4 defaults), write 7 files, read back, unmount, halt with zero allocations"
else
    cat "$TDIR/image.out"
    not_ok "under Wine: ext4 write and read back (exit $rc)"
fi
if e2fsck -fn "$IMG" >"$TDIR/e2fsck.out" 2>&1; then
    ok "e2fsck -fn is clean after the Windows program's writes"
else
    cat "$TDIR/e2fsck.out"
    not_ok "e2fsck -fn is clean after the Windows program's writes"
fi
debugfs -R "dump /win/f6 $TDIR/f6" "$IMG" >/dev/null 2>&1 || true
# The test's content generator (an LCG seeded by the file number), again.
if python3 - "$TDIR/f6" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
x = (0x9E3779B9 * 7) & 0xFFFFFFFF
want = bytearray(3 << 20)
for i in range(len(want)):
    x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
    want[i] = x >> 24
sys.exit(0 if data == bytes(want) else 1)
PY
then
    ok "Linux reads back /win/f6 (3 MiB) byte for byte as the Windows program wrote it"
else
    not_ok "Linux reads back /win/f6 byte for byte"
fi
rm -f "$IMG" "$TDIR/f6"
"$WINESERVER" -k 2>/dev/null || true
finish
