#!/usr/bin/env bash
# The NT host and the driver, cross-built and run for real under Wine.
#
#  1. installs what it needs (idempotent): the windows-gnu Rust target,
#     mingw-w64, wine64;
#  2. proves the nt crate's declarations against mingw-w64's DDK headers;
#  3. builds the driver twice, the product lklfs.sys and the test build
#     (feature `testing`: RAM disks, forced panic, self-test), and checks
#     each one's imports (ntoskrnl.exe and HAL.dll only; the product's
#     exactly driver/product-imports.txt, the test build's no Wine stub)
#     and subsystem (native), that only the test build carries test parts,
#     and that a user-mode import fails the build; the test build is the
#     one loaded, until step 7;
#  4. in a private Wine prefix: registers the driver as a kernel service,
#     starts it, runs the user-mode client (buffer validation, every
#     host-conformance case inside the driver, allocation counters, access
#     control), stops it, and checks that DriverUnload reported no leaks and
#     that winedevice exited cleanly;
#  5. the embedded Linux in the driver, one service lifetime each: boot with
#     a memory size and command line on a worker thread, getpid/uname,
#     halt; a forced Linux panic (later requests fail with
#     STATUS_IO_DEVICE_ERROR, winedevice stays up, unload halts); a kernel
#     left running for DriverUnload to halt. Every lifetime must unload
#     with zero outstanding allocations;
#  6. the driver's disks (RAM disks, image disks made by IOCTL_IMAGE_ATTACH
#     and by `lklfs.exe mount`, with their IOCTL set and the Mount
#     Manager's notification) and ext4 images (mkfs.ext4 defaults) mounted through the driver
#     (ZwCreateFile in the caller's context, ZwReadFile/ZwWriteFile/
#     ZwFlushBuffersFile): file operations through fs-glue inside the driver
#     (dispositions, 16 MiB write/read, directory patterns, rename, delete),
#     unmount, read-only remount; one image left mounted with an open handle
#     for DriverUnload; then e2fsck -fn and the host kernel's loop mount;
#  7. the product lklfs.sys in the same service: the test parts' requests
#     are refused, Linux boots, answers and halts, unload frees everything.
set -euo pipefail

SUITE=20-nt-driver
# shellcheck source=../wine/suite-common.sh
source "$(dirname "$0")/../wine/suite-common.sh"
TDIR="$ROOT/target/nt"
OUT="$TDIR/$TARGET/release"

# --- 1. tools ---------------------------------------------------------------
install_windows_tools

CARGO=(nice -n 10 cargo)
mkdir -p "$TDIR"

# --- 2. DDK layout probe ----------------------------------------------------
if "${CARGO[@]}" test -q -p nt --test ddk_probe -- --include-ignored --nocapture >"$TDIR.probe.log" 2>&1; then
    grep '^ddk probe:' "$TDIR.probe.log" | sed 's/^/# /' || true
    ok "nt declarations match mingw-w64's DDK headers (sizes, offsets, constants, imports)"
else
    cat "$TDIR.probe.log"
    not_ok "nt declarations match mingw-w64's DDK headers"
fi

# --- 3. build and image checks ----------------------------------------------
# panic=abort for this cross build only: a no_std kernel image cannot unwind.
export CARGO_PROFILE_RELEASE_PANIC=abort
# The driver links the kernel object (converted to COFF by lkl's build
# script): reuse the kernel that cargo test built instead of building it
# again under this target directory.
export LKL_KERNEL_CACHE="$ROOT/target/kernel"
# Two builds of the driver: the product lklfs.sys, then the test build (the
# RAM disks, the forced panic and the self-test IOCTL) that the rest of the
# suite loads. Each is the crate's driver.dll, kept as a .sys.
PRODUCT_SYS="$TDIR.product-lklfs.sys"
SYS="$TDIR.test-lklfs.sys"
build_driver() { # build_driver OUT_SYS [cargo args...]
    local out=$1
    shift
    "${CARGO[@]}" build -q --release --target "$TARGET" --target-dir "$TDIR" -p driver "$@" 2>>"$TDIR.build.log" \
        && cp "$OUT/driver.dll" "$out"
}
: >"$TDIR.build.log"
# The client unwinds: the semantic suite's cases report through panics,
# each caught (own target directory, so neither build undoes the other).
CLIENT_TDIR="$TDIR-client"
if ! build_driver "$PRODUCT_SYS" || ! build_driver "$SYS" --features testing \
    || ! CARGO_PROFILE_RELEASE_PANIC=unwind "${CARGO[@]}" build -q --release --target "$TARGET" \
        --target-dir "$CLIENT_TDIR" -p driver-client -p lklfs 2>>"$TDIR.build.log"; then
    cat "$TDIR.build.log"
    not_ok "driver and client build"
    finish
    exit 1
fi
ok "driver (product and test .sys) and client build for $TARGET"

for build in product test; do
    if [ $build = product ]; then image=$PRODUCT_SYS; else image=$SYS; fi
    dump=$(x86_64-w64-mingw32-objdump -p "$image")
    imports=$(echo "$dump" | awk '/DLL Name:/ {print $3}' | sort | tr '\n' ' ')
    if [ "$imports" = "HAL.dll ntoskrnl.exe " ]; then
        ok "$build driver imports only ntoskrnl.exe and HAL.dll"
    else
        not_ok "$build driver imports only ntoskrnl.exe and HAL.dll (found: $imports)"
    fi
    if grep -Eq '^Subsystem[[:space:]]+00000001' <<<"$dump"; then
        ok "$build driver subsystem is native"
    else
        not_ok "$build driver subsystem is native ($(grep '^Subsystem' <<<"$dump"))"
    fi
done
# The test-only parts, found by their symbols (the release profile keeps a
# symbol table) and a self-test case's name; the test build must show them,
# so a stripped image cannot pass this by accident.
test_marks() { # test_marks IMAGE: how many test-only marks the image holds
    strings -a "$1" | grep -c -e '6driver7ramdisk' -e '6driver8selftest' -e '6driver5linux14panic_for_test' -e 'mutex_excludes' || true
}
product_marks=$(test_marks "$PRODUCT_SYS")
test_build_marks=$(test_marks "$SYS")
if [ "$product_marks" -eq 0 ] && [ "$test_build_marks" -gt 0 ]; then
    ok "the product lklfs.sys carries no RAM disk and no self-test ($(stat -c %s "$PRODUCT_SYS") bytes; test build $(stat -c %s "$SYS"))"
else
    not_ok "the product lklfs.sys carries no RAM disk and no self-test (marks: product $product_marks, test build $test_build_marks)"
fi
if "${CARGO[@]}" build -q --release --target "$TARGET" --target-dir "$TDIR/canary" -p driver --features user-mode-import-canary >"$TDIR.canary.log" 2>&1; then
    not_ok "a user-mode import fails the driver build (it linked)"
elif grep -q "undefined reference to \`GetTickCount'" "$TDIR.canary.log"; then
    ok "a user-mode import (kernel32!GetTickCount) fails the driver build"
else
    tail -20 "$TDIR.canary.log"
    not_ok "a user-mode import fails the driver build (failed for another reason)"
