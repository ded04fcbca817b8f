#!/bin/sh
# Host entry point of the xt-pktstat tests with the real module: boot the
# test guest and run tests/tools/guest-collect.sh in it, then check the
# Prometheus file it printed with promtool (Debian package prometheus).
#
# The image must hold the program (/usr/sbin/xt-pktstat, from
# tools/xt-pktstat) and /tests/tools/guest-collect.sh: tests/qemu/
# mkinitramfs.sh copies both.  Build src/, xtables/ and tools/ first.
# Environment: as tests/qemu/run-guest.sh (KVER, WORKDIR, ...), plus
# COLLECT_TIMEOUT (seconds, default 900) and COLLECT_COUNT (packets per
# pktgen thread, passed to the guest).
# Output: the guest's lines, one more for promtool, and the total
# "N passed, M failed".  Exit status 0 when everything passed.
set -u
cd "$(dirname "$0")/../.." || exit 1
mkdir -p build
out=build/qemu-collect.out
cmd=/tests/tools/guest-collect.sh
[ -n "${COLLECT_COUNT:-}" ] && cmd="COLLECT_COUNT=$COLLECT_COUNT $cmd"
tests/qemu/run-guest.sh --timeout "${COLLECT_TIMEOUT:-900}" "$cmd" | tee "$out"
rc=$?
# (tee's status: run-guest's is in the guest's summary line)
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
p=${line%% passed*}
f=${line#*passed, }
f=${f%% failed*}
if [ -z "$line" ]; then
	echo "not ok - guest-collect.sh ended without a summary"
	p=0 f=1
elif ! grep -q '^@@GUEST-EXIT 0@@' "$out" && [ "$f" = 0 ]; then
	echo "not ok - guest-collect.sh: non-zero status with no failed test"
	f=1
fi
sed -n '/^@@PROM-BEGIN@@$/,/^@@PROM-END@@$/p' "$out" | sed '1d;$d' > build/qemu-collect.prom
if ! command -v promtool >/dev/null; then
	echo "not ok - promtool check metrics: promtool missing (Debian package prometheus)"
	f=$((f + 1))
elif [ ! -s build/qemu-collect.prom ]; then
	echo "not ok - promtool check metrics: the guest printed no Prometheus file"
	f=$((f + 1))
elif msg=$(promtool check metrics < build/qemu-collect.prom 2>&1); then
	echo "ok - promtool check metrics: the Prometheus file written in the guest"
	p=$((p + 1))
else
	echo "not ok - promtool check metrics: the Prometheus file written in the guest"
	printf '%s\n' "$msg" | sed 's/^/#   /'
	f=$((f + 1))
fi
: "$rc"
echo "$p passed, $f failed"
[ "$f" = 0 ]
