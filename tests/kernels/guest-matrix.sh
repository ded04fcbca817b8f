#!/bin/sh
# The kernel matrix's guest side (tests/kernels/check-kernels.sh boots each
# kernel with it), inside the test guest:
#   MATRIX_IPTS="iptables-legacy iptables-nft ..." KTESTS="b" \
#     /tests/kernels/guest-matrix.sh
# 1. the original README workflow with the plain `iptables` command (on a
#    kernel without legacy x_tables the plain names are iptables-nft's, as
#    on a Debian system: MATRIX_PLAIN=nft);
# 2. kernel-tests.sh KTESTS for each back end of MATRIX_IPTS (default all
#    four);
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
start=$(awk '{ printf "%d\n", $1 }' /proc/uptime)

# run DESC CMD...: one part, tallied as tests/guest/run-all.sh does.
run() {
	_desc=$1; shift
	echo "#### $_desc"
	_before=$(wc -l < $TALLY)
	_t0=$(awk '{ printf "%d\n", $1 }' /proc/uptime)
	T_TALLY=$TALLY "$@"
	_rc=$?
	_t1=$(awk '{ printf "%d\n", $1 }' /proc/uptime)
	echo "#### $_desc: status $_rc, $((_t1 - _t0)) s"
	if [ "$(wc -l < $TALLY)" = "$_before" ]; then
		echo "not ok - $_desc ended without a summary (status $_rc)"
		echo "0 1" >> $TALLY
	elif [ "$_rc" != 0 ] && [ "$(tail -1 $TALLY | cut -d' ' -f2)" = 0 ]; then
		echo "not ok - $_desc: status $_rc with no failed test"
		echo "0 1" >> $TALLY
	fi
}

# run_tallied DESC CMD...: a command that prints its summary but does not
# write the tally itself (MATRIX_EXTRA_CMD may be any program).
run_tallied() {
	_desc=$1; shift
	echo "#### $_desc"
	"$@" > /tmp/matrix.part 2>&1
	_rc=$?
	cat /tmp/matrix.part
	_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' /tmp/matrix.part | tail -n 1)
	if [ -z "$_line" ]; then
		echo "not ok - $_desc ended without a summary (status $_rc)"
		echo "0 1" >> $TALLY
	else
		_p=${_line%% passed*}
		_f=${_line#*passed, }; _f=${_f%% failed*}
		[ "$_rc" != 0 ] && [ "$_f" = 0 ] && { echo "not ok - $_desc: status $_rc with no failed test"; _f=1; }
		echo "$_p $_f" >> $TALLY
	fi
	echo "#### $_desc: status $_rc"
}

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

run "README workflow (iptables)" /tests/guest/kernel-tests.sh iptables
for ipt in $IPTS; do
	# shellcheck disable=SC2086
	run "kernel-tests.sh $ipt" /tests/guest/kernel-tests.sh $ipt ${KTESTS:-}
done
# one part per line of MATRIX_EXTRA_CMD
printf '%s\n' "${MATRIX_EXTRA_CMD:-}" > /tmp/matrix.extra
while IFS= read -r c; do
	[ -n "$c" ] || continue
	flush_all
	run_tallied "extra: $c" sh -c "$c" </dev/null
done < /tmp/matrix.extra

trouble=$(kernel_trouble)
if [ -n "$trouble" ]; then
	echo "not ok - kernel log has warnings or oopses:"
	echo "$trouble" | sed 's/^/#   /'
	echo "0 1" >> $TALLY
else
	echo "ok - kernel log clean"
	echo "1 0" >> $TALLY
fi

end=$(awk '{ printf "%d\n", $1 }' /proc/uptime)
echo "# guest-matrix: $((end - start)) s"
awk '{ p += $1; f += $2 } END { printf "%d passed, %d failed\n", p, f; exit f > 0 }' $TALLY
