#!/usr/bin/env bash
# The Windows package (`cargo xtask dist`): its signatures, then its setup
# program, its uninstaller and its INF run in a fresh Wine prefix.
#
#  1. installs what it needs (idempotent): the windows-gnu Rust target,
#     mingw-w64, wine64, osslsigncode, openssl;
#  2. `cargo xtask dist`: the package's files are there, every signature
#     verifies against the test certificate (the driver's with page
#     hashes), and a tampered driver or setup program fails;
#  3. in a new prefix, `lklfs-setup.exe /S`: files, service (type 2, system
#     start, group, error control, parameters), started, the driver answers
#     `lklfs.exe` found through the PATH, the Programs and Features entry;
#     the service comes back after the prefix restarts;
#  4. a mounted volume refuses the upgrade and the uninstall (exit 3) and
#     nothing changes; unmounted, a second setup upgrades in place (files
#     replaced, service restarted, a user's parameter kept);
#  5. the uninstaller: service, keys, PATH entry and files gone, its own
#     file deleted at the restart, and every file of the prefix and the
#     whole registry as they were before the install; a 3,000-character
#     PATH kept whole through an install and an uninstall;
#  6. the INF route: InstallHinfSection installs the same service and
#     parameters, and its uninstall section removes them.
set -euo pipefail

SUITE=60-windows-package
# shellcheck source=../wine/suite-common.sh
source "$(dirname "$0")/../wine/suite-common.sh"
TDIR="$ROOT/target/dist-test"

# --- 1. tools ---------------------------------------------------------------
install_windows_tools
if ! command -v osslsigncode >/dev/null || ! command -v openssl >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q osslsigncode openssl >/dev/null
fi
rm -rf "$TDIR"
mkdir -p "$TDIR"

# --- 2. the package ---------------------------------------------------------
if ! nice -n 10 cargo xtask dist >"$TDIR/dist.log" 2>&1; then
    tail -30 "$TDIR/dist.log"
    not_ok "cargo xtask dist builds the package"
    finish
    exit 1
fi
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
PKG="$ROOT/target/dist/lklfs-$VERSION-windows-x64"
CERT="$ROOT/target/dist-cert/lklfs-test.pem"
grep -E '^lklfs-|\.zip: ' "$TDIR/dist.log" | sed 's/^/# /'
listed=$(python3 -c 'import sys, zipfile; print(" ".join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))' \
    "$PKG.zip" | sed "s|lklfs-$VERSION-windows-x64/||g")
want="docs/README.md docs/plugin.md docs/windows.md lklfs-setup.exe lklfs-test.cer lklfs-wfx.zip lklfs.exe lklfs.inf lklfs.sys"
if [ "$listed" = "$want" ]; then
    ok "cargo xtask dist: the zip holds $want"
else
    not_ok "cargo xtask dist: the zip holds $want (found: $listed)"
fi

# The plugin's DLL is signed inside its own zip.
python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("lklfs.wfx64"))' \
    "$PKG/lklfs-wfx.zip" "$TDIR/lklfs.wfx64"
verify() { osslsigncode verify -CAfile "$CERT" -in "$1" >"$TDIR/verify.log" 2>&1; }
for f in "$PKG/lklfs.sys" "$PKG/lklfs.exe" "$PKG/lklfs-setup.exe" "$TDIR/lklfs.wfx64"; do
    if verify "$f" && grep -q 'Signature verification: ok' "$TDIR/verify.log" \
        && grep -q 'Message digest algorithm *: SHA256' "$TDIR/verify.log"; then
        ok "osslsigncode verify: $(basename "$f") is signed (SHA-256) by the test certificate"
    else
        cat "$TDIR/verify.log"
        not_ok "osslsigncode verify: $(basename "$f") is signed by the test certificate"
    fi
done
if verify "$PKG/lklfs.sys" && grep -qi 'page hash' "$TDIR/verify.log"; then
    ok "the driver's signature carries page hashes"
else
    not_ok "the driver's signature carries page hashes"
fi
# One byte changed in the middle of each image must break its signature.
for f in lklfs.sys lklfs-setup.exe; do
    cp "$PKG/$f" "$TDIR/tampered-$f"
    size=$(stat -c %s "$TDIR/tampered-$f")
    printf '\xa5' | dd of="$TDIR/tampered-$f" bs=1 seek=$((size / 2)) conv=notrunc status=none
    if verify "$TDIR/tampered-$f"; then
        not_ok "a tampered $f fails verification (it verified)"
    else
        ok "a tampered $f fails verification ($(grep -m1 -iE 'mismatch|failed' "$TDIR/verify.log" | tr -s ' '))"
    fi
