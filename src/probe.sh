#!/bin/sh
# Compile probes: build each feature test in probes/ against the target
# kernel's headers with Kbuild, and write HAVE_<NAME> for each that compiles.
# Version checks lie on distribution kernels, which backport APIs; a
# compile against the real headers does not.
#
# usage: probe.sh KERNEL_DIR OUTPUT_HEADER [MAKE ARGS...]
#
# probes/NAME.c defines HAVE_<NAME in capitals>, or the macro its header
# comment names ("/* HAVE_PDE_DATA_LOWER: ..."); every *.c there is a probe.
#
# Cached: OUTPUT_HEADER's first line holds a key over what the answers
# depend on: this script, the probes, the kernel tree (its .config,
# generated headers, Module.symvers, Makefile: contents, sizes and change
# times, so that a reinstalled or upgraded headers package counts as new),
# the make arguments (CC=..., LLVM=...) and the compiler (its path, file and
# --version).  When the key is unchanged nothing is compiled.
#
# Loud: a probe may fail only because what it tests is missing (the
# compiler says undeclared, implicit declaration, no member, unknown type,
# incomplete type).  A baseline probe that must compile runs first; if it,
# or any probe, fails for another reason (no compiler, a broken kernel
# tree, bad flags), probe.sh prints the compiler's errors, leaves
# OUTPUT_HEADER alone and exits 1, which stops the build.
set -u
[ $# -ge 2 ] || { echo "usage: probe.sh KERNEL_DIR OUTPUT_HEADER [MAKE ARGS...]" >&2; exit 2; }
kdir=$1
out=$2
shift 2
margs="$*"
here=$(cd "$(dirname "$0")" && pwd)

die() { echo "probe.sh: $*" >&2; exit 1; }
[ -f "$kdir/Makefile" ] || die "$kdir/Makefile missing: not a kernel build tree (KERNEL_DIR=$kdir)"

# ---- the key ---------------------------------------------------------------
# The compiler Kbuild will use: CC= among the make arguments, else gcc
# (the kernel Makefile's default), or clang with LLVM=1.
cc=gcc
for a in "$@"; do
	case $a in
	CC=*) cc=${a#CC=} ;;
	LLVM=1) [ "$cc" = gcc ] && cc=clang ;;
	esac
