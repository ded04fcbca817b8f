# shellcheck shell=sh
# Helpers for the xt_pktstat guest tests.  POSIX sh; written for busybox ash
# (the guest's /bin/sh), also fine under dash or bash.  Source it:
#   . /tests/guest/lib.sh
#
# Results
#   t_ok DESC / t_fail DESC [DETAIL...]   record one result ("ok N - DESC" /
#                                         "not ok N - DESC" + "#   DETAIL")
#   t_check DESC CMD...                   ok if CMD exits 0 (its output is
#                                         shown on failure)
#   t_eq DESC EXPECTED ACTUAL             ok if the strings are equal
#   t_summary                             prints "N passed, M failed" alone on
#                                         a line; non-zero status on failure;
#                                         adds "N M" to $T_TALLY if set
#   The counters live in this shell: don't call t_* in a subshell or in a
#   pipeline stage, their result would be lost.
#
# Runners of several scripts (run-all.sh, guest-matrix.sh): run_part,
# run_summarized, tally_kernel_log, tally_total (below, "parts").
#
# Functions keep their own variables "local" (busybox ash, dash and bash
# have it); what a helper sets for its caller is said next to it (SUM_*,
# PG_*, RC_*, TL...).
#
# Tools.  busybox ash runs its own applets before searching PATH, so the
# real kmod, iproute2 and util-linux tools of the guest image are wrapped
# here as functions (modprobe, rmmod, insmod, lsmod, ip, unshare, nsenter).
# The kernel's request_module and iptables' autoload exec /sbin/modprobe
# (kmod) directly anyway.
#
# Traffic: pktgen in "xmit_mode netif_receive" hands the packets built for a
# device straight to its receive path (netif_receive_skb), as if they had
# arrived on it; with dst_mac = the device's MAC and dst = its own address
# they are PACKET_HOST and local, so they traverse PREROUTING and INPUT.
# The source address is another host of the same subnet (a local source
# would be refused as martian).  Facts measured on Debian 6.1 (TCG guest):
#   - pkt_size S counts the Ethernet header: the IPv4/IPv6 packet, i.e.
#     skb->len at INPUT (and the rule's byte counter), is S - 14 bytes, for
#     S >= 58 (v4) / S >= 78 (v6): below that pktgen pads the UDP payload to
#     its 16-byte pktgen header.  PKTLEN=$((S - 14)).
#   - nothing else reaches INPUT through a dummy device: the ICMP port
#     unreachable answers (and their ARP/ND) leave through the dummy device
#     (dropped there), so a rule with -i DEV counts exactly what pktgen sent.
#   - pktgen counts every packet handed to netif_receive_skb in pkts-sofar,
#     and a NET_RX_DROP return as an error; UDP to a closed port is not one.
# Addresses are from the documentation ranges (192.0.2.0/24, 2001:db8::/32)
# on a dummy device inside the guest: nothing leaves the VM (no NIC).

PKTSTAT_PROC=/proc/net/xt_pktstat
PG=/proc/net/pktgen

for _t in /usr/sbin/modprobe:modprobe /usr/sbin/rmmod:rmmod \
	/usr/sbin/insmod:insmod /usr/sbin/lsmod:lsmod /usr/sbin/modinfo:modinfo \
	/usr/sbin/ip:ip /usr/bin/unshare:unshare /usr/bin/nsenter:nsenter; do
	if [ -x "${_t%%:*}" ]; then
		eval "${_t#*:}() { ${_t%%:*} \"\$@\"; }"
	fi
done
unset _t

# ---------------------------------------------------------------- results
T_PASS=${T_PASS:-0}
T_FAIL=${T_FAIL:-0}
T_N=${T_N:-0}

t_ok() {
	T_N=$((T_N + 1)); T_PASS=$((T_PASS + 1))
	echo "ok $T_N - $1"
}

t_fail() {
	local line
	T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_N - $1"
	shift
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}

# t_check DESC CMD...: ok when CMD succeeds; its output is shown on failure.
t_check() {
	local t_check_desc="$1" t_check_out t_check_rc
	shift
	t_check_out=$("$@" 2>&1)
	t_check_rc=$?
	if [ "$t_check_rc" = 0 ]; then
		t_ok "$t_check_desc"
	else
		t_fail "$t_check_desc" "command: $*" "status $t_check_rc" "$t_check_out"
	fi
	return "$t_check_rc"
}

