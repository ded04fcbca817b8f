#!/bin/bash
# The throwaway Debian root of make check-packages: a bookworm system with
# its own dpkg state, dkms, a kernel (image and headers), the packages'
# build dependencies, lintian and rpm, in which the packages are built,
# installed, upgraded and purged instead of on this machine.
#
# Usage: tests/packages/mkroot.sh DIR
#   Unpacks the base root into DIR (created; must not exist or be empty),
#   building the base first when the cache has none for the current key.
#   tests/packages/mkroot.sh --key    prints the key
#   tests/packages/mkroot.sh --print  prints the package list
#
# The base is debootstrap --variant=minbase of $PKG_ROOT_SUITE (bookworm)
# from $DEBIAN_MIRROR, with sources for SUITE, SUITE-updates,
# SUITE-security and SUITE-backports (apt-get update is left to the user of
# the root: the lists in the tarball are those of the day it was built), then
# apt-get install --no-install-recommends of $PKGS below (the kernel with
# INITRD=No: QEMU boots the test harness's own initramfs) and apt-get satisfy
# of debian/control's Build-Depends.  It is kept as a tarball,
#   $PKG_ROOT_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/xt-pktstat/pkgroot)/base-KEY.tar.zst
# where KEY hashes the suite, the mirrors, the package list, the
# Build-Depends and this script: a change to any of them builds a new base
# (and removes the others).  Cold: about 4 minutes (downloads); warm: the
# unpacking, a few seconds.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/packages/chroot-lib.sh"

SUITE=${PKG_ROOT_SUITE:-bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
CACHE=${PKG_ROOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xt-pktstat/pkgroot}
# What check-packages.sh runs in the root besides the build dependencies:
# the packaging tools, dkms with a kernel to build for (and boot), the
# userspace our packages depend on, openssl for dkms' signing key.
PKGS="build-essential dpkg-dev fakeroot lintian rpm dkms kmod openssl
	linux-image-amd64 linux-headers-amd64 iptables xz-utils zstd
	ca-certificates"
# debian/control's Build-Depends, as one line for apt-get satisfy
BUILD_DEPS=$(sed -n '/^Build-Depends:/,/^[^ ]/p' "$TOP/debian/control" |
	sed '$!b; /^[^ ]/d' | sed 's/^Build-Depends://' | tr -s ' \n\t' ' ' | sed 's/^ //; s/ $//')

log() { echo "mkroot: $*" >&2; }
die() { log "$*"; exit 1; }

KEY=$({
	echo "$SUITE $MIRROR $SECURITY_MIRROR"
	echo $PKGS
	echo "$BUILD_DEPS"
	sha256sum < "$0"
} | sha256sum | cut -c1-16)
case ${1:-} in
--key) echo "$KEY"; exit 0 ;;
--print) echo $PKGS; echo "Build-Depends: $BUILD_DEPS"; exit 0 ;;
"") die "usage: mkroot.sh DIR | --key | --print" ;;
esac
DIR=$1
TAR=$CACHE/base-$KEY.tar.zst
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap missing (tests/deps.sh packages)"

mkdir -p "$CACHE"
exec 8>"$CACHE/.lock"
flock 8
if [ ! -s "$TAR" ]; then
	t0=$(date +%s)
	B=$CACHE/build-$KEY
	trap 'root_remove "$B" || true' EXIT
	root_remove "$B"
	log "building the base root (key $KEY): debootstrap $SUITE from $MIRROR"
	debootstrap --variant=minbase --arch=amd64 "$SUITE" "$B" "$MIRROR" >"$CACHE/build.log" 2>&1 ||
		{ tail -n 20 "$CACHE/build.log" >&2; die "debootstrap failed (log $CACHE/build.log)"; }
	cat > "$B/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
deb $MIRROR $SUITE-backports main
EOF
	# no daemons started by maintainer scripts in the root
	printf '#!/bin/sh\nexit 101\n' > "$B/usr/sbin/policy-rc.d"
	chmod 755 "$B/usr/sbin/policy-rc.d"
	echo 'APT::Install-Recommends "false";' > "$B/etc/apt/apt.conf.d/90xt-pktstat"
	root_mount "$B" || die "mounting /proc, /sys, /dev in $B failed"
	log "installing: $(echo $PKGS) and the Build-Depends ($BUILD_DEPS)"
	# shellcheck disable=SC2086
	if ! { inch "$B" apt-get update -q &&
		INROOT_ENV="INITRD=No" inch "$B" apt-get install -y -q $PKGS &&
		inch "$B" apt-get satisfy -y -q "$BUILD_DEPS" &&
		inch "$B" apt-get clean; } >>"$CACHE/build.log" 2>&1; then
		tail -n 20 "$CACHE/build.log" >&2
		die "installing into the base root failed (log $CACHE/build.log)"
	fi
	root_umount "$B" || die "cannot unmount under $B"
	rm -rf "$B/var/lib/apt/lists/partial" "$B/tmp/"* 2>/dev/null || true
	tar -C "$B" --zstd -cf "$TAR.tmp" . || die "packing $TAR failed"
	mv "$TAR.tmp" "$TAR"
	root_remove "$B"
	trap - EXIT
	for old in "$CACHE"/base-*.tar.zst; do
		[ "$old" = "$TAR" ] || { log "removing the stale base ${old##*/}"; rm -f "$old"; }
	done
	log "base root built in $(($(date +%s) - t0)) s: $TAR ($(du -m "$TAR" | cut -f1) MiB)"
fi
flock -u 8

[ ! -e "$DIR" ] || [ -z "$(ls -A "$DIR")" ] || die "$DIR exists and is not empty"
mkdir -p "$DIR"
tar -C "$DIR" --zstd -xf "$TAR" || die "unpacking $TAR failed"
log "unpacked the base root (key $KEY) into $DIR"
