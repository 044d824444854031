# Shared by the Windows suites (sourced, not run): results bookkeeping and
# the tools every one of them needs. The caller sets SUITE first.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
TARGET=x86_64-pc-windows-gnu
WINE_BIN=/usr/lib/wine
# Every image is made with a fixed identity (UUID, hash seed, times).
MKFS_FIXED="$ROOT/tests/mkfs-fixed"
PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); echo "ok - $1"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $1"; }
finish() {
    echo "$SUITE: $PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
}

# The Rust target, mingw-w64, wine64 and e2fsprogs, installed only if missing.
install_windows_tools() {
    if ! rustup target list --installed | grep -qx "$TARGET"; then
        rustup target add "$TARGET"
    fi
    local need=()
    command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
    [ -x "$WINE_BIN/wine64" ] || need+=(wine64)
    command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
    if [ ${#need[@]} -gt 0 ]; then
        echo "# installing ${need[*]}"
        apt-get -o DPkg::Lock::Timeout=900 update -qq
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q "${need[@]}" >/dev/null
    fi
}

# A private 64-bit Wine prefix, created offline on first use:
# wine_prefix PREFIX WINEDEBUG LOG. Sets WINE and WINESERVER.
wine_prefix() {
    export WINEPREFIX=$1
    export WINEDEBUG=$2
    export WINEDLLOVERRIDES="mscoree,mshtml="
    export WINEARCH=win64
    WINE="$WINE_BIN/wine64"
    WINESERVER="$WINE_BIN/wineserver"
    if [ ! -f "$WINEPREFIX/system.reg" ]; then
        echo "# creating the Wine prefix (offline)"
        timeout 300 "$WINE" wineboot -i >>"$3" 2>&1
        "$WINESERVER" -w
    fi
}

# Rust std imports bcryptprimitives!ProcessPrng, which Wine 8.0 lacks: the
# shim goes next to the program that needs it (the application directory
# is searched first). processprng_shim DIR
processprng_shim() {
    x86_64-w64-mingw32-gcc -O2 -shared -o "$1/bcryptprimitives.dll" \
        "$ROOT/tests/wine/processprng-shim.c" "$ROOT/tests/wine/processprng-shim.def" -ladvapi32
}

# The service state `sc start`/`sc query` print (RUNNING, STOPPED, ...),
# read from standard input; nothing when there is none.
sc_state_of() { grep -o 'STATE *: *[0-9]* *[A-Z_]*' | awk '{print $NF}' || true; }
