#!/bin/sh
# xt-pktstat bursts, collect's burst counters and histogram, and plot,
# against the real module, inside the test guest (busybox ash):
#   tests/qemu/run-guest.sh /tests/tools/guest-bursts.sh
# Needs xt-pktstat in the image's PATH (/usr/sbin/xt-pktstat).
#
# Traffic of a known shape: pktgen sends three bursts of BURST1, BURST2
# and BURST3 packets (46-byte IPv4 packets), about 0.4 s of silence
# between the first two and 2 s between the last two.  Five rules count
# it all in 10 ms windows, one name per reader (reading drains):
#   bo1  bursts --threshold 100pps --gap 5: the three bursts, each with
#        exactly its packets (100pps is one packet a window: every window
#        with traffic is above; the gap rides over a stalled pktgen);
#   bo2  bursts --gap 100: the first two are one burst (~40 windows of
#        silence), the third not (~200);
#   bo3  bursts --threshold 1% --link-speed 3.68Mbit: one 46-byte packet
#        a window, in bits: the same three bursts;
#   bf   bursts --follow: each burst printed once over, the same three;
#   bc   collect --threshold 100pps --gap 5: burst lines and counters, the
#        Prometheus file, and (once the module has a hist file) the window
#        histogram checked bucket by bucket against the CSV windows; then
#        plot of its CSV files.
# The Prometheus file and the SVG are printed between @@BURSTS-PROM-BEGIN@@
# / @@BURSTS-PROM-END@@ and @@BURSTS-SVG-BEGIN@@ / @@BURSTS-SVG-END@@ for
# the host (tests/tools/qemu-collect.sh: promtool, xmllint).
# Output: TAP-like lines, then "N passed, M failed".
. /tests/guest/lib.sh
. /tests/tools/guest-lib.sh

IPT=${IPT:-iptables-legacy}
B1=${BURST1:-3000} B2=${BURST2:-5000} B3=${BURST3:-7000}
SIZE=60				# pkt_size: 46-byte IPv4 packets at INPUT
D=/tmp/xt-bursts-csv
P=/tmp/xt-bursts-prom/xt_pktstat.prom
LOG=/tmp/xt-bursts-collect.log

# field FILE KEY: KEY of every JSON line of FILE, space separated
field() { sed -n "s/.*\"$2\": \([0-9a-z]*\).*/\1/p" "$1" | tr '\n' ' ' | sed 's/ $//'; }
lines() { [ "$(wc -l < "$1")" -ge "$2" ]; }

tools_guest_start "$IPT" "; bursts of $B1, $B2, $B3 packets"
for n in bo1 bo2 bo3 bf bc; do
	t_check "rule: --name $n --period 10ms --samples 4096" \
		$IPT -A INPUT -i pk0 -m pktstat --name $n --period 10ms --samples 4096
done

mkdir -p /tmp/xt-bursts-prom
xt-pktstat collect bc --dir $D --rotate 10s --prometheus $P --prometheus-interval 1s \
	--threshold 100pps --gap 5 2>$LOG &
CPID=$!
xt-pktstat bursts bf --threshold 100pps --gap 5 --follow --format json > /tmp/follow.json 2>/tmp/follow.err &
FPID=$!
wait_until 10 grep -q "reading every" $LOG

# the traffic: three bursts, silences between
pktgen_setup pk0 "$B1" $SIZE v4 1
t0=$(cut -d' ' -f1 /proc/uptime)
echo start > $PG/pgctrl
t_check "pktgen: burst 1, $B1 packets" pktgen_check
sleep 0.4
t_check "pktgen: burst 2, $B2 packets" pktgen_again "$B2"
sleep 2
t_check "pktgen: burst 3, $B3 packets" pktgen_again "$B3"
t1=$(cut -d' ' -f1 /proc/uptime)
t_diag "traffic from uptime ${t0}s to ${t1}s"
sleep 1		# every window closed, the last burst over

LEN=$((SIZE - 14))
xt-pktstat bursts bo1 --threshold 100pps --gap 5 > /tmp/bo1.txt 2>&1
sed 's/^/# bursts: /' /tmp/bo1.txt
set -- $(awk '$1 ~ /^[0-9]/ { print $5 }' /tmp/bo1.txt)
t_eq "bursts: three bursts, each with the frames pktgen sent in it" "$B1 $B2 $B3" "$*"
t_check "bursts: none open" sh -c '! grep -q " open$" /tmp/bo1.txt'
t_check "stats: bo1: every frame read" sh -c "[ \"\$(awk '\$1 == \"frames_read\" { print \$2 }' $PKTSTAT_PROC/bo1/stats)\" = $((B1 + B2 + B3)) ]"
xt-pktstat bursts bo2 --threshold 100pps --gap 100 --format json > /tmp/bo2.json 2>&1
t_eq "bursts --gap 100: the first two joined (0.4 s apart), not the third (2 s)" \
	"$((B1 + B2)) $B3" "$(field /tmp/bo2.json frames)"