# t_eq DESC EXPECTED ACTUAL
t_eq() {
	if [ "x$2" = "x$3" ]; then
		t_ok "$1"
	else
		t_fail "$1" "expected: $2" "actual:   $3"
		return 1
	fi
}

# t_diag TEXT...: a comment line in the output.
t_diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

t_summary() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ -n "${T_TALLY:-}" ] && echo "$T_PASS $T_FAIL" >> "$T_TALLY"
	[ "$T_FAIL" = 0 ]
}

# ---------------------------------------------------------------- tests
# ipt_setup IPT: the back end a test script runs on.  IPT: iptables-legacy,
# iptables-nft, ip6tables-legacy, ip6tables-nft (or plain iptables).  Sets
# FAM (v4/v6: the traffic it sees), SIB (the other family's command of the
# same back end) and SIBFAM, SAVE, RESTORE, and P (the prefix of the test
# descriptions).
ipt_setup() {
	IPT=$1
	SIB=
	case $IPT in
	iptables) FAM=v4 ;;
	iptables-legacy) FAM=v4 SIB=ip6tables-legacy ;;
	iptables-nft) FAM=v4 SIB=ip6tables-nft ;;
	ip6tables-legacy) FAM=v6 SIB=iptables-legacy ;;
	ip6tables-nft) FAM=v6 SIB=iptables-nft ;;
	*) echo "ipt_setup: unknown IPT $IPT" >&2; return 2 ;;
	esac
	[ $FAM = v4 ] && SIBFAM=v6 || SIBFAM=v4
	SAVE=$IPT-save
	RESTORE=$IPT-restore
	P="$IPT"
}

# traffic_defaults: what the scripts that send pktgen traffic share: DEV
# (the dummy device, pkt0), its addresses ADDR4 and ADDR6, SIZE (pktgen's
# pkt_size, Ethernet header included, 100) and LEN (skb->len at INPUT,
# v4 and v6: SIZE - 14).
traffic_defaults() {
	DEV=${DEV:-pkt0}
	ADDR4=192.0.2.1/24
	ADDR6=2001:db8::1/64
	SIZE=${SIZE:-100}
	LEN=$((SIZE - 14))
}

# pick_tests ALL [NAME...]: TESTS = the NAMEs, or ALL when none is given
# or the one NAME is "all".  run_tests KNOWN: run each test (function) of
# TESTS that the list KNOWN names, in order; any other is a failure.
pick_tests() {
	local all="$1"
	shift
	TESTS=${*:-all}
	[ "$TESTS" = all ] && TESTS=$all
}
run_tests() {
	local test
	for test in $TESTS; do
		case " $1 " in
		*" $test "*) $test ;;
		*) t_fail "$P: unknown test $test" ;;
		esac
	done
}

# ipt ARGS...: $IPT with its messages on stdout.
ipt() { $IPT "$@" 2>&1; }

# flush_rules: empty INPUT and OUTPUT of $IPT and $SIB (filter table).
flush_rules() {
	local c
	for c in $IPT ${SIB:-}; do
		$c -F INPUT 2>/dev/null
		$c -F OUTPUT 2>/dev/null
	done
}

# wait_for TENTHS CMD...: run CMD until it succeeds, every 0.1 s, for up
# to TENTHS tenths of a second (TENTHS + 1 tries).
wait_for() {
	local tenths="$1"
	shift
	while ! "$@"; do
		[ "$tenths" -gt 0 ] || return 1
		tenths=$((tenths - 1))
		sleep 0.1
	done
}

# wait_until SECONDS CMD...: the same with SECONDS * 10 tries, CMD's output
# discarded.
wait_until() {
	local secs="$1"
	shift
	wait_for $((secs * 10 - 1)) quietly "$@"
}
quietly() { "$@" >/dev/null 2>&1; }

# gone PATH: PATH does not exist (for wait_for).
gone() { [ ! -e "$1" ]; }

