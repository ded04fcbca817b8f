#!/bin/bash
# Tests of xt-pktstat without a kernel: the program reads a fake proc tree
# (--proc-root) that these tests fill.  Run by `make -C tests/tools check`,
# which builds the program and the unit tests with ASan + UBSan and sets
#   XT_PKTSTAT  the program      TEST_UNIT  the unit tests
#   BENCH       the parse benchmark (optimized build)
#
# In a test tree the data files are regular files: the program empties a
# data file after reading it, under flock(2), as the module's destructive
# read would, and the tests append to it under the same lock (flock(1)).
#
# As root, the script runs itself again in a private mount namespace, where
# a small tmpfs plays the full disk; as root, the permission tests run the
# program as nobody.  Output: "ok N - ..." / "not ok N - ..." lines, then
# "N passed, M failed" (the unit tests' results included).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
X=${XT_PKTSTAT:?XT_PKTSTAT: the program to test}
UNIT=${TEST_UNIT:-}
BENCH=${BENCH:-}
export LC_ALL=C.UTF-8 TZ=UTC
unset JOURNAL_STREAM

if [ "$(id -u)" = 0 ] && [ -z "${XT_PKTSTAT_TEST_NS:-}" ] &&
	unshare -m true 2>/dev/null; then
	XT_PKTSTAT_TEST_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/xt-pktstat-tests.XXXXXX")
chmod 755 "$W"
PIDS=
cleanup() {
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	mountpoint -q "$W/full" 2>/dev/null && umount "$W/full"
	rm -rf "$W"
}
trap cleanup EXIT

. "$HERE/lib.sh"
echo "# xt-pktstat tests: $X"

