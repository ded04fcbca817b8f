# shellcheck shell=bash
# Tests of xt-pktstat bursts, plot and collect's burst files, burst
# counters and window histogram, on a fake proc tree.  Sourced by
# run-tests.sh (its helpers: lib.sh).
#
# The windows (10us, name "web"), from B0, 100 s ago:
#   0 1 2   2000 bytes each (1.6 Gbit/s), then 3 below (100 bytes)
#   10      3000 bytes (2.4 Gbit/s)
#   20, 22  2000 bytes, window 21 empty
#   then "# period_ns 20000 samples 100": window 40 (at 20us) 3000 bytes
#   (1.2 Gbit/s), window 42 below
# With --threshold 1Gbit: five bursts; --gap 1 joins 20 and 22.

P10=10000
B0=$(( ($(date +%s) - 100) * 1000000000 ))
# win INDEX FRAMES BYTES: a data line of window INDEX (10us from B0)
win() { echo "$((B0 + $1 * P10)) $2 $3"; }
feed_shape() { # ROOT NAME
	feed "$1" "$2" "$(win 0 20 2000)" "$(win 1 20 2000)" "$(win 2 20 2000)" \
		"$(win 3 1 100)" "$(win 10 30 3000)" "$(win 20 20 2000)" "$(win 22 20 2000)" \
		"# period_ns 20000 samples 100" "$(win 40 30 3000)" "$(win 42 1 100)"
}
# jsonl FILE EXPR: EXPR (python, over the list L of the JSON lines) printed
jsonl() {
	python3 -c 'import json, sys
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(eval(sys.argv[2]))' "$1" "$2" 2>&1
}
# mkhist ROOT NAME PERIOD_NS BYTES...: a hist file of windows of BYTES
# bytes and one frame each, bounds as the module's (src/xt_pktstat_text.h)
mkhist() {
	local r=$1 n=$2 p=$3
	shift 3
	echo "$@" | awk -v name="$n" -v p="$p" '
		function bound(i,   j) {
			if (i < 8) return i + 1
			j = i - 8
			return (5 + j % 4) * 2 ^ (1 + int(j / 4))
		}
		{ for (k = 1; k <= NF; k++) { b[k] = $k; sum += $k }; nw = NF }
		END {
			print "# window histogram (test)"
			print "name " name; print "period_ns " p
			print "created_ns 1795432200000000000"; print "windows " nw
			print "frames_sum " nw; print "bytes_sum " sum
			for (i = 0; i < 188; i++) {
				c = 0
				for (k = 1; k <= nw; k++) if (b[k] <= bound(i)) c++
				printf "bytes_le %.0f %d\n", bound(i), c
			}
			print "bytes_le +Inf " nw
			for (i = 0; i < 188; i++) printf "frames_le %.0f %d\n", bound(i), nw
			print "frames_le +Inf " nw
		}' > "$r/$n/hist.new" && mv "$r/$n/hist.new" "$r/$n/hist"
}
# bline START DURATION WINDOWS FRAMES BYTES PEAK_BPS PEAK_PPS [open]: a
# text line of `bursts`
bline() {
	printf '%-29s %9s %9s %12s %14s %10s %10s%s\n' \
		"$(date -u -d @$(($1 / 1000000000)) '+%Y-%m-%d %H:%M:%S').$(printf %09d $(($1 % 1000000000)))" \
		"$2" "$3" "$4" "$5" "$6" "$7" "${8:+  open}"
}

# ------------------------------------------------------------ bursts
R=$W/bproc
mkname "$R" web $P10 65536
t_run "bursts without --threshold: usage error" 2 'bursts: --threshold RATE is needed' \
	"$X" --proc-root "$R" bursts web
t_run "bursts --threshold 80% without --link-speed" 2 \
	'--threshold "80%": a percentage needs --link-speed RATE' \
	"$X" --proc-root "$R" bursts web --threshold 80%
t_run "bursts --threshold 5Gb: not a rate, the units listed" 2 \
	'--threshold "5Gb": not a rate: a number \(decimals allowed\) and a unit: bps, bit, kbit.*pps, kpps, Mpps, Gpps \(packets per second\), or P% of --link-speed' \
	"$X" --proc-root "$R" bursts web --threshold 5Gb
t_run "bursts --threshold 0bps" 2 '--threshold "0bps": must be more than 0' \
	"$X" --proc-root "$R" bursts web --threshold 0bps
t_run "bursts --threshold 150%" 2 '--threshold "150%": must be more than 0% and at most 100%' \
	"$X" --proc-root "$R" bursts web --threshold 150% --link-speed 1Gbit
t_run "bursts --link-speed 80%" 2 '--link-speed "80%": not a rate' \
	"$X" --proc-root "$R" bursts web --threshold 80% --link-speed 80%
