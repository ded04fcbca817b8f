# shellcheck shell=sh
# Runs inside the test guest (tests/hostile/run.sh puts it there with the
# hostile binary, in the current directory).  Every malformed rule must be
# refused with the expected errno, leave a kernel log line naming the
# problem, and leave nothing behind: no /proc/net/xt_pktstat/ entry, the
# module's reference count back to 0, the table unchanged.  Each case
# goes first through ip_tables (IPT_SO_SET_REPLACE), then through
# nf_tables' compat match (NFT_MSG_NEWRULE); then a valid rule is accepted
# by both (positive control) and removed, and rmmod succeeds.
# shellcheck source=/dev/null
. /tests/guest/lib.sh

H=./hostile
P=/proc/net/xt_pktstat

modprobe iptable_filter || t_fail "modprobe iptable_filter"
modprobe xt_pktstat || t_fail "modprobe xt_pktstat"
iptables-legacy -F >/dev/null 2>&1
dmesg -c >/dev/null

leftovers() {
	_l=$(ls -A "$P" 2>&1)
	_r=$(cat /sys/module/xt_pktstat/refcnt 2>&1)
	_t=$(iptables-legacy -S INPUT 2>&1 | grep -c pktstat)
	if [ -z "$_l" ] && [ "$_r" = 0 ] && [ "$_t" = 0 ]; then
		return 0
	fi
	echo "proc: [$_l] refcnt: [$_r] pktstat rules in INPUT: [$_t]"
	return 1
}

# case  expected errno(s)  kernel log pattern (grep -E; "-" for none)
cases='
period-zero		34	xt_pktstat: name "0": --period 0ns: must be between
period-huge		34	xt_pktstat: name "0": --period 18446744073709551615ns: must be between
period-999ns		34	xt_pktstat: name "0": --period 999ns: must be between
period-3600s+1ns	34	xt_pktstat: name "0": --period 3600000000001ns: must be between
samples-zero		34	xt_pktstat: name "0": --samples 0: must be between 1 and 65536
samples-over-max	34	xt_pktstat: name "0": --samples 65537: must be between 1 and 65536
samples-ceil+1		34	xt_pktstat: name "0": --samples 1048577: must be between
samples-huge		34	xt_pktstat: name "0": --samples 4294967295: must be between
name-no-nul		36	xt_pktstat: --name "abcdefghijklmnopqrstuvwxyz012345": must be
name-slash		22	xt_pktstat: --name "a/b": must be
name-dot		22	xt_pktstat: --name ".": must be
name-dotdot		22	xt_pktstat: --name "..": must be
name-empty		22	xt_pktstat: --name "": must be
name-space		22	xt_pktstat: --name "a b": must be
name-ctrl		22	xt_pktstat: --name "a
flags-unknown		22	xt_pktstat: name "0": unknown flags 0x1
flags-high		22	xt_pktstat: name "0": unknown flags 0x80000000
size-small		22	ip_tables: pktstat.0 match: invalid size 56 \(kernel\) != \(user\) 48
size-large		22	ip_tables: pktstat.0 match: invalid size 56 \(kernel\) != \(user\) 64
size-zero		22	ip_tables: pktstat.0 match: invalid size 56 \(kernel\) != \(user\) 0
revision-1		91,93,2	-
valid-then-bad		34	xt_pktstat: name "second": --period 0ns
conflict-in-table	17	xt_pktstat: name "same": .*conflicts
'

logged=0 expected_logs=0
# a plain loop over the lines (no pipeline: the counters live in this shell)
OLDIFS=$IFS
IFS='
'
for line in $cases; do
	IFS=$OLDIFS
	c=$(echo "$line" | cut -f1)
	rest=$(echo "$line" | sed 's/^[^	]*	*//')
	errs=$(echo "$rest" | cut -f1)
	pat=$(echo "$rest" | sed 's/^[^	]*	*//')
	[ -n "$c" ] || continue
	dmesg -c >/dev/null
	out=$($H "$c" 2>&1)
	rc=$?
	e=$(echo "$out" | sed -n 's/.*refused errno \([0-9]*\).*/\1/p')
	log=$(dmesg | grep -v 'xt_pktstat: loading out-of-tree\|module verification failed' )
	what=$($H list | grep "^$c	" | cut -f2)
	case ",$errs," in
	*",$e,"*) if [ "$rc" = 1 ]; then
			t_ok "$c ($what): refused, errno $e"
		else
			t_fail "$c ($what): refused" "$out"
		fi ;;
	*) t_fail "$c ($what): refused with errno in {$errs}" "$out" ;;
	esac
	if [ "$pat" != "-" ]; then
		expected_logs=$((expected_logs + 1))
		if echo "$log" | grep -Eq -- "$pat"; then
			logged=$((logged + 1))
			t_ok "$c: kernel log: $(echo "$log" | grep -E -- "$pat" | head -n 1 | sed 's/^\[[ 0-9.]*\] //')"
		else
			t_fail "$c: kernel log line matching /$pat/" "dmesg: $log"
		fi
	else
		[ -n "$log" ] && t_diag "$c: kernel log: $log"
	fi
	if _o=$(leftovers); then
		t_ok "$c: nothing left (no proc entry, refcnt 0, table unchanged)"
	else
		t_fail "$c: nothing left" "$_o"
	fi
	IFS='
