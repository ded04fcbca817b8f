#!/bin/sh
# Install what building and testing xt_pktstat needs, from Debian's archive.
# Idempotent: installs only what is missing, and runs apt-get update only then.
#
#   tests/deps.sh [SET...]          install the sets (default: check)
#   tests/deps.sh --print [SET...]  print their package list
#
# Sets (each names what it needs on this machine; they may overlap):
#   build     the module, the extension, the reader program (make)
#   unit      the unit tests and the fuzzers (ASan, UBSan, libFuzzer)
#   qemu      booting Debian's kernel with the test image (QEMU harness),
#             and promtool for the reader's QEMU test
#   check     make check: build + unit + qemu
#   packages  make check-packages: debootstrap and the QEMU harness; the
#             packaging tools (dkms, debhelper, lintian, rpm...) are
#             installed in its throwaway root, not here
#             (tests/packages/mkroot.sh)
#   kernels   make check-kernels: build + qemu (the kernels themselves are
#             fetched into a private cache)
#   debug     make check-debug: build + qemu + Debian's linux-source-6.1
#             tarball, ccache and the kernel build's tools
#   bench     make bench: check + valgrind
#   lint      make lint: build + sparse + Debian's linux-source-6.1
#             tarball (checkpatch.pl)
#   all       every set (make check-all)
set -eu

set_pkgs() {
	case $1 in
	build) echo "build-essential make gcc pkg-config kmod libxtables-dev linux-headers-amd64" ;;
	unit) echo "build-essential clang libclang-rt-dev" ;;
	qemu) echo "qemu-system-x86 busybox-static kmod cpio gzip xz-utils zstd linux-image-amd64
		iptables iproute2 util-linux prometheus" ;;
	check) echo "$(set_pkgs build) $(set_pkgs unit) $(set_pkgs qemu)" ;;
	packages) echo "debootstrap zstd git $(set_pkgs qemu)" ;;
	kernels) echo "$(set_pkgs build) $(set_pkgs qemu)" ;;
	debug) echo "$(set_pkgs build) $(set_pkgs qemu) linux-source-6.1 ccache flex bison bc libelf-dev libssl-dev" ;;
	bench) echo "$(set_pkgs check) valgrind" ;;
	lint) echo "$(set_pkgs build) sparse linux-source-6.1" ;;
	all) echo "$(set_pkgs check) $(set_pkgs packages) $(set_pkgs debug) $(set_pkgs bench) $(set_pkgs lint)" ;;
	*) echo "tests/deps.sh: unknown set $1 (build unit qemu check packages kernels debug bench lint all)" >&2; return 2 ;;
	esac
}

print=0
[ "${1:-}" = "--print" ] && { print=1; shift; }
[ $# -gt 0 ] || set -- check
pkgs=
for s in "$@"; do
	p=$(set_pkgs "$s") || exit 2
	pkgs="$pkgs $p"
done
pkgs=$(echo $pkgs | tr ' ' '\n' | awk '!seen[$0]++' | tr '\n' ' ')
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
# Concurrent callers (make check-all runs suites in parallel) wait for each
# other instead of failing on dpkg's lock.
exec 9>/var/lib/apt/xt-pktstat-deps.lock
flock 9
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
