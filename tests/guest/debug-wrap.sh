#!/bin/sh
# Run a guest test command under the debug kernel's detectors and fail on
# any report (make check-debug, tests/debug/check-debug.sh):
#   /tests/guest/debug-wrap.sh 'COMMAND LINE' ['COMMAND LINE'...]
#
# 1. At start: kmemleak scans once; objects it reports at this point are
#    the kernel's own boot allocations (xt_pktstat is not loaded yet):
#    their count is printed and the list cleared, so that only what the
#    tests leave behind is reported at the end.  The kernel log so far is
#    the boot's; detector lines in it are printed ("# boot: ...") and
#    counted as a failure (the kernel reported something before any test
#    ran: fix the config, see tests/debug/README.md).
# 2. Each command line runs in turn (sh -c, from /, output streamed to the
#    console); its last "N passed, M failed" line is taken into the total.
#    Before each one but the first, and after the last: every iptables rule
#    is flushed (both back ends, both families, every table) and
#    xt_pktstat unloaded.
# 3. At the end, kmemleak scans twice, 5 s apart, and every
#    "unreferenced object" it lists fails the run, printed whole; any
#    detector line in the kernel log since the start (KASAN, UBSAN,
#    lockdep, ODEBUG, list corruption, sleeping in atomic context, RCU
#    stalls, WARNING, BUG, Oops: lib.sh's kernel_trouble pattern) fails it
#    too, printed with the report around it.  The log is read from
#    /dev/kmsg, so `dmesg -c` hides nothing.
# Ends with the total "N passed, M failed"; status non-zero on failure.
# Environment: DEBUG_WRAP_LEAK_SLEEP (seconds between the two final scans, 5).
. /tests/guest/lib.sh

KML=/sys/kernel/debug/kmemleak
W=/tmp/debug-wrap
mkdir -p $W
wp=0 wf=0
w_ok() { wp=$((wp + 1)); echo "ok - debug: $1"; }
w_fail() { wf=$((wf + 1)); echo "not ok - debug: $1"; }

# trouble_report FILE: each detector line of the log FILE, and the lines
# after it up to the next line of another report or 40 lines.
trouble_report() {
	awk -v re="$KERNEL_TROUBLE_RE" -v benign="$KERNEL_TROUBLE_BENIGN" '
		{ line[NR] = $0 }
		$0 ~ re && $0 !~ benign { hit[NR] = 1 }
		END {
			last = 0
			for (i = 1; i <= NR; i++) {
				if (!hit[i]) continue
				from = i; if (from <= last) from = last + 1
				to = i + 40; if (to > NR) to = NR
				if (from > last + 1 && last > 0) print "  ..."
				for (j = from; j <= to; j++) print line[j]
				last = to
			}
		}' "$1"
}

# check_log LOG WHAT OK_TEXT [PREFIX]: no detector report in the kernel
# log LOG: one result; the reports (trouble_report), each line after
# PREFIX, on failure.
check_log() {
	trouble_report "$1" > "$1.trouble"
	if [ -s "$1.trouble" ]; then
		w_fail "$2"
		sed "s/^/${4:-#   }/" "$1.trouble"
	else
		w_ok "$3"
	fi
}

mountpoint -q /sys/kernel/debug 2>/dev/null || mount -t debugfs debugfs /sys/kernel/debug
t0=$(uptime_s)
echo "# debug-wrap: kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB, booted in ${t0} s"

# The whole kernel log, from its first record, as long as this runs: a
# reader of /dev/kmsg is not affected by `dmesg -c` (tests/hostile clears
# the log) and markers written to /dev/kmsg cut it into boot and tests.
cat /dev/kmsg > $W/kmsg.raw &
KMSG_PID=$!
# kmsg_mark TEXT: write a marker record and wait until the reader has it.
kmsg_mark() {
	echo "debug-wrap: $1" > /dev/kmsg
	wait_for 100 grep -q "debug-wrap: $1" $W/kmsg.raw
}
# kmsg_text FROM TO: the records between the markers, as "[seconds] text".
kmsg_text() {
	awk -v from="debug-wrap: $1" -v to="debug-wrap: $2" '
		/^ / { next }			# dictionary lines
		{
			i = index($0, ";"); if (!i) next
			split(substr($0, 1, i - 1), h, ",")
			msg = substr($0, i + 1)
			if (from != "debug-wrap: " && !on) { if (index(msg, from)) on = 1; next }
			if (index(msg, to)) exit
			printf "[%5d.%06d] %s\n", h[3] / 1000000, h[3] % 1000000, msg
		}' $W/kmsg.raw
}

