#!/bin/sh
# Host entry point of the xt-pktstat tests with the real module: boot the
# test guest once and run in it tests/tools/guest-collect.sh (collect
# under a flood) then tests/tools/guest-bursts.sh (bursts, collect's
# burst counters and histogram, plot), then check on the host what they
# printed: both Prometheus files with promtool (Debian package
# prometheus; tests/tools/promtool-check.sh), the SVG with xmllint
# (libxml2-utils), rendered to PNG when rsvg-convert (librsvg2-bin) is
# there, for a look.
#
# The image must hold the program (/usr/sbin/xt-pktstat, from
# tools/xt-pktstat) and /tests/tools/guest-*.sh: tests/qemu/
# mkinitramfs.sh copies both.  Build src/, xtables/ and tools/ first.
# Environment: as tests/qemu/run-guest.sh (KVER, WORKDIR, ...), plus
# COLLECT_TIMEOUT (seconds, default 900), COLLECT_COUNT (packets per
# pktgen thread, passed to guest-collect.sh) and TOOLS_GUEST (the guest
# scripts to run, default "collect bursts").
# Output: the guest's lines, one line per host check, and the total
# "N passed, M failed".  Exit status 0 when everything passed.  Files in
# $WORKDIR (default build/qemu): qemu-collect.out (the console),
# qemu-collect.prom, qemu-bursts.prom, qemu-bursts.svg, qemu-bursts.png.
set -u
cd "$(dirname "$0")/../.." || exit 1
OUT_DIR=${WORKDIR:-build/qemu}
mkdir -p "$OUT_DIR"
out=$OUT_DIR/qemu-collect.out
cmd=
n_guest=0
for g in ${TOOLS_GUEST:-collect bursts}; do
	env=
	[ "$g" = collect ] && [ -n "${COLLECT_COUNT:-}" ] && env="COLLECT_COUNT=$COLLECT_COUNT "
	cmd="$cmd${cmd:+; }$env/tests/tools/guest-$g.sh"
	n_guest=$((n_guest + 1))
done
tests/qemu/run-guest.sh --timeout "${COLLECT_TIMEOUT:-900}" "$cmd" | tee "$out"

p=0 f=0
ok() { echo "ok - $1"; p=$((p + 1)); }
not_ok() { echo "not ok - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done; f=$((f + 1)); }
# the guests' summaries, one per script
summaries=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out")
for line in $(printf '%s\n' "$summaries" | sed 's/ passed, /:/; s/ failed.*//'); do
	p=$((p + ${line%:*}))
	f=$((f + ${line#*:}))
done
n_sum=$(printf '%s\n' "$summaries" | grep -c .)
[ "$n_sum" = "$n_guest" ] || not_ok "the guest scripts ended with $n_sum summaries of $n_guest"
grep -q '^@@GUEST-EXIT 0@@' "$out" || [ "$f" != 0 ] ||
	not_ok "the guest command: non-zero status with no failed test"

# block BEGIN END FILE: the lines between two marker lines of the console
block() { sed -n "/^$1\$/,/^$2\$/p" "$out" | sed '1d;$d' > "$3"; }
promcheck() { # NAME FILE
	if [ ! -s "$2" ]; then
		not_ok "promtool check metrics: $1: the guest printed no Prometheus file"
	elif msg=$(tests/tools/promtool-check.sh "$2" 2>&1); then
		ok "promtool check metrics: $1's Prometheus file (tests/tools/promtool-check.sh)"
	else
		not_ok "promtool check metrics: $1's Prometheus file" "$msg"
	fi
}
case " ${TOOLS_GUEST:-collect bursts} " in *" collect "*)
	block @@PROM-BEGIN@@ @@PROM-END@@ "$OUT_DIR/qemu-collect.prom"
	promcheck guest-collect.sh "$OUT_DIR/qemu-collect.prom" ;;
esac
case " ${TOOLS_GUEST:-collect bursts} " in *" bursts "*)
	block @@BURSTS-PROM-BEGIN@@ @@BURSTS-PROM-END@@ "$OUT_DIR/qemu-bursts.prom"
	promcheck guest-bursts.sh "$OUT_DIR/qemu-bursts.prom"
	svg=$OUT_DIR/qemu-bursts.svg
	block @@BURSTS-SVG-BEGIN@@ @@BURSTS-SVG-END@@ "$svg"
	if ! command -v xmllint >/dev/null; then
		not_ok "plot: the SVG is well-formed XML: xmllint missing (Debian package libxml2-utils)"
	elif [ -s "$svg" ] && msg=$(xmllint --noout "$svg" 2>&1); then
		ok "plot: the SVG of the guest's CSV files is well-formed XML (xmllint)"
	else
		not_ok "plot: the SVG of the guest's CSV files is well-formed XML" "${msg:-no SVG printed}"
	fi
	command -v rsvg-convert >/dev/null && [ -s "$svg" ] &&
		rsvg-convert "$svg" -o "${svg%.svg}.png" 2>/dev/null &&
		echo "# plot rendered: ${svg%.svg}.png" ;;
esac
echo "$p passed, $f failed"
[ "$f" = 0 ]
