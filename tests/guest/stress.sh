#!/bin/sh
# xt_pktstat stress scenarios, run inside the test guest:
#   stress.sh IPT [SCENARIO...]
# IPT: iptables-legacy, iptables-nft, ip6tables-legacy or ip6tables-nft.
# SCENARIO: numbers of the scenarios to run (default: 1 2 3 4 5 6):
#   1  rules added, deleted and restored (iptables-restore, also --noflush;
#      a rule of another period waiting, deleted) while pktgen floods from CPU 0 and
#      CPU 1 and two readers drain the same name, one with cat, one 7 bytes
#      at a time (it holds a sample half-read, which the other must skip);
#   2  network namespaces with rules, created and torn down in a loop while
#      processes of the initial namespace hold their data files open (one
#      half-way through a sample) and keep reading them; the held files
#      then read EOF or an error, the module's reference count is 0, no
#      ring is left in vmalloc space and rmmod works;
#   3  module unload and load between rule sets (modprobe max_samples=,
#      insmod with proc_mode/proc_gid/max_samples, autoload by the rule),
#      rmmod refused while a rule exists, a file held open across rmmod;
#   4  FIFO overflow: 1us windows into --samples 4 and --samples 1 under a
#      two-CPU flood, then a burst with no reader;
#   5  wall-clock steps forward and back by hours under two-CPU traffic,
#      into 10ms windows (read) and 1us windows (a forward step skips 10^10
#      of them; the hot path must not walk them);
#   6  CPU 1 offline and online under traffic (pktgen on CPU 0, ping
#      pinned to CPU 1), the dead CPU's windows closed and readable; its
#      pinned timers run on CPU 0 while it is away and are handed back.
# 2 and 3 unload the module: they flush every table of both back ends
# first.  6 leaves pktgen's CPU 1 thread unbound (the scheduler breaks the
# affinity of a thread bound to a CPU going offline): run-all runs this
# suite last.
# Every scenario ends with exact conservation (spec section 4): frames and
# bytes seen = what was sent (pktgen's pkts-sofar, ping's transmitted count;
# plus, in 1, the packets iptables-nft-restore made the chain evaluate
# twice, witnessed as in kernel-tests.sh test e), and what the readers read
# + dropped + pending = seen, each sample read once; and with a clean
# kernel log.  Results are "ok N - ..." / "not ok N - ...", then
# "N passed, M failed" (lib.sh).
#
# Traffic is bounded in time, not count, where user processes run at the
# same time (see kernel-tests.sh, tests e and f): pktgen gets a count it
# cannot reach and is stopped; pkts-sofar is then exactly what was sent.
#
# Environment (with the defaults all six take 75 to 85 s per back end on
# the plain kernel under TCG, run-all's four runs about 3 minutes; raise
# them for a longer soak, lower them for a slow debug kernel):
#   STRESS_SECS      seconds of traffic in 1 and 4 (3)
#   STRESS_ITER      least iterations of the rule churn in 1, however long
#                    they take (2; about 10 iptables commands each)
#   STRESS_ROUNDS    rounds of 2 and 3, hotplug cycles of 6 (3)
#   STRESS_CLOCK_CYCLES  cycles of six clock steps in 5 (1)
#   STRESS_DELAY_NS  gap between two packets of one pktgen thread in 1, 5
#                    and 6 (0: flood; the scheduler still lets user
#                    processes run, faster than with pktgen's sleeps)
#   STRESS_HP_PERIOD --period in 6 (500ms: longer than an offline/online)
#   DEV (pkt0), SIZE (pktgen pkt_size, 100)
. "$(dirname "$0")/lib.sh"

IPT=${1:?usage: stress.sh IPT [SCENARIO...]}
shift
SCENARIOS=${*:-1 2 3 4 5 6}

DEV=${DEV:-pkt0}
ADDR4=192.0.2.1/24
ADDR6=2001:db8::1/64
SIZE=${SIZE:-100}			# pktgen pkt_size (Ethernet header included)
LEN=$((SIZE - 14))			# skb->len at INPUT, v4 and v6
SECS=${STRESS_SECS:-3}
ROUNDS=${STRESS_ROUNDS:-3}
CLOCK_CYCLES=${STRESS_CLOCK_CYCLES:-1}
ITER=${STRESS_ITER:-2}
DELAY=${STRESS_DELAY_NS:-0}
HP_PERIOD=${STRESS_HP_PERIOD:-500ms}
KO=/lib/modules/$(uname -r)/extra/xt_pktstat.ko
T=/tmp/stress.$$
mkdir -p "$T"

