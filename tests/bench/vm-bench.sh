#!/bin/bash
# make bench: per-packet cost of xt_pktstat and its neighbours, measured in
# Debian's kernel under QEMU (tests/qemu/run-guest.sh), plus the core's
# instruction counts (core-callgrind.sh), the reader's drain speed and the
# memory per name.  See BENCHMARKS.md.
#
#   tests/bench/vm-bench.sh              icount run + wall-clock run + core
#   N=20000 REPS=5 WALL_REPS=5 tests/bench/vm-bench.sh
#   SKIP_WALL=1 SKIP_CORE=1 SKIP_ADDONS=1 SKIP_HPET=1 tests/bench/vm-bench.sh
#   REPORT_ONLY=1 SKIP_CORE=1 tests/bench/vm-bench.sh    tables of the last run's logs
#
# NETFLOW and ACCOUNT: tests/bench/build-addons.sh builds ipt_NETFLOW and
# xt_ACCOUNT from Debian's DKMS packages (apt-get download, nothing is
# installed) into $BENCH_WORKDIR/addons-$KVER.tgz (reused), which goes into the guest with
# the command string (kept below the 128 KiB limit of one argument).
#
# Environment: N packets per measurement (10000), REPS repetitions of the
# interleaved sequence under icount (3), WALL_REPS without icount (5),
# BACKENDS, CONFIGS (see guest-bench.sh), KVER (tests/qemu/default-kver.sh),
# BENCH_WORKDIR (build/bench: its own image, as EXTRA_MODULES differs).
#
# Main figure: instructions per packet.  With QEMU's `-icount shift=0` the
# guest's virtual clock advances exactly 1 ns per executed instruction
# (2^shift ns), so pktgen's elapsed time (the guest's ktime) in ns is the
# number of guest instructions executed while sending the N packets; the
# guest-side loop check (2 instructions per iteration) verifies it.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
cd "$TOP" || exit 1
N=${N:-10000}
REPS=${REPS:-3}
WALL_REPS=${WALL_REPS:-5}
OUT=${BENCH_WORKDIR:-build/bench}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export WORKDIR=$OUT/qemu
export EXTRA_MODULES="xt_nfacct nfnetlink_acct xt_recent xt_NFLOG nfnetlink_log nft_log ${EXTRA_MODULES:-}"

gcc -Os -static -nostdlib -ffreestanding -fno-stack-protector -fno-pie -no-pie \
	-fno-asynchronous-unwind-tables -Wl,--build-id=none -s \
	-o "$OUT/guest_helper" "$HERE/guest_helper.c" || exit 1

ADDONS_TGZ=
if [ "${SKIP_ADDONS:-0}" != 1 ]; then
	if [ -z "${KVER:-}" ]; then KVER=$("$TOP/tests/qemu/default-kver.sh"); export KVER; fi
	if [ -s "$OUT/addons-$KVER.tgz" ] || KVER=$KVER "$HERE/build-addons.sh" "$OUT"; then
		ADDONS_TGZ=$OUT/addons-$KVER.tgz
	else
		echo "NETFLOW/ACCOUNT skipped: tests/bench/build-addons.sh failed" >&2
	fi
fi