fi
unset CARGO_PROFILE_RELEASE_PANIC

# What Wine does with each import: "real" calls were exercised for real by
# the run below (all of them are called), "STUB" ones could only be tested on
# Windows; a MISSING one would stop Wine loading the driver. The test build
# runs here, so it may import no stub at all (Wine's stubs kill winedevice
# when called); the product build may: its Windows services (share access
# now, the Cache Manager later) are Windows-only.
WINE_PE=/usr/lib/x86_64-linux-gnu/wine/x86_64-windows
if python3 tests/wine/wine-import-report.py "$SYS" "$WINE_PE" >"$TDIR.imports.txt"; then
    sed 's/^/# wine (test build): /' "$TDIR.imports.txt"
    stubs=$(grep -c '^STUB' "$TDIR.imports.txt" || true)
    if [ "$stubs" = 0 ]; then
        ok "every test-build import exists in Wine's ntoskrnl.exe/HAL.dll, and none is a Wine stub"
    else
        not_ok "the test build imports $stubs Wine stubs: $(grep '^STUB' "$TDIR.imports.txt" | tr '\n' ' ')"
    fi
else
    cat "$TDIR.imports.txt"
    not_ok "every driver import exists in Wine's ntoskrnl.exe/HAL.dll"
fi
if python3 tests/wine/wine-import-report.py "$PRODUCT_SYS" "$WINE_PE" >"$TDIR.imports-product.txt"; then
    grep '^STUB' "$TDIR.imports-product.txt" | sed 's/^/# wine (product build): /' || true
    # The product's imports are exactly the reviewed list: the Windows
    # half of the file-system driver (Cache Manager, FsRtl, share access)
    # and the rest.
    awk '{print $2}' "$TDIR.imports-product.txt" | sort >"$TDIR.imports-product.names"
    grep -v '^#' driver/product-imports.txt | sort >"$TDIR.imports-product.expected"
    if diff "$TDIR.imports-product.expected" "$TDIR.imports-product.names" >"$TDIR.imports-product.diff"; then
        windows_half=$(grep -cE '!(Cc|MmCanFileBeTruncated|MmFlushImageSection|FsRtl|IoCheckShareAccess|IoRemoveShareAccess|Io[GS]etTopLevelIrp)' "$TDIR.imports-product.names")
        ok "the product build imports exactly driver/product-imports.txt ($(wc -l <"$TDIR.imports-product.names") functions, $windows_half of the Cache Manager, FsRtl and share access; $(grep -c '^STUB' "$TDIR.imports-product.txt") Wine stubs, Windows-only)"
    else
        sed 's/^/# import list (expected < > built): /' "$TDIR.imports-product.diff"
        not_ok "the product build imports exactly driver/product-imports.txt"
    fi
else
    cat "$TDIR.imports-product.txt"
    not_ok "every product-build import exists in Wine's ntoskrnl.exe/HAL.dll"
fi

# --- 4. Wine ----------------------------------------------------------------
LOG="$TDIR/wine.log"
: >"$LOG"
wine_prefix "$TDIR/wineprefix" "-all,warn+debugstr,err+seh,err+ntoskrnl" "$LOG"
mkdir -p "$WINEPREFIX/drive_c/lklfs-test"
processprng_shim "$WINEPREFIX/drive_c/lklfs-test"
cp "$CLIENT_TDIR/$TARGET/release/driver-client.exe" "$WINEPREFIX/drive_c/lklfs-test/"
# The Windows tool, for its mount, list and unmount against the driver.
cp "$CLIENT_TDIR/$TARGET/release/lklfs.exe" "$WINEPREFIX/drive_c/lklfs-test/"
cp "$SYS" "$WINEPREFIX/drive_c/windows/system32/drivers/lklfs.sys"

# One persistent wineserver session for all steps: a demand-start service
# lives only as long as its session. Killed on exit, whatever happens.
"$WINESERVER" -k 2>/dev/null || true
"$WINESERVER" -p
trap '"$WINESERVER" -k 2>/dev/null || true' EXIT

sc() { timeout 60 "$WINE" sc "$@" >>"$LOG" 2>&1; }
sc stop lklfs || true
sc delete lklfs || true
# A kernel-driver service (type 1). The product installs a file-system
# driver service (type 2); under Wine 8 about one start in 40 of a type-2
# service fails without a word (no DriverEntry runs) in this suite's
# back-to-back start/stop cycles, which type 1 has never done here. The
# driver behaves the same under either type.
if sc create lklfs type= kernel start= demand 'binPath=' 'C:\windows\system32\drivers\lklfs.sys'; then
    ok "sc create lklfs (kernel service)"
else
    not_ok "sc create lklfs"
fi
# One service lifetime: start, run the client with SCENARIO (empty = the
# default checks), stop; the winedevice that hosted the driver must survive
# the scenario (even a Linux panic) and exit on its own once its only driver
# stopped (Wine's other drivers live in other winedevice processes); the
# unload message must report zero outstanding allocations. HALTED, if set,
# is the "Linux halted at unload" message this lifetime must print.
unloads=0
cycle() {
    local scenario=$1 label=$2 halted=${3:-}
    # `sc start` may answer while the service is still START_PENDING (a
    # busy machine): then its state is asked until it settles.
    local state=""
    if timeout 60 "$WINE" sc start lklfs >"$TDIR.start.out" 2>>"$LOG"; then
        state=$(sc_state_of <"$TDIR.start.out")
        for _ in $(seq 30); do
            [ "$state" = START_PENDING ] || break
            sleep 1
            state=$(timeout 60 "$WINE" sc query lklfs 2>>"$LOG" | sc_state_of)
        done
    fi
    if [ "$state" = RUNNING ]; then
        ok "$label: sc start lklfs: DriverEntry succeeded"
    else
        cat "$TDIR.start.out"
        not_ok "$label: sc start lklfs (state ${state:-none})"
        return
    fi
    # The winedevice process hosting the driver: the one that mapped lklfs.sys.
    local host_pid="" p
    for p in $(pgrep -f 'winedevice.exe' || true); do
        if { grep -q 'lklfs.sys' "/proc/$p/maps"; } 2>/dev/null; then host_pid=$p; fi
    done
    echo "# $label: client${scenario:+ $scenario} (driver hosted by winedevice pid ${host_pid:-?}):"
    local client_rc
    set +e
    # shellcheck disable=SC2086 # the empty scenario must vanish
    timeout 300 "$WINE" 'C:\lklfs-test\driver-client.exe' $scenario >"$TDIR.client.out" 2>>"$LOG"
    client_rc=$?
    set -e
    sed 's/^/    /' "$TDIR.client.out"
    local cp cf
    cp=$(grep -Ec '^ok - ' "$TDIR.client.out" || true)
    cf=$(grep -Ec '^not ok - ' "$TDIR.client.out" || true)
    PASS=$((PASS + cp))
    FAIL=$((FAIL + cf))
    if [ "$client_rc" -ne 0 ] && [ "$cf" -eq 0 ]; then
        not_ok "$label: client exited with status $client_rc"
    fi
    if [ -n "$host_pid" ] && [ -d "/proc/$host_pid" ]; then
        ok "$label: winedevice (pid $host_pid) still running after the scenario"
    else
        not_ok "$label: winedevice still running after the scenario (pid ${host_pid:-not found})"
    fi
    if timeout 60 "$WINE" sc stop lklfs >"$TDIR.stop.out" 2>>"$LOG" && grep -q STOPPED "$TDIR.stop.out"; then
        ok "$label: sc stop lklfs: DriverUnload ran"
    else
        cat "$TDIR.stop.out"
        not_ok "$label: sc stop lklfs"
    fi
    local gone=0
    if [ -n "$host_pid" ]; then
        for _ in $(seq 50); do
            if [ ! -d "/proc/$host_pid" ]; then gone=1; break; fi
            sleep 0.2
        done
    fi
    if [ "$gone" -eq 1 ]; then
        ok "$label: winedevice (pid $host_pid) exited after the driver stopped"
    else
        not_ok "$label: winedevice hosting the driver exited after it stopped (pid ${host_pid:-not found})"
    fi
    unloads=$((unloads + 1))
    local unload
    unload=$(grep -ao 'lklfs: unloaded;.*' "$LOG" | sed -n "${unloads}p" || true)
    # Every IRP the file system posted was completed once (a lost one
    # would leave "LOST"; a second completion would crash winedevice).
    if [[ "$unload" =~ ^"lklfs: unloaded; outstanding allocations: host 0, heap 0; IRPs posted "([0-9]+)", completed "([0-9]+)$ ]] \
        && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]; then
        ok "$label: DriverUnload freed every allocation (host 0, heap 0), every posted IRP completed (${BASH_REMATCH[1]})"
    else
        not_ok "$label: DriverUnload freed every allocation (${unload:-no unload message})"
    fi
    if [ -n "$halted" ]; then
        if grep -aq "lklfs: Linux halted at unload ($halted)" "$LOG"; then
            ok "$label: DriverUnload halted the running kernel ($halted)"
        else
            not_ok "$label: DriverUnload halted the running kernel ($halted)"
        fi
    fi
}

