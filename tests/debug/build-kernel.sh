#!/bin/bash
# Build (once, cached) the debug kernel of `make check-debug`: Debian's
# linux-source-6.1 with KASAN, lockdep, kmemleak, debug objects, UBSAN...
# (tests/debug/debug.config) and everything the guest tests need built in.
#
# Usage: tests/debug/build-kernel.sh [--key | --force]
#   (no option)  build if needed; print the path of the kernel's env file
#                on stdout (see below); progress on stderr
#   --key        print the cache key and exit
#   --force      rebuild even if the cached kernel is complete
#
# Configuration: `make allnoconfig`, then tests/debug/debug.config merged
# with scripts/kconfig/merge_config.sh, then `make olddefconfig`: the
# fragment names everything the guest and the tests need, and nothing else
# is compiled.  Every line of the fragment is then checked against the
# final .config and the build stops, listing them, if any did not stick (a
# dependency missing, a symbol renamed).
#
# Cache: $DEBUG_KERNEL_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/xt-pktstat/debug-kernel), outside the
# clone.  $CACHE/<key>/ holds the build, where <key> hashes this script, the
# fragment, the linux-source-6.1 package version and the compiler version:
# a kernel is built once per key and reused until one of them changes (then
# the other keys' directories are removed).  $CACHE/ccache is the compiler
# cache, kept across keys, so a rebuild after a fragment change is quick.
#   <key>/src/       the unpacked linux-source-6.1 tree
#   <key>/obj/       the O= build directory: usable as KERNEL_DIR for
#                    out-of-tree modules (make -C src werror KERNEL_DIR=...)
#   <key>/modroot/   modules_install root (lib/modules/<release>/, with
#                    modules.builtin): usable as MODULES_ROOT
#   <key>/bzImage    the kernel image
#   <key>/kernel.env KVER, KERNEL_IMAGE, MODULES_ROOT, KDIR (shell syntax)
#   <key>/build.log  the build's output
#   <key>/done       written last: the build is complete
# An interrupted build resumes where it stopped (make is incremental).
#
# Cold build (empty ccache) on 2 cores: see tests/debug/README.md ("Times");
# from the cache: under a second.  Installs its tools itself (tests/deps.sh
# debug).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
FRAGMENT=$TOP/tests/debug/debug.config
CACHE=${DEBUG_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xt-pktstat/debug-kernel}
TARBALL=/usr/src/linux-source-6.1.tar.xz
FORCE=0
KEYONLY=0
case ${1:-} in
--key) KEYONLY=1 ;;
--force) FORCE=1 ;;
"") ;;
*) echo "build-kernel: unknown option $1" >&2; exit 2 ;;
esac

log() { echo "build-kernel: $*" >&2; }
die() { log "$*"; exit 1; }

"$TOP/tests/deps.sh" debug >&2 || die "tests/deps.sh debug failed"
[ -f "$TARBALL" ] || die "$TARBALL missing (package linux-source-6.1)"

SRCVER=$(dpkg-query -W -f='${Version}' linux-source-6.1)
KEY=$({
	echo "linux-source-6.1 $SRCVER"
	gcc --version | head -n 1
	sha256sum < "$FRAGMENT"
	sha256sum < "$0"
} | sha256sum | cut -c1-16)
[ "$KEYONLY" = 1 ] && { echo "$KEY"; exit 0; }

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
D=$CACHE/$KEY
ENV=$D/kernel.env
if [ "$FORCE" = 0 ] && [ -f "$D/done" ] && [ -f "$ENV" ]; then
	log "cached: $D (key $KEY: linux-source-6.1 $SRCVER)"
	echo "$ENV"
	exit 0
fi
rm -f "$D/done"
mkdir -p "$D"
LOG=$D/build.log
log "building in $D (key $KEY: linux-source-6.1 $SRCVER), log $LOG"
t0=$(date +%s)

# ---- source -----------------------------------------------------------
if [ ! -f "$D/src/.unpacked" ]; then
	rm -rf "$D/src" "$D/src.tmp"
	mkdir -p "$D/src.tmp"
	log "unpacking $TARBALL"
	tar -xJf "$TARBALL" -C "$D/src.tmp" --strip-components=1
	touch "$D/src.tmp/.unpacked"
	mv "$D/src.tmp" "$D/src"
