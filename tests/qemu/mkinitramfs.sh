#!/bin/sh
# Build the initramfs that tests/qemu/run-guest.sh boots.
#
# Usage: tests/qemu/mkinitramfs.sh [--force]
#
# Environment (all optional):
#   KVER           kernel version; default (tests/qemu/default-kver.sh): the
#                  one MODULE was built for if installed, else the newest one
#                  that has both /boot/vmlinuz-$KVER and /lib/modules/$KVER
#   MODULE         our kernel module            (default src/xt_pktstat.ko)
#   EXTLIB         our iptables extension       (default xtables/libxt_pktstat.so)
#   WORKDIR        output directory             (default build/qemu)
#   EXTRA_MODULES  more kernel modules to include (space separated)
#   EXTRA_FILES    more host files, put in the image under /tests/extra/
#                  ("PATH" or "PATH:NAME", space separated; e.g. a
#                  test-only build of the module, loaded by path)
#   KERNEL_IMAGE   the kernel to boot (default /boot/vmlinuz-$KVER); with
#   MODULES_ROOT   a directory holding lib/modules/$KVER (default /, the
#                  installed kernels): both for kernels unpacked but not
#                  installed (tests/kernels/).  Compressed modules
#                  (.ko.xz/.ko.zst/.ko.gz) are decompressed into the image.
#
# Output: $WORKDIR/initramfs-$KVER.cpio.gz (gzip'd newc cpio) and, beside it,
# a .stamp file: the sha256 of every input, so that an unchanged rebuild is
# skipped (--force rebuilds anyway).  Relative MODULE/EXTLIB/WORKDIR are taken
# from the top of the repository.  A missing MODULE or EXTLIB is only a note:
# the image is built without it (to test the harness before they exist).
#
# The image is a merged-/usr Debian-like tree:
#   /usr/bin/busybox + one symlink per applet (unless a real tool below
#   exists under that name); kmod as /usr/sbin/{modprobe,insmod,rmmod,lsmod,
#   depmod,modinfo} (/sbin/modprobe is what request_module runs);
#   xtables-legacy-multi and xtables-nft-multi with all the usual names
#   (plain iptables/ip6tables[-save|-restore] = legacy); iproute2 `ip`;
#   util-linux unshare/nsenter/chrt; the xtables extension dir; the shared
#   libraries of all of these (ldd); the kernel modules listed below with
#   their dependencies, depmod'ed; our module as
#   /lib/modules/$KVER/extra/xt_pktstat.ko; tests/guest and tests/ext as
#   /tests/guest and /tests/ext, the guest scripts of tests/tools and
#   tests/kernels (guest-*.sh) in /tests/tools and /tests/kernels,
#   EXTRA_FILES in /tests/extra; and /init (tests/qemu/init).
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