# The file system's own checker must find IMG clean: checker_clean IMG CMD...
checker_clean() {
    local img=$1
    shift
    if "$@" "$img" >"$TDIR.fsck.log" 2>&1; then
        ok "$* $(basename "$img"): clean after the driver wrote it"
    else
        cat "$TDIR.fsck.log"
        not_ok "$* $(basename "$img")"
    fi
}
# The tree the `fs` file operations leave (fsclient.rs), read by the host
# kernel: dir/big.bin as expected-big.bin, dir/c.txt "bravo". WHAT names
# the path the driver wrote it through.
file_ops_tree_readable() {
    local img=$1 what=$2 mnt="$TDIR/tree-mnt"
    mkdir -p "$mnt"
    if ! mount -o loop,ro "$img" "$mnt" 2>"$TDIR.mount.log"; then
        cat "$TDIR.mount.log"
        not_ok "loop-mount $(basename "$img") on the host (needs root and loop devices)"
        return
    fi
    (cd "$mnt" && find dir -printf '%M %s %TY-%Tm-%Td %p\n' | sort | sed 's/^/# host kernel: /')
    local got
    got=$(cd "$mnt/dir" && ls | tr '\n' ' ')
    if [ "$got" = "big.bin c.txt " ] && cmp -s "$mnt/dir/big.bin" "$IMG_DIR/expected-big.bin" \
        && [ "$(cat "$mnt/dir/c.txt")" = "bravo" ]; then
        ok "host kernel loop mount reads back the files written $what (big.bin $(sha256sum <"$mnt/dir/big.bin" | cut -c1-16)..., c.txt)"
    else
        not_ok "host kernel loop mount reads back the files written $what (dir holds: $got)"
    fi
    umount "$mnt"
}

# The benchmark (cargo xtask bench, LKLFS_WINE_BENCH=1): boot time and
# sequential write/cold read of a 256 MiB file and 10,000 creates and
# deletes as IRPs through the file-system driver under Wine, beside the Linux-native library (lklfs bench-step, the same
# 64 MiB of kernel memory) on the same image, in the same run.
if [ "${LKLFS_WINE_BENCH:-}" = 1 ]; then
    BIMG="$WINEPREFIX/drive_c/lklfs-test/bench.img"
    rm -f "$BIMG"
    truncate -s 1G "$BIMG"
    "$MKFS_FIXED" mkfs.ext4 -q -F "$BIMG"
    cycle "bench C:\\lklfs-test\\bench.img" "benchmark under Wine"
    w_boot=$(sed -n 's/^# boot: errno 0, \([0-9.]*\) ms.*/\1/p' "$TDIR.client.out" | head -1)
    w_write=$(sed -n 's/^bench: write_mbs=//p' "$TDIR.client.out")
    w_read=$(sed -n 's/^bench: cold_read_mbs=//p' "$TDIR.client.out")
    w_create=$(sed -n 's/^bench: create_s=//p' "$TDIR.client.out")
    w_delete=$(sed -n 's/^bench: delete_s=//p' "$TDIR.client.out")
    rm -f "$BIMG"
    truncate -s 1G "$BIMG"
    "$MKFS_FIXED" mkfs.ext4 -q -F "$BIMG"
    "${CARGO[@]}" build -q --release -p lklfs -p lkl --example bench
    n_boot=$(./target/release/examples/bench | sed -n 's/^ *boot to first syscall: *\([0-9.]*\) ms.*/\1/p')
    n_write=$(./target/release/lklfs --mem 64 bench-step lib-write "$BIMG" --file-mib 256 | sed -n 's/^write_mbs=//p')
    n_read=$(./target/release/lklfs --mem 64 bench-step lib-read "$BIMG" --file-mib 256 | sed -n 's/^cold_mbs=//p')
    files=$(./target/release/lklfs --mem 64 bench-step lib-files "$BIMG" --files 10000)
    n_create=$(sed -n 's/^create_s=//p' <<<"$files")
    n_delete=$(sed -n 's/^delete_s=//p' <<<"$files")
    rm -f "$BIMG"
    echo "# driver benchmark: 1 GiB ext4 image (mkfs.ext4 defaults), 256 MiB file, 64 MiB kernel memory"
    printf '#                              %16s %16s\n' "driver (Wine)" "Linux library"
    printf '#   boot (ms)                  %16s %16s\n' "${w_boot:-?}" "${n_boot:-?}"
    printf '#   seq write + unmount (MB/s) %16.0f %16.0f\n' "${w_write:-0}" "${n_write:-0}"
    printf '#   cold read (MB/s)           %16.0f %16.0f\n' "${w_read:-0}" "${n_read:-0}"
    printf '#   10,000 creates + sync (s)  %16.2f %16.2f\n' "${w_create:-0}" "${n_create:-0}"
    printf '#   10,000 deletes + sync (s)  %16.2f %16.2f\n' "${w_delete:-0}" "${n_delete:-0}"
    sc delete lklfs || true
    "$WINESERVER" -k 2>/dev/null || true
    trap - EXIT
    finish
    exit 0
fi