# the cost probe (tests/bench/costs): instructions per clock read and BH
# toggle in the guest kernel; built in $OUT, stripped (command string)
if [ -z "${KVER:-}" ]; then KVER=$("$TOP/tests/qemu/default-kver.sh"); export KVER; fi
COSTS_KO=
rm -rf "$OUT/costs" && mkdir -p "$OUT/costs" && cp "$HERE"/costs/Kbuild "$HERE"/costs/*.c "$OUT/costs/"
if make -C "/lib/modules/$KVER/build" M="$OUT/costs" PKTSTAT_SRC="$TOP/src" modules >"$OUT/costs/build.log" 2>&1 &&
	strip --strip-debug "$OUT/costs/pktstat_costs.ko"; then
	COSTS_KO=$OUT/costs/pktstat_costs.ko
else
	echo "vm-bench: building tests/bench/costs failed (see $OUT/costs/build.log)" >&2
	rc_costs=1
fi

guest_cmd() {	# ENV...: the command line that unpacks and runs the guest side
	printf 'echo %s | base64 -d | gunzip > /tmp/gh && chmod +x /tmp/gh && ' \
		"$(gzip -9c "$OUT/guest_helper" | base64 -w0)"
	printf 'echo %s | base64 -d > /tmp/gb.sh && ' "$(base64 -w0 "$HERE/guest-bench.sh")"
	[ -n "$ADDONS_TGZ" ] &&
		printf 'echo %s | base64 -d > /tmp/addons.tgz && ' "$(base64 -w0 "$ADDONS_TGZ")"
	[ -n "$COSTS_KO" ] &&
		printf 'echo %s | base64 -d | gunzip > /tmp/costs.ko && ' \
			"$(gzip -9c "$COSTS_KO" | base64 -w0)"
	# environment assignments last: they prefix the final command
	[ -n "$ADDONS_TGZ" ] && printf 'ADDONS=/tmp/addons.tgz '
	[ -n "$COSTS_KO" ] && printf 'COSTS=/tmp/costs.ko '
	printf '%s ' "$@"
	printf 'sh /tmp/gb.sh /tmp/gh'
}

# one argument of the guest's `sh -c` is limited to 128 KiB
len=$(guest_cmd N="$N" REPS="$REPS" | wc -c)
[ "$len" -lt 130000 ] || { echo "vm-bench: guest command is $len bytes (limit 131072)" >&2; exit 1; }

rc=0
[ "${rc_costs:-0}" = 0 ] || rc=1
if [ "${REPORT_ONLY:-0}" != 1 ]; then
rm -f "$OUT/icount.log" "$OUT/icount-hpet.log" "$OUT/wall.log"
echo "== icount run (-icount shift=0, 1 CPU): N=$N, REPS=$REPS"
"$TOP/tests/qemu/run-guest.sh" --icount --timeout 1200 \
	"$(guest_cmd N="$N" REPS="$REPS" ${BACKENDS:+BACKENDS="'$BACKENDS'"} ${CONFIGS:+CONFIGS="'$CONFIGS'"})" \
	> "$OUT/icount.log" 2>&1 || { rc=1; echo "icount run failed (status $?):"; tail -30 "$OUT/icount.log"; }
# Under icount the guest's clocksource is the TSC: in-window packets are
# counted by the cycle counter (src/pktstat_clock.h).  The same run with
# the HPET as clocksource measures the fallback, a wall-clock read per
# packet (what every packet cost before 0.2.0, and costs elsewhere).
if [ "${SKIP_HPET:-0}" != 1 ]; then
	echo "== icount run, clocksource hpet: N=$N, REPS=$REPS"
	QEMU_APPEND="clocksource=hpet${QEMU_APPEND:+ $QEMU_APPEND}" \
		"$TOP/tests/qemu/run-guest.sh" --icount --timeout 1200 \
		"$(guest_cmd N="$N" REPS="$REPS" ${BACKENDS:+BACKENDS="'$BACKENDS'"} ${CONFIGS:+CONFIGS="'$CONFIGS'"})" \
		> "$OUT/icount-hpet.log" 2>&1 || { rc=1; echo "icount run (hpet) failed:"; tail -30 "$OUT/icount-hpet.log"; }
fi
if [ "${SKIP_WALL:-0}" != 1 ]; then
	echo "== wall-clock run (no icount, 1 CPU): N=$N, REPS=$WALL_REPS"
	QEMU_ACCEL=${QEMU_ACCEL:-tcg,thread=single} "$TOP/tests/qemu/run-guest.sh" --smp 1 --timeout 1200 \
		"$(guest_cmd N="$N" REPS="$WALL_REPS" ${BACKENDS:+BACKENDS="'$BACKENDS'"} ${CONFIGS:+CONFIGS="'$CONFIGS'"})" \
		> "$OUT/wall.log" 2>&1 || { rc=1; echo "wall-clock run failed:"; tail -30 "$OUT/wall.log"; }
fi
fi	# REPORT_ONLY
grep -h '^FAIL' "$OUT/icount.log" "$OUT/icount-hpet.log" "$OUT/wall.log" 2>/dev/null && rc=1
if [ -n "$ADDONS_TGZ" ] && [ -z "${CONFIGS:-}" ] && ! grep -q '^R [^ ]* NETFLOW ' "$OUT/icount.log"; then
	echo "vm-bench: the add-ons were built but NETFLOW was not measured"; rc=1
fi
if [ -n "$COSTS_KO" ] && ! grep -q '^COST ' "$OUT/icount.log"; then
	echo "vm-bench: the cost probe was built but printed nothing"; rc=1
fi

KVER=$(sed -n 's/^@@GUEST-START@@ \([^,]*\),.*/\1/p' "$OUT/icount.log")
echo
echo "kernel $KVER; host: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs; $(qemu-system-x86_64 --version | head -1)"
echo "$(grep -h '^# guest:' "$OUT/icount.log")"
awk '$1 == "LOOP" { n[$2] = $3; c++ }
	END { if (n[10000000] && n[20000000])
		printf "icount check: 10M iterations of dec+jnz: %d ns, 20M: %d ns -> %.4f ns per instruction (expect 1.0000)\n",
			n[10000000], n[20000000], (n[20000000] - n[10000000]) / 20000000 }' "$OUT/icount.log"

