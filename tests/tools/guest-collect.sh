#!/bin/sh
# xt-pktstat against the real module, inside the test guest (busybox ash):
#   tests/qemu/run-guest.sh /tests/tools/guest-collect.sh
# Needs xt-pktstat in the image's PATH (/usr/sbin/xt-pktstat).
#
# 1. `collect` drains a flood into 10 us windows, FIFO at 65536, with
#    pktgen sending COLLECT_COUNT packets from each of up to 2 threads:
#    no window dropped, no read late, and the CSV totals equal pktgen's
#    count (frames and bytes), as do the module's frames_read and the
#    Prometheus file's frames_total.
# 2. `watch --once` and `read` on a second name during the flood.
# 3. The rule is deleted while `collect` runs: logged and marked in the
#    CSV; added again: collected again.
# The Prometheus file is printed between @@PROM-BEGIN@@ and @@PROM-END@@
# lines for the host to check with promtool (tests/tools/qemu-collect.sh).
# Output: TAP-like lines, then "N passed, M failed".
. /tests/guest/lib.sh
. /tests/tools/guest-lib.sh

IPT=${IPT:-iptables-legacy}
COUNT=${COLLECT_COUNT:-100000}
CPUS=$(nproc)
[ "$CPUS" -gt 2 ] && CPUS=2
D=/tmp/xt-csv
P=/tmp/xt-prom/xt_pktstat.prom
LOG=/tmp/xt-collect.log

uptime_cs() { awk '{ split($1, a, "."); print a[1] * 100 + substr(a[2] "00", 1, 2) }' /proc/uptime; }
prom() { awk -v k="$1{name=\"$2\"}" '$1 == k { print $2 }' "$P"; }
csv_sum() { # FIELD (5 frames, 6 bytes) FILES...: sum over sample rows
	local f="$1"
	shift
	awk -F, -v f="$f" 'FNR > 1 && $7 == "" { s += $f } END { printf "%.0f\n", s }' "$@"
}

tools_guest_start "$IPT" ", $CPUS pktgen thread(s) x $COUNT packets, uptime $(cut -d' ' -f1 /proc/uptime)s"
t_check "rule: --name flood --period 10us --samples 65536" \
	$IPT -A INPUT -i pk0 -m pktstat --name flood --period 10us --samples 65536
t_check "rule: --name w --period 1ms --samples 4096" \
	$IPT -A INPUT -i pk0 -m pktstat --name w --period 1ms --samples 4096
xt-pktstat list > /tmp/list.out 2>&1
t_check "list: flood, 10us, 65536" grep -Eq '^flood +10us +65536 +655ms +0 +0 +1$' /tmp/list.out
cat /tmp/list.out | sed 's/^/# list: /'

mkdir -p /tmp/xt-prom
xt-pktstat collect flood --dir $D --rotate 10s --prometheus $P \
	--prometheus-interval 1s 2>$LOG &
CPID=$!
wait_until 10 grep -q "reading every" $LOG
t_check "collect: reads flood every 164ms" grep -q "flood: period 10us, 65536 samples (full in 655ms at most): reading every 164ms" $LOG

# the flood, and a live view of the second name meanwhile
pktgen_setup pk0 "$COUNT" 60 v4 "$CPUS"
xt-pktstat watch w --once --interval 2s --format json > /tmp/watch.json 2>&1 &
WPID=$!
sleep 0.5	# watch's first read (what was there before it started) is done
t0=$(uptime_cs)
pktgen_start_bg
pktgen_wait
pg_rc=$?
t1=$(uptime_cs)
t_eq "pktgen sent every packet" 0 "$pg_rc"
SENT=$PG_SENT
LEN=$PG_PKTLEN
wait "$WPID"
t_eq "watch --once on a second name during the flood: status 0" 0 $?
t_check "watch: windows and a peak rate" grep -Eq '"windows": [1-9][0-9]*, .*"peak_pps": [1-9]' /tmp/watch.json
sed 's/^/# watch: /' /tmp/watch.json

read_all() { [ "$(stat_get flood frames_read)" = "$SENT" ]; }
wait_until 10 read_all
secs=$(( (t1 - t0 + 50) / 100 ))
[ "$secs" -gt 0 ] || secs=1
t_diag "lab rate: $SENT packets in $(( t1 - t0 ))0 ms: $(( SENT * 100 / (t1 - t0 + 1) )) packets/s"
t_eq "collect: every frame read (stats frames_read)" "$SENT" "$(stat_get flood frames_read)"
t_eq "collect: no window dropped (samples_dropped)" 0 "$(stat_get flood samples_dropped)"
t_eq "collect: no frame dropped (frames_dropped)" 0 "$(stat_get flood frames_dropped)"
t_check "stats: seen = read + dropped + pending" stats_invariant flood
SAMPLES=$(stat_get flood samples_read)
t_diag "flood: $SAMPLES windows read, $(( SAMPLES * 100 / (t1 - t0 + 1) )) samples/s during the flood"
t_check "xt-pktstat read w: the rest of the second name" sh -c 'xt-pktstat read w --format csv > /tmp/w.csv'
wf=$(awk -F'"frames": ' 'NF > 1 { split($2, a, ","); print a[1] }' /tmp/watch.json)
t_eq "watch + read: every frame of w they were given, once (frames_read)" \
	"$(stat_get w frames_read)" "$(( ${wf:-0} + $(csv_sum 5 /tmp/w.csv) ))"