cycle "" "default"
grep -q 'nt-host: timer_rearm_and_cancel' "$TDIR.client.out" || not_ok "client reported the host-conformance cases"
# The embedded Linux, each scenario in a fresh service lifetime (a new load
# boots again: the image and Linux's static data are loaded afresh).
cycle boot-halt "Linux boot/syscalls/halt"
# ext4 images made here with mkfs.ext4 defaults (64bit, metadata_csum), on
# the prefix's C: drive; a zeroed one must be refused.
IMG_DIR="$WINEPREFIX/drive_c/lklfs-test"
rm -f "$IMG_DIR"/disk*.img "$IMG_DIR"/junk.img "$IMG_DIR"/expected-big.bin
for img in disk disk2 disk3; do
    truncate -s 64M "$IMG_DIR/$img.img"
    "$MKFS_FIXED" mkfs.ext4 -q -F "$IMG_DIR/$img.img"
done
truncate -s 4M "$IMG_DIR/junk.img"
cycle "panic C:\\lklfs-test\\disk3.img" "Linux panic with a volume mounted" "errno -5"
cycle boot-leave "Linux left running" "errno 0"
cycle "fs C:\lklfs-test\disk.img C:\lklfs-test\junk.img" "ext4 image through the driver"
cycle "fs-leave C:\lklfs-test\disk2.img" "ext4 image left mounted" "errno 0"
# The lower-device mount path: a RAM disk the driver makes from a fresh
# ext4 image, mounted through IRPs sent to the disk device
# (IoBuildSynchronousFsdRequest/IoCallDriver), the same file operations,
# then the disk written back over the image; checked here like disk.img.
rm -f "$IMG_DIR/rd.img"
truncate -s 64M "$IMG_DIR/rd.img"
"$MKFS_FIXED" mkfs.ext4 -q -F "$IMG_DIR/rd.img"
# Partitioned images: two 16 MiB ext4 partitions each (at 1 and 17 MiB),
# their /which.txt naming them, under a GPT and under an MBR; util-linux's
# partx, an independent reader, must find the same two partitions.
for t in gpt mbr; do
    img="$IMG_DIR/$t.img"
    rm -rf "$img" "$TDIR.parts"
    truncate -s 40M "$img"
    for n in one two; do
        mkdir -p "$TDIR.parts/$n"
        echo "partition $n" >"$TDIR.parts/$n/which.txt"
    done
    "$MKFS_FIXED" mkfs.ext4 -q -F -E offset=$((1 << 20)) -d "$TDIR.parts/one" "$img" 16M
    "$MKFS_FIXED" mkfs.ext4 -q -F -E offset=$((17 << 20)) -d "$TDIR.parts/two" "$img" 16M
    python3 tests/wine/make-partition-table.py "$t" "$img" 1:16 17:16
    if [ "$(partx -g -o START,SECTORS "$img" | awk '{printf "%s:%s ", $1, $2}')" = "2048:32768 34816:32768 " ]; then
        ok "$t image with two partitions (partx agrees)"
    else
        partx --show "$img" || true
        not_ok "$t image with two partitions (partx agrees)"
    fi
done
# An ext4 image whose superblock says the journal needs recovery (the
# flag set with debugfs, e2fsprogs' own editor): lklfs mounts it --ro only.
rm -f "$IMG_DIR/dirty.img"
truncate -s 16M "$IMG_DIR/dirty.img"
"$MKFS_FIXED" mkfs.ext4 -q -F "$IMG_DIR/dirty.img"
debugfs -w -R "feature needs_recovery" "$IMG_DIR/dirty.img" >/dev/null 2>&1
if dumpe2fs -h "$IMG_DIR/dirty.img" 2>/dev/null | grep -q needs_recovery; then
    ok "ext4 image whose journal needs recovery (dumpe2fs agrees)"
else
    not_ok "ext4 image whose journal needs recovery (dumpe2fs agrees)"
fi
DIRTY_SUM=$(sha256sum <"$IMG_DIR/dirty.img")
# A btrfs and an xfs image for lklfs.exe mount (attachclient.rs).
truncate -s 128M "$IMG_DIR/attach-btrfs.img"
truncate -s 320M "$IMG_DIR/attach-xfs.img"
"$MKFS_FIXED" mkfs.btrfs -q -f "$IMG_DIR/attach-btrfs.img" >/dev/null
"$MKFS_FIXED" mkfs.xfs -q -f "$IMG_DIR/attach-xfs.img" >/dev/null
# A damaged ext4 (group descriptors zeroed) that lklfs mount attaches and
# the mount refuses; it must come out byte for byte as it went in.
rm -f "$IMG_DIR/attach-corrupt.img"
truncate -s 16M "$IMG_DIR/attach-corrupt.img"
"$MKFS_FIXED" mkfs.ext4 -q -F "$IMG_DIR/attach-corrupt.img"
dd if=/dev/zero of="$IMG_DIR/attach-corrupt.img" bs=1024 seek=2 count=6 conv=notrunc status=none
CORRUPT_SUM=$(sha256sum <"$IMG_DIR/attach-corrupt.img")
cycle "fs-ramdisk C:\lklfs-test\rd.img C:\lklfs-test\lklfs.exe C:\lklfs-test\gpt.img C:\lklfs-test\mbr.img C:\lklfs-test\dirty.img C:\lklfs-test\attach-btrfs.img C:\lklfs-test\attach-xfs.img C:\lklfs-test\attach-corrupt.img" \
    "ext4 on a RAM disk through the lower-device path, image disks, partitioned images, lklfs.exe mount"
checker_clean "$IMG_DIR/rd.img" e2fsck -fn
# The two ejects (ejectclient.rs) unmounted their volume from Linux: what
# was written before each is on the image.
if [ "$(debugfs -R "cat /ejected-direct.txt" "$IMG_DIR/rd.img" 2>/dev/null)" = "written after the refused eject" ] \
    && [ "$(debugfs -R "cat /ejected-explorer.txt" "$IMG_DIR/rd.img" 2>/dev/null)" = "open at the refused eject, closed before Explorer's" ]; then
    ok "the files written before each eject are on the image (debugfs)"
else
    not_ok "the files written before each eject are on the image (debugfs)"
fi
if [ "$(sha256sum <"$IMG_DIR/dirty.img")" = "$DIRTY_SUM" ]; then
    ok "the image whose journal needs recovery is byte for byte as it was after its read-only mount"
else
    not_ok "the image whose journal needs recovery is byte for byte as it was after its read-only mount"
fi
file_ops_tree_readable "$IMG_DIR/rd.img" "through the RAM disk"
if [ "$(sha256sum <"$IMG_DIR/attach-corrupt.img")" = "$CORRUPT_SUM" ]; then
    ok "the damaged image lklfs mount attached and the mount refused is byte for byte as it was"
else
    not_ok "the damaged image lklfs mount attached and the mount refused is byte for byte as it was"
