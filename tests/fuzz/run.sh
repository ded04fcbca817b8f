#!/bin/sh
# Build the libFuzzer harnesses (clang, ASan + UBSan) and run each one.
#
#   tests/fuzz/run.sh [SECONDS]     default 30 s per harness; make fuzz: 300
#
# Harnesses: fuzz_core (the window/FIFO core, src/pktstat_core.c) and
# fuzz_ext (the extension's option parsing, xtables/libxt_pktstat.c).
# Each first replays its seed corpus (tests/fuzz/corpus/<harness>/), then
# fuzzes for SECONDS on a working corpus under build/fuzz/ (kept between
# runs, seeded from the repository's).  A crash, sanitizer report, leak or
# invariant violation is a failure; the input is saved as
# build/fuzz/artifacts/<harness>-crash-* and its report in build/fuzz/*.log.
# To replay one:  build/fuzz/<harness> <file>
# Environment: CLANG (default clang, else clang-14), FUZZ_ARGS (extra
# libFuzzer flags, e.g. -jobs=2 -workers=2 on an idle machine).
set -u
cd "$(dirname "$0")/../.." || exit 1
SECONDS_EACH=${1:-30}
OUT=build/fuzz
mkdir -p "$OUT/artifacts"

CLANG=${CLANG:-}
if [ -z "$CLANG" ]; then
	for c in clang clang-14; do
		command -v "$c" >/dev/null 2>&1 && { CLANG=$c; break; }
	done
fi
passed=0 failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
notok() { echo "not ok - $*"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

if [ -z "$CLANG" ]; then
	notok "clang not found (tests/deps.sh installs it)"
	finish
fi
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Wall -Wextra"

build() {
	name=$1
	shift
	# shellcheck disable=SC2086
	if "$CLANG" $CFLAGS -o "$OUT/$name" "$@" >"$OUT/$name.build.log" 2>&1; then
		ok "build $name"
		return 0
	fi
	cat "$OUT/$name.build.log"
	notok "build $name"
	return 1
}

run() {
	name=$1 maxlen=$2
	seeds=tests/fuzz/corpus/$name
	work=$OUT/corpus-$name
	mkdir -p "$work"
	if "$OUT/$name" -runs=0 "$seeds" >"$OUT/$name.replay.log" 2>&1; then
		ok "$name replays its $(find "$seeds" -type f | wc -l) seeds"
	else
		tail -n 40 "$OUT/$name.replay.log"
		notok "$name replays its seeds (log $OUT/$name.replay.log)"
	fi
	start=$(date +%s)
	# shellcheck disable=SC2086
	"$OUT/$name" -max_total_time="$SECONDS_EACH" -max_len="$maxlen" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$OUT/artifacts/$name-" ${FUZZ_ARGS:-} \
		"$work" "$seeds" >"$OUT/$name.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$name.log")
	cov=$(grep -o 'cov: [0-9]*' "$OUT/$name.log" | tail -n 1)
	took=$(( $(date +%s) - start ))
	if [ "$rc" -eq 0 ]; then
		ok "$name: ${runs:-?} runs in ${took}s, $cov, no crash"
	else
		grep -E 'ERROR|SUMMARY|fuzz_(core|ext):|^    #[0-9]' "$OUT/$name.log" | head -n 40
		find "$OUT/artifacts" -name "$name-*" | sed 's/^/  input: /'
		notok "$name: exit $rc after ${took}s (log $OUT/$name.log)"
	fi
}

XT_CFLAGS=$(pkg-config --cflags xtables 2>/dev/null)
XT_LIBS=$(pkg-config --libs xtables 2>/dev/null || echo -lxtables)

b1=0 b2=0
build fuzz_core -Isrc tests/fuzz/fuzz_core.c src/pktstat_core.c && b1=1
# shellcheck disable=SC2086
build fuzz_ext -Isrc -Ixtables $XT_CFLAGS tests/fuzz/fuzz_ext.c $XT_LIBS && b2=1

[ $b1 = 1 ] && run fuzz_core 1024
[ $b2 = 1 ] && run fuzz_ext 256
finish