t_run "bursts --gap -1" 2 '--gap "-1": 0 to 1000000' \
	"$X" --proc-root "$R" bursts web --threshold 1Gbit --gap -1
t_run "bursts --format csv" 2 '--format "csv": text or json' \
	"$X" --proc-root "$R" bursts web --threshold 1Gbit --format csv
t_run "bursts on a missing name: status 1" 1 'no name "nope"' \
	"$X" --proc-root "$R" bursts nope --threshold 1Gbit

feed_shape "$R" web
t_run "bursts --threshold 1Gbit (text): status 0" 0 "" \
	"$X" --proc-root "$R" bursts web --threshold 1Gbit
exp="# bursts of web: windows at or above 1.00Gbit/s, up to 0 below inside one
$(printf '%-29s %9s %9s %12s %14s %10s %10s' "start (UTC)" duration windows frames bytes "peak bit/s" "peak pkt/s")
$(bline $B0 30us 3 60 6000 1.60G 2.00M)
$(bline $((B0 + 10 * P10)) 10us 1 30 3000 2.40G 3.00M)
$(bline $((B0 + 20 * P10)) 10us 1 20 2000 1.60G 2.00M)
$(bline $((B0 + 22 * P10)) 10us 1 20 2000 1.60G 2.00M)
$(bline $((B0 + 40 * P10)) 20us 1 30 3000 1.20G 1.50M)
# 5 bursts (0 still open) in 9 windows with traffic"
t_eq "bursts (text): one aligned line per burst, in human units; the 20us window at its own period" \
	"$exp" "$(cat "$W/run.out")"
t_true "bursts: the samples are drained" drained "$R" web
feed_shape "$R" web
"$X" --proc-root "$R" bursts web --threshold 1Gbit --format json > "$W/b.json" 2>&1
t_eq "bursts --format json: five objects, one per line" 5 "$(wc -l < "$W/b.json")"
if command -v python3 >/dev/null; then
	t_eq "bursts --format json: the first burst's fields" \
		"1 web $B0 $((B0 + 30000)) 30000 3 60 6000 1600000000 2000000 $B0 10000 False" \
		"$(jsonl "$W/b.json" '" ".join(str(L[0][k]) for k in ("v", "name", "start_ns", "end_ns", "duration_ns", "windows", "frames", "bytes", "peak_bits_per_second", "peak_packets_per_second", "peak_window_start_ns", "period_ns", "open"))')"
	t_eq "bursts --format json: the burst after the reload has the new period" \
		"$((B0 + 400000)) $((B0 + 420000)) 20000 1 20000" \
		"$(jsonl "$W/b.json" '" ".join(str(L[4][k]) for k in ("start_ns", "end_ns", "duration_ns", "windows", "period_ns"))')"
fi
feed_shape "$R" web
"$X" --proc-root "$R" bursts web --threshold 1Gbit --gap 1 --format json > "$W/b.json" 2>&1
t_eq "bursts --gap 1: windows 20 and 22 (21 empty) are one burst" \
	"4 $((B0 + 20 * P10)) $((B0 + 23 * P10)) 3 40 4000" \
	"$(jsonl "$W/b.json" '" ".join(str(x) for x in (len(L), L[2]["start_ns"], L[2]["end_ns"], L[2]["windows"], L[2]["frames"], L[2]["bytes"]))')"
feed_shape "$R" web
"$X" --proc-root "$R" bursts web --threshold 80% --link-speed 2Gbit --format json > "$W/b.json" 2>&1
t_eq "bursts --threshold 80% --link-speed 2Gbit: 1.6 Gbit/s, the 1.2 Gbit/s window is below" \
	"4 $((B0 + 22 * P10))" "$(jsonl "$W/b.json" '"%d %d" % (len(L), L[-1]["start_ns"])')"
feed_shape "$R" web
"$X" --proc-root "$R" bursts web --threshold 2.5Mpps --format json > "$W/b.json" 2>&1
t_eq "bursts --threshold 2.5Mpps: only the 3 Mpps window" \
	"1 $((B0 + 10 * P10)) 3000000" \
	"$(jsonl "$W/b.json" '"%d %d %d" % (len(L), L[0]["start_ns"], L[0]["peak_packets_per_second"])')"
N0=$(( ($(date +%s) + 5) * 1000000000 ))	# ahead: cannot be over yet
feed "$R" web "$N0 20 2000" "$((N0 + P10)) 20 2000"
t_run "bursts: a burst at the end of the drain" 0 "" "$X" --proc-root "$R" bursts web --threshold 1Gbit
t_eq "bursts: ... is reported as open" \
	"$(bline $N0 20us 2 40 4000 1.60G 2.00M open)
# 1 bursts (1 still open) in 2 windows with traffic" "$(tail -n 2 "$W/run.out")"