# ------------------------------------------------------------ unit tests
if [ -n "$UNIT" ]; then
	"$UNIT" > "$W/unit.out" 2>&1
	urc=$?
	grep -E '^(not ok|#)' "$W/unit.out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$W/unit.out" | tail -1)
	up=${line%% passed*}
	uf=${line#*passed, }; uf=${uf%% failed*}
	if [ -z "$line" ]; then
		not_ok "unit tests ended without a summary (status $urc)" "$(tail -20 "$W/unit.out")"
	else
		echo "# unit tests: $line"
		T_PASS=$((T_PASS + up)); T_FAIL=$((T_FAIL + uf)); T_N=$((T_N + up + uf))
		[ "$urc" = 0 ] || [ "$uf" != 0 ] || not_ok "unit tests: status $urc" "$(tail -20 "$W/unit.out")"
	fi
fi

# ------------------------------------------------------------ benchmark
if [ -n "$BENCH" ]; then
	if out=$("$BENCH" 1000000 2>&1); then
		ok "benchmark: parses over 1000000 samples/s on one core"
	else
		not_ok "benchmark: parses over 1000000 samples/s on one core" "$out"
	fi
	printf '%s\n' "$out" | sed 's/^/# benchmark: /'
fi

# ------------------------------------------------------------ usage
t_run "no command: usage error" 2 "which command" "$X"
t_run "unknown command" 2 "unknown command" "$X" frob
t_run "unknown option" 2 "unknown option --bogus" "$X" list --bogus
t_run "read without NAME" 2 "which NAME" "$X" read
t_run "read: a name with a slash is refused" 2 "not a name" "$X" read a/b
t_run "read: a name of 32 characters is refused" 2 "not a name" "$X" read abcdefghijklmnopqrstuvwxyz012345
t_run "read: --format xml refused" 2 'text, csv or json' "$X" read x --format xml
t_run "watch: --interval 0 refused" 2 'at least 1ms' "$X" watch x --interval 0
t_run "watch: --interval 1.5s refused" 2 'not a duration' "$X" watch x --interval 1.5s
t_run "watch: --bars 500 refused" 2 '0 to 200' "$X" watch x --bars 500
t_run "collect without --dir or --prometheus" 2 'where to' "$X" collect x
t_run "collect: --rotate 1500ms refused" 2 'whole seconds' "$X" collect x --dir "$W/d" --rotate 1500ms
t_run "collect: --rotate 0 refused" 2 'at least 1.0s' "$X" collect x --dir "$W/d" --rotate 0
t_run "an option without its value" 2 'needs a value' "$X" read x --format
t_run "--help" 0 "" "$X" --help
t_grep "--help lists the commands" "$W/run.out" "collect"
t_run "--version" 0 "" "$X" --version
t_grep "--version prints the version" "$W/run.out" '^xt-pktstat [0-9]'
t_run "read --help" 0 "" "$X" read --help

# ------------------------------------------------------------ list
R=$W/proc
mkname "$R" web 10000 65536
mkname "$R" 0 100000000 20
setstat "$R" web samples_pending 5
setstat "$R" web samples_dropped 2
setstat "$R" web rules 3
t_run "list: status 0" 0 "" "$X" --proc-root "$R" list
exp="NAME                   PERIOD  CAPACITY  FILLS-IN  BUFFERED   DROPPED  RULES
0                       100ms        20      1.9s         0         0      1
web                      10us     65536     655ms         5         2      3"
t_eq "list: names, period, capacity, fill time, buffered, drops, rules" "$exp" "$(cat "$W/run.out")"
t_run "list --format json" 0 "" "$X" list --format json --proc-root "$R"
if command -v python3 >/dev/null; then
	t_eq "list --format json: valid JSON with every stats key" "web 65536 2 3 5" \
		"$(python3 -c 'import json,sys; d=json.load(sys.stdin); w=d[1]; print(w["name"], w["samples"], w["samples_dropped"], w["rules"], w["samples_pending"])' < "$W/run.out" 2>&1)"
else
	t_grep "list --format json: the web entry" "$W/run.out" '"name": "web", "period_ns": 10000, "samples": 65536'
fi
mkdir -p "$W/empty"
t_run "list: no names: status 0 and a note" 0 "no names in" "$X" --proc-root "$W/empty" list
t_run "list: missing proc root: status 1, module not loaded?" 1 "No such file or directory: is the xt_pktstat module loaded" \
	"$X" --proc-root "$W/none" list
printf 'garbage\n' > "$W/bad.stats"
mkdir -p "$W/badroot/x" && cp "$W/bad.stats" "$W/badroot/x/stats"
t_run "list: a stats file without period_ns: status 1, named" 1 "badroot/x/stats" "$X" --proc-root "$W/badroot" list

# ------------------------------------------------------------ read
feed "$R" web "1795432259300000000 2 168" "1795432259300010000 5 1500" "1795432259300020000 1 84"
t_run "read --format csv" 0 "" "$X" --proc-root "$R" read web --format csv
exp="Time,Name,TimestampNs,PeriodNs,Frames,Bytes,Event
2026-11-23 11:10:59.300000000,web,1795432259300000000,10000,2,168,
2026-11-23 11:10:59.300010000,web,1795432259300010000,10000,5,1500,
2026-11-23 11:10:59.300020000,web,1795432259300020000,10000,1,84,"
t_eq "read --format csv: the samples, oldest first" "$exp" "$(cat "$W/run.out")"
t_true "read: the samples are drained" drained "$R" web
t_run "read again: status 0" 0 "" "$X" --proc-root "$R" read web --format csv
t_eq "read again: only the header" "Time,Name,TimestampNs,PeriodNs,Frames,Bytes,Event" "$(cat "$W/run.out")"
feed "$R" web "1795432259300000000 2 168" "1795432259300010000 5 1500"
t_run "read (text)" 0 "" "$X" --proc-root "$R" read web
exp="# name web, period 10us, 2 samples
time (UTC)                          frames          bytes      pkt/s      bit/s
2026-11-23 11:10:59.300000000            2            168       200k       134M
2026-11-23 11:10:59.300010000            5           1500       500k      1.20G"
t_eq "read (text): time, frames, bytes and the window's rates" "$exp" "$(cat "$W/run.out")"
feed "$R" web "1795432259300000000 2 168"
t_run "read --format json" 0 "" "$X" --proc-root "$R" read web --format json
if command -v python3 >/dev/null; then
	t_eq "read --format json: samples and stats" "1795432259300000000 2 168 10000 2" \
		"$(python3 -c 'import json,sys; d=json.load(sys.stdin); s=d["samples"][0]; print(s["timestamp"], s["frames"], s["bytes"], d["period_ns"], d["stats"]["samples_dropped"])' < "$W/run.out" 2>&1)"
else
	t_grep "read --format json: the sample" "$W/run.out" '"timestamp": 1795432259300000000, "frames": 2, "bytes": 168'
fi
echo '# timestamp frames bytes' > "$R/web/data"
t_run "read: a data file with only the header" 0 "" "$X" --proc-root "$R" read web --format csv
t_eq "read: header only gives no sample" 1 "$(wc -l < "$W/run.out")"
: > "$R/web/data"
t_run "read: an empty data file" 0 "" "$X" --proc-root "$R" read web --format csv
printf '# timestamp frames bytes\n7 8 9\n1795432259 1' > "$R/web/data"
t_run "read: an incomplete last line is not a sample" 0 "" "$X" --proc-root "$R" read web --format csv
t_eq "read: ... the complete one is" "1" "$(rows "$W/run.out")"
printf '# timestamp frames bytes\n7 8 9\n1 2 x\n' > "$R/web/data"
t_run "read: a bad line: status 1, file and line named" 1 'web/data: line 3: unexpected contents: "1 2 x"' \
	"$X" --proc-root "$R" read web --format csv
t_eq "read: ... the samples before it are printed" "1" "$(rows "$W/run.out")"
t_run "read: a missing name: status 1" 1 'no name "nope" in .*no rule uses --name nope' "$X" --proc-root "$R" read nope
t_run "read: missing proc root: status 1" 1 "is the xt_pktstat module loaded" "$X" --proc-root "$W/none" read web
mkdir -p "$R/nodata" && cp "$R/web/stats" "$R/nodata/stats"
t_run "read: stats without data (vanishing): status 1" 1 'no name "nodata"' "$X" --proc-root "$R" read nodata
rm -rf "$R/nodata"
feed "$R" web "1795432259300000000 2 168"
if [ -w /dev/full ]; then
	t_run "read > /dev/full: status 1, says the samples are lost" 1 \
		"No space left on device; 1 samples drained from the kernel are lost" \
		sh -c '"$0" --proc-root "$1" read web > /dev/full' "$X" "$R"
fi
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
	mkname "$W/perm" p 1000000 20
	chmod 0400 "$W/perm/p/stats" "$W/perm/p/data"
	chmod -R a+rX "$W/perm"; chmod 0400 "$W/perm/p/stats" "$W/perm/p/data"
	t_run "read as a user who may not: status 1, Permission denied" 1 \
		"perm/p/stats: Permission denied .*proc_mode" $AS_NOBODY "$X" --proc-root "$W/perm" read p
	mkdir -p "$W/nobody-csv" && chown 65534 "$W/nobody-csv"
	t_run "collect as a user who may not read: status 1 at once" 1 \
		"Permission denied" $AS_NOBODY "$X" --proc-root "$W/perm" collect p --dir "$W/nobody-csv" --quiet
else
	diag "not root: the permission tests are skipped"
fi

# ------------------------------------------------------------ watch
R=$W/wproc
mkname "$R" w 100000000 20			# 100 ms windows, FIFO of 20
feed "$R" w "1 1000 1000"			# stale: discarded at the start
"$X" --proc-root "$R" watch w --once --interval 1s --format json > "$W/watch.json" 2> "$W/watch.err" &
wpid=$!
PIDS="$PIDS $wpid"
wait_for 5 drained "$R" w
sleep 0.2
now=$(date +%s)
lines=()
for i in 1 2 3 4 5 6 7 8 9 10; do lines+=("$(( now * 1000000000 - (11 - i) * 100000000 )) $i $((i * 100))"); done
feed "$R" w "${lines[@]}"
setstats "$R" w samples_dropped=2 frames_dropped=7
wait "$wpid"
t_eq "watch --once --format json: status 0" 0 "$?"
if command -v python3 >/dev/null; then
	t_eq "watch: windows, frames, bytes, peak and p99 rates, drops of the interval" \
		"10 55 5500 100 80000 100 80000 2 7 True" \
		"$(python3 -c '
import json,sys
d = json.loads(sys.stdin.readline())
print(d["windows"], d["frames"], d["bytes"], round(d["peak_pps"]), round(d["peak_bps"]),
      round(d["p99_pps"]), round(d["p99_bps"]), d["dropped_windows"], d["dropped_frames"],
      50 <= d["avg_pps"] <= 56)' < "$W/watch.json" 2>&1)"
else
	t_grep "watch: windows and peak rate" "$W/watch.json" '"windows": 10, "frames": 55, "bytes": 5500, .*"peak_pps": 100,'
fi
feed "$R" w "1 1 1"
"$X" --proc-root "$R" watch w --once --interval 1s --ascii > "$W/watch.txt" 2>&1 &
wpid=$!
wait_for 5 drained "$R" w
sleep 0.2
now=$(date +%s)
lines=()
for i in 1 2 3 4 5 6 7 8 9 10; do
	f=10; [ $i = 6 ] && f=80
	lines+=("$(( now * 1000000000 + (i - 10) * 100000000 )) $f 1000")
done
feed "$R" w "${lines[@]}"
wait "$wpid"
t_eq "watch --once (text): status 0" 0 "$?"
t_eq "watch (text): a comment, a header and one line" 3 "$(wc -l < "$W/watch.txt")"
t_grep "watch (text): header" "$W/watch.txt" '^time +windows +avg pkt +avg bit +peak pkt +peak bit +p99 pkt +p99 bit +dropped'
t_grep "watch (text): 10 windows, peak 800 pkt/s, p99 800, a bar with the burst" "$W/watch.txt" \
	'^[0-9:]{8} +10 +[0-9.]+ +[0-9.]+k +800 +80\.0k +800 +80\.0k +0  \|[_ ]*#[_ ]*\|$'
cat "$W/watch.txt" | sed 's/^/# watch: /'
"$X" --proc-root "$R" watch w --once --interval 1s > "$W/watch.txt" 2>&1 &
wpid=$!
sleep 0.3
rm -rf "$R/w"
wait "$wpid"
t_eq "watch --once: the name vanishes: status 1" 1 "$?"
t_grep "watch: ... and says so" "$W/watch.txt" 'no name "w"'
t_run "watch: a missing name: status 1" 1 'no name "w"' "$X" --proc-root "$R" watch w --once

# ------------------------------------------------------------ collect: rotation
R=$W/cproc D=$W/csv
mkname "$R" web 10000 65536
now=$(date +%s)
T0=$(( (now - 100) / 10 * 10 ))		# a past period: files complete at once
NS=000000000
feed "$R" web "$T0$NS 1 100" "$((T0 + 2))$NS 3 300" "$(( (T0 + 2) * 1000000000 - 10000 )) 2 200" \
	"$(( (T0 + 4) * 1000000000 - 1 )) 4 400"
# every published file, at any time: a header first, whole lines only
(
	while [ ! -e "$W/stop-watcher" ]; do
		for f in "$D"/*.csv; do
			[ -e "$f" ] || continue
			h=$(head -n 1 "$f")
			[ "$h" = "Time,Name,TimestampNs,PeriodNs,Frames,Bytes,Event" ] || echo "$f: first line: $h"
			[ -s "$f" ] && [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" != '\n' ] && echo "$f: incomplete last line"
		done
		sleep 0.02
	done
) > "$W/watcher.out" 2>&1 &
watcher=$!
collector --proc-root "$R" web --dir "$D" --rotate 2s
F1=$D/$(stamp $T0)_$(stamp $((T0 + 2))).csv
F2=$D/$(stamp $((T0 + 2)))_$(stamp $((T0 + 4))).csv
t_true "collect: a sample goes to the file of its window's start (rotation 2s)" wait_for 5 test -e "$F2"
t_eq "collect: first period: the samples at its start and just before its end" \
	"$(printf '%s\n' "Time,Name,TimestampNs,PeriodNs,Frames,Bytes,Event" \
		"$(date -u -d @$T0 '+%Y-%m-%d %H:%M:%S').000000000,web,$T0$NS,10000,1,100," \
		"$(date -u -d @$((T0 + 1)) '+%Y-%m-%d %H:%M:%S').999990000,web,$(( (T0 + 2) * 1000000000 - 10000 )),10000,2,200,")" \
	"$(cat "$F1" 2>&1)"
t_eq "collect: second period: its first and its last nanosecond" \
	"$(printf '%s\n' "Time,Name,TimestampNs,PeriodNs,Frames,Bytes,Event" \
		"$(date -u -d @$((T0 + 2)) '+%Y-%m-%d %H:%M:%S').000000000,web,$((T0 + 2))$NS,10000,3,300," \
		"$(date -u -d @$((T0 + 3)) '+%Y-%m-%d %H:%M:%S').999999999,web,$(( (T0 + 4) * 1000000000 - 1 )),10000,4,400,")" \
	"$(cat "$F2" 2>&1)"
t_grep "collect: says how often it reads (period x samples / 4)" "$W/log" \
	'web: period 10us, 65536 samples \(full in 655ms at most\): reading every 164ms'
# a sample that comes after its period's file was completed
feed "$R" web "$((T0 + 1))$NS 9 900"
t_true "collect: a late sample gets a file of its own, .1.csv" wait_for 5 test -e "${F1%.csv}.1.csv"
t_eq "collect: ... and the first file is unchanged" 2 "$(rows "$F1")"
t_eq "collect: ... the late file holds it" "9" "$(sum_frames "${F1%.csv}.1.csv")"
sleep 2.2
stop
t_eq "collect: SIGTERM: status 0" 0 "$CRC"
touch "$W/stop-watcher"; wait "$watcher"
t_eq "collect: a published file never had a missing header or a partial line" "" "$(sort -u "$W/watcher.out")"
t_eq "collect: no temporary file is left" "" "$(ls -A "$D" | grep '\.tmp$')"
n=$(ls "$D"/*.csv | wc -l)
t_true "collect: with --rotate 2s, a file for every period the collector ran ($n files)" test "$n" -ge 5
t_true "collect: files of periods without traffic have the header" sh -c \
	'for f in "$1"/*.csv; do [ "$(head -n 1 "$f")" = "Time,Name,TimestampNs,PeriodNs,Frames,Bytes,Event" ] || exit 1; done' _ "$D"
t_eq "collect: the start and the stop are marked" "1 1" \
	"$(cat "$D"/*.csv | grep -c ',web,,10000,,,start frames_seen=0 frames_read=0 frames_dropped=0$') $(cat "$D"/*.csv | grep -c ',web,,10000,,,stop$')"
t_eq "collect: every sample was written once" "19" "$(sum_frames "$D"/*.csv)"
t_eq "collect: a lock file and nothing else hidden" ".xt-pktstat.lock" "$(ls -A "$D" | grep '^\.')"

# ------------------------------------------------------------ collect: files
R=$W/c2proc D=$W/csv2
mkname "$R" a 1000000 20			# 1 ms x 20: reads every 5 ms
collector --proc-root "$R" a --dir "$D" --prometheus "$W/prom/xt.prom"
t_true "collect: --prometheus into a missing directory: status 1 at once" wait_for 5 sh -c '! kill -0 $0' "$CPID"
stop
t_eq "collect: ... status 1" 1 "$CRC"
t_grep "collect: ... naming the file" "$W/log" "cannot write .*prom/\.xt\.prom\.tmp: No such file or directory"
mkdir -p "$W/prom"
T1=$(( ($(date +%s) - 1000) / 300 * 300 ))
B=$(stamp $T1)_$(stamp $((T1 + 300)))
printf 'Time,Name,TimestampNs,PeriodNs,Frames,Bytes,Event\nx,a,1,1,1,1,\nx,a,2,1,' > "$D/.$B.csv.tmp"
echo "already there" > "$D/$B.csv"
collector --proc-root "$R" a --dir "$D" --prometheus "$W/prom/xt.prom" --prometheus-interval 200ms
t_true "collect: a temporary file left by a crash is completed at the start" wait_for 5 test -e "$D/$B.1.csv"
t_eq "collect: ... its incomplete last line cut, the existing file not replaced" \
	"$(printf 'Time,Name,TimestampNs,PeriodNs,Frames,Bytes,Event\nx,a,1,1,1,1,')|already there" \
	"$(cat "$D/$B.1.csv")|$(cat "$D/$B.csv")"
t_grep "collect: ... and says so" "$W/log" "recovered .*\.$B\.csv\.tmp, left by a collector that did not exit cleanly, as .*$B\.1\.csv"
"$X" --proc-root "$R" collect a --dir "$D" 2> "$W/log2"
t_eq "collect: a second collector on the same directory: status 1" 1 "$?"
t_grep "collect: ... because of the first" "$W/log2" "another collector writes into"
t_true "collect: Prometheus file written" wait_for 5 prom_is "$W/prom/xt.prom" xt_pktstat_up a 1
feed "$R" a "$(($(date +%s) - 1))$NS 1 100" "$(($(date +%s) - 1))001000000 5 500" "$(($(date +%s) - 1))002000000 2 200"
t_true "collect: Prometheus: frames_total" wait_for 5 prom_is "$W/prom/xt.prom" xt_pktstat_frames_total a 8
cp "$W/prom/xt.prom" "$W/prom.1"
t_eq "collect: Prometheus: bytes, windows, period, capacity" "800 3 0.001 20" \
	"$(prom "$W/prom.1" xt_pktstat_bytes_total a) $(prom "$W/prom.1" xt_pktstat_windows_total a) $(prom "$W/prom.1" xt_pktstat_period_seconds a) $(prom "$W/prom.1" xt_pktstat_fifo_capacity_windows a)"
t_eq "collect: Prometheus: the peak window rate of the interval" "5000 500000" \
	"$(prom "$W/prom.1" xt_pktstat_peak_frames_per_second a) $(prom "$W/prom.1" xt_pktstat_peak_bytes_per_second a)"
if command -v promtool >/dev/null; then
	t_true "collect: Prometheus file passes promtool check metrics (but for the bits in names, promtool-check.sh)" \
		"$HERE/promtool-check.sh" "$W/prom.1"
else
	not_ok "collect: Prometheus file passes promtool check metrics" "promtool is missing (Debian package prometheus)"
fi
t_true "collect: Prometheus: the peak goes back to 0 in an interval without traffic" \
	wait_for 5 prom_is "$W/prom/xt.prom" xt_pktstat_peak_frames_per_second a 0
setstats "$R" a samples_dropped=3 frames_dropped=30 bytes_dropped=3000
t_true "collect: drops counted in the Prometheus file" wait_for 5 prom_is "$W/prom/xt.prom" xt_pktstat_dropped_windows_total a 3
t_eq "collect: ... frames and bytes too" "30 3000" \
	"$(prom "$W/prom/xt.prom" xt_pktstat_dropped_frames_total a) $(prom "$W/prom/xt.prom" xt_pktstat_dropped_bytes_total a)"
t_grep "collect: drops logged" "$W/log" "a: the kernel dropped 3 windows \(30 frames\) on a full FIFO"
ls -A "$W/prom" > "$W/prom.ls"
t_eq "collect: no temporary Prometheus file is left" "xt.prom" "$(cat "$W/prom.ls")"
exec 3< "$W/prom/xt.prom"
sleep 0.5
t_eq "collect: the Prometheus file is replaced (rename), not rewritten in place" 0 "$(stat -L -c %h /dev/fd/3)"
exec 3<&-
# the name vanishes (rule deleted, module unloaded), then comes back
rm -rf "$R/a"
t_true "collect: a vanished name: up 0" wait_for 5 prom_is "$W/prom/xt.prom" xt_pktstat_up a 0
t_grep "collect: ... logged" "$W/log" 'a: no name "a" in .*; retrying every second'
mkname "$R" a 1000000 20
setstat "$R" a samples_dropped 1
feed "$R" a "$(date +%s)$NS 4 400"
t_true "collect: the name comes back: its samples are collected" wait_for 5 prom_is "$W/prom/xt.prom" xt_pktstat_frames_total a 12
t_eq "collect: ... and the new name's drops counted from 0" 4 "$(prom "$W/prom/xt.prom" xt_pktstat_dropped_windows_total a)"
t_grep "collect: ... logged" "$W/log" "a: readable again"
printf '# timestamp frames bytes\nbad line\n' | flock "$R/a/data" sh -c 'cat >> "$0"' "$R/a/data"
t_true "collect: a bad data line is logged" wait_for 5 grep -q 'a/data: line 2: unexpected contents: "bad line"' "$W/log"
kill -HUP "$CPID"
t_true "collect: SIGHUP logged" wait_for 5 grep -q "SIGHUP: closing the open files" "$W/log"
n_hup=$(ls "$D" | grep -c "\.csv$")
stop
t_eq "collect: status 0" 0 "$CRC"
t_eq "collect: no temporary file is left" "" "$(ls -A "$D" | grep '\.tmp$')"
t_true "collect: SIGHUP completed the open files, new ones followed" test "$(ls "$D" | grep -c "\.csv$")" -gt "$n_hup"
cat "$D"/*.csv > "$W/all.csv"
t_grep "collect: CSV: the vanishing is marked" "$W/all.csv" ',a,,,,,"gone: no name ""a"" in'
t_grep "collect: CSV: the return is marked" "$W/all.csv" ',a,,1000000,,,back frames_seen=0 frames_dropped=0$'
t_grep "collect: CSV: the drops are marked" "$W/all.csv" ',a,,1000000,,,dropped windows=3 frames=30 bytes=3000 \(FIFO full\)$'
t_grep "collect: CSV: the bad line is marked" "$W/all.csv" ',a,,1000000,,,"?error: .*unexpected contents'
t_eq "collect: CSV: every frame" 12 "$(sum_frames $(ls "$D"/*.csv | grep -v "$B"))"

# ------------------------------------------------------------ collect: names
R=$W/c3proc D=$W/csv3
collector --proc-root "$R" --dir "$D" --interval 100ms
t_true "collect (every name): a missing proc root is logged, not fatal" wait_for 5 grep -q "is the xt_pktstat module loaded.*retrying" "$W/log"
mkname "$R" n1 1000000 100
mkname "$R" n2 10000000 100
feed "$R" n1 "$(date +%s)$NS 3 300"
feed "$R" n2 "$(date +%s)$NS 4 400"
t_true "collect (every name): names that appear later are collected" \
	wait_for 5 sh -c '! [ -s "$0/n1/data" ] && ! [ -s "$0/n2/data" ]' "$R"
stop
t_eq "collect (every name): status 0" 0 "$CRC"
t_eq "collect (every name): their samples" 7 "$(sum_frames "$D"/*.csv)"
R=$W/c4proc D=$W/csv4
mkdir -p "$R"
collector --proc-root "$R" late --dir "$D" --interval 100ms
t_true "collect: a name missing at the start: logged, retried" wait_for 5 grep -q 'late: no name "late" .*retrying every second' "$W/log"
mkname "$R" late 1000000 100
feed "$R" late "$(date +%s)$NS 6 600"
t_true "collect: ... collected once it exists" wait_for 5 drained "$R" late
stop
t_eq "collect: ... status 0" 0 "$CRC"
cat "$D"/*.csv > "$W/all.csv"
t_grep "collect: CSV: its absence at the start is marked" "$W/all.csv" ',late,,,,,"absent: no name ""late""'
t_eq "collect: ... its samples" 6 "$(sum_frames "$D"/*.csv)"

# ------------------------------------------------------------ collect: timing
R=$W/c5proc D=$W/csv5
mkname "$R" tiny 100000 2				# the FIFO fills in 100 us
mkname "$R" big 10000 65536
collector --proc-root "$R" tiny big --dir "$D" --prometheus "$W/t.prom" --prometheus-interval 200ms
t_true "collect: a FIFO too small to keep up with is warned about" wait_for 5 grep -q \
	"tiny: its FIFO fills in 100us (period 100us x 2 samples); reading every 1ms may not keep up" "$W/log"
t_true "collect: reads later than the FIFO fills are warned about" wait_for 5 grep -q \
	"tiny: falling behind: .* between two reads, but the FIFO fills in 100us" "$W/log"
late_counted() { [ "$(prom "$W/t.prom" xt_pktstat_late_reads_total tiny)" -gt 0 ]; }
t_true "collect: ... and counted" wait_for 5 late_counted
t_eq "collect: ... not for a FIFO read in time" 0 "$(prom "$W/t.prom" xt_pktstat_late_reads_total big)"
stop
collector --proc-root "$R" big --dir "$D" --interval 1s
t_true "collect: an --interval longer than half the fill time is warned about" wait_for 5 grep -q \
	"big: --interval 1.0s is more than half the 655ms its FIFO takes to fill" "$W/log"
stop
t_eq "collect: status 0" 0 "$CRC"
t_run "collect: --dir that is a file: status 1" 1 "cannot (create|write)" \
	"$X" --proc-root "$R" collect big --dir "$W/all.csv"

# ------------------------------------------------------------ collect: full disk
if [ -n "${XT_PKTSTAT_TEST_NS:-}" ] && mkdir -p "$W/full" &&
	mount -t tmpfs -o size=1m tmpfs "$W/full" 2>/dev/null; then
	R=$W/c6proc D=$W/full/csv
	mkname "$R" f 10000 65536
	collector --proc-root "$R" f --dir "$D" --prometheus "$W/full/f.prom" \
		--prometheus-interval 200ms --interval 50ms
	wait_for 5 test -e "$W/full/f.prom"
	dd if=/dev/zero of="$W/full/filler" bs=4k 2>/dev/null
	now=$(date +%s)
	lines=()
	for i in $(seq 1 500); do lines+=("$now$(printf %09d $((i * 10000))) 1 100"); done
	feed "$R" f "${lines[@]}"
	t_true "full disk: the write error is logged, with a retry" wait_for 5 grep -q \
		"\.csv\.tmp: No space left on device; [0-9]* bytes wait in memory, retrying" "$W/log"
	t_true "full disk: the Prometheus file too" wait_for 5 grep -q \
		"cannot write .*f\.prom\.tmp: No space left on device; retrying" "$W/log"
	rm -f "$W/full/filler"
	t_true "full disk: space again: the Prometheus file is written again" wait_for 5 grep -q "f.prom written again" "$W/log"
	# more than the collector keeps in memory (8 MiB) while the disk is full
	dd if=/dev/zero of="$W/full/filler" bs=4k 2>/dev/null
	T2=$(( (now - 1000) / 300 * 300 ))
	awk -v t=$T2 'BEGIN { for (i = 0; i < 150000; i++) printf "%d%09d 2 200\n", t, i * 1000 }' > "$W/big.txt"
	feed_file "$R" f "$W/big.txt"
	t_true "full disk: rows that can't wait any longer: logged as lost" wait_for 10 grep -q \
		"rows lost (No space left on device)" "$W/log"
	rm -f "$W/full/filler"
	sleep 0.5
	stop
	t_eq "full disk: status 0" 0 "$CRC"
	cat "$D"/*.csv > "$W/all.csv"
	t_eq "full disk: the rows written while the disk was full come out later" 500 "$(sum_frames "$D"/*.csv)"
	t_grep "full disk: the lost rows are marked in the CSV" "$W/all.csv" ',,,,,,lost rows=150000: No space left on device$'
	t_eq "full disk: ... and counted in the Prometheus file" 150000 \
		"$(awk '$1 == "xt_pktstat_collector_rows_lost_total" {print $2}' "$W/full/f.prom")"
	t_eq "full disk: no empty or temporary file left" "" "$(find "$D" \( -empty -o -name '*.tmp' \) ! -name .xt-pktstat.lock)"
	umount "$W/full"
else
	diag "no private mount namespace (not root?): the full-disk tests are skipped"
fi

# ------------------------------------------------------------ bursts, plot
. "$HERE/tests-bursts.sh"

# ------------------------------------------------------------ reloads
. "$HERE/tests-reload.sh"

# ------------------------------------------------------------ install, unit, man page
I=$W/inst
if make -s -C "$TOP/tools" install DESTDIR="$I" PREFIX=/usr SBINDIR=/usr/sbin \
	MANDIR=/usr/share/man SYSTEMD_UNITDIR=/lib/systemd/system >"$W/inst.log" 2>&1; then
	ok "make -C tools install DESTDIR=..."
else
	not_ok "make -C tools install DESTDIR=..." "$(cat "$W/inst.log")"
fi
t_eq "install: the program, the man page, the unit, its configuration" \
	"$I/etc/default/xt-pktstat $I/lib/systemd/system/xt-pktstat.service $I/usr/sbin/xt-pktstat $I/usr/share/man/man8/xt-pktstat.8" \
	"$(find "$I" -type f | sort | tr '\n' ' ' | sed 's/ $//')"
t_grep "install: the unit runs the installed program with the configuration" \
	"$I/lib/systemd/system/xt-pktstat.service" '^ExecStart=/usr/sbin/xt-pktstat collect \$XT_PKTSTAT_NAMES \$XT_PKTSTAT_OPTIONS$'
t_grep "install: ... reads /etc/default/xt-pktstat" "$I/lib/systemd/system/xt-pktstat.service" '^EnvironmentFile=-/etc/default/xt-pktstat$'
echo "# mine" > "$I/etc/default/xt-pktstat"
make -s -C "$TOP/tools" install DESTDIR="$I" PREFIX=/usr >/dev/null 2>&1
t_eq "install: an existing configuration file is kept" "# mine" "$(cat "$I/etc/default/xt-pktstat")"
if command -v systemd-analyze >/dev/null; then
	sed "s,^ExecStart=/usr/sbin/xt-pktstat,ExecStart=$X," "$I/lib/systemd/system/xt-pktstat.service" > "$W/xt-pktstat.service"
	t_true "systemd-analyze verify: the unit" systemd-analyze verify --man=no "$W/xt-pktstat.service"
fi
if command -v groff >/dev/null; then
	groff -man -ww -z -t "$TOP/tools/xt-pktstat.8" > "$W/groff.out" 2>&1
	t_eq "man page: groff -man -ww: no warning" "" "$(cat "$W/groff.out")"
fi
# the man page documents every option the program takes
for o in $(cat "$TOP/tools/xt-pktstat.c" "$TOP"/tools/cmd*.[ch] | grep -oE '"--[a-z-]+"' | tr -d '"' | sort -u); do
	grep -q -- "$(echo "$o" | sed 's/-/\\\\-/g')" "$TOP/tools/xt-pktstat.8" || missing="${missing:-} $o"
done
t_eq "man page: every option is documented" "" "${missing:-}"

echo "$T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" = 0 ]
