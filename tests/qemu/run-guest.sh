#!/bin/bash
# Boot the test guest under QEMU (TCG, no KVM, no network device) and run
# one shell command line in it.
#
# Usage: tests/qemu/run-guest.sh [--smp N] [--timeout SECONDS] [--icount] COMMAND...
#
#   --smp N          virtual CPUs (default 2)
#   --timeout S      host-side limit for the whole boot + run (default 600)
#   --icount         deterministic instruction counting (-icount shift=0);
#                    forces --smp 1 (for benchmarks)
#   COMMAND...       joined with spaces and run in the guest by `sh -c`,
#                    e.g. /tests/guest/run-all.sh
#
# The initramfs is (re)built by tests/qemu/mkinitramfs.sh when its inputs
# changed (same environment: KVER, MODULE, EXTLIB, WORKDIR, and KERNEL_IMAGE
# and MODULES_ROOT for a kernel that is not installed).  The command
# goes into the guest as /guest-cmd, in a small cpio appended to the image,
# so the cached image is reused for any command.
#
# The guest's serial console is streamed to stdout (CRs stripped) and kept in
# $GUEST_LOG (default $WORKDIR/guest.log).  Kernel messages reach the console
# at warning level or worse only (quiet loglevel=5); the rest is in dmesg.
#
# QEMU_ACCEL overrides "-accel tcg,thread=single" (never kvm here: it hangs).
# QEMU_MEM: guest memory in MiB (default 1024; the KASAN kernel of
# make check-debug needs more).  QEMU_APPEND: more kernel parameters.
#
# Exit status: the guest command's status, read from the
#   @@GUEST-EXIT <rc>@@
# line that /init prints before `poweroff -f`; 124 if the timeout expired
# first; 125 if the guest stopped without printing it (kernel panic, init
# died, QEMU failed to start).
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
SMP=2
TIMEOUT=600
ICOUNT=0
while [ $# -gt 0 ]; do
	case $1 in
	--smp) SMP=$2; shift 2 ;;
	--smp=*) SMP=${1#*=}; shift ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--timeout=*) TIMEOUT=${1#*=}; shift ;;
	--icount) ICOUNT=1; shift ;;
	--) shift; break ;;
	-*) echo "run-guest: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
CMD="$*"
[ "$ICOUNT" = 1 ] && SMP=1

abspath() { case $1 in /*) echo "$1" ;; *) echo "$TOP/$1" ;; esac; }
if [ -z "${KVER:-}" ]; then
	KVER=$("$TOP/tests/qemu/default-kver.sh")
fi
[ -n "${KVER:-}" ] || { echo "run-guest: no kernel found" >&2; exit 125; }
export KVER
WORKDIR=$(abspath "${WORKDIR:-build/qemu}")
export WORKDIR
mkdir -p "$WORKDIR"
LOG=${GUEST_LOG:-$WORKDIR/guest.log}

# Build (or reuse) the image; serialized between concurrent runs.
(
	flock 9
	"$TOP/tests/qemu/mkinitramfs.sh"
) 9>"$WORKDIR/.lock" || { echo "run-guest: mkinitramfs failed" >&2; exit 125; }
BASE=$WORKDIR/initramfs-$KVER.cpio.gz

TMP=$(mktemp -d "$WORKDIR/run.XXXXXX")
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir "$TMP/c"
printf '%s\n' "$CMD" > "$TMP/c/guest-cmd"
(cd "$TMP/c" && echo guest-cmd | cpio -o -H newc --owner 0:0 --quiet | gzip -1) > "$TMP/cmd.cpio.gz"
cat "$BASE" "$TMP/cmd.cpio.gz" > "$TMP/initrd"

QEMU_ARGS=(-accel "${QEMU_ACCEL:-tcg,thread=single}" -cpu max -smp "$SMP" -m "${QEMU_MEM:-1024}"
	-nodefaults -nographic -monitor none -serial stdio -no-reboot
	-kernel "${KERNEL_IMAGE:-/boot/vmlinuz-$KVER}" -initrd "$TMP/initrd"
	-append "console=ttyS0 quiet loglevel=5 panic=-1 mitigations=off rdinit=/init${QEMU_APPEND:+ $QEMU_APPEND}")
[ "$ICOUNT" = 1 ] && QEMU_ARGS+=(-icount shift=0)

mkfifo "$TMP/fifo"
start=$(date +%s)
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 "${QEMU_ARGS[@]}" </dev/null >"$TMP/fifo" 2>&1 &
qpid=$!
: > "$LOG"
guest_rc=
killer=
while IFS= read -r line || [ -n "$line" ]; do
	line=${line//$'\r'/}
	printf '%s\n' "$line"
	printf '%s\n' "$line" >> "$LOG"
	if [[ -z $guest_rc && $line =~ @@GUEST-EXIT\ ([0-9]+)@@ ]]; then
		guest_rc=${BASH_REMATCH[1]}
		# poweroff -f should end QEMU at once; don't wait for the
		# timeout if it does not.
		( sleep 20; kill "$qpid" 2>/dev/null ) &
		killer=$!
	fi
done < "$TMP/fifo"
wait "$qpid"
qrc=$?
[ -n "$killer" ] && kill "$killer" 2>/dev/null
echo "run-guest: guest ran $(( $(date +%s) - start ))s (qemu status $qrc)" >&2

if [ -n "$guest_rc" ]; then
	exit "$guest_rc"
elif [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "run-guest: timeout after ${TIMEOUT}s" >&2
	exit 124
else
	echo "run-guest: guest stopped without @@GUEST-EXIT@@ (qemu status $qrc)" >&2
	exit 125
fi