# --follow: a burst over two drains, reported once, when it is over
F0=$(( ($(date +%s) + 2) * 1000000000 ))	# ahead: over 2 s later
"$X" --proc-root "$R" bursts web --threshold 1Gbit --follow --format json > "$W/follow.out" 2> "$W/follow.err" &
fpid=$!
PIDS="$PIDS $fpid"
wait_for 5 drained "$R" web
feed "$R" web "$F0 20 2000" "$((F0 + P10)) 20 2000"
t_true "bursts --follow: the first half drained" wait_for 5 drained "$R" web
t_eq "bursts --follow: nothing printed while the burst may go on" "" "$(cat "$W/follow.out")"
feed "$R" web "$((F0 + 2 * P10)) 20 2000" "$((F0 + 3 * P10)) 20 2000"
t_true "bursts --follow: the burst is printed once over (no later window)" \
	wait_for 5 test -s "$W/follow.out"
t_eq "bursts --follow: one burst of the four windows of two drains" \
	"1 $F0 4 80 False" \
	"$(jsonl "$W/follow.out" '"%d %d %d %d %s" % (len(L), L[0]["start_ns"], L[0]["windows"], L[0]["frames"], L[0]["open"])')"
feed "$R" web "$(( ($(date +%s) + 10) * 1000000000 )) 20 2000"
wait_for 5 drained "$R" web
kill -TERM "$fpid"
wait "$fpid"
t_eq "bursts --follow: SIGTERM: status 0" 0 "$?"
t_eq "bursts --follow: ... the burst still going on reported as open" "2 True" \
	"$(jsonl "$W/follow.out" '"%d %s" % (len(L), L[-1]["open"])')"
t_eq "bursts --follow: nothing on the standard error" "" "$(cat "$W/follow.err")"

# ------------------------------------------------------------ plot
if ! command -v xmllint >/dev/null && [ "$(id -u)" = 0 ]; then
	apt-get install -y -q libxml2-utils >/dev/null 2>&1
fi
svg_ok() { # FILE: well-formed XML, an svg element
	if command -v xmllint >/dev/null; then
		xmllint --noout "$1" && grep -q '^<svg xmlns="http://www.w3.org/2000/svg"' "$1"
	else
		echo "xmllint is missing (Debian package libxml2-utils)"
		return 1
	fi
}
feed_shape "$R" web
t_run "plot NAME --threshold 1Gbit -o FILE: status 0" 0 "web.svg: 9 windows of web, 5 bursts" \
	"$X" --proc-root "$R" plot web --threshold 1Gbit -o "$W/web.svg"
t_true "plot: well-formed SVG (xmllint)" svg_ok "$W/web.svg"
t_grep "plot: the title has the name and both periods" "$W/web.svg" '>xt_pktstat web: periods 10us, 20us</text>'
t_eq "plot: the five bursts shaded" 5 "$(grep -c 'fill="#f2a35e"' "$W/web.svg")"
t_grep "plot: the threshold line" "$W/web.svg" '>threshold 1.00Gbit/s</text>'
t_grep "plot: the y axis in bit/s up to the peak" "$W/web.svg" '>2.50Gbit/s</text>'
t_grep "plot: the time axis in UTC with its date" "$W/web.svg" ">time \(UTC\), $(date -u -d @$((B0 / 1000000000)) +%Y-%m-%d)</text>"
t_run "plot: the name is drained: nothing left to plot" 1 "web: no samples to plot" \
	"$X" --proc-root "$R" plot web -o "$W/empty.svg"
feed_shape "$R" web
t_run "plot --pps to the standard output" 0 "" "$X" --proc-root "$R" plot web --pps
t_grep "plot --pps: packets per second" "$W/run.out" '>packets per second \(layer 3\)</text>'
t_run "plot without NAME or --csv" 2 "plot: which NAME, or which --csv FILE" "$X" plot
t_run "plot --threshold 80% without --link-speed" 2 'a percentage needs --link-speed' \
	"$X" --proc-root "$R" plot web --threshold 80%
t_run "plot --csv a missing file" 1 "nofile.csv: No such file or directory" \
	"$X" plot --csv "$W/nofile.csv"

# ------------------------------------------------------------ collect: bursts
R=$W/c7proc D=$W/csv7 PR=$W/prom7
mkdir -p "$PR"
mkname "$R" web $P10 65536
mkname "$R" lan $P10 65536
mkhist "$R" web $P10 60 64 65 1500 1500 100000
TB=$(( ($(date +%s) - 1000) / 2 * 2 ))
BB=$(stamp $TB)_$(stamp $((TB + 2)))
mkdir -p "$D"
printf '{"v": 1, "name": "x"}\n{"v": 1, "na' > "$D/.$BB.bursts.jsonl.tmp"
collector --proc-root "$R" web lan --dir "$D" --rotate 2s --prometheus "$PR/xt.prom" \
	--prometheus-interval 200ms --threshold 1Gbit
