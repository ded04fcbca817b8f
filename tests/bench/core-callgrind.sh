#!/bin/sh
# Per-operation instruction counts of the xt_pktstat core under callgrind.
#
#   tests/bench/core-callgrind.sh            gcc (cc) -O2, N=1000000
#   CC=clang N=2000000 tests/bench/core-callgrind.sh
#   BUILD_DIR=/tmp/b SRC=/path/to/src tests/bench/core-callgrind.sh
#   BENCH_CFLAGS=-mgeneral-regs-only tests/bench/core-callgrind.sh
#       (x86: no SIMD, like kernel code generation)
#
# Builds tests/bench/core_bench.c with src/pktstat_core.c at -O2, no
# sanitizers, and runs each case under valgrind --tool=callgrind with
# --toggle-collect=<measured function>, so that only the instructions
# executed inside that function (callees included: the out-of-line slow
# path, pop, delivered) are counted; the count is divided by the number of
# operations.  Each figure includes the call itself (argument set-up is in
# the caller and not counted; the callee's prologue/ret are).
#
# Prints numbers only; exits non-zero only if building or valgrind fails.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
SRC=${SRC:-$TOP/src}
CC=${CC:-cc}
N=${N:-1000000}
BUILD_DIR=${BUILD_DIR:-$HERE/build}
BIN=$BUILD_DIR/core_bench

command -v valgrind >/dev/null 2>&1 || { echo "valgrind not found" >&2; exit 2; }
mkdir -p "$BUILD_DIR"
# DWARF 4: valgrind 3.19 cannot read clang 14's default DWARF 5
$CC -std=gnu11 -O2 -gdwarf-4 -Wall -Wextra ${BENCH_CFLAGS:-} -I"$SRC" -o "$BIN" \
	"$HERE/core_bench.c" "$SRC/pktstat_core.c"

# measure CASE FUNCTION LABEL UNIT
measure() {
	out=$BUILD_DIR/callgrind.$1.out
	log=$BUILD_DIR/callgrind.$1.log
	if ! valgrind --tool=callgrind --toggle-collect="$2" \
		--callgrind-out-file="$out" "$BIN" "$1" "$N" \
		>"$BUILD_DIR/$1.stdout" 2>"$log"; then
		echo "valgrind/core_bench failed for case $1:" >&2
		cat "$log" >&2
		exit 1
	fi
	ops=$(awk '$1 == "ops" { print $2 }' "$BUILD_DIR/$1.stdout")
	ir=$(awk '$1 == "summary:" || $1 == "totals:" { print $2; exit }' "$out")
	if [ -z "$ops" ] || [ -z "$ir" ] || [ "$ops" -eq 0 ]; then
		echo "no result for case $1 (ops '$ops', Ir '$ir')" >&2
		exit 1
	fi
	awk -v ir="$ir" -v ops="$ops" -v label="$3" -v unit="$4" \
		'BEGIN { printf "core: %s: %.1f %s\n", label, ir / ops, unit }'
}

echo "# $($CC --version | head -n 1), -O2 ${BENCH_CFLAGS:-}; N=$N; $(valgrind --version)"
measure in   pkt_in_window   "in-window packet"  instructions
measure new  pkt_new_window  "new-window packet" instructions
measure join pkt_join_window "new-window packet joining another CPU's window" instructions
measure read read_batch      "pop+deliver (batches of 128)" "instructions per sample"

# the same binary at native speed (no valgrind): operations per second on
# this host, from core_bench's own time of the measured loop (the reads
# only, for "read"), best of 3: wall clock, so the host's load shows here
native() {	# CASE LABEL UNIT
	best=
	for _ in 1 2 3; do
		t=$("$BIN" "$1" "$NATIVE_N" | awk '$1 == "ns" { print $2 }') &&
			[ -n "$t" ] || { echo "core_bench $1 failed" >&2; exit 1; }
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
	done
	awk -v t="$best" -v n="$NATIVE_N" -v label="$2" -v unit="$3" \
		'BEGIN { printf "native: %s: %.1f M %s/s (%d in %.3f s)\n", label, n / t * 1000, unit, n, t / 1e9 }'
}
NATIVE_N=${NATIVE_N:-20000000}
native in   "in-window packet"  packets
native new  "new-window packet" packets
native read "pop+deliver" samples