# table: config order as first seen
report() {	# LOG MODE(icount|wall)
	awk -v N="$N" -v mode="$2" '
	function median(a, k,   i, j, t) {
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	$1 == "R" && $5 ~ /^[0-9]+$/ {
		b = $2; c = $3; r = $4
		if (!((b, c) in seen)) { seen[b, c] = 1; if (!(c in cseen)) { cseen[c] = 1; corder[++nc] = c }
			if (!(b in bseen)) { bseen[b] = 1; border[++nb] = b } }
		v[b, c, r] = $5 * 1000 / N; reps[b, c]++; if (r > maxr) maxr = r
	}
	$1 == "T" && $5 ~ /^[0-9]+$/ { t[$2, $3, $4] = $5 / N }	# reader CPU ns per packet
	END {
		if (mode == "icount")
			printf "\n%-15s %-13s %9s %7s %6s %11s\n", "back end", "rule", "insn/pkt", "added", "spread", "added+user"
		else
			printf "\n%-15s %-13s %9s %7s %19s\n", "back end", "rule", "ns/pkt", "added", "min-max ns/pkt"
		for (i = 1; i <= nb; i++) for (j = 1; j <= nc; j++) {
			b = border[i]; c = corder[j]; k = 0; kd = 0; ke = 0
			if (!((b, c) in seen)) continue
			lo = 1e18; hi = 0
			for (r = 1; r <= maxr; r++) if ((b, c, r) in v) {
				x = v[b, c, r]; a[++k] = x; if (x < lo) lo = x; if (x > hi) hi = x
				if ((b, "none", r) in v) d[++kd] = x - v[b, "none", r]
				if ((b, c, r) in t && (b, "none", r) in v) e[++ke] = x - v[b, "none", r] + t[b, c, r]
			}
			m = median(a, k); md = kd ? median(d, kd) : 0; me = ke ? median(e, ke) : 0
			if (mode == "icount")
				if (ke) printf "%-15s %-13s %9.0f %+7.0f %6.0f %+11.0f\n", b, c, m, md, hi - lo, me
				else printf "%-15s %-13s %9.0f %+7.0f %6.0f %11s\n", b, c, m, md, hi - lo, ""
			else
				printf "%-15s %-13s %9.0f %+7.0f %9.0f-%-9.0f\n", b, c, m, md, lo, hi
		}
	}' "$1"
}
echo
echo "## instructions per packet (icount; the guest's clocksource, the TSC: in-window packets"
echo "## counted by the cycle counter).  insn/pkt: pktgen's elapsed guest ns / N, median"
echo "## over reps; added: median of (rule - none) within a rep; spread: max - min over"
echo "## reps; added+user (nflog only): added + the reader's CPU time per packet (scheduler"
echo "## sum_exec_runtime, ns = instructions under icount): the whole cost of NFLOG + reader"
report "$OUT/icount.log" icount
if [ -s "$OUT/icount-hpet.log" ]; then
	echo
	echo "## the same with clocksource=hpet: the fallback, a wall-clock read per packet"
	grep -h '^# guest:' "$OUT/icount-hpet.log"
	report "$OUT/icount-hpet.log" icount
fi
awk '$1 == "DRAIN" && $3 > 0 { printf "\nreader drain (icount): %d samples in %d guest instructions: %.0f instructions per sample\n", $2, $3, $3 / $2 }' "$OUT/icount.log"
if grep -q '^COST ' "$OUT/icount.log"; then
	echo
	echo "## pieces of the packet path in this kernel (tests/bench/costs, icount):"
	echo "## instructions per call, the loop's own cost subtracted"
	awk '$1 == "COST" && $2 != "loop" { printf "%-34s %8.2f\n", $2, $3 / 100 }' "$OUT/icount.log"
fi
if [ -s "$OUT/wall.log" ]; then
	echo
	echo "## wall-clock ns per packet under TCG, no icount (reference only; median, min-max over reps)"
	report "$OUT/wall.log" wall
	awk '$1 == "DRAIN" && $3 > 0 { printf "\nreader drain (wall, TCG): %d samples in %.1f ms: %.0f samples/s (cat of the data file, FIFO full)\n", $2, $3 / 1e6, $2 * 1e9 / $3 }' "$OUT/wall.log"
fi

echo
# memory per name, from the structures' sizes in this build (kmalloc
# rounds the name and the setting up to a power of two; ring and drop slots
# are vmalloc'ed when large)
size_of() {
	local h
	h=$(nm -S "$OUT/costs/pktstat_sizes.o" 2>/dev/null | awk -v s="pktstat_size_$1" '$4 == s { print $2 }')
	echo $((16#${h:-0}))
}
kmalloc_size() { awk -v n="$1" 'BEGIN { k = 8; while (k < n) k *= 2; print k }'; }
if [ -s "$OUT/costs/pktstat_sizes.o" ]; then
	m_name=$(kmalloc_size "$(size_of name)") m_set=$(kmalloc_size "$(size_of set)")
	m_cpu=$(( $(size_of set_cpu) + $(size_of slot) )) m_entry=$(size_of entry)
	echo "## memory per name (one setting): $m_name + $m_set + $m_entry x samples + $m_cpu x possible CPUs bytes"
	for s in 20 4096 65536; do
		for c in 1 $(nproc) 64; do
			awk -v s=$s -v c=$c -v f=$((m_name + m_set)) -v e="$m_entry" -v p="$m_cpu" \
				'BEGIN { b = f + e * s + p * c; printf "samples %6d, %2d CPUs: %9d bytes (%.2f MiB)\n", s, c, b, b / 1048576 }'
		done
	done
fi

if [ "${SKIP_CORE:-0}" != 1 ]; then
	echo
	echo "## core (userspace build of src/pktstat_core.c under callgrind)"
	N=${CORE_N:-1000000} "$HERE/core-callgrind.sh" || rc=1
fi
exit $rc
