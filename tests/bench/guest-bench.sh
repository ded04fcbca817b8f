#!/bin/sh
# Guest side of `make bench` (tests/bench/vm-bench.sh puts it, with
# guest_helper, into the guest through the command string: the image
# only carries tests/guest and tests/ext).
#
#   sh guest-bench.sh HELPER
# Environment: N (packets per measurement, default 10000), REPS (default 3),
# BACKENDS (default "iptables-legacy iptables-nft"), CONFIGS (default all;
# NETFLOW and ACCOUNT are added when ADDONS names the tarball of
# build-addons.sh, unpacked and insmod'ed here).
#
# Prints machine-readable lines, everything else is commentary:
#   R BACKEND CONFIG REP USEC       pktgen's elapsed time for N packets
#   T BACKEND nflog REP NS          the NFLOG reader's CPU time (scheduler
#                                   sum_exec_runtime, ns) for reading the N
#                                   packets (its system calls included)
#   LOOP ITER NS                    guest_helper loop: CLOCK_MONOTONIC ns
#   DRAIN SAMPLES NS                cat of a full 65536-sample data file
#   COST NAME INSNx100              the cost probe: instructions per call x 100
#   FAIL text                       a check failed
# Exit status: 0, or 1 if any check failed.
. /tests/guest/lib.sh
H=$1
N=${N:-10000}
REPS=${REPS:-3}
BACKENDS=${BACKENDS:-"iptables-legacy iptables-nft"}
CONFIGS_SET=${CONFIGS:-}
CONFIGS=${CONFIGS:-"none empty comment pktstat_1ms pktstat_10us pktstat_x2 nfacct recent nflog"}
DEV=bench0
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

setup_dummy $DEV 192.0.2.1 2001:db8:b::1 || { fail setup_dummy; exit 1; }
for m in xt_pktstat nfnetlink_acct xt_nfacct xt_recent xt_comment xt_NFLOG nfnetlink_log nft_log; do
	modprobe $m || fail "modprobe $m"
done
echo "# guest: $(uname -r), $(nproc) CPU(s), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"

# icount check: 2 instructions per iteration (dec; jnz)
for it in 10000000 20000000 10000000 20000000; do
	echo "LOOP $it $($H loop $it)"
done

# the cost probe (tests/bench/costs/pktstat_costs.c): it measures on load
# and refuses to stay; its lines are "COST name instructions-x100"
if [ -n "${COSTS:-}" ] && [ -s "$COSTS" ]; then
	insmod "$COSTS" 2>/dev/null
	dmesg | sed -n 's/.*pktstat_costs: COST \([^ ]*\) \([0-9]*\)$/COST \1 \2/p'
	dmesg | grep -q 'pktstat_costs: COST ktime_get_real_ns' || fail "cost probe printed nothing"
fi

$H nfacct benchacct || fail "nfacct object"