feed_shape "$R" web
feed "$R" lan "$(win 5 1 100)"
t_true "collect: a burst file left by a crash is completed at the start" wait_for 5 test -e "$D/$BB.bursts.jsonl"
t_eq "collect: ... its incomplete last line cut" '{"v": 1, "name": "x"}' "$(cat "$D/$BB.bursts.jsonl")"
t_true "collect --threshold: bursts counted in the Prometheus file" \
	wait_for 5 prom_is "$PR/xt.prom" xt_pktstat_bursts_total web 5
cp "$PR/xt.prom" "$W/prom.7"
t_eq "collect --threshold: burst seconds (30+10+10+10+20 us)" 80000 \
	"$(prom "$W/prom.7" xt_pktstat_burst_seconds_total web | awk '{ printf "%.0f", $1 * 1e9 }')"
t_eq "collect --threshold: no burst for lan" "0 0" \
	"$(prom "$W/prom.7" xt_pktstat_bursts_total lan) $(prom "$W/prom.7" xt_pktstat_burst_seconds_total lan)"
t_eq "collect --threshold: the threshold gauge, in bit/s" 1000000000 \
	"$(prom "$W/prom.7" xt_pktstat_burst_threshold_bits_per_second web)"
t_grep "collect: the peak in bit/s of the busiest window (3000 bytes in 10us)" "$W/prom.7" \
	'^xt_pktstat_peak_bits_per_second\{name="web"\} 2400000000$'
t_grep "collect: the histogram's first bucket, 64 bytes in 10us" "$W/prom.7" \
	'^xt_pktstat_window_bits_per_second_bucket\{name="web",le="51200000"\} 2$'
t_eq "collect: the histogram: 16 buckets and +Inf, as many windows as the module's" \
	"17 6 6" "$(grep -c '^xt_pktstat_window_bits_per_second_bucket{name="web"' "$W/prom.7") $(awk '$1 == "xt_pktstat_window_bits_per_second_bucket{name=\"web\",le=\"+Inf\"}" { print $2 }' "$W/prom.7") $(prom "$W/prom.7" xt_pktstat_window_bits_per_second_count web)"
t_nogrep "collect: no histogram for a name without a hist file (an older module)" "$W/prom.7" \
	'window_bits_per_second.*name="lan"'
t_true "collect --threshold: the Prometheus file passes promtool-check.sh" "$HERE/promtool-check.sh" "$W/prom.7"
printf 'period_ns 10000\nbytes_le 5 1\n' > "$R/lan/hist"
t_true "collect: a hist file that does not parse is logged" wait_for 5 grep -q \
	"lan: .*lan/hist: line 2: unexpected contents: \"bytes_le 5 1\": bytes_le 5: the bound 1 was expected" "$W/log"
feed "$R" web "$(( ($(date +%s) + 30) * 1000000000 )) 20 2000"	# goes on after the stop
wait_for 5 drained "$R" web
stop
t_eq "collect --threshold: status 0" 0 "$CRC"
rm "$D/$BB.bursts.jsonl"
cat "$D"/*.bursts.jsonl > "$W/all.jsonl" 2>/dev/null
t_eq "collect: burst files: the five bursts, and the one open at the stop" "6 5 1" \
	"$(jsonl "$W/all.jsonl" '"%d %d %d" % (len(L), sum(1 for b in L if not b["open"]), sum(1 for b in L if b["open"]))')"
t_eq "collect: burst files rotated as the CSV files, one per period" \
	"$(ls "$D" | grep -c '\.csv$')" "$(ls "$D" | grep -c '\.bursts\.jsonl$')"
b1=$(( (B0 + 30000) / 1000000000 / 2 * 2 ))
t_true "collect: a burst is in the file of the period where it ended" \
	grep -q "\"start_ns\": $B0," "$D/$(stamp $b1)_$(stamp $((b1 + 2))).bursts.jsonl"
t_eq "collect: no temporary file is left" "" "$(ls -A "$D" | grep '\.tmp$')"

# ------------------------------------------------------------ plot --csv
t_run "plot --csv of two names without NAME: status 1" 1 "rows of two names, .* say which one to plot" \
	"$X" plot --csv "$D"/*.csv
t_run "plot web --csv FILES --threshold 1Gbit" 0 "" \
	"$X" plot web --csv "$D"/*.csv --threshold 1Gbit -o "$W/csv.svg"
t_true "plot --csv: well-formed SVG" svg_ok "$W/csv.svg"
t_eq "plot --csv: 10 windows of web (the 9 and the one after the stop), 6 bursts" \
	"xt-pktstat: $W/csv.svg: 10 windows of web, 6 bursts" "$(cat "$W/run.err")"
