#!/usr/bin/env bash
# A real client of the plugin: Double Commander (Debian's doublecmd-gtk)
# under Xvfb, with lklfs.wfx registered in its doublecmd.xml, opens
# wfx://lklfs/photos in its address line, copies a file out of the ext4
# image with F5, and the copy's bytes are checked. Each step is waited for
# by polling with a bound, never a fixed sleep. The plugin's trace
# (LKLFS_WFX_TRACE) shows what Double Commander called: FsSetDefaultParams
# before FsInitW, a 4096-byte DefaultIniName, paths with `/`. The last
# screen is kept as target/doublecmd/doublecmd.png.
set -euo pipefail

SUITE=55-doublecmd
# shellcheck source=../wine/suite-common.sh
source "$(dirname "$0")/../wine/suite-common.sh"
T="$ROOT/target/doublecmd"
# poll SECONDS CMD...: runs CMD every 0.2 s until it succeeds; false if it
# never does within SECONDS.
poll() {
    local until=$(($(date +%s) + $1))
    shift
    while ! "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$until" ] || return 1
        sleep 0.2
    done
}

# --- 1. tools and the plugin --------------------------------------------------
need=()
for p in doublecmd-gtk xvfb xdotool x11-apps imagemagick e2fsprogs; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
rm -rf "$T" && mkdir -p "$T/cfg" "$T/tree" "$T/out"
if ! (cd "$ROOT" && nice -n 10 cargo build -q --release -p tcplugin) >"$T/build.log" 2>&1; then
    cat "$T/build.log"
    not_ok "the plugin builds"
    finish
    exit 1
fi
cp "$ROOT/target/release/libtcplugin.so" "$T/lklfs.wfx"
printf 'hello from the image, through Double Commander\n' >"$T/tree/hello.txt"
truncate -s 32M "$T/photos.img"
"$MKFS_FIXED" mkfs.ext4 -q -F -d "$T/tree" "$T/photos.img"
printf '[volume photos]\nImage=%s\n' "$T/photos.img" >"$T/cfg/lklfs.ini"

# --- 2. the display and Double Commander's own configuration -------------------
DISPLAY_NO=77
Xvfb ":$DISPLAY_NO" -screen 0 1280x800x24 -nolisten tcp >"$T/xvfb.log" 2>&1 &
XVFB=$!
export DISPLAY=":$DISPLAY_NO"
trap 'kill "${DC_PID:-}" 2>/dev/null || true; kill $XVFB 2>/dev/null || true' EXIT
poll 20 xdotool getdisplaygeometry || { not_ok "Xvfb starts"; finish; exit 1; }
DC_PID=
dc() {
    doublecmd --config-dir="$T/cfg" >>"$T/dc.log" 2>&1 &
    DC_PID=$!
}
gone() { ! kill -0 "$DC_PID" 2>/dev/null; }
window() { xdotool search --name "Double Commander" | tail -1 | grep .; }
# key WINDOW KEYS...: focus the window and type the keys through XTEST
# (GTK ignores synthetic events sent to a window; there is no window
# manager to activate it).
key() {
    xdotool windowfocus "$1" 2>/dev/null || true
    shift
    xdotool key "$@" 2>/dev/null
}
# A first start writes the default doublecmd.xml at its exit (Alt+X).
dc
# close: Alt+X, again every 5 s until it is gone (a window can be up
# before it takes keys).
close() {
    local attempt
    for attempt in 1 2 3 4 5 6; do
        key "$(window)" alt+x || true
        poll 5 gone && return 0
    done
    return 1
}
if poll 60 window && close && poll 10 test -s "$T/cfg/doublecmd.xml"; then
    ok "Double Commander starts under Xvfb and writes its configuration"
else
    not_ok "Double Commander starts under Xvfb and writes its configuration"
    finish
    exit 1
