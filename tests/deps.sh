#!/bin/sh
# Install what building and testing xt_pktstat needs, from Debian's archive.
# Idempotent: installs only what is missing, and runs apt-get update only then.
set -eu

pkgs="build-essential make gcc pkg-config kmod cpio gzip xz-utils zstd
	linux-headers-amd64 linux-image-amd64 libxtables-dev iptables
	qemu-system-x86 busybox-static valgrind clang libclang-rt-dev
	dkms dh-dkms debhelper fakeroot lintian rpm openssl
	iproute2 util-linux prometheus"

[ "${1:-}" = "--print" ] && { echo $pkgs; exit 0; }

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "tests/deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "tests/deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