done

# --- 3. install in a fresh prefix -------------------------------------------
LOG="$TDIR/wine.log"
wine_prefix "$TDIR/wineprefix" "-all,warn+debugstr" "$LOG"
C="$WINEPREFIX/drive_c"
# Wine 8 lacks ProcessPrng (see suite-common.sh): the shim goes into
# system32 before the "before" picture, so every Rust program finds it.
processprng_shim "$C/windows/system32"
export WINEDLLOVERRIDES="$WINEDLLOVERRIDES;bcryptprimitives=n"
"$WINESERVER" -k 2>/dev/null || true
"$WINESERVER" -p
trap '"$WINESERVER" -k 2>/dev/null || true' EXIT
w() { timeout 120 "$WINE" "$@" 2>>"$LOG" | tr -d '\r'; }
# A key's or value's lines; nothing when there is none ("reg: Unable to
# find..." is reg's answer for that).
reg_q() { w reg query "$@" 2>/dev/null | grep -v -e '^reg: ' -e '^$' || true; }
SVC='HKLM\System\CurrentControlSet\Services\lklfs'
UNINST='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\lklfs'
ENV='HKLM\System\CurrentControlSet\Control\Session Manager\Environment'
# What the uninstaller must give back: every file of the prefix (but the
# package's copy) and the whole registry (HKLM\Software, HKLM\System, HKCU)
# less what Wine rewrites by itself: ServiceCurrent (the count of services
# started) and the display adapter's keys, made anew with new GUIDs and
# dates when a session starts.
VOLATILE='\Control\ServiceCurrent]|\Control\Video\|\Control\Class\{4D36E968-E325-11CE-BFC1-08002BE10318}'
reg_sections() { # reg_sections FILE: a reg export as text, volatile keys left out
    python3 -c '
import sys
drop = sys.argv[2].lower().split("|")
keep = True
for line in open(sys.argv[1], encoding="utf-16").read().splitlines():
    if line.startswith("["):
        keep = not any(d in line.lower() for d in drop)
    if keep:
        print(line)' "$1" "$VOLATILE"
}
picture() {
    (cd "$C" && find . -path ./pkg -prune -o -print | sort)
    local k f
    for k in 'HKLM\Software' 'HKLM\System' 'HKCU'; do
        f="picture-${k//\\/-}.reg"
        w reg export "$k" "C:\\$f" /y >/dev/null || true
        echo "== $k"
        reg_sections "$C/$f"
        rm -f "$C/$f"
    done
}
path_value() { reg_q "$ENV" /v Path | awk '$1 == "Path" {$1 = $2 = ""; print substr($0, 3)}'; }
ORIG_PATH=$(path_value)
picture >"$TDIR/before.txt"
mkdir -p "$C/pkg"
cp -r "$PKG/." "$C/pkg/"
sc_state() { w sc query lklfs | sc_state_of || true; }
# reg_is KEY NAME TYPE DATA: one value as `reg query` shows it.
reg_is() {
    local got
    got=$(reg_q "$1" /v "$2" | awk -v n="$2" '$1 == n {$1 = ""; print substr($0, 2)}')
    [ "$got" = "$3 $4" ] || { echo "# $1\\$2: ${got:-absent}"; return 1; }
}

# Interactive, it asks first: "n" installs nothing (exit 3).
set +e
printf 'n\n' | timeout 120 "$WINE" 'C:\pkg\lklfs-setup.exe' >"$TDIR/asked.out" 2>>"$LOG"
rc=$?
set -e
if [ "$rc" = 3 ] && grep -q 'Install lklfs .* into C:\\Program Files\\lklfs? \[Y/n\]' "$TDIR/asked.out" && [ -z "$(sc_state)" ] \
    && [ ! -e "$C/Program Files/lklfs" ]; then
    ok "run without /S, setup asks first; answered n, it installs nothing (exit 3)"
else
    cat "$TDIR/asked.out"
    not_ok "run without /S, setup asks first and n installs nothing (exit $rc)"