case $IPT in
iptables-legacy) FAM=v4 SIB=ip6tables-legacy ;;
iptables-nft) FAM=v4 SIB=ip6tables-nft ;;
ip6tables-legacy) FAM=v6 SIB=iptables-legacy ;;
ip6tables-nft) FAM=v6 SIB=iptables-nft ;;
*) echo "stress.sh: unknown IPT $IPT" >&2; exit 2 ;;
esac
SAVE=$IPT-save
RESTORE=$IPT-restore
P="$IPT"
# ping: echo requests of exactly LEN bytes (IP header included), so that
# every counted packet, pktgen's or ping's, is LEN bytes
if [ $FAM = v4 ]; then
	PING=ping DST=${ADDR4%/*} LO=127.0.0.1 PSIZE=$((LEN - 28))
	ECHO_REQ="-p icmp --icmp-type echo-request"
else
	PING=ping6 DST=${ADDR6%/*} LO=::1 PSIZE=$((LEN - 48))
	ECHO_REQ="-p ipv6-icmp --icmpv6-type echo-request"
fi
TROUBLE_RE=${KERNEL_TROUBLE_RE:-'BUG:|WARNING:|Oops|general protection|Call Trace|list_(add|del) corruption|refcount_t:|KASAN|UBSAN|soft lockup|hung_task|rcu_sched detected'}

ipt() { $IPT "$@" 2>&1; }
now_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
modref() { cat /sys/module/xt_pktstat/refcnt 2>/dev/null || echo none; }
loaded() { grep -q '^xt_pktstat ' /proc/modules; }
reload_with() { unload_pktstat && load_pktstat "$@"; }

flush_rules() {
	for _c in $IPT $SIB; do
		$_c -F INPUT 2>/dev/null
		$_c -F OUTPUT 2>/dev/null
		$_c -t security -F INPUT 2>/dev/null
	done
}


# wait_for TENTHS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	_w=$1; shift
	while ! "$@"; do
		[ "$_w" -gt 0 ] || return 1
		_w=$((_w - 1))
		sleep 0.1
	done
}
gone() { [ ! -e "$1" ]; }
rules_are() { [ "$(awk '$1 == "rules" { print $2 }' "$PKTSTAT_PROC/$1/stats" 2>/dev/null)" = "$2" ]; }

# ---------------------------------------------------------------- cleanup
# Whatever a scenario changed in the machine is put back even when it
# fails half-way: readers and pktgen stopped, CPU 1 online, the clock.
R_PIDS=
CLOCK_WALL0='' CLOCK_UP0=''
cleanup() {
	if [ -n "$R_PIDS" ]; then
		touch "$T/stop"
		# shellcheck disable=SC2086
		kill $R_PIDS 2>/dev/null
		# shellcheck disable=SC2086
		wait $R_PIDS 2>/dev/null
		R_PIDS=
	fi
	[ -d $PG ] && echo stop > $PG/pgctrl 2>/dev/null
	if [ -e /sys/devices/system/cpu/cpu1/online ] &&
		[ "$(cat /sys/devices/system/cpu/cpu1/online)" = 0 ]; then
		echo 1 > /sys/devices/system/cpu/cpu1/online
	fi
	clock_restore
}
clock_restore() {
	[ -n "$CLOCK_WALL0" ] || return 0
	date -s @$((CLOCK_WALL0 + ($(now_cs) - CLOCK_UP0) / 100 + 1)) > /dev/null
	CLOCK_WALL0=
}
trap 'cleanup; rm -rf "$T"' EXIT

# ---------------------------------------------------------------- readers
# reader NAME OUT [PROCDIR]: drain NAME with cat (or, if R_BS is set,
# with dd's reads of R_BS bytes, which hold a sample half-read between two
# reads), appending to OUT, until $T/stop exists.  Opens are counted in
# OUT.opens, failures in OUT.err.  With a PROCDIR (a namespace's, which
# goes away) a failed open ends it.
R_BS=
reader() {
	_o=0
	while [ ! -e "$T/stop" ]; do
		if [ -n "$R_BS" ]; then
			dd if="${3:-$PKTSTAT_PROC}/$1/data" bs="$R_BS" 2> /dev/null >> "$2"
		else
			cat "${3:-$PKTSTAT_PROC}/$1/data" >> "$2" 2>> "$2.err"
		fi
		if [ $? != 0 ]; then
			[ -n "${3:-}" ] && break
			echo "cat failed" >> "$2.err"
		fi
		_o=$((_o + 1))
	done
	echo $_o > "$2.opens"
}
start_reader() {
	rm -f "$T/stop"
	: > "$2"
	: > "$2.err"
	reader "$@" &
	R_PIDS="$R_PIDS $!"
}
stop_readers() {
	touch "$T/stop"
	# shellcheck disable=SC2086
	wait $R_PIDS
	R_PIDS=
	rm -f "$T/stop"
}

# ---------------------------------------------------------------- checks
# st NAME KEY: a value of the last stats snapshot of NAME (conserve).
st() { awk -v k="$2" '$1 == k { print $2; exit }' "$T/stats.$1"; }

# conserve DESC NAME SEEN FILE...: once traffic has stopped and the last
# windows were closed: drain NAME a last time (into $LAST), snapshot its
# stats, and check exactly against SEEN (packets sent to it, each LEN
# bytes) and FILE... (everything the readers read from it): seen = SEEN;
# read + dropped + pending = seen; the readers' samples are what stats
# counts as read, none returned twice; nothing pending.  PROCDIR (default
# /proc/net/xt_pktstat) is where NAME is.
CONSERVE_N=0
conserve() {
	_cd=$1 _cn=$2 _cs=$3
	shift 3
	_pd=${PROCDIR:-$PKTSTAT_PROC}
	CONSERVE_N=$((CONSERVE_N + 1))
	LAST=$T/last.$CONSERVE_N
	cat "$_pd/$_cn/data" > "$LAST" 2>&1
	cp "$_pd/$_cn/stats" "$T/stats.$_cn"
	sum_samples -u "$@" "$LAST" > /dev/null 2>&1
	t_eq "$_cd: samples well-formed, none returned twice" "" "$SUM_ERR"
	t_eq "$_cd: frames_seen = sent" "$_cs" "$(st "$_cn" frames_seen)"
	t_eq "$_cd: bytes_seen = sent * $LEN" "$((_cs * LEN))" "$(st "$_cn" bytes_seen)"
	t_eq "$_cd: frames read + dropped + pending = sent" "$_cs" \
		"$((SUM_FRAMES + $(st "$_cn" frames_dropped) + $(st "$_cn" frames_pending)))"
	t_eq "$_cd: bytes read + dropped + pending = sent * $LEN" "$((_cs * LEN))" \
		"$((SUM_BYTES + $(st "$_cn" bytes_dropped) + $(st "$_cn" bytes_pending)))"
	t_eq "$_cd: stats samples/frames/bytes_read = what the readers got" \
		"$SUM_SAMPLES $SUM_FRAMES $SUM_BYTES" \
		"$(st "$_cn" samples_read) $(st "$_cn" frames_read) $(st "$_cn" bytes_read)"
	t_eq "$_cd: nothing pending (every window closed and read)" "0 0 0" \
		"$(st "$_cn" samples_pending) $(st "$_cn" frames_pending) $(st "$_cn" bytes_pending)"
	t_diag "$_cn: seen $(st "$_cn" frames_seen), read $SUM_FRAMES in $SUM_SAMPLES samples, dropped $(st "$_cn" frames_dropped) in $(st "$_cn" samples_dropped), clock_steps_back $(st "$_cn" clock_steps_back)"
}

# back_jumps FILE...: timestamps that are not after the previous one, in
# the concatenation of FILEs (one reader's stream, in order).
back_jumps() {
	cat "$@" | awk '
		/^#/ || !/^[0-9]+ [0-9]+ [0-9]+$/ { next }
		{
			ts = $1 ""
			if (prev != "" && (length(ts) < length(prev) || (length(ts) == length(prev) && ts <= prev)))
				n++
			prev = ts
		}
		END { print n + 0 }'
}

# ping_tx FILE...: total "N packets transmitted" of busybox ping outputs.
ping_tx() {
	cat "$@" | sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}

# ---------------------------------------------------------------- frame
s_begin() {
	SN=$1
	t_diag "---- $P: scenario $1: $2"
	flush_rules
	loaded || t_check "$P $SN: modprobe xt_pktstat" load_pktstat
	dmesg_mark
	SSTART=$(now_cs)
}
s_end() {
	cleanup
	flush_rules
	for _n in "$@"; do
		if wait_for 30 gone "$PKTSTAT_PROC/$_n"; then
			t_ok "$P $SN: /proc/net/xt_pktstat/$_n gone once its rules are flushed"
		else
			t_fail "$P $SN: /proc/net/xt_pktstat/$_n gone once its rules are flushed" \
				"$(cat "$PKTSTAT_PROC/$_n/stats" 2>&1)"
		fi
	done
	t_eq "$P $SN: kernel log clean" "" "$(dmesg_since | grep -E "$TROUBLE_RE" | head -20)"
	t_diag "scenario $SN took $(( ($(now_cs) - SSTART) * 10 )) ms"
}

# ------------------------------------------------------------------ 1
s1_iteration() {
	_i=$1
	$IPT -A OUTPUT -o lo -p tcp --dport 7 -m pktstat --name churn --period 1ms --samples 65536 &&
	$IPT -A INPUT -i $DEV -m pktstat --name churn2 --period 10ms --samples 8 &&
	$SAVE -t filter > "$T/1.save" && $RESTORE < "$T/1.save" &&
	$IPT -A OUTPUT -o lo -m pktstat --name churn --period 2ms --samples 65536 &&
	if [ "$(stat_get churn waiting_rules)" != 1 ]; then
		echo "iteration $_i: a rule of another period for churn does not wait"
		false
	fi &&
	$IPT -D OUTPUT -o lo -m pktstat --name churn --period 2ms --samples 65536 &&
	$IPT -D INPUT -i $DEV -m pktstat --name churn2 --period 10ms --samples 8 &&
	$IPT -D OUTPUT -o lo -p tcp --dport 7 -m pktstat --name churn --period 1ms --samples 65536 &&
	printf '*filter\n-A OUTPUT -o lo -p udp --dport 7 -m pktstat --name churn --period 1ms --samples 65536\nCOMMIT\n' |
		$RESTORE --noflush &&
	$SAVE -t filter | $RESTORE &&
	$IPT -D OUTPUT -o lo -p udp --dport 7 -m pktstat --name churn --period 1ms --samples 65536
}

s1_churn() {
	s_begin 1 "rules added, deleted, restored under two-CPU traffic; two readers"
	if [ "$(nproc)" -lt 2 ]; then
		t_ok "$P 1: skipped: one CPU # SKIP"
		return
	fi
	# witness of double evaluation by iptables-nft-restore (test e)
	t_check "$P 1: add witness rules" sh -c "$IPT -A INPUT -i $DEV -j MARK --set-xmark 0x1/0x0 &&
		$IPT -t security -A INPUT -i $DEV -m mark --mark 0x0/0x1"
	t_check "$P 1: add rule" ipt -A INPUT -i $DEV -m pktstat --name churn --period 1ms --samples 65536 ||
		{ s_end churn; return; }
	pktgen_setup $DEV 1000000000 $SIZE $FAM 2 "$DELAY" 2> "$T/pg.err" ||
		t_fail "$P 1: pktgen setup" "$(cat "$T/pg.err")"
	: > "$T/1.err"
	# one reader takes everything there is, the other reads 7 bytes at a
	# time: it holds a sample half-read most of the time, which the first
	# one must skip
	start_reader churn "$T/1.r1"
	R_BS=7
	start_reader churn "$T/1.r2"
	R_BS=
	pktgen_start_bg
	sleep 0.2
	pktgen_count; _s0=$PG_SOFAR
	_end=$(($(now_cs) + SECS * 100))
	_it=0
	while [ $_it -lt "$ITER" ] || [ "$(now_cs)" -lt $_end ]; do
		_it=$((_it + 1))
		s1_iteration $_it >> "$T/1.err" 2>&1 || echo "iteration $_it failed" >> "$T/1.err"
		_rules=$(cat "$PKTSTAT_PROC/churn/stats" 2>&1 | awk '$1 == "rules" { print $2 }')
		[ "${_rules:-0}" -ge 1 ] || echo "iteration $_it: churn has ${_rules:-no} rules" >> "$T/1.err"
	done
	pktgen_count; _s1=$PG_SOFAR
	if pktgen_stop 2> "$T/pg.err"; then
		t_ok "$P 1: pktgen stopped without error"
	else
		t_fail "$P 1: pktgen stopped without error" "$(cat "$T/pg.err")"
	fi
	N=$PG_SOFAR
	t_diag "$_it iterations; $N packets sent, $((_s1 - _s0)) during the iterations"
	[ $((_s1 - _s0)) -gt 0 ] && t_ok "$P 1: traffic flowed during the churn" ||
		t_fail "$P 1: traffic flowed during the churn" "sent $_s0 before, $_s1 after"
	t_eq "$P 1: every iptables command did what it should" "" "$(grep -v '^# Warning' "$T/1.err" | head -5)"
	sleep 0.5
	stop_readers
	_twice=$($IPT -t security -L INPUT -v -x -n 2> /dev/null | awk 'NR == 3 { print $1 }')
	$IPT -t security -F INPUT
	t_diag "packets evaluated twice by the filter INPUT chain: $_twice"
	case $IPT in
	*-legacy) t_eq "$P 1: no packet went through INPUT twice (legacy)" 0 "$_twice" ;;
	esac
	t_eq "$P 1: pktstat rule still there, alone" 1 "$($IPT -S 2> /dev/null | grep -c pktstat)"
	wait_for 30 rules_are churn 1	# nf_tables releases deleted rules from a work queue
	t_eq "$P 1: stats rules back to 1" 1 "$(stat_get churn rules)"
	t_eq "$P 1: readers had no error" "" "$(cat "$T/1.r1.err" "$T/1.r2.err" | head -5)"
	for _r in r1 r2; do
		sum_samples "$T/1.$_r" > /dev/null 2>&1
		t_diag "reader $_r: $(cat "$T/1.$_r.opens") opens, $SUM_SAMPLES samples, $SUM_FRAMES frames"
		t_eq "$P 1: reader $_r: its own stream increases" "" "$SUM_ERR"
		[ "${SUM_SAMPLES:-0}" -gt 0 ] && t_ok "$P 1: reader $_r got samples" ||
			t_fail "$P 1: reader $_r got samples" "it got none in $(cat "$T/1.$_r.opens") opens"
	done
	conserve "$P 1" churn $((N + ${_twice:-0})) "$T/1.r1" "$T/1.r2"
	s_end churn churn2
}

# ------------------------------------------------------------------ 2
# s2_ns K PERIOD: a new network namespace whose holder process (the sleep,
# NS_PID) adds two rules, sends NP pings to itself (counted by ns), and
# waits.  ns2 counts its OUTPUT into a tiny FIFO (not exact: no check).
s2_ns() {
	rm -f "$T/2.ready.$1"
	# the real unshare: $! must be the process that becomes the sleep
	/usr/bin/unshare -n sh -c "
		ip link set lo up
		$IPT -A INPUT -i lo $ECHO_REQ -m pktstat --name ns --period $2 --samples 262144 &&
		$IPT -A OUTPUT -o lo -m pktstat --name ns2 --period 10ms --samples 4 || exit 1
		$PING -q -A -c $NP -s $PSIZE $LO > $T/2.ping.$1 2>&1
		touch $T/2.ready.$1
		exec sleep 600" > "$T/2.out.$1" 2>&1 &
	NS_PID=$!
}

s2_netns() {
	s_begin 2 "network namespaces with rules and open files, torn down in a loop"
	flush_all
	# rings of 8 MiB (--samples 262144) are always vmalloc'ed: a ring left
	# behind would show in /proc/vmallocinfo
	t_check "$P 2: rmmod, then modprobe xt_pktstat max_samples=262144" reload_with max_samples=262144
	NP=100
	_r=0
	while [ $_r -lt "$ROUNDS" ]; do
		_r=$((_r + 1))
		s2_ns a 1ms; _pa=$NS_PID
		s2_ns b 2ms; _pb=$NS_PID
		_ok=1
		for _k in a b; do
			if ! wait_for 200 test -e "$T/2.ready.$_k"; then
				t_fail "$P 2.$_r: namespace $_k set up" "$(cat "$T/2.out.$_k")"
				_ok=0
			fi
		done
		if [ $_ok = 0 ]; then
			kill $_pa $_pb 2> /dev/null
			wait $_pa $_pb 2> /dev/null
			continue
		fi
		sleep 0.2
		for _k in a b; do
			_pid=$_pa
			[ $_k = b ] && _pid=$_pb
			PROCDIR=/proc/$_pid/net/xt_pktstat
			conserve "$P 2.$_r: namespace $_k: ns" ns "$(ping_tx "$T/2.ping.$_k")"
			PROCDIR=
			awk '{ v[$1] = $2 } END { exit !(v["frames_seen"] == v["frames_read"] + v["frames_dropped"] + v["frames_pending"] &&
				v["bytes_seen"] == v["bytes_read"] + v["bytes_dropped"] + v["bytes_pending"]) }' \
				/proc/$_pid/net/xt_pktstat/ns2/stats &&
				t_ok "$P 2.$_r: namespace $_k: ns2 seen = read + dropped + pending" ||
				t_fail "$P 2.$_r: namespace $_k: ns2 seen = read + dropped + pending" "$(cat /proc/$_pid/net/xt_pktstat/ns2/stats)"
		done
		t_eq "$P 2.$_r: names of a namespace are not in the initial one" "" "$(ls $PKTSTAT_PROC 2>&1)"
		# more traffic, then files held open across the teardown: fd 5
		# and 7 half-way through a sample, 6 and 8 unread; one reader
		# per namespace keeps opening and reading data meanwhile
		nsenter -t $_pa -n $PING -q -A -c 20 -s $PSIZE $LO > /dev/null 2>&1
		nsenter -t $_pb -n $PING -q -A -c 20 -s $PSIZE $LO > /dev/null 2>&1
		sleep 0.1
		exec 5< /proc/$_pa/net/xt_pktstat/ns/data 6< /proc/$_pa/net/xt_pktstat/ns2/data \
			7< /proc/$_pb/net/xt_pktstat/ns/data 8< /proc/$_pb/net/xt_pktstat/ns2/data
		_h5=$(dd bs=1 count=30 <&5 2> /dev/null | tail -c 5)
		_h7=$(dd bs=1 count=30 <&7 2> /dev/null | tail -c 5)
		[ -n "$_h5" ] && [ -n "$_h7" ] && t_ok "$P 2.$_r: a sample held half-read in each namespace" ||
			t_fail "$P 2.$_r: a sample held half-read in each namespace" "got '$_h5' '$_h7'"
		start_reader ns "$T/2.ra" /proc/$_pa/net/xt_pktstat
		start_reader ns "$T/2.rb" /proc/$_pb/net/xt_pktstat
		sleep 0.2
		kill $_pa $_pb
		wait $_pa $_pb 2> /dev/null
		# the namespaces' rules are destroyed when cleanup_net has run
		if wait_for 300 sh -c '[ "$(cat /sys/module/xt_pktstat/refcnt)" = 0 ]'; then
			t_ok "$P 2.$_r: both namespaces torn down, module refcnt 0"
		else
			t_fail "$P 2.$_r: both namespaces torn down, module refcnt 0" "refcnt $(modref)"
		fi
		stop_readers
		for _fd in 5 6 7 8; do
			_out=$(eval "timeout 10 cat <&$_fd" 2>&1)
			_rc=$?
			if [ $_rc = 124 ] || printf '%s\n' "$_out" | grep -qE '^[0-9]+ [0-9]+ [0-9]+$'; then
				t_fail "$P 2.$_r: fd $_fd held across the teardown reads EOF or an error" "status $_rc, read: $(printf '%s' "$_out" | head -c 200)"
			else
				t_ok "$P 2.$_r: fd $_fd held across the teardown reads EOF or an error (status $_rc${_out:+: $(printf '%s' "$_out" | head -c 60)})"
			fi
		done
		exec 5<&- 6<&- 7<&- 8<&-
	done
	t_eq "$P 2: no ring left in vmalloc space" "" "$(grep pktstat /proc/vmallocinfo | head -3)"
	t_eq "$P 2: module refcnt 0" 0 "$(modref)"
	t_check "$P 2: rmmod xt_pktstat" unload_pktstat
	t_check "$P 2: modprobe xt_pktstat again (defaults)" load_pktstat
	s_end
}

# ------------------------------------------------------------------ 3
s3_reload() {
	s_begin 3 "module unload and load between rule sets"
	flush_all
	t_check "$P 3: rmmod at the start (no rule)" unload_pktstat
	pktgen_setup $DEV 1000 $SIZE $FAM "$(nproc)" 2> "$T/pg.err" ||
		t_fail "$P 3: pktgen setup" "$(cat "$T/pg.err")"
	_r=0
	while [ $_r -lt "$ROUNDS" ]; do
		_r=$((_r + 1))
		_mode=400 _gid=0 _pgid=-1 _max=65536	# -1: the namespace's root
		case $((_r % 3)) in
		1)	_max=262144	# an 8 MiB ring: vmalloc'ed, see 2
			t_check "$P 3.$_r: modprobe xt_pktstat max_samples=$_max" load_pktstat max_samples=$_max ;;
		2)	_mode=440 _gid=65534 _pgid=65534 _max=1000
			t_check "$P 3.$_r: insmod xt_pktstat.ko proc_mode=0440 proc_gid=65534 max_samples=1000" \
				insmod "$KO" proc_mode=0440 proc_gid=65534 max_samples=1000 ;;
		0)	t_diag "round $_r: the rule loads the module" ;;
		esac
		t_check "$P 3.$_r: add rule" ipt -A INPUT -i $DEV -m pktstat --name mod --period 1ms --samples $_max ||
			break
		t_check "$P 3.$_r: module loaded" loaded
		t_eq "$P 3.$_r: parameters proc_mode proc_gid max_samples" "$((0$_mode)) $_pgid $_max" \
			"$(cat /sys/module/xt_pktstat/parameters/proc_mode) $(cat /sys/module/xt_pktstat/parameters/proc_gid) $(cat /sys/module/xt_pktstat/parameters/max_samples)"
		t_eq "$P 3.$_r: data and stats mode and group" "$_mode $_gid $_mode $_gid" \
			"$(stat -c '%a %g' $PKTSTAT_PROC/mod/data $PKTSTAT_PROC/mod/stats | tr '\n' ' ' | sed 's/ $//')"
		if ipt -A INPUT -m pktstat --name big --period 1ms --samples $((_max + 1)) > /dev/null; then
			t_fail "$P 3.$_r: --samples $((_max + 1)) refused (max_samples $_max)" "accepted"
		else
			t_ok "$P 3.$_r: --samples $((_max + 1)) refused (max_samples $_max)"
		fi
		# (not through t_check: it runs its command in a subshell)
		pktgen_again 1000 2> "$T/pg.err" && t_ok "$P 3.$_r: traffic ($PG_SENT packets)" ||
			t_fail "$P 3.$_r: traffic" "$(cat "$T/pg.err")"
		_n=$PG_SENT
		sleep 0.5
		conserve "$P 3.$_r" mod $_n
		rule_counters $IPT INPUT > /dev/null 2>&1
		t_eq "$P 3.$_r: rule counter packets = sent" "$_n" "$RC_PKTS"
		if /usr/sbin/rmmod xt_pktstat 2> "$T/3.rmmod"; then
			t_fail "$P 3.$_r: rmmod refused while a rule exists" "rmmod succeeded"
			break
		fi
		t_check "$P 3.$_r: rmmod refused while a rule exists ($(cat "$T/3.rmmod"))" loaded
		# a file open, a sample held half-read, across flush and rmmod
		pktgen_again 100 > /dev/null 2>&1
		sleep 0.1
		exec 5< $PKTSTAT_PROC/mod/data
		dd bs=1 count=30 <&5 > /dev/null 2>&1
		flush_rules
		t_check "$P 3.$_r: directory gone with the rule" wait_for 30 gone $PKTSTAT_PROC/mod
		# (before rmmod: then vmallocinfo could no longer name the caller)
		t_eq "$P 3.$_r: no ring left in vmalloc space" "" "$(grep pktstat /proc/vmallocinfo | head -3)"
		t_check "$P 3.$_r: rmmod xt_pktstat" unload_pktstat
		_out=$(timeout 10 cat <&5 2>&1)
		_rc=$?
		exec 5<&-
		if [ $_rc = 124 ] || printf '%s\n' "$_out" | grep -qE '^[0-9]+ [0-9]+ [0-9]+$'; then
			t_fail "$P 3.$_r: the file held open reads EOF or an error after rmmod" "status $_rc: $_out"
		else
			t_ok "$P 3.$_r: the file held open reads EOF or an error after rmmod (status $_rc)"
		fi
		t_check "$P 3.$_r: /proc/net/xt_pktstat gone with the module" gone /proc/net/xt_pktstat
	done
	flush_rules
	unload_pktstat
	t_check "$P 3: modprobe xt_pktstat (defaults) for what follows" load_pktstat
	s_end
}

# ------------------------------------------------------------------ 4
s4_overflow() {
	s_begin 4 "FIFO overflow: 1us windows, --samples 4 and 1, two-CPU flood"
	_cpus=$(nproc)
	[ "$_cpus" -gt 2 ] && _cpus=2
	t_check "$P 4: add rules" sh -c "$IPT -A INPUT -i $DEV -m pktstat --name ovf --period 1us --samples 4 &&
		$IPT -A INPUT -i $DEV -m pktstat --name ovf1 --period 1us --samples 1" ||
		{ s_end ovf ovf1; return; }
	pktgen_setup $DEV 1000000000 $SIZE $FAM $_cpus 2> "$T/pg.err" ||
		t_fail "$P 4: pktgen setup" "$(cat "$T/pg.err")"
	start_reader ovf "$T/4.r"
	pktgen_start_bg
	sleep "$SECS"
	if pktgen_stop 2> "$T/pg.err"; then
		t_ok "$P 4: pktgen flood stopped without error"
	else
		t_fail "$P 4: pktgen flood stopped without error" "$(cat "$T/pg.err")"
	fi
	_n=$PG_SOFAR
	sleep 0.3
	stop_readers
	# then a burst with no reader: at most --samples windows are kept
	pktgen_again 2000 2> "$T/pg.err" && t_ok "$P 4: burst with no reader ($PG_SENT packets)" ||
		t_fail "$P 4: burst with no reader" "$(cat "$T/pg.err")"
	_n=$((_n + PG_SENT))
	t_diag "$_n packets from $_cpus CPUs"
	sleep 0.5
	cat $PKTSTAT_PROC/ovf/data > "$T/4.kept"
	cat $PKTSTAT_PROC/ovf1/data > "$T/4.kept1"
	sum_samples "$T/4.kept" > /dev/null 2>&1
	[ "$SUM_SAMPLES" -ge 1 ] && [ "$SUM_SAMPLES" -le 4 ] &&
		t_ok "$P 4: --samples 4: 1 to 4 windows kept without a reader ($SUM_SAMPLES)" ||
		t_fail "$P 4: --samples 4: 1 to 4 windows kept without a reader" "$SUM_SAMPLES samples: $(cat "$T/4.kept")"
	sum_samples "$T/4.kept1" > /dev/null 2>&1
	t_eq "$P 4: --samples 1: one window kept (the first one of the flood)" 1 "$SUM_SAMPLES"
	conserve "$P 4 (--samples 4)" ovf $_n "$T/4.r" "$T/4.kept"
	_sd=$(st ovf samples_dropped) _fd=$(st ovf frames_dropped)
	[ "$_sd" -gt 0 ] && [ "$_fd" -ge "$_sd" ] && t_ok "$P 4: --samples 4: drops counted ($_sd windows, $_fd frames)" ||
		t_fail "$P 4: --samples 4: drops counted" "samples_dropped $_sd frames_dropped $_fd"
	t_eq "$P 4: the reader's stream increases" 0 "$(back_jumps "$T/4.r" "$T/4.kept" "$LAST")"
	cat "$T/4.r" "$T/4.kept" > "$T/4.all"
	t_check "$P 4: timestamps are multiples of 1us" ts_aligned "$T/4.all" 1000
	conserve "$P 4 (--samples 1)" ovf1 $_n "$T/4.kept1"
	t_eq "$P 4: --samples 1: read one sample in all" 1 "$(st ovf1 samples_read)"
	_sd=$(st ovf1 samples_dropped)
	[ "$_sd" -gt 0 ] && t_ok "$P 4: --samples 1: drops counted ($_sd windows)" ||
		t_fail "$P 4: --samples 1: drops counted" "samples_dropped $_sd"
	s_end ovf ovf1
}

# ------------------------------------------------------------------ 5
# The clock goes through segments at these offsets from the real time (s),
# each ~0.4 s long and hours from the others, so no window can repeat:
# 0 +3h +1h -2h +2h -1h -3h (per cycle +10 min more), then back to real
# time: four of the six steps of a cycle go back.
s5_clock() {
	s_begin 5 "wall-clock steps forward and back by hours under traffic"
	_cpus=$(nproc)
	[ "$_cpus" -gt 2 ] && _cpus=2
	# clk1: 1us windows, no reader: a forward step of 3 h skips 10^10 of
	# them (the hot path must not walk them); its FIFO overflows
	t_check "$P 5: add rules" sh -c "$IPT -A INPUT -i $DEV -m pktstat --name clk --period 10ms --samples 65536 &&
		$IPT -A INPUT -i $DEV -m pktstat --name clk1 --period 1us --samples 64" ||
		{ s_end clk clk1; return; }
	pktgen_setup $DEV 1000000000 $SIZE $FAM $_cpus "$DELAY" 2> "$T/pg.err" ||
		t_fail "$P 5: pktgen setup" "$(cat "$T/pg.err")"
	start_reader clk "$T/5.r"
	CLOCK_WALL0=$(date +%s) CLOCK_UP0=$(now_cs)
	pktgen_start_bg
	sleep 0.4
	_prev=0 _back=0 _steps=0 _c=0 _err=
	while [ $_c -lt "$CLOCK_CYCLES" ]; do
		for _o in 10800 3600 -7200 7200 -3600 -10800; do
			_o=$((_o + _c * 600))
			date -s @$((CLOCK_WALL0 + ($(now_cs) - CLOCK_UP0) / 100 + _o)) > /dev/null ||
				_err="$_err date -s failed at offset $_o;"
			[ $_o -lt $_prev ] && _back=$((_back + 1))
			_prev=$_o _steps=$((_steps + 1))
			sleep 0.4
		done
		_c=$((_c + 1))
	done
	_w0=$CLOCK_WALL0 _u0=$CLOCK_UP0
	clock_restore
	_steps=$((_steps + 1))
	_skew=$(($(date +%s) - _w0 - ($(now_cs) - _u0) / 100))
	sleep 0.4
	if pktgen_stop 2> "$T/pg.err"; then
		t_ok "$P 5: pktgen stopped without error"
	else
		t_fail "$P 5: pktgen stopped without error" "$(cat "$T/pg.err")"
	fi
	_n=$PG_SOFAR
	t_eq "$P 5: clock stepped $_steps times ($_back back)" "" "$_err"
	[ "$_skew" -ge -1 ] && [ "$_skew" -le 3 ] && t_ok "$P 5: clock set back to the real time (${_skew} s off)" ||
		t_fail "$P 5: clock set back to the real time" "$_skew s off"
	sleep 0.5
	stop_readers
	t_eq "$P 5: reader had no error" "" "$(head -5 "$T/5.r.err")"
	conserve "$P 5" clk $_n "$T/5.r"
	_j=$(back_jumps "$T/5.r" "$LAST")
	t_diag "$_n packets; $_steps steps, $_back back; the stream jumps back $_j times"
	[ "$_j" -ge 1 ] && [ "$_j" -le "$_back" ] &&
		t_ok "$P 5: the stream jumps back at most once per backward step ($_j, $_back steps)" ||
		t_fail "$P 5: the stream jumps back at most once per backward step" "$_j jumps, $_back backward steps"
	t_eq "$P 5: stats clock_steps_back = backward steps" "$_back" "$(st clk clock_steps_back)"
	cat "$T/5.r" "$LAST" > "$T/5.all"
	t_check "$P 5: timestamps are multiples of 10ms" ts_aligned "$T/5.all" 10000000
	conserve "$P 5 (1us)" clk1 $_n
	t_eq "$P 5 (1us): stats clock_steps_back = backward steps" "$_back" "$(st clk1 clock_steps_back)"
	s_end clk clk1
}

# ------------------------------------------------------------------ 6
cpu1() {
	echo "$1" > /sys/devices/system/cpu/cpu1/online 2>> "$T/6.err" ||
		echo "cpu1 online <- $1 failed" >> "$T/6.err"
}
ping_cpu1() {	# OUT: 1 s of ping pinned to CPU 1, in the background
	taskset -c 1 $PING -q -A -w 1 -s $PSIZE $DST > "$1" 2>&1 &
	PING_PID=$!
}

s6_hotplug() {
	s_begin 6 "CPU 1 offline and online under traffic"
	if [ ! -w /sys/devices/system/cpu/cpu1/online ]; then
		t_ok "$P 6: skipped: CPU 1 cannot go offline # SKIP"
		return
	fi
	t_check "$P 6: add rules (pktgen's, ping's)" sh -c "$IPT -A INPUT -i $DEV -m pktstat --name hp --period $HP_PERIOD --samples 65536 &&
		$IPT -A INPUT -i lo $ECHO_REQ -m pktstat --name hp --period $HP_PERIOD --samples 65536" ||
		{ s_end hp; return; }
	pktgen_setup $DEV 1000000000 $SIZE $FAM 1 "$DELAY" 2> "$T/pg.err" ||
		t_fail "$P 6: pktgen setup" "$(cat "$T/pg.err")"
	: > "$T/6.err"
	rm -f "$T"/6.ping.*
	start_reader hp "$T/6.r"
	pktgen_start_bg
	_c=0
	while [ $_c -lt "$ROUNDS" ]; do
		_c=$((_c + 1))
		ping_cpu1 "$T/6.ping.$_c.a"; _pa=$PING_PID
		sleep 0.3
		cpu1 0
		sleep 0.3
		cpu1 1
		ping_cpu1 "$T/6.ping.$_c.b"; _pb=$PING_PID
		wait $_pa $_pb
	done
	# the last time CPU 1 stays offline: its windows must still close
	ping_cpu1 "$T/6.ping.last"; _pa=$PING_PID
	sleep 0.3
	cpu1 0
	wait $_pa
	if pktgen_stop 2> "$T/pg.err"; then
		t_ok "$P 6: pktgen stopped without error"
	else
		t_fail "$P 6: pktgen stopped without error" "$(cat "$T/pg.err")"
	fi
	_tx=$(ping_tx "$T"/6.ping.*)
	t_diag "$ROUNDS offline/online cycles; pktgen sent $PG_SOFAR, ping $_tx"
	t_eq "$P 6: CPU 1 went offline and online $ROUNDS times, then offline" "0" \
		"$(cat /sys/devices/system/cpu/cpu1/online)$(cat "$T/6.err")"
	[ "$_tx" -gt 0 ] && t_ok "$P 6: ping sent from CPU 1" || t_fail "$P 6: ping sent from CPU 1" "$(cat "$T"/6.ping.*)"
	# a window ends HP_PERIOD after it starts, plus a tick or two
	sleep 1.2
	stop_readers
	_seen=$((PG_SOFAR + _tx))
	conserve "$P 6 (CPU 1 offline)" hp $_seen "$T/6.r"
	_l1=$LAST
	cpu1 1
	t_eq "$P 6: CPU 1 online again" "1" "$(cat /sys/devices/system/cpu/cpu1/online)$(cat "$T/6.err")"
	ping_cpu1 "$T/6.after"
	wait $PING_PID
	_tx2=$(ping_tx "$T/6.after")
	sleep 1.2
	conserve "$P 6 (CPU 1 back)" hp $((_seen + _tx2)) "$T/6.r" "$_l1"
	s_end hp
}

# ------------------------------------------------------------------ main
t_diag "stress.sh $IPT ($FAM): scenarios $SCENARIOS; STRESS_SECS=$SECS STRESS_ROUNDS=$ROUNDS STRESS_CLOCK_CYCLES=$CLOCK_CYCLES STRESS_DELAY_NS=$DELAY; $(nproc) CPUs"
setup_dummy $DEV $ADDR4 $ADDR6 || { t_fail "$P: setup_dummy $DEV"; t_summary; exit 1; }
loaded || t_check "$P: modprobe xt_pktstat" load_pktstat
for _s in $SCENARIOS; do
	case $_s in
	1) s1_churn ;;
	2) s2_netns ;;
	3) s3_reload ;;
	4) s4_overflow ;;
	5) s5_clock ;;
	6) s6_hotplug ;;
	*) t_fail "$P: unknown scenario $_s" ;;
	esac
done
flush_rules
t_summary