# wait_ready TENTHS FILE PID: wait until a background process PID says it
# is ready by creating FILE, for up to TENTHS tenths of a second, no longer
# once PID has ended; ok when FILE exists.
wait_ready() {
	wait_for "$1" ready_or_gone "$2" "$3"
	[ -e "$2" ]
}
ready_or_gone() { [ -e "$1" ] || ! kill -0 "$2" 2>/dev/null; }

# wait_gone NAME [PROCDIR]: the name's directory disappears (nf_tables frees
# deleted rules from a work queue: allow up to ~3 s).
wait_gone() {
	wait_for 30 gone "${2:-$PKTSTAT_PROC}/$1"
}

now_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
# uptime_s: whole seconds since boot.
uptime_s() { awk '{ printf "%d\n", $1 }' /proc/uptime; }

# now_us: the wall clock in microseconds (busybox date has no %N).
now_us() {
	adjtimex | awk '/tv_sec:/ { s = $2 } /tv_usec:/ { u = $2 } END { printf "%.0f\n", s * 1000000 + u }'
}

# test_begin ID TITLE / test_end NAME...: common prologue/epilogue of a
# test: empty chains, a kernel log mark; at the end the names' directories
# must be gone once the rules are flushed, and the log clean (of
# TEST_TROUBLE_RE's lines: oopses and warnings by default).  Sets TL (the
# ID: the test descriptions' "$P $TL: ..."), TSTART.
TEST_TROUBLE_RE='BUG:|WARNING:|Oops|general protection|Call Trace|list_(add|del) corruption|refcount_t:|KASAN|UBSAN|soft lockup|hung_task|rcu_sched detected'
test_begin() {
	TL=$1
	t_diag "---- $P: $1: $2"
	flush_rules
	dmesg_mark
	TSTART=$(now_cs)
}
test_end() {
	local name
	flush_rules
	for name in "$@"; do
		if wait_gone "$name"; then
			t_ok "$P $TL: /proc/net/xt_pktstat/$name gone once its rules are flushed"
		else
			t_fail "$P $TL: /proc/net/xt_pktstat/$name gone once its rules are flushed" \
				"$(cat "$PKTSTAT_PROC/$name/stats" 2>&1)"
		fi
	done
	t_eq "$P $TL: kernel log clean" "" "$(dmesg_since | grep -E "$TEST_TROUBLE_RE" | head -20)"
	t_diag "$TL took $(( ($(now_cs) - TSTART) * 10 )) ms"
}

# check_conservation DESC NAME SENT: stats say seen = SENT and
# read + dropped + pending = SENT (frames and bytes), the invariant holds.
# LEN: bytes per packet.
check_conservation() {
	local desc="$1" name="$2" sent="$3"
	t_eq "$desc: frames_seen = sent" "$sent" "$(stat_get "$name" frames_seen)"
	t_eq "$desc: bytes_seen = sent * $LEN" "$((sent * LEN))" "$(stat_get "$name" bytes_seen)"
	t_check "$desc: stats invariant seen = read + dropped + pending" stats_invariant "$name"
}

# check_drained DESC NAME SENT FILE...: the samples read (FILEs) plus what
# stats counts as dropped and pending add up to SENT packets of LEN bytes,
# and stats' read counters agree with the FILEs.
check_drained() {
	local desc="$1" name="$2" sent="$3"
	shift 3
	sum_samples -u "$@" >/dev/null
	t_eq "$desc: frames read + dropped + pending = sent" "$sent" \
		"$((SUM_FRAMES + $(stat_get "$name" frames_dropped) + $(stat_get "$name" frames_pending)))"
	t_eq "$desc: bytes read + dropped + pending = sent * $LEN" "$((sent * LEN))" \
		"$((SUM_BYTES + $(stat_get "$name" bytes_dropped) + $(stat_get "$name" bytes_pending)))"
	t_eq "$desc: stats frames_read = frames of the reads" "$SUM_FRAMES" "$(stat_get "$name" frames_read)"
	check_conservation "$desc" "$name" "$sent"
}

# t_flowed DESC BEFORE AFTER: traffic flowed while something happened:
# pktgen's count (PG_SOFAR) went from BEFORE to more.
t_flowed() {
	if [ $(($3 - $2)) -gt 0 ]; then
		t_ok "$1"
	else
		t_fail "$1" "sent $2 before, $3 after"
	fi
}