fi
# What lklfs.exe mount wrote on btrfs and xfs: each checker clean, the
# file there as the host kernel reads it.
checker_clean "$IMG_DIR/attach-btrfs.img" btrfs check --readonly
checker_clean "$IMG_DIR/attach-xfs.img" xfs_repair -n
# The absolute symlink the client made there and followed (to the disk's
# own device) is Linux's: /abs -> /attached.txt.
for t in btrfs xfs; do
    got="" link=""
    if mount -o loop,ro "$IMG_DIR/attach-$t.img" "$TDIR/tree-mnt" 2>"$TDIR.mount.log"; then
        got=$(cat "$TDIR/tree-mnt/attached.txt" 2>/dev/null || true)
        link=$(readlink "$TDIR/tree-mnt/abs" 2>/dev/null || true)
        umount "$TDIR/tree-mnt"
    fi
    if [ "$got" = "written through lklfs mount on $t" ] && [ "$link" = /attached.txt ]; then
        ok "the file written through lklfs mount, and the absolute link /abs -> $link, are on the $t image (host kernel)"
    else
        not_ok "the file written through lklfs mount is on the $t image (host kernel: ${got:-nothing}; /abs -> ${link:-nothing})"
    fi
done
# The file-system driver's mount decision and volume FSCTLs (fsdclient.rs):
# foreign volumes (seeded random bytes, zeros, an NTFS boot sector) are
# refused without booting Linux; an ext4 with its group descriptors zeroed
# fails with a status of its own; then lock, verify and a forced dismount on
# a fresh ext4, which must stay clean and keep what was written before it.
FSD_DIR="$IMG_DIR/fsd"
rm -rf "$FSD_DIR" && mkdir -p "$FSD_DIR"
python3 - "$FSD_DIR" <<'PY'
import random, sys
d = sys.argv[1]
open(f"{d}/junk.img", "wb").write(random.Random(12).randbytes(4 << 20))
open(f"{d}/zero.img", "wb").write(bytes(4 << 20))
ntfs = bytearray(4 << 20)
ntfs[0:11] = b"\xebR\x90NTFS    "
ntfs[510:512] = b"\x55\xaa"
open(f"{d}/ntfs.img", "wb").write(ntfs)
PY
# A btrfs volume, which the FileSystems parameter below leaves to another
# driver.
truncate -s 128M "$FSD_DIR/btrfs.img"
"$MKFS_FIXED" mkfs.btrfs -q -f "$FSD_DIR/btrfs.img" >/dev/null
for img in corrupt good shutdown removal; do
    truncate -s 64M "$FSD_DIR/$img.img"
    "$MKFS_FIXED" mkfs.ext4 -q -F -L lklfs-fsd "$FSD_DIR/$img.img"
done
# The group descriptors follow the superblock (block 1 or 2, whatever the
# block size): zero 2-8 KiB.
dd if=/dev/zero of="$FSD_DIR/corrupt.img" bs=1024 seek=2 count=6 conv=notrunc status=none
# The service's Parameters key sizes the Linux that the first mount boots.
PARAMS='HKLM\System\CurrentControlSet\Services\lklfs\Parameters'
reg() { timeout 60 "$WINE" reg "$@" >>"$LOG" 2>&1; }
reg add "$PARAMS" /v MemoryMiB /t REG_DWORD /d 96 /f
reg add "$PARAMS" /v KernelCommandLine /t REG_SZ /d "lklfs.fsd_test=1" /f
reg add "$PARAMS" /v FileSystems /t REG_SZ /d "ext2, ext3, ext4, xfs" /f
cycle "fsd C:\lklfs-test\fsd" "the file-system driver: mount decision, lock, verify, dismount"
reg delete "$PARAMS" /v FileSystems /f
if grep -q 'Linux booted for the first mount (96 MiB)' "$LOG"; then
    ok "the first mount booted Linux with the Parameters key's MemoryMiB (96)"
else
    not_ok "the first mount booted Linux with the Parameters key's MemoryMiB (96)"
fi
checker_clean "$FSD_DIR/good.img" e2fsck -fn
# The serial a program read is the UUID's first eight hex digits.
want_serial=$(blkid -o value -s UUID "$FSD_DIR/good.img" | tr -d - | cut -c1-8 | tr a-f A-F)
if grep -q "^volume: label lklfs-fsd serial $want_serial fs ext4" "$TDIR.client.out"; then
    ok "the volume serial a program read is the UUID's first eight hex digits ($want_serial)"
else
    not_ok "the volume serial a program read is the UUID's first eight hex digits (want $want_serial: $(grep '^volume:' "$TDIR.client.out"))"
fi
# IRP_MJ_SHUTDOWN unmounted the volume: clean without a journal replay,
# and both files are there, the one still open at the shutdown too.
checker_clean "$FSD_DIR/shutdown.img" e2fsck -fn
if [ "$(debugfs -R "cat /kept.txt" "$FSD_DIR/shutdown.img" 2>/dev/null)" = "written before the shutdown" ] \
    && [ "$(debugfs -R "cat /open.txt" "$FSD_DIR/shutdown.img" 2>/dev/null)" = "still open" ] \
    && ! dumpe2fs -h "$FSD_DIR/shutdown.img" 2>/dev/null | grep -q needs_recovery; then
    ok "after IRP_MJ_SHUTDOWN the image needs no journal replay and holds what was written (debugfs)"
else
    not_ok "after IRP_MJ_SHUTDOWN the image needs no journal replay and holds what was written (debugfs)"
fi
# The pulled disk: consistent to its last flush once its journal is
# replayed (on a copy), with the file flushed before the removal.
cp "$FSD_DIR/removal.img" "$TDIR.removal.img"
e2fsck -fy "$TDIR.removal.img" >"$TDIR.fsck.log" 2>&1 && replay=0 || replay=$?
if [ "$replay" -le 1 ] && e2fsck -fn "$TDIR.removal.img" >>"$TDIR.fsck.log" 2>&1 \
    && [ "$(debugfs -R "cat /flushed.txt" "$TDIR.removal.img" 2>/dev/null)" = "on the disk" ]; then
    ok "after the surprise removal the image is consistent to its last flush (journal replayed, e2fsck clean, the flushed file there)"
else
    cat "$TDIR.fsck.log"
    not_ok "after the surprise removal the image is consistent to its last flush (e2fsck -fy exit $replay)"
fi
rm -f "$TDIR.removal.img"
if [ "$(debugfs -R "cat /g" "$FSD_DIR/good.img" 2>/dev/null)" = "kept" ]; then
    ok "Linux (debugfs) reads the file written before the forced dismount"
else
    not_ok "Linux (debugfs) reads the file written before the forced dismount"
fi
# Volumes Windows offers by itself (offeredclient.rs): read-only unless
# the service's WriteOfferedVolumes is 1; one whose journal needs recovery
# read-only either way, its image byte for byte unchanged. The first
# lifetime also has a bad WriteOfferedVolumes, which is reported.
OFF_DIR="$IMG_DIR/offered"
rm -rf "$OFF_DIR" && mkdir -p "$OFF_DIR"
truncate -s 32M "$OFF_DIR/clean.img" "$OFF_DIR/dirty.img"
"$MKFS_FIXED" mkfs.ext4 -q -F "$OFF_DIR/clean.img"
"$MKFS_FIXED" mkfs.ext4 -q -F "$OFF_DIR/dirty.img"
debugfs -w -R "feature needs_recovery" "$OFF_DIR/dirty.img" >/dev/null 2>&1
OFF_DIRTY_SUM=$(sha256sum <"$OFF_DIR/dirty.img")
reg add "$PARAMS" /v WriteOfferedVolumes /t REG_DWORD /d 2 /f
cycle "offered C:\lklfs-test\offered 0" "volumes Windows offers, read-only by default"
if grep -q 'Parameters.WriteOfferedVolumes must be a REG_DWORD of 0 or 1; offered volumes stay read-only' "$LOG"; then
    ok "a bad WriteOfferedVolumes is reported and offered volumes stay read-only"