fi
# The plugin registered, the right panel on the output folder, and a key
# for the address line (cm_EditPath has none by default).
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
p = f"{t}/cfg/doublecmd.xml"
s = open(p).read()
s = s.replace("<WfxPlugins>\n", f"<WfxPlugins>\n      <WfxPlugin Enabled=\"True\">\n        <Name>lklfs</Name>\n        <Path>{t}/lklfs.wfx</Path>\n      </WfxPlugin>\n", 1)
right = s.index("<Right>\n        <ActiveTab>")
start = s.index("<Path Filename", right)
end = s.index("</Path>", start)
s = s[:start] + f'<Path Filename="..">{t}/out/' + s[end:]
open(p, "w").write(s)
k = f"{t}/cfg/shortcuts.scf"
s = open(k).read()
hook = "<Command>cm_FocusCmdLine</Command>\n      </Hotkey>"
s = s.replace(hook, hook + "\n      <Hotkey>\n        <Shortcut>Ctrl+Shift+L</Shortcut>\n        <Command>cm_EditPath</Command>\n      </Hotkey>", 1)
open(k, "w").write(s)
PY

# --- 3. browse and copy ---------------------------------------------------------
export LKLFS_WFX_TRACE="$T/trace.txt"
dc
poll 60 window || { not_ok "Double Commander starts again"; finish; exit 1; }
W=$(window)
entered=no
for attempt in 1 2 3; do
    key "$W" ctrl+shift+l
    xdotool type --delay 40 "wfx://lklfs/photos" 2>/dev/null
    key "$W" Return
    if poll 20 grep -q "^FsFindFirstW /photos" "$T/trace.txt"; then
        entered=yes
        break
    fi
    echo "# address line attempt $attempt did not reach the plugin; again"
    key "$W" Escape
done
if [ "$entered" = yes ]; then
    ok "wfx://lklfs/photos in the address line lists the image's root through the plugin"
else
    not_ok "wfx://lklfs/photos in the address line lists the image's root through the plugin"
fi
# The file is the list's last entry ([..], [lost+found], hello.txt); F5
# asks where to copy it (the right panel), Return starts the copy.
copied=no
for attempt in 1 2 3; do
    key "$W" End
    key "$W" F5
    if poll 20 xdotool search --name "Copy file"; then
        key "$(xdotool search --name "Copy file" | head -1)" Return
        if poll 60 test -s "$T/out/hello.txt"; then
            copied=yes
            break
        fi
    fi
    echo "# copy attempt $attempt did not finish; again"
done
if [ "$copied" = yes ] && poll 10 cmp -s "$T/tree/hello.txt" "$T/out/hello.txt"; then
    ok "F5 copies hello.txt out of the image, byte-identical"
else
    not_ok "F5 copies hello.txt out of the image, byte-identical"
fi
xwd -root -silent | convert xwd:- "$T/doublecmd.png" 2>/dev/null || true
[ -s "$T/doublecmd.png" ] && echo "# screenshot: $T/doublecmd.png"
close || kill "$DC_PID" 2>/dev/null || true

# --- 4. what Double Commander called ---------------------------------------------
sed 's/^/# trace: /' "$T/trace.txt" | head -8
first=$(grep -m1 -n '^FsSetDefaultParams' "$T/trace.txt" | cut -d: -f1)
init=$(grep -m1 -n '^FsInitW' "$T/trace.txt" | cut -d: -f1)
if [ -n "$first" ] && [ -n "$init" ] && [ "$first" -lt "$init" ]; then
    ok "Double Commander calls FsSetDefaultParams before FsInitW"
else
    not_ok "Double Commander calls FsSetDefaultParams before FsInitW"
fi
if grep -q '^FsSetDefaultParams size 4108 ' "$T/trace.txt"; then
    ok "its FsDefaultParamStruct is 4108 bytes: a 4096-byte DefaultIniName"
else
    not_ok "its FsDefaultParamStruct is 4108 bytes: a 4096-byte DefaultIniName ($(grep '^FsSetDefaultParams' "$T/trace.txt"))"
fi
if grep -q '^FsGetFileW /photos/hello.txt ' "$T/trace.txt"; then
    ok "its paths use / (FsGetFileW /photos/hello.txt)"
else
    not_ok "its paths use / (FsGetFileW /photos/hello.txt)"
fi
if e2fsck -fn "$T/photos.img" >"$T/fsck.log" 2>&1; then
    ok "e2fsck -fn photos.img: clean after Double Commander closed"
else
    cat "$T/fsck.log"
    not_ok "e2fsck -fn photos.img: clean after Double Commander closed"
fi
finish
