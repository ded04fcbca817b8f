#!/bin/sh
# xt_pktstat stress scenarios, run inside the test guest:
#   stress.sh IPT [SCENARIO...]
# IPT: iptables-legacy, iptables-nft, ip6tables-legacy or ip6tables-nft.
# SCENARIO: names of the scenarios to run (default, or "all": every one,
# in this order):
#   rule_churn_under_traffic  rules added, deleted and restored
#      (iptables-restore, also --noflush; a rule of another period
#      waiting, deleted) while pktgen floods from CPU 0 and CPU 1 and two
#      readers drain the same name, one with cat, one 7 bytes at a time
#      (it holds a sample half-read, which the other must skip);
#   netns_teardown_with_open_files  network namespaces with rules, created
#      and torn down in a loop while processes of the initial namespace
#      hold their data files open (one half-way through a sample) and keep
#      reading them; the held files then read EOF or an error, the
#      module's reference count is 0, no ring is left in vmalloc space and
#      rmmod works;
#   module_reload_with_params  module unload and load between rule sets
#      (modprobe max_samples=, insmod with proc_mode/proc_gid/max_samples,
#      autoload by the rule), rmmod refused while a rule exists, a file
#      held open across rmmod;
#   fifo_overflow_1us  FIFO overflow: 1us windows into --samples 4 and
#      --samples 1 under a two-CPU flood, then a burst with no reader;
#   wall_clock_steps  wall-clock steps forward and back by hours under
#      two-CPU traffic, into 10ms windows (read) and 1us windows (a forward
#      step skips 10^10 of them; the hot path must not walk them);
#   cpu_hotplug  CPU 1 offline and online under traffic (pktgen on CPU 0,
#      ping pinned to CPU 1), the dead CPU's windows closed and readable;
#      its pinned timers run on CPU 0 while it is away and are handed back.
# netns_teardown_with_open_files and module_reload_with_params unload the
# module: they flush every table of both back ends first.  cpu_hotplug
# leaves pktgen's CPU 1 thread unbound (the scheduler breaks the affinity
# of a thread bound to a CPU going offline): run-all runs this suite last.
# Every scenario ends with exact conservation (spec section 4): frames and
# bytes seen = what was sent (pktgen's pkts-sofar, ping's transmitted count;
# plus, in rule_churn_under_traffic, the packets iptables-nft-restore made
# the chain evaluate twice, witnessed as in kernel-tests.sh's
# table_replace_under_traffic), and what the readers read + dropped +
# pending = seen, each sample read once; and with a clean kernel log.
# Results are "ok N - ..." / "not ok N - ...", then "N passed, M failed"
# (lib.sh).
#
# Traffic is bounded in time, not count, where user processes run at the
# same time (see kernel-tests.sh, table_replace_under_traffic): pktgen gets
# a count it cannot reach and is stopped; pkts-sofar is then exactly what
# was sent.
#
# Environment (with the defaults all six take 75 to 85 s per back end on
# the plain kernel under TCG, run-all's four runs about 3 minutes; raise
# them for a longer soak, lower them for a slow debug kernel):
#   STRESS_SECS      seconds of traffic in rule_churn_under_traffic and
#                    fifo_overflow_1us (3)
#   STRESS_ITER      least iterations of the rule churn, however long they
#                    take (2; about 10 iptables commands each)
#   STRESS_ROUNDS    rounds of netns_teardown_with_open_files and
#                    module_reload_with_params, cycles of cpu_hotplug (3)
#   STRESS_CLOCK_CYCLES  cycles of six clock steps in wall_clock_steps (1)
#   STRESS_DELAY_NS  gap between two packets of one pktgen thread in
#                    rule_churn_under_traffic, wall_clock_steps and
#                    cpu_hotplug (0: flood; the scheduler still lets user
#                    processes run, faster than with pktgen's sleeps)
#   STRESS_HP_PERIOD --period in cpu_hotplug (500ms: longer than an
#                    offline/online)
#   DEV (pkt0), SIZE (pktgen pkt_size, 100)
. "$(dirname "$0")/lib.sh"

