#!/bin/sh
# The guest half of the monitoring test (tests/monitoring/run.sh): traffic
# of a known shape through -m pktstat rules, "xt-pktstat collect" writing
# its Prometheus textfile, and every new version of that file sent to the
# host over the serial console while it happens, so that the host's
# node_exporter serves it and Prometheus scrapes it live.
#
# The image does not hold this file (tests/qemu/mkinitramfs.sh copies
# tests/guest and tests/tools/guest-*.sh only): run.sh sends it in the
# guest's command line, gzip'd and base64'd.  POSIX sh for busybox ash.
#
# Names (one dummy device pk0; v4 and v6 traffic go to different names):
#   burst  v4, --period 10ms --samples 4096: BURSTS bursts of BURST_PKTS
#          packets each, paced at 12 per window (833 us apart), 1000-byte
#          packets, separated by 1.5 s of silence.  The collector's
#          --threshold 4Mbit (5000 bytes a window) and --gap 20 make each
#          one burst: under TCG pktgen stalls now and then and catches up
#          (a few windows of 1 to 4 packets, then one of 60), which a gap
#          of 20 windows (200 ms) bridges and 1.5 s of silence does not.
#          Most windows are 12000 bytes (9.6 Mbit/s).
#   fifo   v6, --period 10ms --samples 8: the collector is stopped
#          (SIGSTOP) while FIFO_PKTS packets arrive at the same pace, about
#          50 windows into a FIFO of 8: most are dropped.
#   gone   no traffic; its rule is deleted near the end (up 0).
# Collector: --prometheus-interval 2s (Prometheus scrapes every second,
# so every version is scraped), --dir for the CSV files the checks use.
# A first collector runs for 5 s before any traffic with --threshold
# 500pps, the one that follows with --threshold 4Mbit: the collector
# exports the threshold in the unit it was given, and the dashboard shows
# either; the run has both, and a restart (counters from 0) in between.
#
# Output for the host, each alone on a line:
#   @@XTMON-FILE SEQ GUEST_EPOCH MD5@@, base64 lines of the gzip'd file,
#   @@XTMON-END SEQ@@              one version of the textfile
#   @@XTMON-FACT KEY VALUE@@       what the traffic was (counts, sizes)
# and TAP-like lines of its own checks, then "N passed, M failed".
# shellcheck disable=SC1091 # (the guest's copy of tests/guest/lib.sh)
. /tests/guest/lib.sh

IPT4=iptables-legacy
IPT6=ip6tables-legacy
PKT_SIZE=1014		# skb->len at INPUT: 1000 bytes
PKT_LEN=$((PKT_SIZE - 14))
DELAY_NS=833333		# 12 packets per 10 ms window
BURSTS=${XTMON_BURSTS:-3}
BURST_PKTS=${XTMON_BURST_PKTS:-240}	# 200 ms, 20 windows
FIFO_PKTS=${XTMON_FIFO_PKTS:-600}	# 500 ms, 50 windows
THRESHOLD=4Mbit
GAP=20
P=/tmp/xtmon-prom/xt_pktstat.prom
D=/tmp/xtmon-csv
LOG=/tmp/xtmon-collect.log
STOP=/tmp/xtmon.stop

fact() { echo "@@XTMON-FACT $1 $2@@"; }

# stream_textfile: every new version of $P to the console, one block
# written by one cat (a single write, so that other output cannot cut
# into it).  After $STOP appears: one last look, then return.
stream_textfile() {
	local seq=0 last="" final sum
	while :; do
		final=0
		[ -e "$STOP" ] && final=1
		# cp reads one file: the collector replaces it by rename
		if [ -f "$P" ] && cp "$P" /tmp/xtmon.snap 2>/dev/null; then
			sum=$(md5sum < /tmp/xtmon.snap | cut -d' ' -f1)
			if [ "$sum" != "$last" ]; then
				seq=$((seq + 1))
				{
					echo "@@XTMON-FILE $seq $(date +%s) $sum@@"
					gzip -c /tmp/xtmon.snap | base64
					echo "@@XTMON-END $seq@@"
				} > /tmp/xtmon.block
				cat /tmp/xtmon.block
				last=$sum
			fi
		fi
		[ "$final" = 1 ] && return 0
		sleep 0.3
	done
}

