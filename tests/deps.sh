#!/bin/sh
# Install what building and testing xt_pktstat needs, from Debian's archive.
# Idempotent: installs only what is missing, and runs apt-get update only then.
#
#   tests/deps.sh            what make check and the other targets need
#   tests/deps.sh debug      that, plus what building the debug kernel of
#                            make check-debug needs (tests/debug/build-kernel.sh):
#                            Debian's linux-source-6.1 tarball, ccache, the
#                            kernel build's tools
#   tests/deps.sh --print [debug]   the package list
set -eu

pkgs="build-essential make gcc pkg-config kmod cpio gzip xz-utils zstd
	linux-headers-amd64 linux-image-amd64 libxtables-dev iptables
	qemu-system-x86 busybox-static valgrind clang libclang-rt-dev
	dkms dh-dkms debhelper fakeroot lintian rpm openssl
	iproute2 util-linux prometheus"

debug_pkgs="linux-source-6.1 ccache flex bison bc libelf-dev libssl-dev"

print=0
[ "${1:-}" = "--print" ] && { print=1; shift; }
case ${1:-} in
"") ;;
debug) pkgs="$pkgs $debug_pkgs" ;;
*) echo "tests/deps.sh: unknown set ${1}" >&2; exit 2 ;;
esac
[ "$print" = 1 ] && { echo $pkgs; exit 0; }

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