else
    not_ok "a bad WriteOfferedVolumes is reported and offered volumes stay read-only"
fi
reg add "$PARAMS" /v WriteOfferedVolumes /t REG_DWORD /d 1 /f
cycle "offered C:\lklfs-test\offered 1" "volumes Windows offers, with WriteOfferedVolumes 1"
reg delete "$PARAMS" /v WriteOfferedVolumes /f
checker_clean "$OFF_DIR/clean.img" e2fsck -fn
if [ "$(debugfs -R "cat /asked.txt" "$OFF_DIR/clean.img" 2>/dev/null)" = "asked for" ] \
    && [ "$(debugfs -R "cat /offered.txt" "$OFF_DIR/clean.img" 2>/dev/null)" = "offered, WriteOfferedVolumes 1" ]; then
    ok "the volume asked for and the offered one with WriteOfferedVolumes 1 were written (debugfs)"
else
    not_ok "the volume asked for and the offered one with WriteOfferedVolumes 1 were written (debugfs)"
fi
if [ "$(sha256sum <"$OFF_DIR/dirty.img")" = "$OFF_DIRTY_SUM" ] && dumpe2fs -h "$OFF_DIR/dirty.img" 2>/dev/null | grep -q needs_recovery; then
    ok "the offered volume whose journal needs recovery is byte for byte as it was, still needing it"
else
    not_ok "the offered volume whose journal needs recovery is byte for byte as it was, still needing it"
fi
# The randomized model test as IRPs (modelclient.rs): seeded sequences of
# Windows-level operations through the file-system driver, compared step by
# step with the NT reference model; then each image's checker and the host
# kernel's view of the tree the IRPs left (paths, sizes, contents).
MODEL_SEEDS=${LKLFS_MODEL_SEEDS:-4}
MODEL_STEPS=${LKLFS_MODEL_STEPS:-10000}
MODEL_DIR="$IMG_DIR/model"
MNT="$TDIR/mnt"
mkdir -p "$MNT"
rm -rf "$MODEL_DIR" && mkdir -p "$MODEL_DIR"
for n in $(seq 1 "$MODEL_SEEDS"); do
    truncate -s 32M "$MODEL_DIR/model-$n.img"
    "$MKFS_FIXED" mkfs.ext4 -q -F "$MODEL_DIR/model-$n.img"
done
cycle "model C:\lklfs-test\model $MODEL_SEEDS $MODEL_STEPS" "the model sequences as IRPs ($MODEL_SEEDS seeds x $MODEL_STEPS steps)"
sed -n 's/^manifest: //p' "$TDIR.client.out" >"$TDIR.model-manifest"
for n in $(seq 1 "$MODEL_SEEDS"); do
    img="$MODEL_DIR/model-$n.img"
    checker_clean "$img" e2fsck -fn
    if mount -o loop,ro "$img" "$MNT" 2>"$TDIR.mount.log"; then
        if why=$(python3 - "$TDIR.model-manifest" "model-$n" "$MNT" <<'PY'
import os, sys
manifest, tag, root = sys.argv[1], sys.argv[2], sys.argv[3]
want = sorted(l.split(": ", 1)[1].strip() for l in open(manifest) if l.startswith(tag + ": "))
def fnv(path):
    h = 0xcbf29ce484222325
    for b in open(path, "rb").read():
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h
got = []
for d, dirs, files in os.walk(root):
    for name in dirs:
        got.append(f"{os.path.relpath(os.path.join(d, name), root)} dir")
    for name in files:
        p = os.path.join(d, name)
        got.append(f"{os.path.relpath(p, root)} {os.path.getsize(p)} {fnv(p):016x}")
got.sort()
if got != want:
    print(f"driver {want}; Linux {got}")
    sys.exit(1)
print(f"{len(got)} entries")
PY
        ); then
            ok "model seed $n: the host kernel shows the tree the IRPs left ($why)"
        else
            not_ok "model seed $n: the host kernel shows the tree the IRPs left ($why)"
        fi
        umount "$MNT"
    else
        cat "$TDIR.mount.log"
        not_ok "loop-mount model-$n.img on the host"
    fi
done
# fs-glue's semantic suite as IRPs (suiteclient.rs, the nt-suite crate):
# every case on fresh copies of one ext4 template whose label and UUID the
# volume-information case checks; then every copy's checker.
SUITE_DIR="$IMG_DIR/suite"
SUITE_LABEL=DATA
SUITE_UUID=1234abcd-0506-0708-090a-0b0c0d0e0f10
rm -rf "$SUITE_DIR" && mkdir -p "$SUITE_DIR"
truncate -s 16M "$SUITE_DIR/template.img"
"$MKFS_FIXED" mkfs.ext4 -q -F -L "$SUITE_LABEL" -U "$SUITE_UUID" "$SUITE_DIR/template.img"
cycle "suite C:\lklfs-test\suite C:\lklfs-test\suite\template.img $SUITE_LABEL $SUITE_UUID" \
    "the semantic suite as IRPs"
suite_images=$(find "$SUITE_DIR" -name 'suite-*.img' | sort -V)
echo "# the semantic suite mounted $(echo "$suite_images" | grep -c . || true) fresh volumes"
for img in $suite_images; do
    checker_clean "$img" e2fsck -fn
done
# The EA case's file as e2fsprogs reads it: what IRPs set as EAs is user.
# xattrs on the disk (eas_at_create in tests/nt-suite/src/ea.rs).
# (debugfs exits 0 whatever its command met: an image without the file
# lists nothing.)
ea_lists=""
for img in $suite_images; do
    eas=$(debugfs -R "ea_list /ea-created" "$img" 2>/dev/null | sort)
    [ -n "$eas" ] && ea_lists+="$eas"$'\n'
done
want_eas=$(printf '%s\n' 'Extended attributes:' '  user.not:nt (4) = "kept"' '  user.second (1) = "2"' | sort)
if [ "$ea_lists" = "$want_eas"$'\n' ]; then
    ok "EAs set through IRPs are the user. xattrs debugfs reads from the image"
else
    printf '%s' "$ea_lists"
    not_ok "EAs set through IRPs are the user. xattrs debugfs reads from the image"