fi
set +e
w 'C:\pkg\lklfs-setup.exe' /S >"$TDIR/setup.out"
rc=$?
set -e
if [ "$rc" -eq 0 ]; then ok "lklfs-setup.exe /S exits 0"; else cat "$TDIR/setup.out"; tail "$LOG"; not_ok "lklfs-setup.exe /S exits 0 (got $rc)"; fi
same_files() { # same_files: the installed files are the package's
    cmp -s "$PKG/lklfs.sys" "$C/windows/system32/drivers/lklfs.sys" \
        && cmp -s "$PKG/lklfs.exe" "$C/Program Files/lklfs/lklfs.exe" \
        && cmp -s "$PKG/lklfs-wfx.zip" "$C/Program Files/lklfs/lklfs-wfx.zip" \
        && cmp -s "$PKG/docs/windows.md" "$C/Program Files/lklfs/docs/windows.md" \
        && cmp -s "$PKG/lklfs-setup.exe" "$C/Program Files/lklfs/uninstall.exe"
}
if same_files; then
    ok "installed: lklfs.sys in system32\\drivers; lklfs.exe, the plugin zip, docs, uninstall.exe in Program Files\\lklfs"
else
    (cd "$C" && find "Program Files/lklfs" windows/system32/drivers/lklfs.sys 2>&1 | sed 's/^/# /')
    not_ok "installed files are the package's"
fi
if reg_is "$SVC" Type REG_DWORD 0x2 && reg_is "$SVC" Start REG_DWORD 0x1 && reg_is "$SVC" ErrorControl REG_DWORD 0x1 \
    && reg_is "$SVC" Group REG_SZ "File System" && reg_is "$SVC" ImagePath REG_SZ '\SystemRoot\System32\drivers\lklfs.sys'; then
    ok "the service: file-system driver (type 2), system start, ErrorControl 1, group File System, the drivers folder's image"
else
    not_ok "the service's type, start, error control, group and image"
fi
if reg_is "$SVC\\Parameters" MemoryMiB REG_DWORD 0x80 && reg_is "$SVC\\Parameters" FileSystems REG_SZ ext2,ext3,ext4,btrfs,xfs \
    && reg_is "$SVC\\Parameters" WriteOfferedVolumes REG_DWORD 0x0; then
    ok "Parameters: MemoryMiB 128, FileSystems ext2,ext3,ext4,btrfs,xfs, WriteOfferedVolumes 0"
else
    not_ok "Parameters defaults"
fi
state=$(sc_state)
if [ "$state" = RUNNING ]; then ok "the service runs after setup"; else not_ok "the service runs after setup (state ${state:-none})"; fi
# `lklfs.exe` by name alone, from a new process: found through the PATH,
# and it reaches the driver's control device.
if out=$(w cmd /c 'lklfs.exe list') && [ "$out" = "no image disks" ]; then
    ok "lklfs.exe is on the PATH and the driver answers it (lklfs list: $out)"
else
    not_ok "lklfs.exe is on the PATH and the driver answers it (got: ${out:-nothing})"
fi
path=$(path_value)
if [ "$path" = "$ORIG_PATH;C:\Program Files\lklfs" ]; then
    ok "the system PATH is kept, with C:\\Program Files\\lklfs added once at its end"
else
    not_ok "the system PATH is kept whole with the install folder added (${#path} characters: ...${path: -80})"
fi
if reg_is "$UNINST" QuietUninstallString REG_SZ '"C:\Program Files\lklfs\uninstall.exe" /S' \
    && reg_is "$UNINST" DisplayVersion REG_SZ "$VERSION" && reg_is "$UNINST" DisplayName REG_SZ "lklfs (Linux file systems)"; then
    ok "Programs and Features lists lklfs $VERSION with its uninstaller"
else
    not_ok "the Programs and Features entry"
fi
# A system-start service comes back when Windows (here: the prefix) starts.
"$WINESERVER" -k 2>/dev/null || true
"$WINESERVER" -w
"$WINESERVER" -p
state=""
for _ in $(seq 30); do
    state=$(sc_state)
    [ "$state" = RUNNING ] && break
    sleep 1
done
if [ "$state" = RUNNING ] && [ "$(w cmd /c 'lklfs.exe list')" = "no image disks" ]; then
    ok "after a restart of the prefix the service runs again (system start) and the driver answers"
else
    not_ok "after a restart of the prefix the service runs again (state ${state:-none})"
fi

