#!/bin/bash
# make lint: the kernel's own checkers on the module's sources, as a patch
# to net/netfilter would meet them.
#   tests/lint/run.sh [KERNEL_DIR]
# 1. checkpatch.pl (default mode, as netdev runs it) on every tracked C
#    file and header of src/ except the compile probes: no error, no
#    warning.  checkpatch comes from Debian's linux-source-6.1 tarball
#    (the debug kernel's source too), unpacked once into build/lint/.
# 2. sparse (Debian's sparse) through Kbuild, C=2, on a copy of src/ built
#    against KERNEL_DIR (default: config.mk's, else the newest installed
#    headers): no warning or error from sparse or the compiler.
# Output: ok/not ok per check with the findings, then "N passed, M failed".
# The --strict checks are left out on purpose: pktstat_core.[ch] use
# uint64_t because the same file builds the userspace tests.
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)
OUT=$TOP/build/lint
PASS=0 FAIL=0
ok() { echo "ok - $1"; PASS=$((PASS + 1)); }
not_ok() { echo "not ok - $1"; shift; printf '%s\n' "$@" | sed 's/^/#   /'; FAIL=$((FAIL + 1)); }
summary() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" = 0 ]; exit $?; }

if ! msg=$(tests/deps.sh lint 2>&1); then
	not_ok "tests/deps.sh lint" "$msg"
	summary
fi

KDIR=${1:-}
[ -n "$KDIR" ] || KDIR=$(sed -n 's/^KERNEL_DIR := //p' config.mk 2>/dev/null)
[ -n "$KDIR" ] || KDIR=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
mkdir -p "$OUT"

# ---- checkpatch -------------------------------------------------------------
TARBALL=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
CP=$OUT/checkpatch/scripts/checkpatch.pl
if [ -z "$TARBALL" ]; then
	not_ok "checkpatch: Debian's linux-source tarball" "none in /usr/src"
elif [ ! -f "$CP" ] || [ "$TARBALL" -nt "$CP" ]; then
	rm -rf "$OUT/checkpatch" && mkdir -p "$OUT/checkpatch"
	top=$(basename "$TARBALL" .tar.xz)
	# checkpatch reads its word lists from the directory it lives in
	tar -xJf "$TARBALL" -C "$OUT/checkpatch" --strip-components=1 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch" ||
		not_ok "checkpatch: unpacked from $TARBALL"
fi
if [ -f "$CP" ]; then
	files=$(git ls-files 'src/*.c' 'src/*.h' 2>/dev/null | grep -v '^src/probes/')
	[ -n "$files" ] || files=$(ls src/*.c src/*.h | grep -v -e '\.mod\.c$' -e pktstat_probed.h)
	# shellcheck disable=SC2086
	found=$(perl "$CP" --no-tree --terse --show-types -f $files 2>&1 | grep -v '^total: ')
	n=$(echo $files | wc -w)
	if [ -z "$found" ]; then
		ok "checkpatch: $n files of src/, no error or warning ($(basename "$TARBALL" .tar.xz))"
	else
		not_ok "checkpatch: $n files of src/, no error or warning" "$found"
	fi
fi

# ---- sparse -----------------------------------------------------------------
if [ ! -d "$KDIR" ]; then
	not_ok "sparse: kernel headers" "no KERNEL_DIR (run ./configure)"
else
	rm -rf "$OUT/src" && cp -r src "$OUT/src" &&
		make -s -C "$OUT/src" clean KERNEL_DIR="$KDIR" >/dev/null 2>&1
	log=$OUT/sparse.log
	make -C "$OUT/src" KERNEL_DIR="$KDIR" KBUILD_ARGS=C=2 modules > "$log" 2>&1
	rc=$?
	# sparse and the compiler print "file:line:col: warning: ..." / "error:"
	found=$(grep -E '(warning|error):' "$log")
	if [ "$rc" = 0 ] && [ -z "$found" ] && grep -q ' CHECK ' "$log"; then
		ok "sparse: $(grep -c ' CHECK ' "$log") files checked against $(basename "$KDIR"), no warning"
	else
		not_ok "sparse: src/ against $(basename "$KDIR"), no warning (status $rc, $log)" \
			"${found:-$(tail -n 5 "$log")}"
	fi
fi
summary
