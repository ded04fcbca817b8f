# shellcheck shell=sh
# Runs inside the test guest (tests/hostile/run.sh puts it there with the
# hostile binary, in the current directory).  Every malformed rule must be
# refused with the expected errno, leave the expected kernel log line (or
# none), and leave nothing behind: no /proc/net/xt_pktstat/ entry, the
# module's reference count back to 0, the tables unchanged.  Each case goes
# through four paths, one pass each:
#   ip_tables   IPT_SO_SET_REPLACE on the IPv4 filter table   (hostile CASE)
#   ip6_tables  IP6T_SO_SET_REPLACE on the IPv6 filter table  (hostile -6 CASE)
#   nft ip      nf_tables' compat match, table ip hostile     (hostile nft CASE)
#   nft ip6     the same in table ip6 hostile                 (hostile -6 nft CASE)
# After each pass a valid rule is accepted by that path (positive control)
# and removed; at the end rmmod succeeds and the kernel warned of nothing.
# shellcheck source=/dev/null
. /tests/guest/lib.sh

H=./hostile
P=/proc/net/xt_pktstat

modprobe iptable_filter || t_fail "modprobe iptable_filter"
modprobe ip6table_filter || t_fail "modprobe ip6table_filter"
modprobe xt_pktstat || t_fail "modprobe xt_pktstat"
iptables-legacy -F >/dev/null 2>&1
ip6tables-legacy -F >/dev/null 2>&1
dmesg -c >/dev/null
KLOG=$(pwd)/kernel.log	# the kernel log from here on (for the last check)
: > "$KLOG"

# Both filter tables as iptables-legacy -S prints them: "table unchanged"
# means equal to this (policies ACCEPT, no rule) after every case.
tables_state() {
	echo "ip:"; iptables-legacy -S 2>&1
	echo "ip6:"; ip6tables-legacy -S 2>&1
}
TABLES0=$(tables_state)

leftovers() {
	local l r t
	l=$(ls -A "$P" 2>&1)
	r=$(cat /sys/module/xt_pktstat/refcnt 2>&1)
	t=$(tables_state)
	if [ -z "$l" ] && [ "$r" = 0 ] && [ "$t" = "$TABLES0" ]; then
		return 0
	fi
	echo "proc: [$l] refcnt: [$r] tables:"
	echo "$t"
	echo "expected tables:"
	echo "$TABLES0"
	return 1
}

# nft_leftovers FLAG: FLAG is "" (table ip) or "-6" (table ip6); the table
# "hostile" must not exist (deleting it fails with ENOENT).
nft_leftovers() {
	local l r d
	l=$(ls -A "$P" 2>&1)
	r=$(cat /sys/module/xt_pktstat/refcnt 2>&1)
	# shellcheck disable=SC2086 # empty FLAG: no argument
	d=$($H $1 nft-del 2>&1)
	if [ -z "$l" ] && [ "$r" = 0 ] && [ "$d" = "nft-del: refused errno 2 (No such file or directory)" ]; then
		return 0
	fi
	echo "proc: [$l] refcnt: [$r] table: [$d]"
	return 1
}

# Tab separated:
#   case  x_tables errno(s)  nft errno  nft log  kernel log pattern
# The pattern is for grep -E, %T standing for ip_tables or ip6_tables (the
# family's x_tables prefix, the same in nft_compat); "-": no line of
# xt_pktstat or x_tables at all.  nft log "=": the same line through nft;
# "-": none (nft_compat refuses a short info itself, without a log line).
# nft_compat reports any failure to find the match (revision) as ENOENT.
# xt_pktstat refuses everything with EINVAL (iptables then points to dmesg).
cases='
period-zero		22	22	=	xt_pktstat: name "0": --period 0ns: must be between
period-huge		22	22	=	xt_pktstat: name "0": --period 18446744073709551615ns: must be between
period-999ns		22	22	=	xt_pktstat: name "0": --period 999ns: must be between
period-3600s+1ns	22	22	=	xt_pktstat: name "0": --period 3600000000001ns: must be between
samples-zero		22	22	=	xt_pktstat: name "0": --samples 0: must be between 1 and 65536
samples-over-max	22	22	=	xt_pktstat: name "0": --samples 65537: must be between 1 and 65536
samples-ceil+1		22	22	=	xt_pktstat: name "0": --samples 1048577: must be between
samples-huge		22	22	=	xt_pktstat: name "0": --samples 4294967295: must be between
name-no-nul		22	22	=	xt_pktstat: --name "abcdefghijklmnopqrstuvwxyz012345": must be
name-slash		22	22	=	xt_pktstat: --name "a/b": must be
name-dot		22	22	=	xt_pktstat: --name ".": must be
name-dotdot		22	22	=	xt_pktstat: --name "..": must be
name-empty		22	22	=	xt_pktstat: --name "": must be
name-space		22	22	=	xt_pktstat: --name "a b": must be
name-ctrl		22	22	=	xt_pktstat: --name "a
flags-unknown		22	22	=	xt_pktstat: name "0": unknown flags 0x1
flags-high		22	22	=	xt_pktstat: name "0": unknown flags 0x80000000
size-small		22	22	-	x_tables: %T: pktstat.0 match: invalid size 56 \(kernel\) != \(user\) 48
size-large		22	22	=	x_tables: %T: pktstat.0 match: invalid size 56 \(kernel\) != \(user\) 64
size-zero		22	22	-	x_tables: %T: pktstat.0 match: invalid size 56 \(kernel\) != \(user\) 0
revision-1		91,93,2	2	=	-
valid-then-bad		22	22	=	xt_pktstat: name "second": --period 0ns
'