t_check "w (nobody read it after watch: drops are expected): seen = read + dropped + pending" stats_invariant w

# the rule goes away while collect runs, then comes back
$IPT -D INPUT -i pk0 -m pktstat --name flood --period 10us --samples 65536
t_check "collect: the deleted name is logged" wait_until 10 grep -q 'flood: no name "flood"' $LOG
t_check "collect: ... the Prometheus file says up 0" wait_until 10 sh -c \
	'grep -q "^xt_pktstat_up{name=\"flood\"} 0$" '"$P"
$IPT -A INPUT -i pk0 -m pktstat --name flood --period 10us --samples 65536
t_check "collect: the name is back" wait_until 10 grep -q "flood: readable again" $LOG
pktgen_send pk0 1000 60 v4 1
back_read() { [ "$(stat_get flood frames_read)" = 1000 ]; }
t_check "collect: the new name's frames are read" wait_until 10 back_read
TOTAL=$((SENT + 1000))
t_check "collect: Prometheus frames_total" wait_until 10 sh -c \
	'grep -q "^xt_pktstat_frames_total{name=\"flood\"} '"$TOTAL"'$" '"$P"

t_diag "uptime $(cut -d' ' -f1 /proc/uptime)s: stopping the collector"
kill -TERM "$CPID"
wait "$CPID"
t_eq "collect: SIGTERM: status 0" 0 $?
t_eq "collect: no temporary file left" "" "$(ls -A $D | grep '\.tmp$')"
# one pass (busybox awk under TCG is slow): frames, bytes, rows; window
# starts on 10 us boundaries (last 4 digits 0000); strictly increasing;
# the event rows into /tmp/events.csv
set -- $(cat $D/*.csv | awk -F, '
	$1 == "Time" { next }
	$7 != "" { print > "/tmp/events.csv"; next }
	{
		f += $5; b += $6; n++; ts = $3
		if (substr(ts, length(ts) - 3) != "0000") al++
		if (prev != "" && (length(ts) < length(prev) || (length(ts) == length(prev) && ts <= prev))) ord++
		prev = ts
	}
	END { printf "%.0f %.0f %d %d %d\n", f, b, n, al, ord }')
t_eq "CSV: the frames equal pktgen's count" "$TOTAL" "$1"
t_eq "CSV: the bytes equal pktgen's count x packet length" "$((TOTAL * LEN))" "$2"
t_eq "CSV: one row per window read" "$(( SAMPLES + $(stat_get flood samples_read) ))" "$3"
t_eq "CSV: every window start a multiple of 10us" 0 "$4"
t_eq "CSV: window starts strictly increasing (none twice)" 0 "$5"
t_check "CSV: the deletion is marked" grep -q ',flood,,,,,"gone: no name ""flood""' /tmp/events.csv
t_check "CSV: the return is marked" grep -q ',flood,,10000,,,back ' /tmp/events.csv
t_check "CSV: start and stop are marked" sh -c \
	'grep -q ",flood,,10000,,,start " /tmp/events.csv && grep -q ",flood,,10000,,,stop$" /tmp/events.csv'
t_eq "CSV: no drop marked" "" "$(grep ',dropped windows=' /tmp/events.csv | head -3)"
t_eq "collect: no warning about falling behind or drops" "" \
	"$(grep -E 'falling behind|dropped|may not keep up|error' $LOG | head -5)"
t_eq "Prometheus: frames_total" "$TOTAL" "$(prom xt_pktstat_frames_total flood)"
t_eq "Prometheus: bytes_total" "$((TOTAL * LEN))" "$(prom xt_pktstat_bytes_total flood)"
t_eq "Prometheus: dropped_windows_total" 0 "$(prom xt_pktstat_dropped_windows_total flood)"
t_eq "Prometheus: late_reads_total" 0 "$(prom xt_pktstat_late_reads_total flood)"
t_diag "$(ls $D | wc -l) CSV files, $(du -sk $D | cut -f1) KiB"
sed 's/^/# collect: /' $LOG
echo "@@PROM-BEGIN@@"
cat "$P"
echo "@@PROM-END@@"

$IPT -F INPUT
t_diag "uptime $(cut -d' ' -f1 /proc/uptime)s: done"
t_summary