# ---- 1. the boot --------------------------------------------------------
if [ -w $KML ]; then
	s0=$(uptime_s)
	echo scan > $KML
	cat $KML > $W/leaks.boot
	n=$(grep -c '^unreferenced object' $W/leaks.boot)
	echo clear > $KML
	echo "# debug-wrap: kmemleak at boot: $n unreferenced objects of the kernel's own (cleared; the scan took $(( $(uptime_s) - s0 )) s)"
	[ "$n" != 0 ] && grep -A3 '^unreferenced object' $W/leaks.boot | head -n 40 | sed 's/^/# boot leak: /'
	w_ok "kmemleak active ($KML)"
else
	w_fail "kmemleak not available ($KML missing or not writable)"
fi
kmsg_mark "tests start"
# The boot leaks just listed are the kernel's (xt_pktstat is not loaded):
# kmemleak's own line about them is not trouble.
kmsg_text "" "tests start" | grep -v 'kmemleak: [0-9]* new suspected memory leaks' > $W/boot.log
check_log $W/boot.log "the kernel reported trouble while booting (before any test)" \
	"boot log free of detector reports ($(wc -l < $W/boot.log) lines)" "# boot: "
grep -q 'KernelAddressSanitizer initialized' $W/boot.log || echo "# debug-wrap: note: no KASAN in this kernel"

# ---- 2. the tests -------------------------------------------------------
# clean_slate: no rule in any table of either back end or family, and
# xt_pktstat unloaded (so that what its exit path forgets to free is
# unreferenced, and the next command starts as on a fresh boot).
clean_slate() {
	flush_all
	if grep -q '^xt_pktstat ' /proc/modules; then
		if unload_pktstat 2>$W/rmmod.err; then
			echo "# debug-wrap: xt_pktstat unloaded"
		else
			echo "# debug-wrap: note: xt_pktstat could not be unloaded: $(cat $W/rmmod.err) (refcnt $(cat /sys/module/xt_pktstat/refcnt 2>&1))"
		fi
	fi
}

cp=0 cf=0 k=0
t1=$(uptime_s)
for cmd in "$@"; do
	k=$((k + 1))
	[ $k -gt 1 ] && clean_slate
	echo "# debug-wrap: command $k: $cmd"
	tc=$(uptime_s)
	{ (cd / && sh -c "$cmd"); echo $? > $W/rc; } 2>&1 | tee $W/cmd.out
	rc=$(cat $W/rc 2>/dev/null || echo 255)
	echo "# debug-wrap: command $k: status $rc, $(( $(uptime_s) - tc )) s"
	if counts=$(summary_counts $W/cmd.out); then
		p=${counts% *} f=${counts#* }
		[ "$rc" != 0 ] && [ "$f" = 0 ] && { echo "not ok - debug: command $k: status $rc with no failed test"; f=1; }
	else
		echo "not ok - debug: command $k ended without a summary (status $rc)"
		p=0 f=1
	fi
	cp=$((cp + p)) cf=$((cf + f))
done
t2=$(uptime_s)

# ---- 3. clean up, then the detectors ----------------------------------------
clean_slate
# Let deferred frees (RCU callbacks, netns cleanup, nf_tables' work queue)
# run before the scans.
sleep 2
if [ -w $KML ]; then
	echo scan > $KML
	sleep "${DEBUG_WRAP_LEAK_SLEEP:-5}"
	echo scan > $KML
	cat $KML > $W/leaks
	n=$(grep -c '^unreferenced object' $W/leaks)
	if [ "$n" = 0 ]; then
		w_ok "kmemleak: no unreferenced object after the tests"
	else
		w_fail "kmemleak: $n unreferenced objects after the tests"
		sed 's/^/#   /' $W/leaks
	fi
fi
kmsg_mark "tests end"
kill $KMSG_PID 2>/dev/null
kmsg_text "tests start" "tests end" > $W/tests.log
check_log $W/tests.log "detector reports in the kernel log during the tests" \
	"kernel log free of detector reports (KASAN, UBSAN, lockdep, ODEBUG, list, atomic sleep, RCU, WARNING, BUG)"
t3=$(uptime_s)
echo "# debug-wrap: boot ${t0} s, tests $((t2 - t1)) s, clean-up and scans $((t3 - t2)) s"
echo "# debug-wrap: the commands: $cp passed, $cf failed; the detectors: $wp passed, $wf failed"
echo "$((cp + wp)) passed, $((cf + wf)) failed"
[ $((cf + wf)) = 0 ]