# t_no_errors DESC FILE: FILE, where commands put their messages, holds
# none (iptables-nft's "# Warning" lines aside).
t_no_errors() {
	t_eq "$1" "" "$(grep -v '^# Warning' "$2" | head -5)"
}

# Packets that nf_tables ran through the filter INPUT chain twice (it can,
# while iptables-nft-restore replaces the table): witness_add puts a rule
# before the others that toggles bit 0 of the mark, and one in the security
# table (after filter, never replaced by a filter restore) counting packets
# whose bit is 0 again; witness_twice prints that count and removes it.
witness_add() {
	$IPT -t security -F INPUT 2>/dev/null
	$IPT -I INPUT 1 -i "$DEV" -j MARK --set-xmark 0x1/0x0 &&
		$IPT -t security -A INPUT -i "$DEV" -m mark --mark 0x0/0x1
}
witness_twice() {
	$IPT -t security -L INPUT -v -x -n 2>/dev/null | awk 'NR == 3 { print $1 }'
	$IPT -t security -F INPUT
}

# ---------------------------------------------------------------- kernel
# load_pktstat [PARAM=VALUE...]
load_pktstat() {
	modprobe xt_pktstat "$@"
}

# flush_all: every chain of every table of both back ends and both
# families flushed and deleted (what earlier tests may have left).
flush_all() {
	local c t
	for c in iptables-legacy ip6tables-legacy iptables-nft ip6tables-nft; do
		for t in filter mangle raw security; do
			$c -t $t -F 2>/dev/null
			$c -t $t -X 2>/dev/null
		done
	done
}

# unload_pktstat: rmmod, retrying for up to ~3 s (nf_tables frees deleted
# rules, and so drops its module references, from a work queue).
unload_pktstat() {
	grep -q '^xt_pktstat ' /proc/modules || return 0
	wait_for 30 quietly rmmod xt_pktstat || rmmod xt_pktstat
}

# dmesg_mark: remember how far the kernel log goes; dmesg_since prints what
# came after the last mark.
dmesg_mark() {
	_DMESG_MARK=$(dmesg | wc -l)
}
dmesg_since() {
	dmesg | tail -n +$((${_DMESG_MARK:-0} + 1))
}

# kernel_trouble: print kernel log lines that mean a bug (empty if none).
# Besides oopses and warnings, the reports of the debug kernel's detectors
# (make check-debug, tests/debug/): KASAN, UBSAN, lockdep, sleeping in
# atomic context, debug objects (ODEBUG), list debugging, RCU stalls and
# kmemleak (its own informational lines at boot are not trouble).
KERNEL_TROUBLE_RE='BUG:|WARNING:|Oops|general protection|Call Trace|RIP:|list_(add|del) corruption|refcount_t:|KASAN|UBSAN|kmemleak|unreferenced object|stack-protector|soft lockup|hung_task|rcu_sched detected|rcu: INFO|detected stalls|Kernel panic|ODEBUG|possible circular|possible recursive locking|inconsistent lock|suspicious RCU|sleeping function|bad unlock balance|held when returning|DEBUG_LOCKS_WARN_ON'
KERNEL_TROUBLE_BENIGN='kmemleak: (Kernel memory leak detector initialized|Automatic memory scanning thread (started|ended))'
kernel_trouble() {
	dmesg | grep -E "$KERNEL_TROUBLE_RE" | grep -vE "$KERNEL_TROUBLE_BENIGN" | head -40
}

# ---------------------------------------------------------------- network
# setup_dummy DEV ADDR4 ADDR6: a dummy device, up, with ADDR4 and ADDR6
# (prefix optional: /24 and /64 by default; IPv6 without DAD).  Idempotent.
setup_dummy() {
	local dev="$1" a4="$2" a6="$3"
	case $a4 in */*) ;; *) a4=$a4/24 ;; esac
	case $a6 in */*) ;; *) a6=$a6/64 ;; esac
	if [ ! -d "/sys/class/net/$dev" ]; then
		ip link add "$dev" type dummy || return 1
	fi
	sysctl -qw "net.ipv6.conf.$dev.accept_dad=0" 2>/dev/null
	sysctl -qw "net.ipv6.conf.$dev.router_solicitations=0" 2>/dev/null
	sysctl -qw "net.ipv4.conf.$dev.rp_filter=0" 2>/dev/null
	sysctl -qw "net.ipv4.conf.all.rp_filter=0" 2>/dev/null
	ip link set "$dev" up || return 1
	ip -4 addr replace "$a4" dev "$dev" || return 1
	ip -6 addr replace "$a6" dev "$dev" nodad || return 1
}