done
cc_id() {
	# ccache gcc, /usr/bin/gcc-14 ...: every word that is a program
	for w in $cc; do
		p=$(command -v "$w" 2>/dev/null) || { echo "$w: not found"; continue; }
		p=$(readlink -f "$p")
		echo "$p $(stat -c '%s %Y' "$p")"
	done
	$cc --version 2>&1 | head -n 1
}
key=$({
	echo "args: $*"
	cc_id
	cat "$0" "$here"/probes/*.c 2>/dev/null | cksum
	ls "$here"/probes/*.c 2>/dev/null
	cd "$kdir" && pwd -P
	for f in Makefile .config Module.symvers include/generated/autoconf.h \
		include/generated/utsrelease.h include/config/auto.conf; do
		stat -L -c '%n %s %Y %Z' "$kdir/$f" 2>/dev/null || echo "absent $f"
	done
	cat "$kdir/.config" "$kdir/include/generated/autoconf.h" 2>/dev/null | cksum
} | cksum | cut -d' ' -f1)
if [ "$(head -n 1 "$out" 2>/dev/null)" = "/* probe key $key */" ]; then
	sed -n 's,^#define \(HAVE_[A-Z0-9_]*\) 1$,probe: \1 yes (cached),p; s,^/\* #undef \(HAVE_[A-Z0-9_]*\) \*/$,probe: \1 no (cached),p' "$out"
	exit 0
fi

# ---- the probes, in one Kbuild run ------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pktstat-probe.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# The baseline: compiles on every kernel this module supports, or the
# tree or the compiler is broken.
cat > "$tmp/zz_baseline.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/netfilter/x_tables.h>
#include <linux/proc_fs.h>
#include <linux/timer.h>

int pktstat_probe_baseline(void);
int pktstat_probe_baseline(void)
{
	return (int)sizeof(struct xt_match);
}
EOF
objs=zz_baseline.o
names=
for src in "$here"/probes/*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	case $name in
	*[!a-z0-9_]* | zz_baseline) die "probes/$name.c: a probe's name is [a-z0-9_] (and not zz_baseline)" ;;
	esac
	cp "$src" "$tmp/$name.c"
	objs="$objs $name.o"
	names="$names $name"
done
echo "obj-m := $objs" > "$tmp/Kbuild"
# -k: every probe is tried even when others fail; -j: they are independent.
# shellcheck disable=SC2086
# (Not the calling make's flags or jobserver.)
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	make -k -j"$(nproc 2>/dev/null || echo 2)" -C "$kdir" M="$tmp" "$@" $objs > "$tmp/log" 2>&1

# errors of one probe file; MISSING: what a compiler says when the probed
# symbol, member or type does not exist; FOLLOW_ON: what may follow from it
# (an implicitly declared function returns int).  Anything else is broken.
errors_of() { grep -E "(^|/)$1\.c:[0-9]+(:[0-9]+)?: (fatal )?error:" "$tmp/log"; }
MISSING='undeclared|implicit declaration of function|has no member named|unknown type name|storage size of .* (is not|isn.t) known|invalid use of undefined type|incomplete type'
FOLLOW_ON='int-conversion|incompatible-pointer-types|makes (pointer|integer) from (integer|pointer)'
broken() {
	echo "probe.sh: $1 (kernel tree $kdir${margs:+, make $margs}):" >&2
	# the compiler's own lines first, each once
	e=$(grep -E ': (fatal )?error:|not found|No such file|Stop\.' "$tmp/log" | awk '!seen[$0]++' | head -n 10)
	[ -n "$e" ] || e=$(tail -n 15 "$tmp/log")
	printf '%s\n' "$e" | sed 's/^/  /' >&2
	exit 1
}
[ -s "$tmp/zz_baseline.o" ] ||
	broken "the baseline probe, which compiles against every supported kernel, does not: the compiler or the kernel tree is broken"

{
	echo "/* probe key $key */"
	echo "/* Generated by probe.sh against $kdir: do not edit. */"
	echo "#ifndef _PKTSTAT_PROBED_H"
	echo "#define _PKTSTAT_PROBED_H"
} > "$tmp/out.h"
for name in $names; do
	macro=$(sed -n 's,^/\* \(HAVE_[A-Z0-9_]*\):.*,\1,p' "$here/probes/$name.c" | head -n 1)
	[ -n "$macro" ] || macro=HAVE_$(echo "$name" | tr 'a-z' 'A-Z')
	if [ -s "$tmp/$name.o" ]; then
		echo "#define $macro 1" >> "$tmp/out.h"
		echo "probe: $macro yes"
		continue
	fi
	e=$(errors_of "$name")
	if printf '%s\n' "$e" | grep -qE "$MISSING" &&
		! printf '%s\n' "$e" | grep -vE "$MISSING" | grep -qvE -- "$FOLLOW_ON"; then
		echo "/* #undef $macro */" >> "$tmp/out.h"
		echo "probe: $macro no ($(printf '%s\n' "$e" | head -n 1 | sed 's/.*error: //'))"
	else
		echo "probe.sh: probes/$name.c failed for another reason than a missing symbol:" >&2
		if [ -n "$e" ]; then
			printf '%s\n' "$e" | sed 's/^/  /' >&2
		else
			grep -E "$name|rror" "$tmp/log" | head -n 15 | sed 's/^/  /' >&2
		fi
		echo "  (the probe may need fixing for this kernel)" >&2
		exit 1
	fi
done
echo "#endif" >> "$tmp/out.h"

# Rewrite only on change, so that the module is not rebuilt for nothing:
# when only the key line differs, the header keeps its time (Kbuild sees
# nothing new).  Through a rename: a concurrent build never reads half a file.
cp "$tmp/out.h" "$out.tmp$$" || exit 1
if [ -e "$out" ] && [ "$(tail -n +2 "$tmp/out.h" | cksum)" = "$(tail -n +2 "$out" | cksum)" ]; then
	touch -r "$out" "$out.tmp$$"
fi
mv -f "$out.tmp$$" "$out"
