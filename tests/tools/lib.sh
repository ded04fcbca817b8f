# shellcheck shell=bash
# Helpers of the xt-pktstat tests without a kernel (run-tests.sh and the
# files it sources): results, the fake proc tree, the collector.  Needs
# W (the work directory), X (the program) and PIDS (background processes
# to kill at the end) set by the caller.

# ------------------------------------------------------------ reporting
T_N=0 T_PASS=0 T_FAIL=0
ok() { T_N=$((T_N + 1)); T_PASS=$((T_PASS + 1)); echo "ok $T_N - $1"; }
not_ok() {
	T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_N - $1"
	shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /' | head -40; done
}
diag() { printf '%s\n' "$*" | sed 's/^/# /'; }
t_eq() { # DESC EXPECTED ACTUAL
	if [ "x$2" = "x$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi
}
t_true() { # DESC CMD...
	local d=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$d"; else not_ok "$d" "command: $*" "$out"; fi
}
t_grep() { # DESC FILE EREGEX
	if grep -qE -- "$3" "$2" 2>/dev/null; then ok "$1"; else
		not_ok "$1" "no line matching /$3/ in $2:" "$(tail -n 20 "$2" 2>/dev/null)"; fi
}
t_nogrep() { # DESC FILE EREGEX
	if ! grep -qE -- "$3" "$2" 2>/dev/null; then ok "$1"; else
		not_ok "$1" "unexpected lines in $2:" "$(grep -E -- "$3" "$2" | head -5)"; fi
}
# t_run DESC EXPECTED_STATUS STDERR_EREGEX CMD...: exit status and message
t_run() {
	local d=$1 want=$2 re=$3 rc
	shift 3
	"$@" >"$W/run.out" 2>"$W/run.err"
	rc=$?
	if [ "$rc" = "$want" ] && { [ -z "$re" ] || grep -qE -- "$re" "$W/run.err"; }; then
		ok "$d"
	else
		not_ok "$d" "command: $*" "status $rc (expected $want), stderr:" \
			"$(cat "$W/run.err")" "expected stderr to match /$re/"
	fi
}

# ------------------------------------------------------------ fake tree
KEYS="rules frames_seen bytes_seen samples_read frames_read bytes_read
	samples_dropped frames_dropped bytes_dropped samples_pending
	frames_pending bytes_pending clock_steps_back close_latency_ns
	fast_clock settings_changes waiting_rules waiting_period_ns
	waiting_samples"

# mkname ROOT NAME PERIOD_NS SAMPLES: a name with zero counters, no samples
mkname() {
	mkdir -p "$1/$2"
	{
		echo "name $2"; echo "period_ns $3"; echo "samples $4"
		for k in $KEYS; do
			if [ $k = rules ]; then echo "rules 1"; else echo "$k 0"; fi
		done
	} > "$1/$2/stats.new" && mv "$1/$2/stats.new" "$1/$2/stats"
	echo '# timestamp frames bytes' > "$1/$2/data"
}
# setstat ROOT NAME KEY VALUE (atomically)
setstat() {
	sed "s/^$3 .*/$3 $4/" "$1/$2/stats" > "$1/$2/stats.new" &&
		mv "$1/$2/stats.new" "$1/$2/stats"
}
# setstats ROOT NAME KEY=VALUE...: several at once (atomically)
setstats() {
	local r=$1 n=$2 kv e=
	shift 2
	for kv in "$@"; do e="$e;s/^${kv%%=*} .*/${kv%%=*} ${kv#*=}/"; done
	sed "${e#;}" "$r/$n/stats" > "$r/$n/stats.new" && mv "$r/$n/stats.new" "$r/$n/stats"
}
# feed ROOT NAME LINE...: append samples under the reader's lock
feed() {
	local f=$1/$2/data
	shift 2
	printf '%s\n' "$@" | flock "$f" sh -c 'cat >> "$0"' "$f"
}
feed_file() { flock "$1/$2/data" sh -c 'cat "$1" >> "$0"' "$1/$2/data" "$3"; }
drained() { [ ! -s "$1/$2/data" ]; }
# wait_for SECONDS CMD...: poll every 50 ms
wait_for() {
	local n=$(($1 * 20))
	shift
	while ! "$@" 2>/dev/null; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.05
	done
}
stamp() { date -u -d "@$1" +%Y-%m-%d-%H%M%S; }
# prom FILE METRIC NAME: the value of METRIC{name="NAME"}
prom() { awk -v k="$2{name=\"$3\"}" '$1 == k { print $2; f = 1 } END { exit !f }' "$1"; }
prom_is() { [ "$(prom "$1" "$2" "$3")" = "$4" ]; }
# rows FILE: data rows (samples) of a CSV file; events FILE: event rows
rows() { awk -F, 'NR > 1 && $7 == "" { n++ } END { print n + 0 }' "$1"; }
sum_frames() { awk -F, 'FNR > 1 && $7 == "" { n += $5 } END { print n + 0 }' "$@"; }

# collector ARGS...: start `xt-pktstat collect` in the background (CPID),
# its stderr in $W/log
collector() {
	"$X" collect "$@" 2>"$W/log" &
	CPID=$!
	PIDS="$PIDS $CPID"
}
# stop [SIGNAL]: stop it, CRC = its exit status
stop() {
	kill -"${1:-TERM}" "$CPID" 2>/dev/null
	wait "$CPID"
	CRC=$?
}