dev_addr4() { ip -4 -o addr show dev "$1" scope global | awk '{sub("/.*", "", $4); print $4; exit}'; }
dev_addr6() { ip -6 -o addr show dev "$1" scope global | awk '{sub("/.*", "", $4); print $4; exit}'; }

# ---------------------------------------------------------------- pktgen
# pg_set FILE COMMAND: write one pktgen command and check its result.
pg_set() {
	echo "$2" > "$1" || { echo "pktgen: writing '$2' to $1 failed" >&2; return 1; }
	case $1 in
	*/pgctrl) return 0 ;;
	esac
	if ! grep -q '^Result: OK' "$1"; then
		echo "pktgen: '$2' -> $1: $(grep '^Result:' "$1")" >&2
		return 1
	fi
}

# pktgen_setup DEV COUNT PKT_SIZE [v4|v6] [CPUS] [DELAY_NS]
# Prepares pktgen (nothing is sent yet): COUNT packets of PKT_SIZE bytes
# (Ethernet header included: skb->len at INPUT is PKT_SIZE - 14) from each
# of CPUS pktgen threads (default 1): kpktgend_0 drives DEV, kpktgend_1
# drives DEV@1, ... so the total is COUNT * CPUS.  DELAY_NS is the gap
# between two packets of one thread (default 0: as fast as possible).
# Sets PG_DEVS (the pktgen device names), PG_COUNT, PG_CPUS, PG_SENT
# (= COUNT * CPUS, what will have been sent), PG_PKTLEN (= PKT_SIZE - 14).
pktgen_setup() {
	local dev="$1" count="$2" size="$3" fam="${4:-v4}" cpus="${5:-1}" delay="${6:-0}"
	local mac dst src i pd f c
	[ -d $PG ] || modprobe pktgen || return 1
	mac=$(cat "/sys/class/net/$dev/address") || return 1
	case $fam in
	v4)
		dst=$(dev_addr4 "$dev")
		src=${dst%.*}.254
		;;
	v6)
		dst=$(dev_addr6 "$dev")
		src=${dst%:*}:fffe
		;;
	*) echo "pktgen_setup: family $fam?" >&2; return 1 ;;
	esac
	[ -n "$dst" ] || { echo "pktgen_setup: $dev has no $fam address" >&2; return 1; }
	pg_set $PG/pgctrl reset || return 1
	PG_DEVS=
	i=0
	while [ $i -lt "$cpus" ]; do
		[ -e "$PG/kpktgend_$i" ] || { echo "pktgen_setup: no kpktgend_$i (CPUs: $(nproc))" >&2; return 1; }
		if [ $i = 0 ]; then pd=$dev; else pd=$dev@$i; fi
		pg_set "$PG/kpktgend_$i" "rem_device_all" || return 1
		pg_set "$PG/kpktgend_$i" "add_device $pd" || return 1
		f=$PG/$pd
		for c in "xmit_mode netif_receive" "count $count" "pkt_size $size" \
			"delay $delay" "burst 1" "dst_mac $mac" \
			"udp_src_min 9" "udp_src_max 9" "udp_dst_min 9" "udp_dst_max 9" \
			"flag UDPCSUM"; do
			pg_set "$f" "$c" || return 1
		done
		if [ "$fam" = v4 ]; then
			pg_set "$f" "dst $dst" || return 1
			pg_set "$f" "src_min $src" || return 1
			pg_set "$f" "src_max $src" || return 1
		else
			pg_set "$f" "dst6 $dst" || return 1
			pg_set "$f" "src6 $src" || return 1
		fi
		PG_DEVS="$PG_DEVS $pd"
		i=$((i + 1))
	done
	PG_COUNT=$count
	PG_CPUS=$cpus
	PG_SENT=$((count * cpus))
	PG_PKTLEN=$((size - 14))
}

