#!/bin/sh
# The kernel matrix's guest side (tests/kernels/check-kernels.sh boots each
# kernel with it), inside the test guest:
#   MATRIX_IPTS="iptables-legacy iptables-nft ..." KTESTS="conservation_exact" \
#     /tests/kernels/guest-matrix.sh
# 1. the original README workflow with the plain `iptables` command (on a
#    kernel without legacy x_tables the plain names are iptables-nft's, as
#    on a Debian system: MATRIX_PLAIN=nft);
# 2. kernel-tests.sh KTESTS (names of its tests; default all) for each
#    back end of MATRIX_IPTS (default all four);
# 3. MATRIX_EXTRA_CMD, if set: more command lines (one per line), each run
#    by sh -c after the others, with MATRIX_EXTRA_DIR (/tests/extra: files
#    the host put in the image, e.g. a test-only module build) in its
#    environment; each must print its own "N passed, M failed"
#    (tests/guest/lib.sh's t_summary);
# 4. a clean kernel log.
# Each part ends with its own "N passed, M failed"; the last line is the
# total, and a part that ends without a summary counts as one failure.
. /tests/guest/lib.sh

TALLY=/tmp/matrix.tally
: > $TALLY
IPTS=${MATRIX_IPTS:-iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft}
MATRIX_EXTRA_DIR=${MATRIX_EXTRA_DIR:-/tests/extra}
export MATRIX_EXTRA_DIR
start=$(uptime_s)

echo "# kernel $(uname -r), $(nproc) CPUs; back ends: $IPTS; plain iptables: ${MATRIX_PLAIN:-legacy}"
[ -e /lib/modules/"$(uname -r)"/extra/xt_pktstat.ko ] || echo "# WARNING: xt_pktstat.ko is not in the image"

if [ "${MATRIX_PLAIN:-legacy}" = nft ]; then
	# Debian's alternatives: iptables = iptables-nft.  A directory of
	# links first in PATH (the image's plain names are legacy's).
	mkdir -p /tmp/plain-nft
	for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
		ln -sf /usr/sbin/xtables-nft-multi /tmp/plain-nft/$t
	done
	PATH=/tmp/plain-nft:$PATH
	export PATH
fi

run_part "README workflow (iptables)" /tests/guest/kernel-tests.sh iptables
for ipt in $IPTS; do
	# shellcheck disable=SC2086
	run_part "kernel-tests.sh $ipt" /tests/guest/kernel-tests.sh $ipt ${KTESTS:-}
done
# one part per line of MATRIX_EXTRA_CMD
printf '%s\n' "${MATRIX_EXTRA_CMD:-}" > /tmp/matrix.extra
while IFS= read -r c; do
	[ -n "$c" ] || continue
	flush_all
	# (MATRIX_EXTRA_CMD may be any program: its summary is tallied here)
	run_summarized "extra: $c" sh -c "$c" </dev/null
done < /tmp/matrix.extra

tally_kernel_log
echo "# guest-matrix: $(( $(uptime_s) - start )) s"
tally_total
