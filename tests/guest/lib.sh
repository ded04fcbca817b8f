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
	T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_N - $1"
	shift
	for _l in "$@"; do
		printf '%s\n' "$_l" | sed 's/^/#   /'
	done
}

# t_check DESC CMD...: ok when CMD succeeds; its output is shown on failure.
t_check() {
	_desc=$1; shift
	_out=$("$@" 2>&1)
	_rc=$?
	if [ "$_rc" = 0 ]; then
		t_ok "$_desc"
	else
		t_fail "$_desc" "command: $*" "status $_rc" "$_out"
	fi
	return "$_rc"
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

# ipt ARGS...: $IPT with its messages on stdout.
ipt() { $IPT "$@" 2>&1; }

# flush_rules: empty INPUT and OUTPUT of $IPT and $SIB (filter table).
flush_rules() {
	for _c in $IPT ${SIB:-}; do
		$_c -F INPUT 2>/dev/null
		$_c -F OUTPUT 2>/dev/null
	done
}

# wait_gone NAME [PROCDIR]: the name's directory disappears (nf_tables frees
# deleted rules from a work queue: allow up to ~3 s).
wait_gone() {
	_i=0
	while [ -e "${2:-$PKTSTAT_PROC}/$1" ] && [ $_i -lt 30 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ ! -e "${2:-$PKTSTAT_PROC}/$1" ]
}

now_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }

# now_us: the wall clock in microseconds (busybox date has no %N).
now_us() {
	adjtimex | awk '/tv_sec:/ { s = $2 } /tv_usec:/ { u = $2 } END { printf "%.0f\n", s * 1000000 + u }'
}

# test_begin ID TITLE / test_end NAME...: common prologue/epilogue of a
# test: empty chains, a kernel log mark; at the end the names' directories
# must be gone once the rules are flushed, and the log clean.
test_begin() {
	TL=$1
	t_diag "---- $P: $1: $2"
	flush_rules
	dmesg_mark
	TSTART=$(now_cs)
}
test_end() {
	flush_rules
	for _n in "$@"; do
		if wait_gone "$_n"; then
			t_ok "$P $TL: /proc/net/xt_pktstat/$_n gone once its rules are flushed"
		else
			t_fail "$P $TL: /proc/net/xt_pktstat/$_n gone once its rules are flushed" \
				"$(cat "$PKTSTAT_PROC/$_n/stats" 2>&1)"
		fi
	done
	t_eq "$P $TL: kernel log clean" "" "$(dmesg_since | grep -E 'BUG:|WARNING:|Oops|general protection|Call Trace|list_(add|del) corruption|refcount_t:|KASAN|UBSAN|soft lockup|hung_task|rcu_sched detected' | head -20)"
	t_diag "$TL took $(( ($(now_cs) - TSTART) * 10 )) ms"
}

# check_conservation DESC NAME SENT: stats say seen = SENT and
# read + dropped + pending = SENT (frames and bytes), the invariant holds.
# LEN: bytes per packet.
check_conservation() {
	_d=$1 _n=$2 _sent=$3
	t_eq "$_d: frames_seen = sent" "$_sent" "$(stat_get "$_n" frames_seen)"
	t_eq "$_d: bytes_seen = sent * $LEN" "$((_sent * LEN))" "$(stat_get "$_n" bytes_seen)"
	t_check "$_d: stats invariant seen = read + dropped + pending" stats_invariant "$_n"
}

# check_drained DESC NAME SENT FILE...: the samples read (FILEs) plus what
# stats counts as dropped and pending add up to SENT packets of LEN bytes,
# and stats' read counters agree with the FILEs.
check_drained() {
	_d=$1 _n=$2 _sent=$3
	shift 3
	sum_samples -u "$@" >/dev/null
	t_eq "$_d: frames read + dropped + pending = sent" "$_sent" \
		"$((SUM_FRAMES + $(stat_get "$_n" frames_dropped) + $(stat_get "$_n" frames_pending)))"
	t_eq "$_d: bytes read + dropped + pending = sent * $LEN" "$((_sent * LEN))" \
		"$((SUM_BYTES + $(stat_get "$_n" bytes_dropped) + $(stat_get "$_n" bytes_pending)))"
	t_eq "$_d: stats frames_read = frames of the reads" "$SUM_FRAMES" "$(stat_get "$_n" frames_read)"
	check_conservation "$_d" "$_n" "$_sent"
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
	for _c in iptables-legacy ip6tables-legacy iptables-nft ip6tables-nft; do
		for _t in filter mangle raw security; do
			$_c -t $_t -F 2>/dev/null
			$_c -t $_t -X 2>/dev/null
		done
	done
}