# --- 4. upgrade -------------------------------------------------------------
truncate -s 32M "$C/disk.img"
"$MKFS_FIXED" mkfs.ext4 -q -F "$C/disk.img"
w cmd /c 'lklfs.exe mount C:\disk.img' >"$TDIR/mount.out" || true
installed_sums() {
    (cd "$C" && find "Program Files/lklfs" windows/system32/drivers/lklfs.sys -type f | sort | xargs -d '\n' sha256sum)
    reg_q "$SVC" /s
}
installed_sums >"$TDIR/sums-before"
for what in setup uninstall; do
    if [ $what = setup ]; then exe='C:\pkg\lklfs-setup.exe'; else exe='C:\Program Files\lklfs\uninstall.exe'; fi
    set +e
    timeout 120 "$WINE" "$exe" /S >"$TDIR/blocked.out" 2>&1
    rc=$?
    set -e
    msg=$(tr -d '\r' <"$TDIR/blocked.out")
    installed_sums >"$TDIR/sums-after"
    if [ "$rc" = 3 ] && grep -q 'still mounted: disk 0 (C:\\disk.img)' <<<"$msg" && cmp -s "$TDIR/sums-before" "$TDIR/sums-after" \
        && [ "$(sc_state)" = RUNNING ]; then
        ok "a mounted volume blocks the $what (exit 3, nothing changed): ${msg#lklfs setup: }"
    else
        echo "# $msg"
        not_ok "a mounted volume blocks the $what (exit $rc)"
    fi
done
w cmd /c 'lklfs.exe unmount 0' >/dev/null || true
rm -f "$C/disk.img"
# A parameter the user changed, and an installed file gone stale.
w reg add "$SVC\\Parameters" /v MemoryMiB /t REG_DWORD /d 256 /f >/dev/null
printf 'stale' >"$C/Program Files/lklfs/lklfs.exe"
unloads=$(grep -ac 'lklfs: unloaded;' "$LOG" || true)
set +e
w 'C:\pkg\lklfs-setup.exe' /S >"$TDIR/upgrade.out"
rc=$?
set -e
unloads_after=$(grep -ac 'lklfs: unloaded;' "$LOG" || true)
if [ "$rc" = 0 ] && same_files && [ "$(sc_state)" = RUNNING ] && [ "$unloads_after" -gt "$unloads" ] \
    && reg_is "$SVC\\Parameters" MemoryMiB REG_DWORD 0x100; then
    ok "a second setup upgrades in place: the driver unloaded and started again, files replaced, MemoryMiB 256 kept"
else
    cat "$TDIR/upgrade.out"
    not_ok "a second setup upgrades in place (exit $rc, unloads $unloads -> $unloads_after)"
fi

# --- 5. uninstall -----------------------------------------------------------
set +e
w 'C:\Program Files\lklfs\uninstall.exe' /S >"$TDIR/uninstall.out"
rc=$?
set -e
state=$(sc_state)
if [ "$rc" = 0 ] && [ -z "$state" ] && [ -z "$(reg_q "$SVC")" ] && [ -z "$(reg_q "$UNINST")" ] \
    && [ ! -e "$C/windows/system32/drivers/lklfs.sys" ]; then
    ok "the uninstaller (exit 0) deleted the service, its keys, the Programs and Features entry and the driver"
else
    cat "$TDIR/uninstall.out"
    not_ok "the uninstaller deleted the service and its keys (exit $rc, state ${state:-none})"
fi
left=$(cd "$C/Program Files" && find lklfs 2>/dev/null | sort | tr '\n' ' ')
pending=$(reg_q 'HKLM\System\CurrentControlSet\Control\Session Manager' /v PendingFileRenameOperations)
if [ "$left" = "lklfs lklfs/uninstall.exe " ] && grep -qF 'lklfs\uninstall.exe' <<<"$pending"; then
    ok "only the running uninstall.exe and its folder are left, marked for deletion at the restart"
else
    not_ok "only the running uninstall.exe is left, marked for deletion (left: $left)"
fi
w wineboot -r >/dev/null || true
picture >"$TDIR/after.txt"
if diff "$TDIR/before.txt" "$TDIR/after.txt" >"$TDIR/picture.diff"; then
    ok "after the restart every file of the prefix and the whole registry are as before the install ($(wc -l <"$TDIR/before.txt") lines)"
else
    head -20 "$TDIR/picture.diff"
    not_ok "after the uninstall and a restart the prefix is as before the install"
