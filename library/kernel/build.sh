#!/bin/bash
# Builds the library kernel into OUT (a cache directory keyed by the
# configuration): extracts Debian's linux-source-6.1 once, applies the
# project's patches, overlays arch/lkl, configures allnoconfig + lkl.config,
# builds vmlinux as one relocatable object and keeps only the lkl_* API
# global. Result: OUT/lkl.o. Incremental after the first run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR}
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${LKL_JOBS:-$(nproc)}

if [ ! -f "$tarball" ]; then
	echo "build.sh: $tarball missing: apt-get install linux-source-6.1" >&2
	exit 1
fi

mkdir -p "$out"
src=$out/src
if [ ! -f "$src/.lkl-extracted" ]; then
	rm -rf "$src"
	mkdir -p "$src"
	echo "lkl: extracting $tarball"
	tar -xf "$tarball" -C "$src" --strip-components=1
	for p in "$here"/patches/*.patch; do
		[ -e "$p" ] || continue
		echo "lkl: applying $(basename "$p")"
		patch -d "$src" -p1 --quiet < "$p"
	done
	touch "$src/.lkl-extracted"
fi

# Copy only files whose content changed, so make's timestamps stay useful.
python3 - "$here/arch/lkl" "$src/arch/lkl" <<'PY'
import filecmp, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
want = set()
for root, _, files in os.walk(src):
    for f in files:
        s = os.path.join(root, f)
        rel = os.path.relpath(s, src)
        want.add(rel)
        d = os.path.join(dst, rel)
        if not os.path.exists(d) or not filecmp.cmp(s, d, shallow=False):
            os.makedirs(os.path.dirname(d), exist_ok=True)
            shutil.copyfile(s, d)
for root, _, files in os.walk(dst):
    for f in files:
        rel = os.path.relpath(os.path.join(root, f), dst)
        if rel not in want:
            os.remove(os.path.join(root, f))
PY

build=$out/build
mkdir -p "$build"
make_args=(-C "$src" O="$build" ARCH=lkl -s)
if ! cmp -s "$here/lkl.config" "$build/.lkl.config"; then
	make "${make_args[@]}" KCONFIG_ALLCONFIG="$here/lkl.config" allnoconfig
	# Every line of lkl.config must have survived Kconfig.
	while IFS= read -r line; do
		case "$line" in ''|'#'*) continue ;; esac
		if ! grep -qxF "$line" "$build/.config"; then
			echo "build.sh: Kconfig dropped '$line'" >&2
			exit 1
		fi
	done < "$here/lkl.config"
	cp "$here/lkl.config" "$build/.lkl.config"
fi
make "${make_args[@]}" -j"$jobs" ${LKL_MAKE_FLAGS:-} vmlinux

# Only the API stays global; everything else becomes local so the kernel's
# memcpy, printk, ... cannot clash with the host program's symbols.
objcopy -w --keep-global-symbol='lkl_start_kernel' \
	--keep-global-symbol='lkl_syscall' --keep-global-symbol='lkl_halt' \
	"$build/vmlinux" "$out/lkl.o.tmp"
undefined=$(nm -u "$out/lkl.o.tmp" | grep -v " U _GLOBAL_OFFSET_TABLE_$" || true)
if [ -n "$undefined" ]; then
	echo "build.sh: the kernel object needs host symbols:" >&2
	echo "$undefined" >&2
	exit 1
fi
mv "$out/lkl.o.tmp" "$out/lkl.o"