fi
# ext4, btrfs, xfs and vfat (given as vfat) mounted at once, IRPs from four
# threads interleaved over all of them (stressclient.rs, the harness's
# stress.rs); then each image's own checker and its tree as the host (or
# mtools, for FAT) reads it: thread t's file i holds bytes
# (31t + 7i + k) mod 251, 1000 + 37i of them, renamed to g<i> when 3 | i,
# deleted when 5 | i.
STRESS_DIR="$IMG_DIR/stress"
STRESS_THREADS=4
STRESS_FILES=${LKLFS_STRESS_FILES:-40}
rm -rf "$STRESS_DIR" && mkdir -p "$STRESS_DIR"
declare -A STRESS_MKFS=([ext4]="mkfs.ext4 -q -F" [vfat]="mkfs.vfat" [btrfs]="mkfs.btrfs -q -f" [xfs]="mkfs.xfs -q -f")
declare -A STRESS_SIZE=([ext4]=64M [vfat]=64M [btrfs]=128M [xfs]=320M)
for t in ext4 btrfs xfs vfat; do
    truncate -s "${STRESS_SIZE[$t]}" "$STRESS_DIR/stress-$t.img"
    # shellcheck disable=SC2086 # the mkfs words
    "$MKFS_FIXED" ${STRESS_MKFS[$t]} "$STRESS_DIR/stress-$t.img" >/dev/null
done
# The fifth volume, pulled out with a write in flight (removal.rs).
truncate -s 64M "$STRESS_DIR/stress-pulled.img"
"$MKFS_FIXED" mkfs.ext4 -q -F "$STRESS_DIR/stress-pulled.img"
cycle "stress C:\lklfs-test\stress $STRESS_THREADS $STRESS_FILES" "four volumes at once, IRPs from $STRESS_THREADS threads, a fifth pulled out"
grep -o 'lklfs: removal: .*' "$LOG" | tail -1 | sed 's/^/# /' || true
# The pulled disk: consistent to its last flush once its journal is
# replayed (on a copy): e2fsck clean, and /flushed.bin (k mod 251 for
# 64 KiB, written and flushed before the writer started) intact.
cp "$STRESS_DIR/stress-pulled.img" "$TDIR.pulled.img"
e2fsck -fy "$TDIR.pulled.img" >"$TDIR.fsck.log" 2>&1 && replay=0 || replay=$?
rm -f "$TDIR.flushed.bin"
debugfs -R "dump /flushed.bin $TDIR.flushed.bin" "$TDIR.pulled.img" >/dev/null 2>&1 || true
if [ "$replay" -le 1 ] && e2fsck -fn "$TDIR.pulled.img" >>"$TDIR.fsck.log" 2>&1 \
    && python3 -c 'import sys; sys.exit(open(sys.argv[1], "rb").read() != bytes(k % 251 for k in range(65536)))' "$TDIR.flushed.bin"; then
    ok "the disk pulled out with a write in flight is consistent to its last flush (journal replayed, e2fsck clean, /flushed.bin intact)"
else
    cat "$TDIR.fsck.log"
    not_ok "the disk pulled out with a write in flight is consistent to its last flush (e2fsck -fy exit $replay)"
fi
rm -f "$TDIR.pulled.img" "$TDIR.flushed.bin"
grep '^    # stress' "$TDIR.client.out" || true
stress_tree_ok() { # ROOT: the tree the stress threads must have left
    python3 - "$1" "$STRESS_THREADS" "$STRESS_FILES" <<'PY'
import os, sys
root, threads, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
bad = []
for t in range(threads):
    d = os.path.join(root, f"t{t}")
    want = {}
    for i in range(files):
        if i % 5 == 0:
            continue
        want[f"g{i}" if i % 3 == 0 else f"f{i}"] = bytes((t * 31 + i * 7 + k) % 251 for k in range(1000 + 37 * i))
    got = sorted(os.listdir(d)) if os.path.isdir(d) else None
    if got is None or sorted(n.lower() for n in got) != sorted(want):
        bad.append(f"t{t}: {got}")
        continue
    for n in got:
        if open(os.path.join(d, n), "rb").read() != want[n.lower()]:
            bad.append(f"t{t}/{n}: contents")
print("; ".join(bad[:4]) if bad else f"{threads} directories, {threads * len(want)} files")
sys.exit(1 if bad else 0)
PY
}
declare -A STRESS_CHECK=([ext4]="e2fsck -fn" [vfat]="fsck.vfat -n" [btrfs]="btrfs check --readonly" [xfs]="xfs_repair -n")
for t in ext4 btrfs xfs vfat; do
    img="$STRESS_DIR/stress-$t.img"
    # shellcheck disable=SC2086 # the checker's words
    checker_clean "$img" ${STRESS_CHECK[$t]}
    if [ "$t" = vfat ]; then
        rm -rf "$TDIR.stress-vfat" && mkdir -p "$TDIR.stress-vfat"
        mcopy -n -s -i "$img" '::/*' "$TDIR.stress-vfat/" 2>/dev/null || true
        root="$TDIR.stress-vfat"
    elif mount -o loop,ro "$img" "$MNT" 2>"$TDIR.mount.log"; then
        root="$MNT"
    else
        cat "$TDIR.mount.log"
        not_ok "loop-mount stress-$t.img on the host"
        continue
    fi
    if why=$(stress_tree_ok "$root"); then
        ok "$t: the tree four threads wrote at once reads back on Linux ($why)"
    else
        not_ok "$t: the tree four threads wrote at once reads back on Linux ($why)"
    fi
    [ "$root" = "$MNT" ] && umount "$MNT"
done
# 20 more service lifetimes, each booting, mounting, writing and unmounting
# (cycle() checks every unload for zero outstanding allocations).
truncate -s 64M "$IMG_DIR/cycles.img"
"$MKFS_FIXED" mkfs.ext4 -q -F "$IMG_DIR/cycles.img"
# The first with bad Parameters values: each is reported and ignored.
reg add "$PARAMS" /v MemoryMiB /t REG_DWORD /d 4096 /f
reg add "$PARAMS" /v KernelCommandLine /t REG_DWORD /d 1 /f
reg add "$PARAMS" /v FileSystems /t REG_SZ /d "ext4,ntfs" /f
for n in $(seq 1 20); do
    cycle "cycle C:\lklfs-test\cycles.img $n" "start/stop cycle $n of 20"
    if [ "$n" = 1 ]; then
        if grep -q 'Parameters.MemoryMiB = 4096 is outside 16..=1024; using 128' "$LOG" \
            && grep -q 'Parameters.KernelCommandLine is not a REG_SZ; ignored' "$LOG" \
            && grep -q 'Parameters.FileSystems names "ntfs", not ext2, ext3, ext4, btrfs or xfs; claiming all' "$LOG"; then
            ok "bad Parameters values are reported at load and the defaults used"
        else
            not_ok "bad Parameters values are reported at load and the defaults used"
        fi
        reg delete "$PARAMS" /f
    fi
done
# Each file system with its type named (vfat, btrfs and xfs too), made here
# by its own mkfs: the information classes and a known tree (fstypes.rs).
declare -A FS_MKFS=([ext4]="mkfs.ext4 -q -F" [vfat]="mkfs.vfat" [btrfs]="mkfs.btrfs -q -f" [xfs]="mkfs.xfs -q -f")
declare -A FS_SIZE=([ext4]=64M [vfat]=64M [btrfs]=128M [xfs]=320M)
for t in ext4 vfat btrfs xfs; do
    rm -f "$IMG_DIR/type-$t.img"
    truncate -s "${FS_SIZE[$t]}" "$IMG_DIR/type-$t.img"
    "$MKFS_FIXED" ${FS_MKFS[$t]} "$IMG_DIR/type-$t.img" >/dev/null
    cycle "fs-type C:\lklfs-test\type-$t.img $t" "$t image through the driver"
    sed -n 's/^manifest: //p' "$TDIR.client.out" >"$TDIR.manifest-$t"