abspath() { case $1 in /*) echo "$1" ;; *) echo "$TOP/$1" ;; esac; }

if [ -z "${KVER:-}" ]; then
	KVER=$("$TOP/tests/qemu/default-kver.sh") || exit 1
fi
MODULE=$(abspath "${MODULE:-src/xt_pktstat.ko}")
EXTLIB=$(abspath "${EXTLIB:-xtables/libxt_pktstat.so}")
TOOL=$(abspath "${TOOL:-tools/xt-pktstat}")
WORKDIR=$(abspath "${WORKDIR:-build/qemu}")
OUT=$WORKDIR/initramfs-$KVER.cpio.gz
STAMP=$OUT.stamp
MODULES_ROOT=${MODULES_ROOT:-}
MODULES_ROOT=${MODULES_ROOT%/}		# (the prefix modprobe -d prints)
KERNEL_IMAGE=${KERNEL_IMAGE:-/boot/vmlinuz-$KVER}
MODDIR=/lib/modules/$KVER		# in the image
HOST_MODDIR=$MODULES_ROOT$MODDIR	# where the kernel's modules come from
XTDIR=/usr/lib/x86_64-linux-gnu/xtables

MODULES="x_tables ip_tables iptable_filter iptable_mangle iptable_raw
	ip6_tables ip6table_filter ip6table_mangle ip6table_raw
	iptable_security ip6table_security
	nfnetlink nf_tables nft_compat nft_chain_filter nft_counter
	xt_comment xt_tcpudp xt_multiport xt_mark xt_length xt_limit
	xt_pkttype xt_statistic xt_u32
	pktgen dummy veth ${EXTRA_MODULES:-}"

BINS="/usr/bin/busybox /usr/bin/kmod /usr/sbin/xtables-legacy-multi
	/usr/sbin/xtables-nft-multi /usr/sbin/ip /usr/bin/unshare /usr/bin/nsenter
	/usr/bin/chrt"

for b in $BINS; do
	[ -x "$b" ] || { echo "mkinitramfs: $b missing (run tests/deps.sh)" >&2; exit 1; }
done
[ -e "$KERNEL_IMAGE" ] || { echo "mkinitramfs: $KERNEL_IMAGE missing" >&2; exit 1; }

# ---- skip when nothing changed -------------------------------------------
inputs_hash() {
	{
		echo "KVER=$KVER MODULES=$MODULES MODULES_ROOT=$MODULES_ROOT"
		echo "EXTRA_FILES=${EXTRA_FILES:-}"
		for f in "$TOP/tests/qemu/mkinitramfs.sh" "$TOP/tests/qemu/init" $BINS "$MODULE" "$EXTLIB" "$TOOL" "$TOP"/tests/tools/guest-*.sh "$TOP"/tests/kernels/guest-*.sh $(extra_files); do
			if [ -e "$f" ]; then echo "$(sha256sum < "$f") $f"; else echo "absent $f"; fi
		done
		for d in "$TOP/tests/guest" "$TOP/tests/ext"; do
			[ -d "$d" ] || { echo "absent $d"; continue; }
			(cd "$d" && find . -type f ! -name '*~' | LC_ALL=C sort | xargs -r sha256sum)
			(cd "$d" && find . -type f -perm -u+x | LC_ALL=C sort)
		done
		ls -l --time-style=+%s "$HOST_MODDIR/modules.dep" "$XTDIR"
	} | sha256sum | cut -d' ' -f1
}
# extra_files: the host paths of EXTRA_FILES
extra_files() {
	for e in ${EXTRA_FILES:-}; do echo "$(abspath "${e%%:*}")"; done
}
for f in $(extra_files); do
	[ -f "$f" ] || { echo "mkinitramfs: EXTRA_FILES: $f missing" >&2; exit 1; }
done
mkdir -p "$WORKDIR"
HASH=$(inputs_hash)
if [ "$FORCE" = 0 ] && [ -s "$OUT" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$HASH" ]; then
	echo "mkinitramfs: $OUT is up to date" >&2
	exit 0
fi

ROOT=$WORKDIR/root
rm -rf "$ROOT"
mkdir -p "$ROOT"
cd "$ROOT"
mkdir -p usr/bin usr/sbin usr/lib usr/lib64 etc proc sys dev tmp run var root tests
ln -s usr/bin bin; ln -s usr/sbin sbin; ln -s usr/lib lib; ln -s usr/lib64 lib64
ln -s ../run var/run
# /dev/console must exist before /init runs, or init has no stdio (devtmpfs
# is mounted by /init itself, which then reopens the console anyway).
mknod -m 600 dev/console c 5 1 2>/dev/null || true
mknod -m 666 dev/null c 1 3 2>/dev/null || true

# Copy a host file to the same path in the image (following merged-/usr
# symlinks: /lib/x/y lands in usr/lib/x/y through the image's lib symlink).
copy_file() {
	src=$1
	real=$(readlink -f "$src")
	dst=$ROOT$(echo "$src" | sed 's,^/lib64/,/usr/lib64/,; s,^/lib/,/usr/lib/,; s,^/bin/,/usr/bin/,; s,^/sbin/,/usr/sbin/,')
	[ -e "$dst" ] && return 0
	mkdir -p "$(dirname "$dst")"
	cp -L "$real" "$dst"
}
copy_libs() {
	# ldd prints "name => /path (addr)" or "/path (addr)"; vdso has no path.
	for lib in $(ldd "$1" 2>/dev/null | awk '/=> \//{print $3} /^[ \t]*\//{print $1}'); do
		copy_file "$lib"
	done
}

# ---- binaries ------------------------------------------------------------
for b in $BINS; do copy_file "$b"; copy_libs "$b"; done
for t in modprobe insmod rmmod lsmod depmod modinfo; do
	ln -s ../bin/kmod "usr/sbin/$t"
done
for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
	l=$(echo "$t" | sed 's/tables/tables-legacy/')	# iptables-legacy-save ...
	n=$(echo "$t" | sed 's/tables/tables-nft/')
	ln -s xtables-legacy-multi "usr/sbin/$t"	# plain name = legacy
	ln -s xtables-legacy-multi "usr/sbin/$l"
	ln -s xtables-nft-multi "usr/sbin/$n"
done
# busybox applets, except where a real tool of that name exists
for a in $(busybox --list); do
	[ -e "usr/bin/$a" ] || [ -e "usr/sbin/$a" ] || [ -L "usr/sbin/$a" ] || ln -s busybox "usr/bin/$a"
done

# the xtables extensions (dlopen'ed: ldd each for libraries they need)
mkdir -p "$ROOT$XTDIR"
cp -a "$XTDIR"/. "$ROOT$XTDIR"/
for so in "$XTDIR"/*.so; do copy_libs "$so"; done
if [ -e "$EXTLIB" ]; then
	cp "$EXTLIB" "$ROOT$XTDIR/libxt_pktstat.so"
	copy_libs "$EXTLIB"
else
	echo "mkinitramfs: note: $EXTLIB absent, image built without it" >&2
fi
# the reader program (tools/), as /usr/sbin/xt-pktstat
if [ -e "$TOOL" ]; then
	cp "$TOOL" usr/sbin/xt-pktstat
	copy_libs "$TOOL"
else
	echo "mkinitramfs: note: $TOOL absent, image built without it" >&2
fi

for f in /etc/protocols /etc/services /etc/ethertypes; do
	[ -e "$f" ] && cp -L "$f" "etc/"
done
echo "root:x:0:0:root:/root:/bin/sh" > etc/passwd
echo "root:x:0:" > etc/group
echo "nobody:x:65534:65534:nobody:/nonexistent:/bin/false" >> etc/passwd
echo "nogroup:x:65534:" >> etc/group

# ---- kernel modules ------------------------------------------------------
mods=
for m in $MODULES; do
	out=$(modprobe ${MODULES_ROOT:+-d "$MODULES_ROOT"} -S "$KVER" --show-depends "$m" 2>/dev/null) || {
		echo "mkinitramfs: note: module $m not found for $KVER (built in or absent)" >&2
		continue
	}
	mods="$mods $(echo "$out" | awk '$1 == "insmod" {print $2}')"
done
for f in $(echo "$mods" | tr ' ' '\n' | sort -u); do
	dst=$ROOT${f#"$MODULES_ROOT"}	# image path: without MODULES_ROOT
	mkdir -p "$(dirname "$dst")"
	case $f in	# decompressed: the guest's kmod may lack the codec
	*.ko.xz) xz -dc "$f" > "${dst%.xz}" ;;
	*.ko.zst) zstd -dcq "$f" > "${dst%.zst}" ;;
	*.ko.gz) gzip -dc "$f" > "${dst%.gz}" ;;
	*) cp "$f" "$dst" ;;
	esac
done
mkdir -p "$ROOT$MODDIR"	# (no module copied if all are built in)
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -e "$HOST_MODDIR/$f" ] && cp "$HOST_MODDIR/$f" "$ROOT$MODDIR/"
done
if [ -e "$MODULE" ]; then
	mkdir -p "$ROOT$MODDIR/extra"
	case $MODULE in	# decompressed, as the kernel's own (DKMS compresses it like them)
	*.ko.xz) xz -dc "$MODULE" > "$ROOT$MODDIR/extra/xt_pktstat.ko" ;;
	*.ko.zst) zstd -dcq "$MODULE" > "$ROOT$MODDIR/extra/xt_pktstat.ko" ;;
	*.ko.gz) gzip -dc "$MODULE" > "$ROOT$MODDIR/extra/xt_pktstat.ko" ;;
	*) cp "$MODULE" "$ROOT$MODDIR/extra/xt_pktstat.ko" ;;
	esac
	vm=$(modinfo -F vermagic "$MODULE" 2>/dev/null | cut -d' ' -f1)
	[ "$vm" = "$KVER" ] ||
		echo "mkinitramfs: WARNING: $MODULE is built for ${vm:-?}, the image is for $KVER (modprobe will fail)" >&2
else
	echo "mkinitramfs: note: $MODULE absent, image built without it" >&2
fi
depmod -b "$ROOT" "$KVER"

# ---- tests and init ------------------------------------------------------
for d in guest ext; do
	[ -d "$TOP/tests/$d" ] && cp -a "$TOP/tests/$d" "tests/$d"
done
# only the guest scripts of tests/tools (its build/ holds ASan binaries)
# and tests/kernels
for d in tools kernels; do
	mkdir -p "tests/$d"
	for f in "$TOP/tests/$d"/guest-*.sh; do
		[ -e "$f" ] && cp -p "$f" "tests/$d/"
	done
done
if [ -n "${EXTRA_FILES:-}" ]; then
	mkdir -p tests/extra
	for e in $EXTRA_FILES; do
		n=${e##*/}
		case $e in *:*) n=${e#*:} ;; esac
		cp "$(abspath "${e%%:*}")" "tests/extra/$n"
	done
fi
cp "$TOP/tests/qemu/init" init
chmod 755 init

# ---- pack ----------------------------------------------------------------
find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner 0:0 --quiet | gzip -1 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "$HASH" > "$STAMP"
cd "$WORKDIR"
rm -rf "$ROOT"
echo "mkinitramfs: built $OUT ($(du -k "$OUT" | cut -f1) KiB, kernel $KVER)" >&2