# out-of-tree neighbours (tests/bench/build-addons.sh): ADDONS=/tmp/addons.tgz
if [ -n "${ADDONS:-}" ] && [ -s "$ADDONS" ]; then
	mkdir -p /tmp/addons && tar -xzf "$ADDONS" -C /tmp/addons || fail "addons unpack"
	cp /tmp/addons/*.so /usr/lib/x86_64-linux-gnu/xtables/
	for k in compat_xtables xt_ACCOUNT ipt_NETFLOW; do
		insmod /tmp/addons/$k.ko || fail "insmod $k"
	done
	CONFIGS=${CONFIGS_SET:-"$CONFIGS NETFLOW ACCOUNT"}
fi
pktgen_setup $DEV 1000 64 v4 || { fail pktgen_setup; exit 1; }

# add_rules IPT CONFIG: the rule(s) of CONFIG in INPUT (flushed first)
add_rules() {
	$1 -F INPUT || return 1
	case $2 in
	none) ;;
	empty) $1 -A INPUT ;;
	comment) $1 -A INPUT -m comment --comment bench ;;
	pktstat_1ms) $1 -A INPUT -m pktstat --name b1ms --period 1ms --samples 65536 ;;
	pktstat_10us) $1 -A INPUT -m pktstat --name b10us --period 10us --samples 65536 ;;
	pktstat_x2) $1 -A INPUT -m pktstat --name bx2a --period 1ms --samples 65536 &&
		$1 -A INPUT -m pktstat --name bx2b --period 1ms --samples 65536 ;;
	nfacct) $1 -A INPUT -m nfacct --nfacct-name benchacct ;;
	recent) $1 -A INPUT -m recent --set --name benchr ;;
	nflog) $1 -A INPUT -j NFLOG --nflog-group 5 ;;
	NETFLOW) $1 -A INPUT -j NETFLOW ;;
	ACCOUNT) $1 -A INPUT -j ACCOUNT --addr 192.0.2.0/24 --tname bench ;;
	*) echo "unknown config $2" >&2; return 1 ;;
	esac
}

# check_counters IPT CONFIG: every rule counted N packets
check_counters() {
	case $2 in none) return 0 ;; esac
	got=$($1 -L INPUT -v -x -n | awk 'NR > 2 { printf "%s ", $1 }')
	want=
	case $2 in pktstat_x2) want="$N $N " ;; *) want="$N " ;; esac
	[ "$got" = "$want" ] || fail "$1 $2: rule counters '$got', want '$want'"
}

# NFLOG reader: guest_helper reads group 5 until it has N packets
start_reader() {
	rm -f /tmp/nflog.out
	$H nflog 5 $N > /tmp/nflog.out 2>&1 &
	RD_PID=$!
	_i=0
	until grep -q ready /tmp/nflog.out 2>/dev/null; do
		usleep 10000; _i=$((_i + 1))
		[ $_i -gt 500 ] && { fail "nflog reader not ready: $(cat /tmp/nflog.out)"; break; }
	done
}
wait_reader() {
	# the reader exits once it has N packets; a lost one would hang it
	( sleep 60; kill $RD_PID 2>/dev/null ) &
	_k=$!
	wait $RD_PID
	kill $_k 2>/dev/null
	_got=$(awk '$1 == "nflog" && $2 ~ /^[0-9]+$/ { print $2, $3 }' /tmp/nflog.out)
	RD_CPU=$(awk '$1 == "nflog" && $2 ~ /^[0-9]+$/ { print $4 }' /tmp/nflog.out)
	[ "$_got" = "$N 0" ] || fail "$1: reader got '${_got:-nothing}' (packets, ENOBUFS), want '$N 0': $(cat /tmp/nflog.out)"
}

for IPT in $BACKENDS; do
	$IPT -L INPUT -n >/dev/null || fail "$IPT table"
	# warm-up (module autoload, caches)
	add_rules $IPT empty && pktgen_again $N >/dev/null
	rep=1
	while [ $rep -le "$REPS" ]; do
		for cfg in $CONFIGS; do
			add_rules $IPT $cfg || { fail "$IPT $cfg: rule"; continue; }
			if [ $cfg = nflog ]; then
				start_reader
				pktgen_again $N || fail "$IPT $cfg: pktgen"
				wait_reader "$IPT $cfg"
				echo "T $IPT $cfg $rep $RD_CPU"
			else
				pktgen_again $N || fail "$IPT $cfg: pktgen"
			fi
			usec=$(sed -n 's/^Result: OK: \([0-9]*\)(.*/\1/p' $PG/$DEV)
			check_counters $IPT $cfg
			echo "R $IPT $cfg $rep ${usec:-?}"
		done
		rep=$((rep + 1))
	done
	$IPT -F INPUT
	# the other back end must not see this one's hook: unload the tables
	case $IPT in
	iptables-legacy) rmmod iptable_filter 2>/dev/null ;;
	iptables-nft) $IPT -X 2>/dev/null; iptables-nft -t filter -F 2>/dev/null ;;
	esac
done

# reader drain speed: a FIFO full at 65536 samples (1us windows: one
# packet per window at these rates), drained by one read of the data file
IPT=${BACKENDS%% *}
add_rules $IPT none
$IPT -A INPUT -m pktstat --name drain --period 1us --samples 65536 || fail "drain rule"
pktgen_again 70000 >/dev/null || fail "drain pktgen"
pend=$(stat_get drain samples_pending)
t0=$($H now)
cat $PKTSTAT_PROC/drain/data > /tmp/drain.txt
t1=$($H now)
lines=$(grep -vc '^#' /tmp/drain.txt)
echo "# drain: pending $pend, read $lines lines ($(wc -c < /tmp/drain.txt) bytes)"
echo "DRAIN $lines $((t1 - t0))"
$IPT -F INPUT
[ -n "$(kernel_trouble)" ] && fail "kernel log: $(kernel_trouble | head -3)"
echo "# $fails failed checks"
[ "$fails" = 0 ]