done
# The product lklfs.sys in the same service: the test parts' requests are
# refused, Linux boots, answers and halts, and unload frees everything.
cp "$PRODUCT_SYS" "$WINEPREFIX/drive_c/windows/system32/drivers/lklfs.sys"
cycle product "product lklfs.sys"
cp "$SYS" "$WINEPREFIX/drive_c/windows/system32/drivers/lklfs.sys"
# Holds Linux's view against the driver's manifest (PATH SIZE MTIME, the
# write time in 100 ns units since 1601): ROOT is where Linux shows the tree;
# RES is the time resolution in 100 ns units that both sides share.
same_manifest() {
    python3 - "$1" "$2" "$3" <<'PY'
import os, sys
manifest, root, res = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = [l.split() for l in open(manifest) if l.strip()]
bad = []
for path, size, mtime in lines:
    st = os.stat(os.path.join(root, path))
    host = st.st_mtime_ns // 100 + 116444736000000000
    if st.st_size != int(size) or host // res != int(mtime) // res:
        bad.append(f"{path}: driver {size} bytes, {mtime}; Linux {st.st_size} bytes, {host}")
print("; ".join(bad) if bad else f"{len(lines)} files")
sys.exit(1 if bad or len(lines) < 2 else 0)
PY
}
sc delete lklfs || true

# The images on Linux: the file system's own checker, then the host kernel.
for img in disk disk2 cycles; do
    checker_clean "$IMG_DIR/$img.img" e2fsck -fn
done
bad=""
for n in $(seq 1 20); do
    want=$(python3 -c "import sys; sys.stdout.write(('cycle $n\\n') * 1000)" | sha256sum)
    got=$(debugfs -R "cat /cycle-$n.txt" "$IMG_DIR/cycles.img" 2>/dev/null | sha256sum)
    [ "$want" = "$got" ] || bad="$bad $n"
done
if [ -z "$bad" ]; then
    ok "Linux (debugfs) reads every cycle's file as that cycle wrote it"
else
    not_ok "Linux (debugfs) reads every cycle's file (differs:$bad)"
fi
# The typed images: each file system's own checker, mtools for FAT, then
# the host kernel reads back the tree the driver left (fstypes.rs).
declare -A FS_CHECK=([ext4]="e2fsck -fn" [vfat]="fsck.vfat -n" [btrfs]="btrfs check --readonly" [xfs]="xfs_repair -n")
MNT="$TDIR/mnt"
mkdir -p "$MNT"
for t in ext4 vfat btrfs xfs; do
    img="$IMG_DIR/type-$t.img"
    # shellcheck disable=SC2086 # the checker's words
    checker_clean "$img" ${FS_CHECK[$t]}
    if [ "$t" = vfat ]; then
        # The host kernel here has no vfat: mtools reads the tree instead
        # (FAT keeps local time; the library's time zone is UTC).
        rm -rf "$TDIR.vfat-tree" && mkdir -p "$TDIR.vfat-tree"
        TZ=UTC mcopy -n -m -s -i "$img" ::/docs "$TDIR.vfat-tree/" 2>/dev/null || true
        names=$(mdir -b -i "$img" ::/docs 2>/dev/null | sed 's|.*/||' | sort | tr '\n' ' ')
        meta=$(stat -c '%s %Y' "$TDIR.vfat-tree/docs/big.bin" 2>/dev/null || true)
        if same=$(same_manifest "$TDIR.manifest-vfat" "$TDIR.vfat-tree" 10000000); then
            ok "mtools shows the driver's manifest of the vfat tree ($same: size, mtime to the second)"
        else
            not_ok "mtools shows the driver's manifest of the vfat tree ($same)"
        fi
        if [ "$(mtype -i "$img" ::/docs/b.txt 2>/dev/null)" = "alp" ] && [ "$names" = "b.txt big.bin " ] \
            && [ "$meta" = "16777216 1577934246" ] && cmp -s "$TDIR.vfat-tree/docs/big.bin" "$IMG_DIR/expected-big.bin"; then
            ok "mtools reads back the driver's vfat tree (names, size, mtime, contents)"
        else
            not_ok "mtools reads back the driver's vfat tree (docs: $names; big.bin size/mtime: $meta)"
        fi
        continue
    fi
    if mount -o loop,ro "$img" "$MNT" 2>"$TDIR.mount.log"; then
        got=$(cd "$MNT/docs" && ls | tr '\n' ' ')
        # big.bin: size, the write time the driver set (UTC), contents;
        # b.txt: "alp"; files the driver created are 0644 (umask 022) on
        # the POSIX file systems.
        if same=$(same_manifest "$TDIR.manifest-$t" "$MNT" 1); then
            ok "host kernel shows the driver's manifest of the $t tree ($same: size, mtime to 100 ns)"
        else
            not_ok "host kernel shows the driver's manifest of the $t tree ($same)"
        fi
        meta=$(stat -c '%s %Y' "$MNT/docs/big.bin")
        mode=$(stat -c '%a' "$MNT/docs/b.txt")
        if [ "$got" = "b.txt big.bin " ] && [ "$meta" = "16777216 1577934246" ] \
            && cmp -s "$MNT/docs/big.bin" "$IMG_DIR/expected-big.bin" \
            && [ "$(cat "$MNT/docs/b.txt")" = "alp" ] && [ "$mode" = 644 ]; then
            ok "host kernel reads back the driver's $t tree (names, size, mtime, mode, contents)"
        else
            not_ok "host kernel reads back the driver's $t tree (docs: $got; big.bin size/mtime: $meta; b.txt mode $mode)"
        fi
        umount "$MNT"
    else
        cat "$TDIR.mount.log"
        not_ok "loop-mount type-$t.img on the host"
    fi
done
file_ops_tree_readable "$IMG_DIR/disk.img" "by the driver"
if mount -o loop,ro "$IMG_DIR/disk2.img" "$MNT" 2>"$TDIR.mount.log"; then
    if [ "$(cat "$MNT/left-open.txt" 2>/dev/null)" = "written before unload" ]; then
        ok "host kernel reads the file DriverUnload unmounted (handle left open)"
    else
        not_ok "host kernel reads the file DriverUnload unmounted"
    fi
    umount "$MNT"
else
    cat "$TDIR.mount.log"
    not_ok "loop-mount disk2.img on the host (needs root and loop devices)"
fi

if grep -Eq 'Unhandled exception|unimplemented function|Unhandled page fault|err:seh' "$LOG"; then
    grep -E 'Unhandled exception|unimplemented function|Unhandled page fault|err:seh' "$LOG" | head -5
    not_ok "no crash or unimplemented-function call in winedevice"
else
    ok "no crash or unimplemented-function call in winedevice"
fi
grep -o 'lklfs: loaded.*' "$LOG" | sed 's/^/# /' || true

"$WINESERVER" -k 2>/dev/null || true
trap - EXIT
finish