'
done
IFS=$OLDIFS
t_diag "kernel log lines: $logged of $expected_logs expected"

# The same blobs through nf_tables' compat match (NFT_MSG_NEWRULE with a
# "match" expression), in a table of their own.  The errno may differ from
# ip_tables' (nft_compat checks the size itself); refused, logged for the
# cases the module itself checks, and nothing left.
nft_leftovers() {
	_l=$(ls -A "$P" 2>&1)
	_r=$(cat /sys/module/xt_pktstat/refcnt 2>&1)
	_d=$($H nft-del 2>&1)
	if [ -z "$_l" ] && [ "$_r" = 0 ] && [ "$_d" = "nft-del: refused errno 2 (No such file or directory)" ]; then
		return 0
	fi
	echo "proc: [$_l] refcnt: [$_r] table: [$_d]"
	return 1
}
# Each pr_info_ratelimited() call site allows 10 lines per 5 s: the name
# check logs 7 times per pass, so let its window end between the passes.
sleep 5
if modprobe nf_tables && modprobe nft_compat; then
	IFS='
'
	for line in $cases; do
		IFS=$OLDIFS
		c=$(echo "$line" | cut -f1)
		rest=$(echo "$line" | sed 's/^[^	]*	*//')
		pat=$(echo "$rest" | sed 's/^[^	]*	*//')
		[ -n "$c" ] || continue
		case $pat in ip_tables*) pat=- ;; esac
		dmesg -c >/dev/null
		out=$($H nft "$c" 2>&1)
		rc=$?
		log=$(dmesg)
		if [ "$rc" = 1 ]; then
			t_ok "nft $c: $out"
		else
			t_fail "nft $c: refused" "$out"
		fi
		if [ "$pat" != "-" ]; then
			if echo "$log" | grep -Eq -- "$pat"; then
				t_ok "nft $c: kernel log line"
			else
				t_fail "nft $c: kernel log line matching /$pat/" "dmesg: $log"
			fi
		else
			[ -n "$log" ] && t_diag "nft $c: kernel log: $log"
		fi
		if _o=$(nft_leftovers); then
			t_ok "nft $c: nothing left (no proc entry, refcnt 0, no table)"
		else
			t_fail "nft $c: nothing left" "$_o"
		fi
		IFS='
'
	done
	IFS=$OLDIFS
	t_check "nft valid: accepted" $H nft valid
	t_check "nft valid: $P/0 exists" test -d "$P/0"
	t_check "nft valid: table deleted" $H nft-del
	if _o=$(nft_leftovers); then
		t_ok "nft valid: after deletion nothing left"
	else
		t_fail "nft valid: after deletion nothing left" "$_o"
	fi
else
	t_fail "modprobe nf_tables nft_compat"
fi

# Positive control: a valid blob is accepted and creates the name.
dmesg -c >/dev/null
t_check "valid: accepted" $H valid
t_check "valid: $P/0 exists" test -d "$P/0"
t_eq "valid: stats samples" "samples 20" "$(grep '^samples ' "$P/0/stats" 2>&1)"
t_eq "valid: stats period_ns" "period_ns 100000000" "$(grep '^period_ns ' "$P/0/stats" 2>&1)"
t_eq "valid: iptables-legacy sees it" \
	"-A INPUT -m pktstat --period 100ms --samples 20 -j ACCEPT" \
	"$(iptables-legacy -S INPUT 2>&1 | grep pktstat)"
t_check "empty table: accepted" $H empty
if _o=$(leftovers); then
	t_ok "after removal: nothing left"
else
	t_fail "after removal: nothing left" "$_o"
fi
t_check "rmmod xt_pktstat" rmmod xt_pktstat
bad=$(dmesg | grep -E 'WARNING|BUG|Call Trace|general protection|KASAN|leak' | head -n 5)
t_eq "no kernel warning" "" "$bad"
t_summary
