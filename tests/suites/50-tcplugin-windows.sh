#!/usr/bin/env bash
# The Total Commander plugin's Windows build (lklfs.wfx64: the kernel object
# converted to COFF, as in lklfs.exe) loaded under Wine by a test host
# (tests/wfx-host), which runs the plugin test's own scenario on ext4,
# btrfs, xfs and vfat images; then each image's checker and the host
# kernel (mtools for FAT) must agree with what the plugin reported.
#
#  1. installs what it needs (idempotent): the windows-gnu Rust target,
#     mingw-w64, wine64 and the file systems' tools;
#  2. builds the plugin and the host for x86_64-pc-windows-gnu;
#  3. under Wine: the scenario on each volume, then its disconnect;
#  4. each checker clean, `dir` holds only big.bin with the bytes put.
set -euo pipefail

SUITE=50-tcplugin-windows
# shellcheck source=../wine/suite-common.sh
source "$(dirname "$0")/../wine/suite-common.sh"
TDIR="$ROOT/target/tcplugin-win"

# --- 1. tools ---------------------------------------------------------------
install_windows_tools
mkdir -p "$TDIR"

# --- 2. builds (the default target directory: its kernel cache is shared) ---
if ! nice -n 10 cargo build -q --release --target "$TARGET" -p tcplugin -p wfx-host >"$TDIR/build.log" 2>&1; then
    cat "$TDIR/build.log"
    not_ok "the plugin and its test host build for $TARGET"
    finish
    exit 1
fi
ok "the plugin (lklfs.wfx64) and its test host build for $TARGET"

# --- 3. Wine ----------------------------------------------------------------
wine_prefix "$TDIR/wineprefix" "-all" "$TDIR/wineboot.log"
DIR="$WINEPREFIX/drive_c/lklfs-wfx"
rm -rf "$DIR"
mkdir -p "$DIR"
processprng_shim "$DIR"
cp "$ROOT/target/$TARGET/release/tcplugin.dll" "$DIR/lklfs.wfx64"
cp "$ROOT/target/$TARGET/release/wfx-host.exe" "$DIR/"
declare -A MKFS=([ext4]="mkfs.ext4 -q -F" [vfat]="mkfs.vfat" [btrfs]="mkfs.btrfs -q -f" [xfs]="mkfs.xfs -q -f")
declare -A SIZE=([ext4]=64M [vfat]=64M [btrfs]=128M [xfs]=320M)
printf '[lklfs]\r\nMemoryMiB=96\r\n' >"$DIR/lklfs.ini"
for t in ext4 btrfs xfs vfat; do
    truncate -s "${SIZE[$t]}" "$DIR/$t.img"
    # shellcheck disable=SC2086 # the mkfs words
    "$MKFS_FIXED" ${MKFS[$t]} "$DIR/$t.img" >/dev/null
    printf '\r\n[volume t-%s]\r\nImage=C:\\lklfs-wfx\\%s.img\r\n' "$t" "$t" >>"$DIR/lklfs.ini"
done
# The scenario's local files (tests/common: pattern(9 MiB + 17, 1)).
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + 13) % 251 for i in range((9 << 20) + 17)))' >"$DIR/big.bin"
printf 'hello' >"$DIR/a.txt"
"$WINESERVER" -k 2>/dev/null || true
"$WINESERVER" -p
trap '"$WINESERVER" -k 2>/dev/null || true' EXIT
timeout 600 "$WINE" 'C:\lklfs-wfx\wfx-host.exe' 'C:\lklfs-wfx\lklfs.wfx64' 'C:\lklfs-wfx' \
    t-ext4 t-btrfs t-xfs t-vfat >"$TDIR/host.out" 2>"$TDIR/wine.err" || true
tr -d '\r' <"$TDIR/host.out" | grep '^#' || true
for t in ext4 btrfs xfs vfat; do
    line=$(tr -d '\r' <"$TDIR/host.out" | grep -E "^(not )?ok - t-$t:" || true)
    case "$line" in
        "ok - "*) ok "${line#ok - }" ;;
        *)
            tail -20 "$TDIR/wine.err"
            not_ok "t-$t: the plugin test's scenario through lklfs.wfx64 (${line:-no answer})"
            ;;
    esac
done
"$WINESERVER" -k 2>/dev/null || true
trap - EXIT

