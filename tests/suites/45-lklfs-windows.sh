#!/usr/bin/env bash
# lklfs.exe: the command-line tool cross-built for Windows user mode (std
# host, the kernel object converted to COFF), run under Wine on an ext4
# image beside the Linux build of the same sources.
#
#  1. installs what it needs (idempotent): the windows-gnu Rust target,
#     mingw-w64, wine64, e2fsprogs;
#  2. builds lklfs for Linux and for x86_64-pc-windows-gnu;
#  3. on an image made by mkfs.ext4 -d: `ls` of two directories and `cat`
#     give the same output from both builds; `get` copies a tree out
#     byte-identically; `put`/`mkdir`/`mv` from the Windows build are read
#     back by the Linux build; e2fsck -fn is clean at the end.
set -euo pipefail

SUITE=45-lklfs-windows
# shellcheck source=../wine/suite-common.sh
source "$(dirname "$0")/../wine/suite-common.sh"
TDIR="$ROOT/target/lklfs-win"

# --- 1. tools ---------------------------------------------------------------
install_windows_tools
mkdir -p "$TDIR"

# --- 2. builds (the default target directory: its kernel cache is shared) ---
if ! nice -n 10 cargo build -q --release -p lklfs >"$TDIR/build.log" 2>&1 \
    || ! nice -n 10 cargo build -q --release --target "$TARGET" -p lklfs >>"$TDIR/build.log" 2>&1; then
    cat "$TDIR/build.log"
    not_ok "lklfs builds for Linux and $TARGET"
    finish
    exit 1
fi
ok "lklfs builds for Linux and $TARGET (kernel object converted to COFF)"
LIN="$ROOT/target/release/lklfs"

# --- 3. Wine ----------------------------------------------------------------
wine_prefix "$TDIR/wineprefix" "-all" "$TDIR/wineboot.log"
DIR="$WINEPREFIX/drive_c/lklfs"
rm -rf "$DIR" "$TDIR/src"
mkdir -p "$DIR" "$TDIR/src/sub/deeper"
processprng_shim "$DIR"
cp "$ROOT/target/$TARGET/release/lklfs.exe" "$DIR/"
# Fixed content and times, so both builds see exactly the same tree.
printf 'hello from Linux\n' >"$TDIR/src/a.txt"
python3 -c 'import random,sys; r=random.Random(7); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(700000)))' >"$TDIR/src/sub/r.bin"
printf 'deep\n' >"$TDIR/src/sub/deeper/d.txt"
find "$TDIR/src" -exec touch -d '2024-01-02 03:04:05' {} +
truncate -s 64M "$DIR/disk.img"
"$MKFS_FIXED" mkfs.ext4 -q -F -d "$TDIR/src" "$DIR/disk.img"
IMG="$DIR/disk.img"
WIMG='C:\lklfs\disk.img'
win() { timeout 120 "$WINE" 'C:\lklfs\lklfs.exe' "$@" 2>>"$TDIR/wine.err" | tr -d '\r'; }

same() {
    local what=$1
    shift
    local l w
    l=$("$LIN" "$@" 2>&1 | sed "s|$IMG|IMG|g") || true
    w=$(win "${@/#$IMG/$WIMG}" | sed 's|C:\\lklfs\\disk.img|IMG|g') || true
    if [ "$l" = "$w" ] && [ -n "$l" ]; then
        ok "lklfs.exe $what = Linux lklfs $what ($(echo "$l" | wc -l) lines)"
    else
        diff <(echo "$l") <(echo "$w") | head -10
        not_ok "lklfs.exe $what = Linux lklfs $what"
    fi
}
"$WINESERVER" -k 2>/dev/null || true
"$WINESERVER" -p
trap '"$WINESERVER" -k 2>/dev/null || true' EXIT
same "ls /" ls "$IMG" /
same "ls /sub" ls "$IMG" /sub
same "cat /a.txt" cat "$IMG" /a.txt
same "stat /sub/r.bin" stat "$IMG" /sub/r.bin

rm -rf "$DIR/out"
win -q get "$WIMG" /sub 'C:\lklfs\out' >/dev/null
if diff -r "$TDIR/src/sub" "$DIR/out" >/dev/null 2>&1; then
    ok "lklfs.exe get /sub copies the tree out byte-identically"
else
    diff -r "$TDIR/src/sub" "$DIR/out" 2>&1 | head -5
    not_ok "lklfs.exe get /sub copies the tree out byte-identically"
fi

head -c 3000000 /dev/urandom >"$DIR/put.bin"
win -q mkdir "$WIMG" /from-windows >/dev/null
win -q put "$WIMG" 'C:\lklfs\put.bin' /from-windows/put.bin >/dev/null
win -q mv "$WIMG" /a.txt /from-windows/a.txt >/dev/null
rm -f "$TDIR/back.bin"
if "$LIN" -q get "$IMG" /from-windows/put.bin "$TDIR/back.bin" >/dev/null 2>&1 && cmp -s "$DIR/put.bin" "$TDIR/back.bin" \
    && [ "$("$LIN" cat "$IMG" /from-windows/a.txt 2>&1)" = "hello from Linux" ]; then
    ok "mkdir/put/mv by lklfs.exe read back by the Linux build (3 MB byte-identical)"
else
    not_ok "mkdir/put/mv by lklfs.exe read back by the Linux build"
fi
same "ls /from-windows" ls "$IMG" /from-windows
if e2fsck -fn "$IMG" >"$TDIR/fsck.log" 2>&1; then
    ok "e2fsck -fn clean after the Windows build wrote the image"
else
    cat "$TDIR/fsck.log"
    not_ok "e2fsck -fn clean after the Windows build wrote the image"
fi
"$WINESERVER" -k 2>/dev/null || true
trap - EXIT
finish