# pktgen_count: add up what the pktgen devices of the last setup sent:
# PG_SOFAR (pkts-sofar) and PG_ERRORS.
pktgen_count() {
	local pd
	PG_SOFAR=0 PG_ERRORS=0
	for pd in $PG_DEVS; do
		# "     pkts-sofar: 1000  errors: 0"
		set -- $(awk '/pkts-sofar:/ {print $2, $4; exit}' "$PG/$pd")
		PG_SOFAR=$((PG_SOFAR + ${1:-0}))
		PG_ERRORS=$((PG_ERRORS + ${2:-0}))
	done
}

# pktgen_check: after a run, every pktgen device has sent PG_COUNT packets
# without error.  Sets PG_SOFAR to the total sent.
pktgen_check() {
	local bad=0 pd
	for pd in $PG_DEVS; do
		set -- $(awk '/pkts-sofar:/ {print $2, $4; exit}' "$PG/$pd")
		if [ "${1:-x}" != "$PG_COUNT" ] || [ "${2:-x}" != 0 ]; then
			echo "pktgen: $pd sent ${1:-?} of $PG_COUNT, errors ${2:-?}" >&2
			grep -E 'Result|sofar' "$PG/$pd" >&2
			bad=1
		fi
	done
	pktgen_count
	return $bad
}

# pktgen_start_bg: start the prepared run in the background (PG_PID).
pktgen_start_bg() {
	echo start > $PG/pgctrl &
	PG_PID=$!
}

# pktgen_wait: wait for the background run, then pktgen_check.
pktgen_wait() {
	wait "$PG_PID"
	pktgen_check
}

# pktgen_stop: stop a background run early, for traffic bounded in time
# rather than count: prepare a COUNT that cannot be reached, start, do
# something, stop.  Once the start command has returned no thread sends
# any more, so PG_SOFAR is exactly what was sent.  Fails on a pktgen error.
pktgen_stop() {
	echo stop > $PG/pgctrl
	wait "$PG_PID"
	pktgen_count
	[ "$PG_ERRORS" = 0 ] || { echo "pktgen: $PG_ERRORS errors" >&2; return 1; }
}

# t_pktgen_stop DESC: pktgen_stop as a test result (what pktgen said is
# shown on failure).  PG_SOFAR: what was sent.
t_pktgen_stop() {
	if pktgen_stop 2> "/tmp/pktgen-stop.$$"; then
		t_ok "$1"
	else
		t_fail "$1" "$(cat "/tmp/pktgen-stop.$$")"
		false
	fi
}

# t_stopped_after WHAT S0: the end of traffic bounded in time (started by
# pktgen_start_bg) while WHAT happened: pktgen stopped without error
# (PG_SOFAR: what was sent), and it had sent more than S0 (its PG_SOFAR
# when WHAT began) by then.  Results as "$P $TL: ...".
t_stopped_after() {
	local what="$1" s0="$2" s1
	pktgen_count
	s1=$PG_SOFAR
	t_pktgen_stop "$P $TL: pktgen stopped without error"
	t_diag "$PG_SOFAR packets sent, $((s1 - s0)) during $what"
	t_flowed "$P $TL: traffic flowed during $what" "$s0" "$s1"
}

# pktgen_again COUNT: send again with the devices of the last setup (each
# sends COUNT; PG_SENT = COUNT * PG_CPUS), skipping the slow setup.
pktgen_again() {
	local pd
	for pd in $PG_DEVS; do
		pg_set "$PG/$pd" "count $1" || return 1
	done
	PG_COUNT=$1
	PG_SENT=$(($1 * PG_CPUS))
	echo start > $PG/pgctrl || return 1
	pktgen_check
}

# pktgen_send DEV COUNT PKT_SIZE [v4|v6] [CPUS] [DELAY_NS]
# Sends and waits.  With CPUS=2 each of the two pktgen threads sends COUNT
# packets: the total (PG_SENT) is COUNT * 2.  Fails unless every thread
# sent exactly COUNT packets without error.
pktgen_send() {
	pktgen_setup "$@" || return 1
	echo start > $PG/pgctrl || return 1
	pktgen_check
}