# csv_windows NAME: the bytes of each of NAME's windows in the CSV files
csv_windows() {
	cat $D/*.csv | awk -F, -v n="$1" '$1 != "Time" && $2 == n && $7 == "" { print $6 }'
}

# csv_bursts NAME BYTES GAP: the bursts of NAME's windows (10 ms) as
# xt-pktstat(8) defines them, computed here from the CSV rows: runs of
# windows of at least BYTES, with at most GAP windows below (empty ones
# included) between two of them.  Prints "BURSTS WINDOWS": how many, and
# the windows from the first above to the last above of each, added up.
csv_bursts() {
	cat $D/*.csv | awk -F, -v n="$1" -v thr="$2" -v gap="$3" '
	$1 == "Time" || $2 != n || $7 != "" { next }
	{
		# the window index: ns / 10^7 (exact: the last 7 digits are 0)
		i = substr($3, 1, length($3) - 7) + 0
		if ($6 < thr) next
		if (inb && i - last - 1 <= gap) { last = i; next }
		if (inb) { b++; w += last - first + 1 }
		inb = 1; first = i; last = i
	}
	END { if (inb) { b++; w += last - first + 1 }; printf "%d %d\n", b, w }'
}

if ! command -v xt-pktstat >/dev/null; then
	t_fail "xt-pktstat is in the image"
	t_summary
	exit 1
fi
t_diag "$(xt-pktstat --version); guest clock $(date +%s)"
grep -q '^xt_pktstat ' /proc/modules || modprobe xt_pktstat
setup_dummy pk0 192.0.2.1 2001:db8::1
flush_all
t_check "rule: burst (v4, 10ms x 4096)" \
	$IPT4 -A INPUT -i pk0 -m pktstat --name burst --period 10ms --samples 4096
t_check "rule: fifo (v6, 10ms x 8)" \
	$IPT6 -A INPUT -i pk0 -m pktstat --name fifo --period 10ms --samples 8
t_check "rule: gone (no traffic, 1s x 4)" \
	$IPT4 -A INPUT -i pkgone -m pktstat --name gone --period 1s --samples 4

# The burst options, while the reader program may not have them yet: then
# the collector runs without, and the host's burst checks fail ("missing").
burst_opts="--threshold $THRESHOLD --gap $GAP"
if ! xt-pktstat help 2>&1 | grep -q -- '--threshold'; then
	t_diag "xt-pktstat collect has no --threshold yet: collecting without bursts"
	burst_opts=
fi
fact burst_options "${burst_opts:-none}"
mkdir -p /tmp/xtmon-prom
stream_textfile &
SPID=$!
if [ -n "$burst_opts" ]; then
	xt-pktstat collect --dir $D --rotate 60s --prometheus $P \
		--prometheus-interval 2s --threshold 500pps 2>$LOG.pps &
	CPID=$!
	t_check "collect --threshold 500pps: started and wrote its file" wait_until 20 test -s $P
	sleep 5
	kill -TERM "$CPID"
	wait "$CPID"
	t_eq "collect --threshold 500pps: SIGTERM: status 0" 0 $?
	t_check "collect --threshold 500pps: the threshold in its file" \
		grep -q '^xt_pktstat_burst_threshold_packets_per_second{name="burst"} 500$' $P
fi
first=$(grep '^xt_pktstat_collector_start_time_seconds' $P 2>/dev/null)
new_start() {
	local start
	start=$(grep '^xt_pktstat_collector_start_time_seconds' $P 2>/dev/null) &&
		[ "$start" != "$first" ]
}
# shellcheck disable=SC2086
xt-pktstat collect --dir $D --rotate 60s --prometheus $P \
	--prometheus-interval 2s $burst_opts 2>$LOG &
CPID=$!
t_check "collect: started and wrote its file" wait_until 20 new_start

# a few scrapes of zero counters first, so that increase() sees the start
sleep 4

# --- the bursts (v4: name burst)
pktgen_setup pk0 "$BURST_PKTS" $PKT_SIZE v4 1 $DELAY_NS
sent_burst=0
i=0
while [ $i -lt "$BURSTS" ]; do
	t0=$(awk '{ print int($1 * 1000) }' /proc/uptime)
	if [ $i = 0 ]; then
		echo start > "$PG/pgctrl" && pktgen_check
	else
		pktgen_again "$BURST_PKTS"
	fi
	rc=$?
	t1=$(awk '{ print int($1 * 1000) }' /proc/uptime)
	t_eq "burst $((i + 1)): pktgen sent $BURST_PKTS packets" 0 "$rc"
	sent_burst=$((sent_burst + PG_SENT))
	fact burst_ms "$((t1 - t0))"
	# pktgen's own time from the first packet to the last:
	# "Result: OK: 199842(c199563+d278) usec, 240 (1014byte,0frags)"
	fact burst_us "$(sed -n 's/^Result: OK: \([0-9]*\)(.*/\1/p' "$PG/pk0")"
	i=$((i + 1))
	sleep 1.5
done
fact sent_burst "$sent_burst"

# --- the overflow (v6: name fifo), with the collector stopped
pktgen_setup pk0 "$FIFO_PKTS" $PKT_SIZE v6 1 $DELAY_NS
kill -STOP "$CPID"
# in a subshell: the SIGCHLD of the stopped collector goes to this shell,
# and a signal pending in the writer ends pktgen's run at once
(echo start > "$PG/pgctrl")
pktgen_check
rc=$?
t_eq "overflow: pktgen sent $FIFO_PKTS packets" 0 "$rc"
sent_fifo=$PG_SENT
sleep 0.5	# the last windows end with nobody reading
kill -CONT "$CPID"
fact sent_fifo "$sent_fifo"
fact pkt_len "$PKT_LEN"
fact bursts_sent "$BURSTS"
sleep 4

# --- a name whose rule goes away
$IPT4 -D INPUT -i pkgone -m pktstat --name gone --period 1s --samples 4
t_check "collect: the deleted name is marked up 0" wait_until 10 \
	grep -q '^xt_pktstat_up{name="gone"} 0$' $P
sleep 4

# --- the module's view, before the collector stops
t_eq "burst: every frame read (stats frames_read)" "$sent_burst" "$(stat_get burst frames_read)"
t_eq "burst: no window dropped" 0 "$(stat_get burst samples_dropped)"
t_eq "fifo: frames read + dropped = sent" "$sent_fifo" \
	"$(( $(stat_get fifo frames_read) + $(stat_get fifo frames_dropped) ))"
t_check "fifo: windows dropped (samples_dropped > 0)" \
	test "$(stat_get fifo samples_dropped)" -gt 0
t_check "burst: seen = read + dropped + pending" stats_invariant burst
t_check "fifo: seen = read + dropped + pending" stats_invariant fifo
fact fifo_samples_dropped "$(stat_get fifo samples_dropped)"
fact fifo_frames_dropped "$(stat_get fifo frames_dropped)"

kill -TERM "$CPID"
wait "$CPID"
t_eq "collect: SIGTERM: status 0" 0 $?
touch $STOP
wait "$SPID"

# --- what the CSV files say, for the host's histogram checks
csv_windows burst | sort -n > /tmp/xtmon-burst.bytes
n=$(wc -l < /tmp/xtmon-burst.bytes)
fact burst_windows "$n"
fact burst_median_bytes "$(awk -v n="$n" 'NR == int((n + 1) / 2) { print; exit }' /tmp/xtmon-burst.bytes)"
fact burst_max_bytes "$(tail -n 1 /tmp/xtmon-burst.bytes)"
fact burst_csv_bytes "$(awk '{ s += $1 } END { printf "%.0f\n", s }' /tmp/xtmon-burst.bytes)"
# --threshold 4Mbit in a 10 ms window: 5000 bytes
# shellcheck disable=SC2046 # ("BURSTS WINDOWS")
set -- $(csv_bursts burst 5000 $GAP)
fact csv_bursts "$1"
fact csv_burst_windows "$2"
fact fifo_windows "$(csv_windows fifo | wc -l)"
t_diag "burst windows (bytes: count): $(uniq -c < /tmp/xtmon-burst.bytes | awk '{ printf "%s:%s ", $2, $1 }')"
sed 's/^/# collect: /' $LOG

flush_all
t_diag "guest clock $(date +%s): done"
t_summary