IPT=${1:?usage: stress.sh IPT [SCENARIO...]}
shift
ALL="rule_churn_under_traffic netns_teardown_with_open_files \
module_reload_with_params fifo_overflow_1us wall_clock_steps cpu_hotplug"
pick_tests "$ALL" "$@"
traffic_defaults	# DEV, ADDR4, ADDR6, SIZE, LEN
SECS=${STRESS_SECS:-3}
ROUNDS=${STRESS_ROUNDS:-3}
CLOCK_CYCLES=${STRESS_CLOCK_CYCLES:-1}
ITER=${STRESS_ITER:-2}
DELAY=${STRESS_DELAY_NS:-0}
HP_PERIOD=${STRESS_HP_PERIOD:-500ms}
KO=/lib/modules/$(uname -r)/extra/xt_pktstat.ko
T=/tmp/stress.$$
mkdir -p "$T"

ipt_setup "$IPT" 2>/dev/null && [ -n "$SIB" ] ||
	{ echo "stress.sh: unknown IPT $IPT" >&2; exit 2; }
# ping: echo requests of exactly LEN bytes (IP header included), so that
# every counted packet, pktgen's or ping's, is LEN bytes
if [ $FAM = v4 ]; then
	PING=ping DST=${ADDR4%/*} LO=127.0.0.1 PSIZE=$((LEN - 28))
	ECHO_REQ="-p icmp --icmp-type echo-request"
else
	PING=ping6 DST=${ADDR6%/*} LO=::1 PSIZE=$((LEN - 48))
	ECHO_REQ="-p ipv6-icmp --icmpv6-type echo-request"
fi
# a scenario's kernel log must be free of every detector's lines
TEST_TROUBLE_RE=$KERNEL_TROUBLE_RE

modref() { cat /sys/module/xt_pktstat/refcnt 2>/dev/null || echo none; }
loaded() { grep -q '^xt_pktstat ' /proc/modules; }
reload_with() { unload_pktstat && load_pktstat "$@"; }

# flush_rules: lib.sh's, and the witness rules of the security table.
flush_rules() {
	local c
	for c in $IPT $SIB; do
		$c -F INPUT 2>/dev/null
		$c -F OUTPUT 2>/dev/null
		$c -t security -F INPUT 2>/dev/null
	done
}

rules_are() { [ "$(awk '$1 == "rules" { print $2 }' "$PKTSTAT_PROC/$1/stats" 2>/dev/null)" = "$2" ]; }

# add_rules RULE...: $IPT -A RULE (split into words) for each, all or fail.
add_rules() {
	local rule
	for rule in "$@"; do
		# shellcheck disable=SC2086
		$IPT -A $rule || return 1
	done
}

# flood_setup CPUS [DELAY_NS]: pktgen prepared for a flood from CPUS
# threads with a count it cannot reach (stopped by t_pktgen_stop).
flood_setup() {
	pktgen_setup $DEV 1000000000 $SIZE $FAM "$1" "${2:-0}" 2> "$T/pg.err" ||
		t_fail "$P $TL: pktgen setup" "$(cat "$T/pg.err")"
}

# flood_two_names NAME1 OPTS1 NAME2 OPTS2 [DELAY_NS]: rules counting INPUT
# from DEV into NAME1 and NAME2 (pktstat options OPTS), pktgen prepared
# for a flood from two CPUs (one on a machine of one: PG_CPUS), and a
# reader draining NAME1 into $T/NAME1.r.  Fails when a rule is refused.
flood_two_names() {
	local cpus
	t_check "$P $TL: add rules" add_rules \
		"INPUT -i $DEV -m pktstat --name $1 $2" "INPUT -i $DEV -m pktstat --name $3 $4" ||
		return 1
	cpus=$(nproc)
	[ "$cpus" -gt 2 ] && cpus=2
	flood_setup "$cpus" "${5:-0}"
	start_reader "$1" "$T/$1.r"
}

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
	local opens=0
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
		opens=$((opens + 1))
	done
	echo $opens > "$2.opens"
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
	local desc="$1" name="$2" seen="$3" dir="${PROCDIR:-$PKTSTAT_PROC}"
	shift 3
	CONSERVE_N=$((CONSERVE_N + 1))
	LAST=$T/last.$CONSERVE_N
	cat "$dir/$name/data" > "$LAST" 2>&1
	cp "$dir/$name/stats" "$T/stats.$name"
	sum_samples -u "$@" "$LAST" > /dev/null 2>&1
	t_eq "$desc: samples well-formed, none returned twice" "" "$SUM_ERR"
	t_eq "$desc: frames_seen = sent" "$seen" "$(st "$name" frames_seen)"
	t_eq "$desc: bytes_seen = sent * $LEN" "$((seen * LEN))" "$(st "$name" bytes_seen)"
	t_eq "$desc: frames read + dropped + pending = sent" "$seen" \
		"$((SUM_FRAMES + $(st "$name" frames_dropped) + $(st "$name" frames_pending)))"
	t_eq "$desc: bytes read + dropped + pending = sent * $LEN" "$((seen * LEN))" \
		"$((SUM_BYTES + $(st "$name" bytes_dropped) + $(st "$name" bytes_pending)))"
	t_eq "$desc: stats samples/frames/bytes_read = what the readers got" \
		"$SUM_SAMPLES $SUM_FRAMES $SUM_BYTES" \
		"$(st "$name" samples_read) $(st "$name" frames_read) $(st "$name" bytes_read)"
	t_eq "$desc: nothing pending (every window closed and read)" "0 0 0" \
		"$(st "$name" samples_pending) $(st "$name" frames_pending) $(st "$name" bytes_pending)"
	t_diag "$name: seen $(st "$name" frames_seen), read $SUM_FRAMES in $SUM_SAMPLES samples, dropped $(st "$name" frames_dropped) in $(st "$name" samples_dropped), clock_steps_back $(st "$name" clock_steps_back)"
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

# t_reads_eof DESC FD: the file held open on FD reads EOF or an error (not
# a sample), within 10 s.
t_reads_eof() {
	local out rc
	out=$(eval "timeout 10 cat <&$2" 2>&1)
	rc=$?
	if [ $rc = 124 ] || printf '%s\n' "$out" | grep -qE '^[0-9]+ [0-9]+ [0-9]+$'; then
		t_fail "$1" "status $rc, read: $(printf '%s' "$out" | head -c 200)"
	else
		t_ok "$1 (status $rc${out:+: $(printf '%s' "$out" | head -c 60)})"
	fi
}

# ---------------------------------------------------------------- frame
# scenario_begin ID TITLE / scenario_end NAME...: lib.sh's test_begin and
# test_end, the module loaded first, the machine put back (cleanup) before
# the end's checks.
scenario_begin() {
	loaded || t_check "$P $1: modprobe xt_pktstat" load_pktstat
	test_begin "$@"
}
scenario_end() {
	cleanup
	test_end "$@"
}

# ------------------------------------------------------------------
churn_iteration() {
	local i="$1"
	$IPT -A OUTPUT -o lo -p tcp --dport 7 -m pktstat --name churn --period 1ms --samples 65536 &&
	$IPT -A INPUT -i $DEV -m pktstat --name churn2 --period 10ms --samples 8 &&
	$SAVE -t filter > "$T/churn.save" && $RESTORE < "$T/churn.save" &&
	$IPT -A OUTPUT -o lo -m pktstat --name churn --period 2ms --samples 65536 &&
	if [ "$(stat_get churn waiting_rules)" != 1 ]; then
		echo "iteration $i: a rule of another period for churn does not wait"
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

rule_churn_under_traffic() {
	local s0 s1 end it=0 rules n twice r
	scenario_begin rule_churn_under_traffic "rules added, deleted, restored under two-CPU traffic; two readers"
	if [ "$(nproc)" -lt 2 ]; then
		t_ok "$P $TL: skipped: one CPU # SKIP"
		return
	fi
	# witness of double evaluation by iptables-nft-restore (kernel-tests.sh,
	# table_replace_under_traffic)
	t_check "$P $TL: add witness rules" witness_add
	t_check "$P $TL: add rule" ipt -A INPUT -i $DEV -m pktstat --name churn --period 1ms --samples 65536 ||
		{ scenario_end churn; return; }
	flood_setup 2 "$DELAY"
	: > "$T/churn.err"
	# one reader takes everything there is, the other reads 7 bytes at a
	# time: it holds a sample half-read most of the time, which the first
	# one must skip
	start_reader churn "$T/churn.r1"
	R_BS=7
	start_reader churn "$T/churn.r2"
	R_BS=
	pktgen_start_bg
	sleep 0.2
	pktgen_count; s0=$PG_SOFAR
	end=$(($(now_cs) + SECS * 100))
	while [ $it -lt "$ITER" ] || [ "$(now_cs)" -lt $end ]; do
		it=$((it + 1))
		churn_iteration $it >> "$T/churn.err" 2>&1 || echo "iteration $it failed" >> "$T/churn.err"
		rules=$(cat "$PKTSTAT_PROC/churn/stats" 2>&1 | awk '$1 == "rules" { print $2 }')
		[ "${rules:-0}" -ge 1 ] || echo "iteration $it: churn has ${rules:-no} rules" >> "$T/churn.err"
	done
	t_diag "$it iterations"
	t_stopped_after "the churn" "$s0"
	n=$PG_SOFAR
	t_no_errors "$P $TL: every iptables command did what it should" "$T/churn.err"
	sleep 0.5
	stop_readers
	twice=$(witness_twice)
	t_diag "packets evaluated twice by the filter INPUT chain: $twice"
	case $IPT in
	*-legacy) t_eq "$P $TL: no packet went through INPUT twice (legacy)" 0 "$twice" ;;
	esac
	t_eq "$P $TL: pktstat rule still there, alone" 1 "$($IPT -S 2> /dev/null | grep -c pktstat)"
	wait_for 30 rules_are churn 1	# nf_tables releases deleted rules from a work queue
	t_eq "$P $TL: stats rules back to 1" 1 "$(stat_get churn rules)"
	t_eq "$P $TL: readers had no error" "" "$(cat "$T/churn.r1.err" "$T/churn.r2.err" | head -5)"
	for r in r1 r2; do
		sum_samples "$T/churn.$r" > /dev/null 2>&1
		t_diag "reader $r: $(cat "$T/churn.$r.opens") opens, $SUM_SAMPLES samples, $SUM_FRAMES frames"
		t_eq "$P $TL: reader $r: its own stream increases" "" "$SUM_ERR"
		[ "${SUM_SAMPLES:-0}" -gt 0 ] && t_ok "$P $TL: reader $r got samples" ||
			t_fail "$P $TL: reader $r got samples" "it got none in $(cat "$T/churn.$r.opens") opens"
	done
	conserve "$P $TL" churn $((n + ${twice:-0})) "$T/churn.r1" "$T/churn.r2"
	scenario_end churn churn2
}

# ------------------------------------------------------------------
# netns_with_rules K PERIOD PINGS: a new network namespace whose holder
# process (the sleep, NS_PID) adds two rules, sends PINGS pings to itself
# (counted by ns), and waits.  ns2 counts its OUTPUT into a tiny FIFO (not
# exact: no check).
netns_with_rules() {
	rm -f "$T/ns.ready.$1"
	# the real unshare: $! must be the process that becomes the sleep
	/usr/bin/unshare -n sh -c "
		ip link set lo up
		$IPT -A INPUT -i lo $ECHO_REQ -m pktstat --name ns --period $2 --samples 262144 &&
		$IPT -A OUTPUT -o lo -m pktstat --name ns2 --period 10ms --samples 4 || exit 1
		$PING -q -A -c $3 -s $PSIZE $LO > $T/ns.ping.$1 2>&1
		touch $T/ns.ready.$1
		exec sleep 600" > "$T/ns.out.$1" 2>&1 &
	NS_PID=$!
}

netns_teardown_with_open_files() {
	local r=0 pa pb ok k pid h5 h7 fd
	scenario_begin netns_teardown_with_open_files "network namespaces with rules and open files, torn down in a loop"
	flush_all
	# rings of 8 MiB (--samples 262144) are always vmalloc'ed: a ring left
	# behind would show in /proc/vmallocinfo
	t_check "$P $TL: rmmod, then modprobe xt_pktstat max_samples=262144" reload_with max_samples=262144
	while [ $r -lt "$ROUNDS" ]; do
		r=$((r + 1))
		netns_with_rules a 1ms 100; pa=$NS_PID
		netns_with_rules b 2ms 100; pb=$NS_PID
		ok=1
		for k in a b; do
			if ! wait_for 200 test -e "$T/ns.ready.$k"; then
				t_fail "$P $TL round $r: namespace $k set up" "$(cat "$T/ns.out.$k")"
				ok=0
			fi
		done
		if [ $ok = 0 ]; then
			kill $pa $pb 2> /dev/null
			wait $pa $pb 2> /dev/null
			continue
		fi
		sleep 0.2
		for k in a b; do
			pid=$pa
			[ $k = b ] && pid=$pb
			PROCDIR=/proc/$pid/net/xt_pktstat
			conserve "$P $TL round $r: namespace $k: ns" ns "$(ping_tx "$T/ns.ping.$k")"
			PROCDIR=
			awk '{ v[$1] = $2 } END { exit !(v["frames_seen"] == v["frames_read"] + v["frames_dropped"] + v["frames_pending"] &&
				v["bytes_seen"] == v["bytes_read"] + v["bytes_dropped"] + v["bytes_pending"]) }' \
				/proc/$pid/net/xt_pktstat/ns2/stats &&
				t_ok "$P $TL round $r: namespace $k: ns2 seen = read + dropped + pending" ||
				t_fail "$P $TL round $r: namespace $k: ns2 seen = read + dropped + pending" "$(cat /proc/$pid/net/xt_pktstat/ns2/stats)"
		done
		t_eq "$P $TL round $r: names of a namespace are not in the initial one" "" "$(ls $PKTSTAT_PROC 2>&1)"
		# more traffic, then files held open across the teardown: fd 5
		# and 7 half-way through a sample, 6 and 8 unread; one reader
		# per namespace keeps opening and reading data meanwhile
		nsenter -t $pa -n $PING -q -A -c 20 -s $PSIZE $LO > /dev/null 2>&1
		nsenter -t $pb -n $PING -q -A -c 20 -s $PSIZE $LO > /dev/null 2>&1
		sleep 0.1
		exec 5< /proc/$pa/net/xt_pktstat/ns/data 6< /proc/$pa/net/xt_pktstat/ns2/data \
			7< /proc/$pb/net/xt_pktstat/ns/data 8< /proc/$pb/net/xt_pktstat/ns2/data
		h5=$(dd bs=1 count=30 <&5 2> /dev/null | tail -c 5)
		h7=$(dd bs=1 count=30 <&7 2> /dev/null | tail -c 5)
		[ -n "$h5" ] && [ -n "$h7" ] && t_ok "$P $TL round $r: a sample held half-read in each namespace" ||
			t_fail "$P $TL round $r: a sample held half-read in each namespace" "got '$h5' '$h7'"
		start_reader ns "$T/ns.ra" /proc/$pa/net/xt_pktstat
		start_reader ns "$T/ns.rb" /proc/$pb/net/xt_pktstat
		sleep 0.2
		kill $pa $pb
		wait $pa $pb 2> /dev/null
		# the namespaces' rules are destroyed when cleanup_net has run
		if wait_for 300 sh -c '[ "$(cat /sys/module/xt_pktstat/refcnt)" = 0 ]'; then
			t_ok "$P $TL round $r: both namespaces torn down, module refcnt 0"
		else
			t_fail "$P $TL round $r: both namespaces torn down, module refcnt 0" "refcnt $(modref)"
		fi
		stop_readers
		for fd in 5 6 7 8; do
			t_reads_eof "$P $TL round $r: fd $fd held across the teardown reads EOF or an error" $fd
		done
		exec 5<&- 6<&- 7<&- 8<&-
	done
	t_eq "$P $TL: no ring left in vmalloc space" "" "$(grep pktstat /proc/vmallocinfo | head -3)"
	t_eq "$P $TL: module refcnt 0" 0 "$(modref)"
	t_check "$P $TL: rmmod xt_pktstat" unload_pktstat
	t_check "$P $TL: modprobe xt_pktstat again (defaults)" load_pktstat
	scenario_end
}

# ------------------------------------------------------------------
module_reload_with_params() {
	local r=0 mode gid pgid max n d
	scenario_begin module_reload_with_params "module unload and load between rule sets"
	flush_all
	t_check "$P $TL: rmmod at the start (no rule)" unload_pktstat
	pktgen_setup $DEV 1000 $SIZE $FAM "$(nproc)" 2> "$T/pg.err" ||
		t_fail "$P $TL: pktgen setup" "$(cat "$T/pg.err")"
	while [ $r -lt "$ROUNDS" ]; do
		r=$((r + 1))
		d="$P $TL round $r"
		mode=400 gid=0 pgid=-1 max=65536	# -1: the namespace's root
		case $((r % 3)) in
		1)	max=262144	# an 8 MiB ring: vmalloc'ed, see netns_teardown_with_open_files
			t_check "$d: modprobe xt_pktstat max_samples=$max" load_pktstat max_samples=$max ;;
		2)	mode=440 gid=65534 pgid=65534 max=1000
			t_check "$d: insmod xt_pktstat.ko proc_mode=0440 proc_gid=65534 max_samples=1000" \
				insmod "$KO" proc_mode=0440 proc_gid=65534 max_samples=1000 ;;
		0)	t_diag "round $r: the rule loads the module" ;;
		esac
		t_check "$d: add rule" ipt -A INPUT -i $DEV -m pktstat --name mod --period 1ms --samples $max ||
			break
		t_check "$d: module loaded" loaded
		t_eq "$d: parameters proc_mode proc_gid max_samples" "$((0$mode)) $pgid $max" \
			"$(cat /sys/module/xt_pktstat/parameters/proc_mode) $(cat /sys/module/xt_pktstat/parameters/proc_gid) $(cat /sys/module/xt_pktstat/parameters/max_samples)"
		t_eq "$d: data and stats mode and group" "$mode $gid $mode $gid" \
			"$(stat -c '%a %g' $PKTSTAT_PROC/mod/data $PKTSTAT_PROC/mod/stats | tr '\n' ' ' | sed 's/ $//')"
		if ipt -A INPUT -m pktstat --name big --period 1ms --samples $((max + 1)) > /dev/null; then
			t_fail "$d: --samples $((max + 1)) refused (max_samples $max)" "accepted"
		else
			t_ok "$d: --samples $((max + 1)) refused (max_samples $max)"
		fi
		# (not through t_check: it runs its command in a subshell)
		pktgen_again 1000 2> "$T/pg.err" && t_ok "$d: traffic ($PG_SENT packets)" ||
			t_fail "$d: traffic" "$(cat "$T/pg.err")"
		n=$PG_SENT
		sleep 0.5
		conserve "$d" mod $n
		rule_counters $IPT INPUT > /dev/null 2>&1
		t_eq "$d: rule counter packets = sent" "$n" "$RC_PKTS"
		if /usr/sbin/rmmod xt_pktstat 2> "$T/mod.rmmod"; then
			t_fail "$d: rmmod refused while a rule exists" "rmmod succeeded"
			break
		fi
		t_check "$d: rmmod refused while a rule exists ($(cat "$T/mod.rmmod"))" loaded
		# a file open, a sample held half-read, across flush and rmmod
		pktgen_again 100 > /dev/null 2>&1
		sleep 0.1
		exec 5< $PKTSTAT_PROC/mod/data
		dd bs=1 count=30 <&5 > /dev/null 2>&1
		flush_rules
		t_check "$d: directory gone with the rule" wait_for 30 gone $PKTSTAT_PROC/mod
		# (before rmmod: then vmallocinfo could no longer name the caller)
		t_eq "$d: no ring left in vmalloc space" "" "$(grep pktstat /proc/vmallocinfo | head -3)"
		t_check "$d: rmmod xt_pktstat" unload_pktstat
		t_reads_eof "$d: the file held open reads EOF or an error after rmmod" 5
		exec 5<&-
		t_check "$d: /proc/net/xt_pktstat gone with the module" gone /proc/net/xt_pktstat
	done
	flush_rules
	unload_pktstat
	t_check "$P $TL: modprobe xt_pktstat (defaults) for what follows" load_pktstat
	scenario_end
}

# ------------------------------------------------------------------
fifo_overflow_1us() {
	local n sd fd
	scenario_begin fifo_overflow_1us "FIFO overflow: 1us windows, --samples 4 and 1, two-CPU flood"
	flood_two_names ovf "--period 1us --samples 4" ovf1 "--period 1us --samples 1" ||
		{ scenario_end ovf ovf1; return; }
	pktgen_start_bg
	sleep "$SECS"
	t_pktgen_stop "$P $TL: pktgen flood stopped without error"
	n=$PG_SOFAR
	sleep 0.3
	stop_readers
	# then a burst with no reader: at most --samples windows are kept
	pktgen_again 2000 2> "$T/pg.err" && t_ok "$P $TL: burst with no reader ($PG_SENT packets)" ||
		t_fail "$P $TL: burst with no reader" "$(cat "$T/pg.err")"
	n=$((n + PG_SENT))
	t_diag "$n packets from $PG_CPUS CPUs"
	sleep 0.5
	cat $PKTSTAT_PROC/ovf/data > "$T/ovf.kept"
	cat $PKTSTAT_PROC/ovf1/data > "$T/ovf.kept1"
	sum_samples "$T/ovf.kept" > /dev/null 2>&1
	[ "$SUM_SAMPLES" -ge 1 ] && [ "$SUM_SAMPLES" -le 4 ] &&
		t_ok "$P $TL: --samples 4: 1 to 4 windows kept without a reader ($SUM_SAMPLES)" ||
		t_fail "$P $TL: --samples 4: 1 to 4 windows kept without a reader" "$SUM_SAMPLES samples: $(cat "$T/ovf.kept")"
	sum_samples "$T/ovf.kept1" > /dev/null 2>&1
	t_eq "$P $TL: --samples 1: one window kept (the first one of the flood)" 1 "$SUM_SAMPLES"
	conserve "$P $TL (--samples 4)" ovf $n "$T/ovf.r" "$T/ovf.kept"
	sd=$(st ovf samples_dropped) fd=$(st ovf frames_dropped)
	[ "$sd" -gt 0 ] && [ "$fd" -ge "$sd" ] && t_ok "$P $TL: --samples 4: drops counted ($sd windows, $fd frames)" ||
		t_fail "$P $TL: --samples 4: drops counted" "samples_dropped $sd frames_dropped $fd"
	t_eq "$P $TL: the reader's stream increases" 0 "$(back_jumps "$T/ovf.r" "$T/ovf.kept" "$LAST")"
	cat "$T/ovf.r" "$T/ovf.kept" > "$T/ovf.all"
	t_check "$P $TL: timestamps are multiples of 1us" ts_aligned "$T/ovf.all" 1000
	conserve "$P $TL (--samples 1)" ovf1 $n "$T/ovf.kept1"
	t_eq "$P $TL: --samples 1: read one sample in all" 1 "$(st ovf1 samples_read)"
	sd=$(st ovf1 samples_dropped)
	[ "$sd" -gt 0 ] && t_ok "$P $TL: --samples 1: drops counted ($sd windows)" ||
		t_fail "$P $TL: --samples 1: drops counted" "samples_dropped $sd"
	scenario_end ovf ovf1
}

# ------------------------------------------------------------------
# The clock goes through segments at these offsets from the real time (s),
# each ~0.4 s long and hours from the others, so no window can repeat:
# 0 +3h +1h -2h +2h -1h -3h (per cycle +10 min more), then back to real
# time: four of the six steps of a cycle go back.
wall_clock_steps() {
	local prev=0 back=0 steps=0 c=0 err="" o w0 u0 skew n j cb
	scenario_begin wall_clock_steps "wall-clock steps forward and back by hours under traffic"
	# clk1: 1us windows, no reader: a forward step of 3 h skips 10^10 of
	# them (the hot path must not walk them); its FIFO overflows
	flood_two_names clk "--period 10ms --samples 65536" clk1 "--period 1us --samples 64" "$DELAY" ||
		{ scenario_end clk clk1; return; }
	CLOCK_WALL0=$(date +%s) CLOCK_UP0=$(now_cs)
	pktgen_start_bg
	sleep 0.4
	while [ $c -lt "$CLOCK_CYCLES" ]; do
		for o in 10800 3600 -7200 7200 -3600 -10800; do
			o=$((o + c * 600))
			date -s @$((CLOCK_WALL0 + ($(now_cs) - CLOCK_UP0) / 100 + o)) > /dev/null ||
				err="$err date -s failed at offset $o;"
			[ $o -lt $prev ] && back=$((back + 1))
			prev=$o steps=$((steps + 1))
			sleep 0.4
		done
		c=$((c + 1))
	done
	w0=$CLOCK_WALL0 u0=$CLOCK_UP0
	clock_restore
	steps=$((steps + 1))
	skew=$(($(date +%s) - w0 - ($(now_cs) - u0) / 100))
	sleep 0.4
	t_pktgen_stop "$P $TL: pktgen stopped without error"
	n=$PG_SOFAR
	t_eq "$P $TL: clock stepped $steps times ($back back)" "" "$err"
	[ "$skew" -ge -1 ] && [ "$skew" -le 3 ] && t_ok "$P $TL: clock set back to the real time (${skew} s off)" ||
		t_fail "$P $TL: clock set back to the real time" "$skew s off"
	sleep 0.5
	stop_readers
	t_eq "$P $TL: reader had no error" "" "$(head -5 "$T/clk.r.err")"
	conserve "$P $TL" clk $n "$T/clk.r"
	j=$(back_jumps "$T/clk.r" "$LAST")
	t_diag "$n packets; $steps steps, $back back; the stream jumps back $j times"
	[ "$j" -ge 1 ] && [ "$j" -le "$back" ] &&
		t_ok "$P $TL: the stream jumps back at most once per backward step ($j, $back steps)" ||
		t_fail "$P $TL: the stream jumps back at most once per backward step" "$j jumps, $back backward steps"
	t_eq "$P $TL: stats clock_steps_back = backward steps" "$back" "$(st clk clock_steps_back)"
	cat "$T/clk.r" "$LAST" > "$T/clk.all"
	t_check "$P $TL: timestamps are multiples of 10ms" ts_aligned "$T/clk.all" 10000000
	conserve "$P $TL (1us)" clk1 $n
	# With 1us windows every packet opens a window from a clock reading
	# taken before the FIFO lock: a reading of the other CPU taken just
	# before a step can reach the lock just after one taken after it, and
	# its window is then "opened before an earlier one" too.  So each
	# backward step counts once, or once more per other CPU.
	cb=$(st clk1 clock_steps_back)
	[ "${cb:-0}" -ge "$back" ] && [ "${cb:-0}" -le $((back * 2)) ] &&
		t_ok "$P $TL (1us): stats clock_steps_back $cb: each of the $back backward steps once or twice (two CPUs)" ||
		t_fail "$P $TL (1us): stats clock_steps_back: each backward step once or twice" "$cb for $back backward steps"
	scenario_end clk clk1
}

# ------------------------------------------------------------------
cpu1() {
	echo "$1" > /sys/devices/system/cpu/cpu1/online 2>> "$T/hp.err" ||
		echo "cpu1 online <- $1 failed" >> "$T/hp.err"
}
ping_cpu1() {	# OUT: 1 s of ping pinned to CPU 1, in the background
	taskset -c 1 $PING -q -A -w 1 -s $PSIZE $DST > "$1" 2>&1 &
	PING_PID=$!
}

cpu_hotplug() {
	local c=0 pa pb tx seen l1 tx2
	scenario_begin cpu_hotplug "CPU 1 offline and online under traffic"
	if [ ! -w /sys/devices/system/cpu/cpu1/online ]; then
		t_ok "$P $TL: skipped: CPU 1 cannot go offline # SKIP"
		return
	fi
	t_check "$P $TL: add rules (pktgen's, ping's)" add_rules \
		"INPUT -i $DEV -m pktstat --name hp --period $HP_PERIOD --samples 65536" \
		"INPUT -i lo $ECHO_REQ -m pktstat --name hp --period $HP_PERIOD --samples 65536" ||
		{ scenario_end hp; return; }
	flood_setup 1 "$DELAY"
	: > "$T/hp.err"
	rm -f "$T"/hp.ping.*
	start_reader hp "$T/hp.r"
	pktgen_start_bg
	while [ $c -lt "$ROUNDS" ]; do
		c=$((c + 1))
		ping_cpu1 "$T/hp.ping.$c.a"; pa=$PING_PID
		sleep 0.3
		cpu1 0
		sleep 0.3
		cpu1 1
		ping_cpu1 "$T/hp.ping.$c.b"; pb=$PING_PID
		wait $pa $pb
	done
	# the last time CPU 1 stays offline: its windows must still close
	ping_cpu1 "$T/hp.ping.last"; pa=$PING_PID
	sleep 0.3
	cpu1 0
	wait $pa
	t_pktgen_stop "$P $TL: pktgen stopped without error"
	tx=$(ping_tx "$T"/hp.ping.*)
	t_diag "$ROUNDS offline/online cycles; pktgen sent $PG_SOFAR, ping $tx"
	t_eq "$P $TL: CPU 1 went offline and online $ROUNDS times, then offline" "0" \
		"$(cat /sys/devices/system/cpu/cpu1/online)$(cat "$T/hp.err")"
	[ "$tx" -gt 0 ] && t_ok "$P $TL: ping sent from CPU 1" || t_fail "$P $TL: ping sent from CPU 1" "$(cat "$T"/hp.ping.*)"
	# a window ends HP_PERIOD after it starts, plus a tick or two
	sleep 1.2
	stop_readers
	seen=$((PG_SOFAR + tx))
	conserve "$P $TL (CPU 1 offline)" hp $seen "$T/hp.r"
	l1=$LAST
	cpu1 1
	t_eq "$P $TL: CPU 1 online again" "1" "$(cat /sys/devices/system/cpu/cpu1/online)$(cat "$T/hp.err")"
	ping_cpu1 "$T/hp.after"
	wait $PING_PID
	tx2=$(ping_tx "$T/hp.after")
	sleep 1.2
	conserve "$P $TL (CPU 1 back)" hp $((seen + tx2)) "$T/hp.r" "$l1"
	scenario_end hp
}

# ------------------------------------------------------------------ main
t_diag "stress.sh $IPT ($FAM): scenarios $TESTS; STRESS_SECS=$SECS STRESS_ROUNDS=$ROUNDS STRESS_CLOCK_CYCLES=$CLOCK_CYCLES STRESS_DELAY_NS=$DELAY; $(nproc) CPUs"
setup_dummy $DEV $ADDR4 $ADDR6 || { t_fail "$P: setup_dummy $DEV"; t_summary; exit 1; }
loaded || t_check "$P: modprobe xt_pktstat" load_pktstat
run_tests "$ALL"
flush_rules
t_summary