# ---------------------------------------------------------------- pktstat
# data_drain NAME FILE: read NAME's data file once, appending to FILE.
data_drain() {
	cat "$PKTSTAT_PROC/$1/data" >> "$2"
}

# sum_samples [-u] FILE...: check and add up data-file output (header lines
# "# timestamp frames bytes" are skipped and counted, setting lines
# "# period_ns N samples M" counted in SUM_SETTINGS).  Every other line
# must be three decimal integers; timestamps must strictly increase within
# each FILE between setting lines (not checked with -u: a setting line
# starts the order again) and be unique across all FILEs.  A FILE may end
# in an incomplete line (a reader that stopped mid-line): it is ignored,
# as the module gives that sample again in full to the next reader.
# Sets and prints SUM_FRAMES SUM_BYTES SUM_SAMPLES; sets SUM_HEADERS,
# SUM_SETTINGS, and SUM_ERR (also on stderr) and status 1 on a problem.
sum_samples() {
	local ord=1 sums
	[ "${1:-}" = -u ] && { ord=0; shift; }
	sums=$(awk -v ord=$ord '
		function err(m) { if (e == "") e = m }
		FNR == 1 { prev = ""; ctx = "" }
		/^# period_ns [0-9]+ samples [0-9]+$/ { st++; prev = ""; ctx = $3 ":"; next }
		/^#/ { if ($0 == "# timestamp frames bytes") { h++; ctx = "" } else err(FILENAME ": bad header: " $0); next }
		{
			if ($0 !~ /^[0-9]+ [0-9]+ [0-9]+$/) { err(FILENAME ":" FNR ": bad line: " $0); next }
			ts = $1 ""
			if (ord && prev != "" && (length(ts) < length(prev) || (length(ts) == length(prev) && ts <= prev)))
				err(FILENAME ":" FNR ": timestamp " ts " not after " prev)
			if ((ctx ts) in seen) err("timestamp " ts " returned twice (" seen[ctx ts] ", " FILENAME ":" FNR ")")
			seen[ctx ts] = FILENAME ":" FNR
			prev = ts
			f += $2; b += $3; n++
		}
		END { printf "%d %d %d %d %d %s\n", f, b, n, h, st, e }
	' "$@")
	set -- $sums
	SUM_FRAMES=$1 SUM_BYTES=$2 SUM_SAMPLES=$3 SUM_HEADERS=$4 SUM_SETTINGS=$5
	shift 5
	SUM_ERR="$*"
	echo "$SUM_FRAMES $SUM_BYTES $SUM_SAMPLES"
	[ -z "$SUM_ERR" ] || { echo "sum_samples: $SUM_ERR" >&2; return 1; }
}

# complete_lines FILE: drop an incomplete last line (in place).
complete_lines() {
	local keep
	if [ -s "$1" ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" != '\n' ]; then
		keep=$(awk 'END {print NR - 1}' "$1")
		head -n "$keep" "$1" > "$1.tmp" && mv "$1.tmp" "$1"
	fi
}

# ts_aligned FILE PERIOD_NS: every timestamp in FILE is a multiple of
# PERIOD_NS (exact: 19-digit numbers are reduced digit by digit, awk's
# doubles would round them).  Prints the first bad line.
ts_aligned() {
	awk -v p="$2" '
		/^#/ { next }
		{
			r = 0
			for (i = 1; i <= length($1); i++)
				r = (r * 10 + substr($1, i, 1)) % p
			if (r != 0) { print "not a multiple of " p ": " $0; bad = 1; exit }
		}
		END { exit bad }' "$1"
}

# stat_get NAME KEY: one value from NAME's stats file.
stat_get() {
	awk -v k="$2" '$1 == k { print $2; f = 1; exit } END { exit !f }' "$PKTSTAT_PROC/$1/stats"
}

# stats_invariant NAME: frames_seen = read + dropped + pending, same for
# bytes.  Prints the numbers on failure.
stats_invariant() {
	awk '
		{ v[$1] = $2 }
		END {
			fs = v["frames_read"] + v["frames_dropped"] + v["frames_pending"]
			bs = v["bytes_read"] + v["bytes_dropped"] + v["bytes_pending"]
			if (fs != v["frames_seen"] || bs != v["bytes_seen"]) {
				printf "frames: seen %s != read %s + dropped %s + pending %s\n", v["frames_seen"], v["frames_read"], v["frames_dropped"], v["frames_pending"]
				printf "bytes: seen %s != read %s + dropped %s + pending %s\n", v["bytes_seen"], v["bytes_read"], v["bytes_dropped"], v["bytes_pending"]
				exit 1
			}
		}' "$PKTSTAT_PROC/$1/stats"
}

# rule_counters IPT CHAIN: packets and bytes of the first rule of CHAIN
# (filter table).  Sets and prints RC_PKTS RC_BYTES.
rule_counters() {
	# shellcheck disable=SC2086 # IPT may carry options
	set -- $($1 -L "$2" -v -x -n 2>/dev/null | awk 'NR == 3 { print $1, $2; exit }')
	RC_PKTS=${1:-} RC_BYTES=${2:-}
	echo "$RC_PKTS $RC_BYTES"
	[ -n "$RC_PKTS" ]
}

# ---------------------------------------------------------------- parts
# A runner of several test scripts (run-all.sh, guest-matrix.sh) adds up
# their results in the file $TALLY, one "PASSED FAILED" line a part.

# run_part DESC CMD...: one part, a script that writes its own line
# (t_summary, with T_TALLY=$TALLY).  A part that ends without a summary
# (crash, syntax error), or with a non-zero status and no failed test,
# counts as one failure.
run_part() {
	local desc="$1" before t0 rc
	shift
	echo "#### $desc"
	before=$(wc -l < "$TALLY")
	t0=$(uptime_s)
	T_TALLY=$TALLY "$@"
	rc=$?
	echo "#### $desc: status $rc, $(( $(uptime_s) - t0 )) s"
	if [ "$(wc -l < "$TALLY")" = "$before" ]; then
		echo "not ok - $desc ended without a summary (status $rc)"
		echo "0 1" >> "$TALLY"
	elif [ "$rc" != 0 ] && [ "$(tail -1 "$TALLY" | cut -d' ' -f2)" = 0 ]; then
		echo "not ok - $desc: status $rc with no failed test"
		echo "0 1" >> "$TALLY"
	fi
}

# summary_counts FILE: "PASSED FAILED" of FILE's last "N passed, M failed"
# line; status 1 if it has none.
summary_counts() {
	local counts
	counts=$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1 \2/p' "$1" | tail -n 1)
	[ -n "$counts" ] && echo "$counts"
}

# run_summarized DESC CMD...: one part, any command that prints its
# "N passed, M failed" but does not write $TALLY itself; its line is added
# here, with the same rules as run_part.
run_summarized() {
	local desc="$1" out="/tmp/part.$$" rc counts
	shift
	echo "#### $desc"
	"$@" > "$out" 2>&1
	rc=$?
	cat "$out"
	if ! counts=$(summary_counts "$out"); then
		echo "not ok - $desc ended without a summary (status $rc)"
		counts="0 1"
	elif [ "$rc" != 0 ] && [ "${counts#* }" = 0 ]; then
		echo "not ok - $desc: status $rc with no failed test"
		counts="${counts% *} 1"
	fi
	echo "$counts" >> "$TALLY"
	echo "#### $desc: status $rc"
}

# tally_kernel_log: one more result: the kernel log free of kernel_trouble.
tally_kernel_log() {
	local trouble
	trouble=$(kernel_trouble)
	if [ -n "$trouble" ]; then
		echo "not ok - kernel log has warnings or oopses:"
		echo "$trouble" | sed 's/^/#   /'
		echo "0 1" >> "$TALLY"
	else
		echo "ok - kernel log clean"
		echo "1 0" >> "$TALLY"
	fi
}

# tally_total: the total of $TALLY as "N passed, M failed"; status 1 when
# something failed.
tally_total() {
	awk '{ p += $1; f += $2 } END { printf "%d passed, %d failed\n", p, f; exit f > 0 }' "$TALLY"
}
