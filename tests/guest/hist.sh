#!/bin/sh
# The window histogram (/proc/net/xt_pktstat/<name>/hist), inside the test
# guest:
#   hist.sh IPT
# IPT: iptables-legacy, iptables-nft, ip6tables-legacy or ip6tables-nft.
#
# hist_counts_every_window_kept_or_dropped: bursts of 1, 3, 6, 12, 24, 48,
# 96 and 192 packets, each sent 20 ms into a 500 ms window of its own, into
# a FIFO of 3 samples: the first three windows are kept (and read), the
# other five dropped.  The histogram must count all eight, each in the
# bucket of its size, for bytes and frames, line by line; the sums must be
# what was sent; reading it twice changes nothing; and windows = samples
# read + pending + dropped.
. "$(dirname "$0")/lib.sh"

ipt_setup "${1:?usage: hist.sh IPT}" || exit 2
traffic_defaults	# DEV, ADDR4, ADDR6, SIZE, LEN
PERIOD_NS=500000000
BURSTS="1 3 6 12 24 48 96 192"
T=/tmp/hist.$$
mkdir -p "$T"

# sleep until OFFSET_MS into the next window of PERIOD_NS (wall clock)
sleep_into_window() {
	local p now gap
	p=$((PERIOD_NS / 1000))
	now=$(now_us)
	gap=$(( p - now % p + $1 * 1000 ))
	sleep "$(awk -v n="$gap" 'BEGIN { printf "%.6f", n / 1e6 }')"
}

# expected_hist KEY MULT SIZES...: the KEY_le lines of windows of SIZES
# (times MULT): the kernel's bounds (1..8, then (5..8) << (e - 2) for
# e = 3..47), cumulative counts, then +Inf.
expected_hist() {
	awk -v key="$1" -v mult="$2" -v sizes="$3" 'BEGIN {
		n = split(sizes, s, " ")
		for (i = 0; i < 188; i++) {
			if (i < 8) b = i + 1
			else {	# (busybox awk has no ^)
				k = i - 8; b = 5 + k % 4
				for (e = 0; e <= int(k / 4); e++) b *= 2
			}
			c = 0
			for (j = 1; j <= n; j++) if (s[j] * mult <= b) c++
			printf "%s_le %.0f %d\n", key, b, c
		}
		printf "%s_le +Inf %d\n", key, n
	}'
}

hist_counts_every_window_kept_or_dropped() {
	local n k
	test_begin hist "the histogram counts every window, kept or dropped"
	t_check "$P hist: the wall clock in microseconds" sh -c "[ $(now_us) -gt 1600000000000000 ]"
	t_check "$P hist: add rule (--period 500ms --samples 3)" \
		ipt -A INPUT -i $DEV -m pktstat --name hs --period 500ms --samples 3 ||
		{ test_end hs; return; }
	pktgen_setup $DEV 1 $SIZE $FAM 1 2>>"$T/err" || echo "pktgen setup failed" >> "$T/err"
	n=0
	for k in $BURSTS; do
		sleep_into_window 20
		pktgen_again "$k" 2>>"$T/err" || echo "burst $k failed" >> "$T/err"
		n=$((n + k))
	done
	t_eq "$P hist: 8 bursts sent" "" "$(cat "$T/err" 2>/dev/null)"
	sleep 0.6	# the last window ends, its timer closes it
	cat "$PKTSTAT_PROC/hs/hist" > "$T/h1"
	cat "$PKTSTAT_PROC/hs/hist" > "$T/h2"
	t_check "$P hist: reading it twice gives the same" cmp -s "$T/h1" "$T/h2"
	t_diag "$(grep -vE '_le ' "$T/h1" | tr '\n' ';')"
	_get() { awk -v k="$1" '$1 == k { print $2 }' "$T/h1"; }
	t_eq "$P hist: name, period_ns" "hs $PERIOD_NS" "$(_get name) $(_get period_ns)"
	t_eq "$P hist: windows" 8 "$(_get windows)"
	t_eq "$P hist: frames_sum = sent" $n "$(_get frames_sum)"
	t_eq "$P hist: bytes_sum = sent * $LEN" $((n * LEN)) "$(_get bytes_sum)"
	expected_hist bytes $LEN "$BURSTS" > "$T/want.bytes"
	expected_hist frames 1 "$BURSTS" > "$T/want.frames"
	grep '^bytes_le ' "$T/h1" > "$T/got.bytes"
	grep '^frames_le ' "$T/h1" > "$T/got.frames"
	t_eq "$P hist: bytes_le, every bound, as the eight windows imply" "" \
		"$(diff "$T/want.bytes" "$T/got.bytes" | head -6)"
	t_eq "$P hist: frames_le, every bound, as the eight windows imply" "" \
		"$(diff "$T/want.frames" "$T/got.frames" | head -6)"
	t_eq "$P hist: bytes lines, then frames lines" "bytes_le frames_le" \
		"$(awk '/_le / { k[$1]++; if (!(($1) in o)) { o[$1] = ++n; name[n] = $1 } } END { for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? " " : ""), name[i] }' "$T/h1")"
	: > "$T/data"
	data_drain hs "$T/data"
	sum_samples "$T/data" >/dev/null
	t_eq "$P hist: the three kept windows read: 1, 3 and 6 frames" "1 3 6" \
		"$(grep -v '^#' "$T/data" | awk '{ print $2 }' | tr '\n' ' ' | sed 's/ $//')"
	t_eq "$P hist: five dropped windows, 372 frames" "5 372" \
		"$(stat_get hs samples_dropped) $(stat_get hs frames_dropped)"
	t_eq "$P hist: windows = samples read + pending + dropped" "$(_get windows)" \
		"$(( $(stat_get hs samples_read) + $(stat_get hs samples_pending) + $(stat_get hs samples_dropped) ))"
	cat "$PKTSTAT_PROC/hs/hist" > "$T/h3"
	t_check "$P hist: draining data does not change it" cmp -s "$T/h1" "$T/h3"
	check_conservation "$P hist" hs $n
	test_end hs
}

setup_dummy $DEV $ADDR4 $ADDR6 || { t_fail "$P: setup_dummy $DEV"; t_summary; exit 1; }
grep -q '^xt_pktstat ' /proc/modules || t_check "$P: modprobe xt_pktstat" load_pktstat
hist_counts_every_window_kept_or_dropped
flush_rules
rm -rf "$T"
t_summary