fi
SRC=$D/src OBJ=$D/obj
mkdir -p "$OBJ"

export CCACHE_DIR=$CACHE/ccache CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Fixed build identity, so that a rebuild differs from the last one only by
# what changed (and ccache hits the rest).
export KBUILD_BUILD_USER=xt-pktstat KBUILD_BUILD_HOST=debug \
	KBUILD_BUILD_TIMESTAMP="$SRCVER"
MK=(make -C "$SRC" O="$OBJ" CC="ccache gcc" HOSTCC="ccache gcc" -j"$(nproc)")

# ---- configuration -------------------------------------------------------
{
	"${MK[@]}" allnoconfig
	(cd "$OBJ" && "$SRC/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" "$FRAGMENT")
	"${MK[@]}" olddefconfig
} >"$LOG" 2>&1 || { tail -n 30 "$LOG" >&2; die "configuration failed"; }

# Every line of the fragment must be in the final .config as written.
bad=
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		sym=${line%%=*}
		got=$(grep -E "^($sym=|# $sym is not set)" "$OBJ/.config" || true)
		[ "$got" = "$line" ] || bad="$bad
  wanted: $line    got: ${got:-(absent: dependency missing or unknown symbol)}"
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		if grep -qE "^$sym=" "$OBJ/.config"; then
			bad="$bad
  wanted: $line    got: $(grep -E "^$sym=" "$OBJ/.config")"
		fi
		;;
	esac
done < "$FRAGMENT"
if [ -n "$bad" ]; then
	log "these options of $FRAGMENT did not end up in $OBJ/.config:$bad"
	die "configuration check failed"
fi
log "configuration checked: all $(grep -cE '^(CONFIG_|# CONFIG_.* is not set)' "$FRAGMENT") options of debug.config as requested"

# ---- build -----------------------------------------------------------------
ccache -z >/dev/null 2>&1 || true
log "compiling (make -j$(nproc) bzImage modules)"
if ! "${MK[@]}" bzImage modules >>"$LOG" 2>&1; then
	grep -E 'error|Error' "$LOG" | head -n 20 >&2
	tail -n 20 "$LOG" >&2
	die "kernel build failed (log $LOG)"
fi
KVER=$("${MK[@]}" -s kernelrelease 2>/dev/null | tail -n 1)
rm -rf "$D/modroot"
"${MK[@]}" INSTALL_MOD_PATH="$D/modroot" modules_install >>"$LOG" 2>&1 ||
	die "modules_install failed (log $LOG)"
[ -f "$D/modroot/lib/modules/$KVER/modules.builtin" ] ||
	die "modules_install left no modules.builtin in $D/modroot/lib/modules/$KVER"
# modules_install links build/ and source/ to the trees; keep them out of
# anything that copies the root.
rm -f "$D/modroot/lib/modules/$KVER/build" "$D/modroot/lib/modules/$KVER/source"
cp "$OBJ/arch/x86/boot/bzImage" "$D/bzImage"

cat > "$ENV" <<EOF
# the debug kernel built by tests/debug/build-kernel.sh (key $KEY)
KVER='$KVER'
KERNEL_IMAGE='$D/bzImage'
MODULES_ROOT='$D/modroot'
KDIR='$OBJ'
KEY='$KEY'
SRCVER='$SRCVER'
EOF
t1=$(date +%s)
echo "$((t1 - t0))" > "$D/build-seconds"
touch "$D/done"
log "built $KVER in $((t1 - t0)) s; ccache: $(ccache -s 2>/dev/null | grep -iE 'hits|misses' | tr -s ' ' | tr '\n' ';')"

# Other keys' builds are stale: remove them (the ccache stays).
for old in "$CACHE"/*/; do
	old=${old%/}
	case ${old##*/} in "$KEY" | ccache) continue ;; esac
	[ -f "$old/kernel.env" ] || [ -d "$old/obj" ] || [ -d "$old/src" ] || continue
	log "removing stale build ${old##*/}"
	rm -rf "$old"
done
echo "$ENV"