# --- 4. the images ----------------------------------------------------------
declare -A CHECK=([ext4]="e2fsck -fn" [vfat]="fsck.vfat -n" [btrfs]="btrfs check --readonly" [xfs]="xfs_repair -n")
MNT="$TDIR/mnt"
mkdir -p "$MNT"
for t in ext4 btrfs xfs vfat; do
    img="$DIR/$t.img"
    # shellcheck disable=SC2086 # the checker's words
    if ${CHECK[$t]} "$img" >"$TDIR/check.log" 2>&1; then
        ok "${CHECK[$t]} $t.img: clean after lklfs.wfx64 wrote it"
    else
        cat "$TDIR/check.log"
        not_ok "${CHECK[$t]} $t.img: clean after lklfs.wfx64 wrote it"
    fi
    rm -f "$TDIR/big.back"
    if [ "$t" = vfat ]; then
        names=$(mdir -b -i "$img" ::/dir 2>/dev/null | tr -d ' ' || true)
        mcopy -n -i "$img" ::/dir/big.bin "$TDIR/big.back" 2>/dev/null || true
        [ "$names" = "::/dir/big.bin" ] || names="$names (want ::/dir/big.bin)"
    elif mount -o loop,ro "$img" "$MNT" 2>"$TDIR/mount.log"; then
        names=$(ls "$MNT/dir")
        cp "$MNT/dir/big.bin" "$TDIR/big.back" 2>/dev/null || true
        umount "$MNT"
    else
        names="(no loop mount: $(cat "$TDIR/mount.log"))"
    fi
    if { [ "$names" = big.bin ] || [ "$names" = "::/dir/big.bin" ]; } && cmp -s "$DIR/big.bin" "$TDIR/big.back"; then
        ok "$t: what lklfs.wfx64 left reads back on Linux (dir holds big.bin, byte-identical)"
    else
        not_ok "$t: what lklfs.wfx64 left reads back on Linux (dir holds: $names)"
    fi
done

# --- 5. the packages (cargo xtask plugin) -------------------------------------
if cargo xtask plugin >"$TDIR/package.log" 2>&1 \
    && python3 - "$ROOT/target/plugin/lklfs-wfx.zip" "$ROOT/target/$TARGET/release/tcplugin.dll" <<'PY'; then
import configparser, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert sorted(z.namelist()) == ["lklfs.wfx64", "pluginst.inf"], z.namelist()
inf = configparser.ConfigParser()
inf.read_string(z.read("pluginst.inf").decode())
p = inf["plugininstall"]
assert p["type"] == "wfx" and p["file"] == "lklfs.wfx" and p["defaultdir"] and p["description"], dict(p)
assert z.read("lklfs.wfx64") == open(sys.argv[2], "rb").read(), "the zip holds another build"
PY
    ok "cargo xtask plugin: lklfs-wfx.zip holds pluginst.inf ([plugininstall] type=wfx, file=lklfs.wfx, defaultdir, description) and the lklfs.wfx64 tested above"
else
    tail -20 "$TDIR/package.log"
    not_ok "cargo xtask plugin: lklfs-wfx.zip holds pluginst.inf and the lklfs.wfx64 tested above"
fi
# Both builds export the SDK's functions (W ones, and the ANSI-only ones).
WANT="FsContentGetSupportedField FsContentGetValueW FsDeleteFileW FsDisconnectW FsExecuteFileW FsFindClose FsFindFirstW FsFindNextW FsGetDefRootName FsGetFileW FsInitW FsMkDirW FsPutFileW FsRemoveDirW FsRenMovFileW FsSetAttrW FsSetDefaultParams FsSetTimeW FsStatusInfoW"
win_exports=$(x86_64-w64-mingw32-objdump -p "$ROOT/target/$TARGET/release/tcplugin.dll" | awk '/\[ *[0-9]+\] Fs/ {print $3}' | sort | tr '\n' ' ')
lin_exports=$(nm -D --defined-only "$ROOT/target/plugin/lklfs.wfx" | awk '$3 ~ /^Fs/ {print $3}' | sort | tr '\n' ' ')
if [ "$win_exports" = "$WANT " ] && [ "$lin_exports" = "$WANT " ]; then
    ok "lklfs.wfx64 and lklfs.wfx export the same $(echo "$WANT" | wc -w) WFX functions"
else
    not_ok "the WFX exports (Windows: $win_exports; Linux: $lin_exports)"
fi
finish