# unload_pktstat: rmmod, retrying for up to ~3 s (nf_tables frees deleted
# rules, and so drops its module references, from a work queue).
unload_pktstat() {
	grep -q '^xt_pktstat ' /proc/modules || return 0
	_i=0
	while [ $_i -lt 30 ]; do
		rmmod xt_pktstat 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	rmmod xt_pktstat
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
	_dev=$1 _a4=$2 _a6=$3
	case $_a4 in */*) ;; *) _a4=$_a4/24 ;; esac
	case $_a6 in */*) ;; *) _a6=$_a6/64 ;; esac
	if [ ! -d "/sys/class/net/$_dev" ]; then
		ip link add "$_dev" type dummy || return 1
	fi
	sysctl -qw "net.ipv6.conf.$_dev.accept_dad=0" 2>/dev/null
	sysctl -qw "net.ipv6.conf.$_dev.router_solicitations=0" 2>/dev/null
	sysctl -qw "net.ipv4.conf.$_dev.rp_filter=0" 2>/dev/null
	sysctl -qw "net.ipv4.conf.all.rp_filter=0" 2>/dev/null
	ip link set "$_dev" up || return 1
	ip -4 addr replace "$_a4" dev "$_dev" || return 1
	ip -6 addr replace "$_a6" dev "$_dev" nodad || return 1
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
	_dev=$1 _count=$2 _size=$3 _fam=${4:-v4} _cpus=${5:-1} _delay=${6:-0}
	[ -d $PG ] || modprobe pktgen || return 1
	_mac=$(cat "/sys/class/net/$_dev/address") || return 1
	case $_fam in
	v4)
		_dst=$(dev_addr4 "$_dev")
		_src=${_dst%.*}.254
		;;
	v6)
		_dst=$(dev_addr6 "$_dev")
		_src=${_dst%:*}:fffe
		;;
	*) echo "pktgen_setup: family $_fam?" >&2; return 1 ;;
	esac
	[ -n "$_dst" ] || { echo "pktgen_setup: $_dev has no $_fam address" >&2; return 1; }
	pg_set $PG/pgctrl reset || return 1
	PG_DEVS=
	_i=0
	while [ $_i -lt "$_cpus" ]; do
		[ -e "$PG/kpktgend_$_i" ] || { echo "pktgen_setup: no kpktgend_$_i (CPUs: $(nproc))" >&2; return 1; }
		if [ $_i = 0 ]; then _pd=$_dev; else _pd=$_dev@$_i; fi
		pg_set "$PG/kpktgend_$_i" "rem_device_all" || return 1
		pg_set "$PG/kpktgend_$_i" "add_device $_pd" || return 1
		_f=$PG/$_pd
		for _c in "xmit_mode netif_receive" "count $_count" "pkt_size $_size" \
			"delay $_delay" "burst 1" "dst_mac $_mac" \
			"udp_src_min 9" "udp_src_max 9" "udp_dst_min 9" "udp_dst_max 9" \
			"flag UDPCSUM"; do
			pg_set "$_f" "$_c" || return 1
		done
		if [ "$_fam" = v4 ]; then
			pg_set "$_f" "dst $_dst" || return 1
			pg_set "$_f" "src_min $_src" || return 1
			pg_set "$_f" "src_max $_src" || return 1
		else
			pg_set "$_f" "dst6 $_dst" || return 1
			pg_set "$_f" "src6 $_src" || return 1
		fi
		PG_DEVS="$PG_DEVS $_pd"
		_i=$((_i + 1))
	done
	PG_COUNT=$_count
	PG_CPUS=$_cpus
	PG_SENT=$((_count * _cpus))
	PG_PKTLEN=$((_size - 14))
}

# pktgen_count: add up what the pktgen devices of the last setup sent:
# PG_SOFAR (pkts-sofar) and PG_ERRORS.
pktgen_count() {
	PG_SOFAR=0 PG_ERRORS=0
	for _pd in $PG_DEVS; do
		# "     pkts-sofar: 1000  errors: 0"
		set -- $(awk '/pkts-sofar:/ {print $2, $4; exit}' "$PG/$_pd")
		PG_SOFAR=$((PG_SOFAR + ${1:-0}))
		PG_ERRORS=$((PG_ERRORS + ${2:-0}))
	done
}

# pktgen_check: after a run, every pktgen device has sent PG_COUNT packets
# without error.  Sets PG_SOFAR to the total sent.
pktgen_check() {
	_bad=0
	for _pd in $PG_DEVS; do
		set -- $(awk '/pkts-sofar:/ {print $2, $4; exit}' "$PG/$_pd")
		if [ "${1:-x}" != "$PG_COUNT" ] || [ "${2:-x}" != 0 ]; then
			echo "pktgen: $_pd sent ${1:-?} of $PG_COUNT, errors ${2:-?}" >&2
			grep -E 'Result|sofar' "$PG/$_pd" >&2
			_bad=1
		fi
	done
	pktgen_count
	return $_bad
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

# pktgen_again COUNT: send again with the devices of the last setup (each
# sends COUNT; PG_SENT = COUNT * PG_CPUS), skipping the slow setup.
pktgen_again() {
	for _pd in $PG_DEVS; do
		pg_set "$PG/$_pd" "count $1" || return 1
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
	_ord=1
	[ "${1:-}" = -u ] && { _ord=0; shift; }
	_ss=$(awk -v ord=$_ord '
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
	set -- $_ss
	SUM_FRAMES=$1 SUM_BYTES=$2 SUM_SAMPLES=$3 SUM_HEADERS=$4 SUM_SETTINGS=$5
	shift 5
	SUM_ERR="$*"
	echo "$SUM_FRAMES $SUM_BYTES $SUM_SAMPLES"
	[ -z "$SUM_ERR" ] || { echo "sum_samples: $SUM_ERR" >&2; return 1; }
}

# complete_lines FILE: drop an incomplete last line (in place).
complete_lines() {
	if [ -s "$1" ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" != '\n' ]; then
		_keep=$(awk 'END {print NR - 1}' "$1")
		head -n "$_keep" "$1" > "$1.tmp" && mv "$1.tmp" "$1"
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