t_eq "bursts --gap 100: their bytes" "$(((B1 + B2) * LEN)) $((B3 * LEN))" "$(field /tmp/bo2.json bytes)"
xt-pktstat bursts bo3 --threshold 1% --link-speed 3.68Mbit --gap 5 --format json > /tmp/bo3.json 2>&1
t_eq "bursts --threshold 1% --link-speed 3.68Mbit (one 46-byte packet a window)" \
	"$B1 $B2 $B3" "$(field /tmp/bo3.json frames)"
t_eq "bursts (json): bytes = frames x $LEN" "$((B1 * LEN)) $((B2 * LEN)) $((B3 * LEN))" \
	"$(field /tmp/bo3.json bytes)"
t_eq "bursts (json): closed, 10 ms windows" "false false false 10000000 10000000 10000000" \
	"$(field /tmp/bo3.json open) $(field /tmp/bo3.json period_ns)"
sed 's/^/# bursts json: /' /tmp/bo3.json

t_check "bursts --follow: three bursts printed once over" wait_until 10 lines /tmp/follow.json 3
t_eq "bursts --follow: their frames" "$B1 $B2 $B3" "$(field /tmp/follow.json frames)"
kill -TERM "$FPID"
wait "$FPID"
t_eq "bursts --follow: SIGTERM: status 0" 0 $?
t_eq "bursts --follow: nothing else printed" "3 " "$(wc -l < /tmp/follow.json) $(cat /tmp/follow.err)"

# collect
t_check "collect: xt_pktstat_bursts_total 3" wait_until 10 sh -c \
	"grep -q '^xt_pktstat_bursts_total{name=\"bc\"} 3\$' $P"
t_check "collect: burst seconds, threshold and peak gauges" sh -c \
	"grep -q '^xt_pktstat_burst_seconds_total{name=\"bc\"} 0\.[0-9]' $P &&
	 grep -q '^xt_pktstat_burst_threshold_packets_per_second{name=\"bc\"} 100\$' $P &&
	 grep -q '^xt_pktstat_peak_bits_per_second{name=\"bc\"} ' $P"
HIST=$PKTSTAT_PROC/bc/hist
if [ -e $HIST ]; then
	# hist: this module has the window histogram (spec section 10)
	hw=$(awk '$1 == "windows" { print $2 }' $HIST)
	t_eq "hist: windows = samples read + pending + dropped" \
		"$(( $(stat_get bc samples_read) + $(stat_get bc samples_pending) + $(stat_get bc samples_dropped) ))" "$hw"
	t_check "collect: the histogram's count is the module's windows" wait_until 5 sh -c \
		"grep -q '^xt_pktstat_window_bits_per_second_count{name=\"bc\"} $hw\$' $P"
	t_eq "collect: 26 buckets (64 B to 2^31 B in 10 ms) and +Inf" 27 \
		"$(grep -c '^xt_pktstat_window_bits_per_second_bucket{name="bc"' $P)"
else
	t_diag "no $HIST: a module without the window histogram: its checks are skipped"
fi
kill -TERM "$CPID"
wait "$CPID"
t_eq "collect: SIGTERM: status 0" 0 $?
cat $D/*.bursts.jsonl > /tmp/bc.jsonl 2>/dev/null
t_eq "collect: the burst files hold the three bursts" "$B1 $B2 $B3" "$(field /tmp/bc.jsonl frames)"
t_eq "collect: as many burst files as CSV files" "$(ls $D | grep -c '\.csv$')" "$(ls $D | grep -c '\.bursts\.jsonl$')"
t_eq "collect: no warning" "" "$(grep -E 'warning|error' $LOG | head -3)"
if [ -e $HIST ]; then
	cat $D/*.csv > /tmp/bc.csv
	t_eq "hist: every bytes_le and frames_le bucket = the CSV windows at or below its bound" "" \
		"$(awk -F, '
			FNR == NR { if ($2 == "bc" && $7 == "" && $3 != "") { by[++n] = $6; fr[n] = $5 }; next }
			$1 == "bytes_le" || $1 == "frames_le" {
				c = 0
				for (i = 1; i <= n; i++) c += ($1 == "bytes_le" ? by[i] : fr[i]) <= $2 + 0 || $2 == "+Inf"
				if (c != $3) print $1, $2, "module", $3, "CSV", c
			}' /tmp/bc.csv FS=' ' $HIST | head -5)"
fi
sed 's/^/# collect: /' $LOG

xt-pktstat plot bc --csv $D/*.csv --threshold 100pps --gap 5 -o /tmp/bc.svg 2>/tmp/plot.err
t_eq "plot --csv: status 0" 0 $?
t_check "plot --csv: the three bursts marked" grep -q "3 bursts$" /tmp/plot.err
t_check "plot --csv: an SVG with the name and period" grep -q '>xt_pktstat bc: period 10ms</text>' /tmp/bc.svg
echo "@@BURSTS-PROM-BEGIN@@"
cat "$P"
echo "@@BURSTS-PROM-END@@"
echo "@@BURSTS-SVG-BEGIN@@"
cat /tmp/bc.svg
echo "@@BURSTS-SVG-END@@"

$IPT -F INPUT
t_summary