# one_case PATH FLAG NFT CASE ERRNOS PATTERN: run one case, check errno,
# kernel log and leftovers.  PATH labels the results; FLAG is "" or "-6";
# NFT is "nft" or "".
one_case() {
	local path="$1" flag="$2" nft="$3" c="$4" errs="$5" pat="$6" out rc e log what mine o
	dmesg -c >> "$KLOG"
	# shellcheck disable=SC2086 # empty FLAG/NFT: no argument
	out=$($H $flag $nft "$c" 2>&1)
	rc=$?
	e=$(echo "$out" | sed -n 's/.*refused errno \([0-9]*\).*/\1/p')
	log=$(dmesg | grep -v 'xt_pktstat: loading out-of-tree\|module verification failed')
	what=$($H list | grep "^$c	" | cut -f2)
	case ",$errs," in
	*",$e,"*) if [ "$rc" = 1 ]; then
			t_ok "$path $c ($what): refused, errno $e"
		else
			t_fail "$path $c ($what): refused" "$out"
		fi ;;
	*) t_fail "$path $c ($what): refused with errno in {$errs}" "$out" ;;
	esac
	if [ "$pat" != "-" ]; then
		expected_logs=$((expected_logs + 1))
		if echo "$log" | grep -Eq -- "$pat"; then
			logged=$((logged + 1))
			t_ok "$path $c: kernel log: $(echo "$log" | grep -E -- "$pat" | head -n 1 | sed 's/^\[[ 0-9.]*\] //')"
		else
			t_fail "$path $c: kernel log line matching /$pat/" "dmesg: $log"
		fi
	else
		mine=$(echo "$log" | grep -E 'xt_pktstat|_tables')
		if [ -z "$mine" ]; then
			t_ok "$path $c: no kernel log line"
		else
			t_fail "$path $c: no kernel log line" "dmesg: $mine"
		fi
	fi
	if [ -n "$nft" ]; then
		if o=$(nft_leftovers "$flag"); then
			t_ok "$path $c: nothing left (no proc entry, refcnt 0, no table)"
		else
			t_fail "$path $c: nothing left" "$o"
		fi
	elif o=$(leftovers); then
		t_ok "$path $c: nothing left (no proc entry, refcnt 0, tables unchanged)"
	else
		t_fail "$path $c: nothing left" "$o"
	fi
}

# pass PATH FLAG NFT: every case through one path, then its positive
# control.  Each pr_info_ratelimited() call site allows 10 lines per 5 s
# (the name check logs 7 times per pass): wait for the window to end
# before each pass.
pass() {
	local path="$1" flag="$2" nft="$3" tab legacy o line c rest errs nftlog pat OLDIFS
	case $flag in -6) tab=ip6_tables legacy=ip6tables-legacy ;; *) tab=ip_tables legacy=iptables-legacy ;; esac
	sleep 5
	logged=0 expected_logs=0
	# a plain loop over the lines (no pipeline: the counters live in this shell)
	OLDIFS=$IFS
	IFS='
'
	for line in $cases; do
		IFS=$OLDIFS
		c=$(echo "$line" | cut -f1)
		[ -n "$c" ] || continue
		rest=$(echo "$line" | sed 's/^[^	]*	*//')
		if [ -n "$nft" ]; then
			errs=$(echo "$rest" | cut -f2)
		else
			errs=$(echo "$rest" | cut -f1)
		fi
		nftlog=$(echo "$rest" | cut -f3)
		pat=$(echo "$rest" | cut -f4- | sed "s/%T/$tab/g")
		[ -n "$nft" ] && [ "$nftlog" = "-" ] && pat=-
		one_case "$path" "$flag" "$nft" "$c" "$errs" "$pat"
		IFS='
'
	done
	IFS=$OLDIFS
	t_diag "$path: kernel log lines: $logged of $expected_logs expected"

	# Positive control: a valid blob is accepted and creates the name.
	if [ -n "$nft" ]; then
		# shellcheck disable=SC2086
		t_check "$path valid: accepted" $H $flag nft valid
		t_check "$path valid: $P/0 exists" test -d "$P/0"
		# shellcheck disable=SC2086
		t_check "$path valid: table deleted" $H $flag nft-del
		if o=$(nft_leftovers "$flag"); then
			t_ok "$path valid: after deletion nothing left"
		else
			t_fail "$path valid: after deletion nothing left" "$o"
		fi
	else
		# shellcheck disable=SC2086
		t_check "$path valid: accepted" $H $flag valid
		t_check "$path valid: $P/0 exists" test -d "$P/0"
		t_eq "$path valid: stats samples" "samples 20" "$(grep '^samples ' "$P/0/stats" 2>&1)"
		t_eq "$path valid: stats period_ns" "period_ns 100000000" "$(grep '^period_ns ' "$P/0/stats" 2>&1)"
		t_eq "$path valid: $legacy sees it" \
			"-A INPUT -m pktstat --period 100ms --samples 20 -j ACCEPT" \
			"$($legacy -S INPUT 2>&1 | grep pktstat)"
		# shellcheck disable=SC2086
		t_check "$path empty table: accepted" $H $flag empty
		if o=$(leftovers); then
			t_ok "$path valid: after removal nothing left"
		else
			t_fail "$path valid: after removal nothing left" "$o"
		fi
	fi
}

pass ip_tables "" ""
pass ip6_tables -6 ""
if modprobe nf_tables && modprobe nft_compat; then
	pass "nft ip" "" nft
	pass "nft ip6" -6 nft
else
	t_fail "modprobe nf_tables nft_compat"
fi

t_check "rmmod xt_pktstat" rmmod xt_pktstat
dmesg >> "$KLOG"
bad=$(grep -E 'WARNING|BUG|Call Trace|general protection|KASAN|leak' "$KLOG" | head -n 5)
t_eq "no kernel warning" "" "$bad"
t_summary