fi

# A long system PATH (about 3,000 characters: past the 1,024 and 2,048
# that fixed-size buffers hold): setup adds to it and the uninstaller takes
# its entry out, the rest whole. (Wine 8 gives a new process only the first
# 1,015 characters of a longer PATH in the registry, measured with
# GetEnvironmentVariableW, so lklfs.exe at the end of such a PATH is not
# found by name here; Windows passes it whole.)
LONG_PATH=$ORIG_PATH
for i in $(seq 120); do LONG_PATH+=";C:\Tools\package-$i\bin"; done
w reg add "$ENV" /v Path /t REG_EXPAND_SZ /d "$LONG_PATH" /f >/dev/null
w 'C:\pkg\lklfs-setup.exe' /S >/dev/null || true
added=$(path_value)
w 'C:\Program Files\lklfs\uninstall.exe' /S >/dev/null || true
w wineboot -r >/dev/null || true
removed=$(path_value)
if [ "$added" = "$LONG_PATH;C:\Program Files\lklfs" ] && [ "$removed" = "$LONG_PATH" ]; then
    ok "a ${#LONG_PATH}-character PATH: kept whole with the folder added, and given back exactly by the uninstaller"
else
    not_ok "a long PATH kept whole (${#LONG_PATH} characters; after setup ${#added}, after uninstall ${#removed})"
fi
w reg add "$ENV" /v Path /t REG_EXPAND_SZ /d "$ORIG_PATH" /f >/dev/null

# --- 6. the INF route -------------------------------------------------------
# Wine 8 retries a copy whose source it cannot find for ever: bounded.
inf() { timeout 60 "$WINE" rundll32 setupapi.dll,InstallHinfSection "$1" 132 'C:\pkg\lklfs.inf' >>"$LOG" 2>&1; }
if inf DefaultInstall.NTamd64 && cmp -s "$PKG/lklfs.sys" "$C/windows/system32/drivers/lklfs.sys" \
    && reg_is "$SVC" Type REG_DWORD 0x2 && reg_is "$SVC" Start REG_DWORD 0x1 && reg_is "$SVC" ErrorControl REG_DWORD 0x1 \
    && reg_is "$SVC" Group REG_SZ "File System" && reg_is "$SVC\\Parameters" MemoryMiB REG_DWORD 0x80 \
    && reg_is "$SVC\\Parameters" FileSystems REG_SZ ext2,ext3,ext4,btrfs,xfs \
    && reg_is "$SVC\\Parameters" WriteOfferedVolumes REG_DWORD 0x0; then
    ok "the INF's DefaultInstall.NTamd64 copies lklfs.sys and makes the same service and parameters"
else
    not_ok "the INF's DefaultInstall.NTamd64 installs the driver and the service"
fi
# The INF does not start the service (Windows: at the next start, or sc start).
w sc start lklfs >/dev/null || true
state=""
for _ in $(seq 30); do
    state=$(sc_state)
    [ "$state" = START_PENDING ] || break
    sleep 1
done
if [ "$state" = RUNNING ] && [ "$(w 'C:\pkg\lklfs.exe' list)" = "no image disks" ]; then
    ok "the service the INF made starts and its driver answers"
else
    not_ok "the service the INF made starts (state ${state:-none})"
fi
# Wine deletes the files before its services step stops the driver, and
# cannot delete a loaded driver's file (Windows stops it first, 0x200):
# stopped here first.
w sc stop lklfs >/dev/null || true
if inf DefaultUninstall.NTamd64 && [ -z "$(sc_state)" ] && [ -z "$(reg_q "$SVC")" ] \
    && [ ! -e "$C/windows/system32/drivers/lklfs.sys" ]; then
    ok "the INF's DefaultUninstall.NTamd64 removes the service, its parameters and lklfs.sys"
else
    not_ok "the INF's DefaultUninstall.NTamd64 removes the service, its parameters and lklfs.sys"
fi
picture >"$TDIR/after-inf.txt"
if diff "$TDIR/before.txt" "$TDIR/after-inf.txt" >"$TDIR/picture-inf.diff"; then
    ok "after the INF's uninstall every file of the prefix and the whole registry are as before"
else
    head -20 "$TDIR/picture-inf.diff"
    not_ok "after the INF's uninstall every file of the prefix and the whole registry are as before"
fi
finish
